<#
    Disconnect-ComplianceTenant -Deprovision in a real PowerShell against the built module and the tenant emulator:
    the multi-instance refusal, the enabled-policy refusal, -WhatIf, -All, the warning about Conditional Access, and a
    declined confirmation (answered by the test session's text host); each test in a fresh session of its own.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Disconnect-ComplianceTenant -Deprovision against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'OnboardingSetup.ps1')
        Import-AzureComplianceModule
        . Initialize-OnboardingFile

        function Add-TwoInstance {
            <# Two MDM instances sharing the tenant: this test's and another one (in a session of its own). #>
            Reset-Onboarding
            Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null"))
            $otherShell = New-ModuleRunspace
            try {
                Assert-NoError -Result (Invoke-Scenario -Shell $otherShell -Script ((Get-ConnectScript -SourceName $Other) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null"))
            }
            finally { Remove-ModuleRunspace -Shell $otherShell }
        }
    }

    AfterAll { Complete-OnboardingFile }

    BeforeEach {
        . Start-OnboardingTest
        $Other = "$Source-b"
    }

    AfterEach { Stop-OnboardingTest }

    It 'Other registered instances are a refusal that names the two safe options' {
        Add-TwoInstance
        $writes = Get-Writes
        $result = Invoke-Scenario 'Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -Confirm:$false; (Get-ComplianceConnection).IsConnected'
        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'OtherInstancesRegistered,AzureCompliance.Cmdlets.Connection.DisconnectComplianceTenantCommand*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidOperation)
        Assert-Mention $failure $Other, 'Disable-CompliancePolicy', '-All', 'nothing was changed'
        Get-Writes | Should -Be $writes
        $result.Output | Should -Be @($true)

        $forced = Invoke-Scenario 'Disconnect-ComplianceTenant -Deprovision -Force -StatePath $StatePath -Confirm:$false'
        (Get-SingleError -Result $forced).FullyQualifiedErrorId | Should -BeLike 'OtherInstancesRegistered,*'
        Get-Writes | Should -Be $writes
    }

    It '-WhatIf lists every change and sends no write' {
        Add-TwoInstance
        $writes = Get-Writes
        $result = Invoke-Scenario 'Disconnect-ComplianceTenant -Deprovision -All -StatePath $StatePath -WhatIf; (Get-ComplianceConnection).IsConnected'
        Assert-NoError -Result $result
        Get-Writes | Should -Be $writes
        $result.HostText | Should -Match ([regex]::Escape('Deprovision the partner tenant (Intune partner API, Provisioned = 2)'))
        $result.HostText | Should -Match ([regex]::Escape('Remove the MDM instance registry (instances: '))
        $result.HostText | Should -Match ([regex]::Escape($Other))
        $result.HostText | Should -Match '"Sign out"'
        $result.Output | Should -Be @($true)
    }

    It '-All de-provisions the tenant, unregisters every instance and signs out' {
        Add-TwoInstance
        $mark = Get-JournalMark
        $result = Invoke-Scenario "Disconnect-ComplianceTenant -Deprovision -All -StatePath `$StatePath -Confirm:`$false; Get-ComplianceConnection | ForEach-Object { 'still connected' }"
        Assert-NoError -Result $result
        $result.Output | Should -HaveCount 1
        $outcome = $result.Output[0]
        $outcome.PartnerTenantDeprovisioned | Should -BeTrue
        $outcome.SignedOut | Should -BeTrue
        @(Get-Strings $outcome UnregisteredInstances | Sort-Object -CaseSensitive) | Should -Be @(@($Other, $Source) | Sort-Object -CaseSensitive)
        @(Get-JournalSince $mark | Where-Object { $_.method -eq 'PUT' -and $_.pathAndQuery -like "*PartnerTenants(guid'$($Demo.TenantId)')*" }) | Should -Not -BeNullOrEmpty

        $after = Invoke-Scenario ((Get-ConnectScript) + "Test-ComplianceTenant -StatePath `$StatePath | Where-Object Name -eq 'Partner tenant provisioned'")
        Assert-NoError -Result $after
        $after.Output | Should -HaveCount 1
        "$($after.Output[0].Result)" | Should -Be 'Fail'
        $after.Output[0].Detail | Should -Match 'registered instances: none'
    }

    It 'A single instance de-provisions, and an enforced access policy is named in a warning' {
        Reset-Onboarding
        $policy = "AzC test deprovision $Source"
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null; " +
                "New-ComplianceAccessPolicy -DisplayName `$Policy -Group 'Mobile Pilot' -State Enabled | Out-Null") @{ Policy = $policy })
        try {
            $result = Invoke-Scenario 'Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -Confirm:$false'
            Assert-NoError -Result $result
            @($result.Warnings | Where-Object { $_.Message.Contains($policy) -and $_.Message.Contains('compliant device') }) | Should -Not -BeNullOrEmpty
            $result.Output | Should -HaveCount 1
            Get-Strings $result.Output[0] UnregisteredInstances | Should -Be @($Source)
            Get-Strings $result.Output[0] AccessPoliciesRequiringCompliance | Should -Be @($policy)
        }
        finally {
            $null = Invoke-Scenario ((Get-ConnectScript) + 'Remove-ComplianceAccessPolicy -DisplayName $Policy -Confirm:$false') @{ Policy = $policy }
        }
    }

    It 'An enabled compliance policy is a refusal unless -Force' {
        Reset-Onboarding
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -AllUsers | Out-Null; " +
                "New-CompliancePolicy -Name 'AzC test policy' -Platform iOS -StatePath `$StatePath -WarningAction SilentlyContinue | Out-Null"))
        $writes = Get-Writes
        $refused = Get-SingleError -Result (Invoke-Scenario 'Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -Confirm:$false')
        $refused.FullyQualifiedErrorId | Should -BeLike 'CompliancePolicyEnabled,*'
        Assert-Mention $refused 'AzC test policy', 'Disable-CompliancePolicy', '-Force'
        Get-Writes | Should -Be $writes

        $forced = Invoke-Scenario 'Disconnect-ComplianceTenant -Deprovision -Force -StatePath $StatePath'
        Assert-NoError -Result $forced
        @($forced.Warnings | Where-Object { $_.Message.Contains('-Force') }) | Should -Not -BeNullOrEmpty
        $forced.Output | Should -HaveCount 1
        $forced.Output[0].PartnerTenantDeprovisioned | Should -BeTrue
    }

    It 'Declining the high-impact confirmation changes nothing' {
        Reset-Onboarding
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -AllUsers | Out-Null"))
        $writes = Get-Writes
        $Session.TextHost.ChoiceAnswers.Enqueue(1) # No
        $result = Invoke-Scenario 'Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath; (Get-ComplianceConnection).IsConnected'
        Assert-NoError -Result $result
        $result.HostText | Should -Match 'PROMPT: Disconnect-ComplianceTenant -Deprovision'
        $result.HostText | Should -Match 'Deprovision the partner tenant'
        Get-Writes | Should -Be $writes
        $result.Output | Should -Be @($true)
    }
}
