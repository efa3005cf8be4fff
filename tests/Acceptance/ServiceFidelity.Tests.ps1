<#
    Issue 8 in a real PowerShell against the built module and the tenant emulator as a separate process: what the
    cmdlets say where the real services are stricter than they look (docs/service-notes.md). The engine-level proofs
    are the xunit tests in tests/AzureCompliance.Core.Tests/Fidelity and tests/AzureCompliance.TenantEmulator.Tests.
    Pester 5: Invoke-Pester -Path tests/Acceptance/ServiceFidelity.Tests.ps1
#>

Describe 'Service fidelity: partner API permissions, delegated sign-in and partner URLs' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule

        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $TenantId = $Demo.TenantId
        $ClientId = $Demo.AppClientId
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $ReaderClientId = $Demo.ReaderClientId
        $ReaderSecureSecret = ConvertTo-TestSecureString -Value $Demo.ReaderSecret
        $StatePath = Join-Path $Emulator.WorkDirectory 'fidelity.db'
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
    }

    It 'Connect reads the Intune API app roles and names the missing ones' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ReaderClientId -ClientSecret $ReaderSecureSecret @Endpoints }

        Assert-NoError -Result $result
        $warnings = ($result.Warnings | ForEach-Object { $_.Message }) -join "`n"
        $warnings | Should -Match ([regex]::Escape('Microsoft Intune API: update_device_attributes'))
        $warnings | Should -Match 'manage_partner_compliance_policy'
        $result.Output[0].MissingPermissions | Should -Contain 'update_device_attributes'
        $result.Output[0].MissingPermissions | Should -Contain 'manage_partner_compliance_policy'
    }

    It 'An app with the Intune API roles connects without a permission warning' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret @Endpoints }

        Assert-NoError -Result $result
        $result.Warnings | Should -HaveCount 0
        $result.Output[0].Permissions | Should -Contain 'update_device_attributes'
        @($result.Output[0].MissingPermissions) | Should -HaveCount 0
    }

    It 'Device-code sign-in is told it cannot reach the partner API, and Send-DeviceCompliance refuses before any call' {
        $connect = Invoke-Captured { Connect-ComplianceTenant -DeviceCode -TenantId $TenantId -ClientId $ClientId @Endpoints }
        Assert-NoError -Result $connect
        ($connect.Warnings | ForEach-Object { $_.Message }) -join "`n" | Should -Match 'cannot reach the Intune partner API'

        $device = [pscustomobject]@{ DeviceId = [guid]::NewGuid().ToString(); DeviceName = 'iPhone'; Platform = 'iOS'; OsVersion = '17.5'; UserId = [guid]::NewGuid().ToString() }
        $send = Invoke-Captured { $device | Send-DeviceCompliance -StatePath $StatePath }
        [string](Get-SingleError -Result $send).FullyQualifiedErrorId | Should -BeLike 'PartnerApiNeedsApplicationSignIn*'
        $send.Text | Should -Match 'ClientSecret'
    }

    It 'Add-CompliancePartner refuses a provisioning URL that is not https before changing anything' {
        Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret @Endpoints | Out-Null
        $result = Invoke-Captured { Add-CompliancePartner -DisplayName 'Fidelity MDM' -Platform iOS -AllUsers -EnrollmentUrl 'http://mdm.example.com/enroll' }

        $all = @($result.Errors)
        $all | Should -HaveCount 1
        [string]$all[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPartnerUrl*'
        $all[0].ToString() | Should -Match 'https'
        @(Get-CompliancePartner | Where-Object DisplayName -EQ 'Fidelity MDM') | Should -HaveCount 0
    }
}
