<#
    Issue 9, point 1: several compliance partners in one tenant. The MDM instance (-SourceName) knows its partner, the
    one it added or registered as (the tenant's instance registry): the cmdlets that act on "the partner" use it by
    default, -PartnerName is needed only when the instance has none and the tenant has several, and
    Get-CompliancePartner marks this instance's partner. Real pwsh, the built module and the tenant emulator.
#>

Describe 'Several compliance partners in one tenant' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'NewUser.Helpers.ps1')
        Import-AzureComplianceModule
        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret

        function Connect-As {
            param([string] $SourceName)
            $null = Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName $SourceName
        }

        # A realistic tenant: another MDM (its own instance) holds Android; this instance adds Ivanti EPMM for iOS.
        Connect-As 'maas360-01'
        $null = Add-CompliancePartner -DisplayName 'IBM MaaS360' -Platform Android -AllUsers
        Connect-As 'ivanti-01'
        $null = Add-CompliancePartner -DisplayName 'Ivanti EPMM' -Platform iOS -AllUsers
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
    }

    BeforeEach {
        $Folder = New-NewUserFolder
        $StatePath = Join-Path $Folder 'state.db'
    }

    AfterEach {
        Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'Set-ComplianceGroup -Group and -AllUsers act on this instance''s partner without -PartnerName' {
        Connect-As 'ivanti-01'
        $groups = Invoke-Captured { Set-ComplianceGroup -Group 'Mobile Pilot' -StatePath $StatePath -ErrorAction Continue }
        Assert-NoError -Result $groups
        $groups.Output[0].PartnerName | Should -Be 'Ivanti EPMM'

        $all = Invoke-Captured { Set-ComplianceGroup -AllUsers -StatePath $StatePath }
        Assert-NoError -Result $all
        $all.Output[0].PartnerName | Should -Be 'Ivanti EPMM'

        # The other partner's Android assignment is untouched.
        $maas = Get-CompliancePartner -DisplayName 'IBM MaaS360'
        @($maas.Platforms) | Should -Be @('Android')
    }

    It 'Test-ComplianceTenant checks this instance''s partner without -PartnerName' {
        Connect-As 'ivanti-01'
        $result = Invoke-Captured { Test-ComplianceTenant -Platform iOS -StatePath $StatePath -ErrorAction Continue }
        @($result.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'PartnerAmbiguous*' }) | Should -BeNullOrEmpty
        $result.Text | Should -Not -Match 'several compliance partners'
        $result.Text | Should -Match 'Ivanti EPMM'
    }

    It 'Get-CompliancePartner marks this instance''s partner' {
        Connect-As 'ivanti-01'
        $partners = @(Get-CompliancePartner)
        ($partners | Where-Object DisplayName -eq 'Ivanti EPMM').IsThisInstance | Should -BeTrue
        ($partners | Where-Object DisplayName -eq 'IBM MaaS360').IsThisInstance | Should -BeFalse
        ($partners | Where-Object DisplayName -eq 'Ivanti EPMM' | Out-String -Width 80) | Should -Match 'ThisInstance\s+:\s+True'

        Connect-As 'maas360-01'
        (Get-CompliancePartner | Where-Object IsThisInstance).DisplayName | Should -Be 'IBM MaaS360'
    }

    It 'an instance without a partner names one with -PartnerName when the tenant has several' {
        Connect-As 'new-instance-03'
        $ambiguous = Invoke-Captured { Set-ComplianceGroup -Group 'Mobile Pilot' -StatePath $StatePath -ErrorAction Continue }
        (Get-SingleError -Result $ambiguous).FullyQualifiedErrorId | Should -BeLike 'PartnerAmbiguous*'
        @(Get-CompliancePartner | Where-Object IsThisInstance) | Should -BeNullOrEmpty

        $named = Invoke-Captured { Set-ComplianceGroup -Group 'Mobile Pilot' -PartnerName 'Ivanti EPMM' -StatePath $StatePath }
        Assert-NoError -Result $named
        $named.Output[0].PartnerName | Should -Be 'Ivanti EPMM'
    }
}
