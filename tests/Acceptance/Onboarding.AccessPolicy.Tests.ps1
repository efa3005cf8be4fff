<#
    New-/Get-/Set-/Remove-ComplianceAccessPolicy in a real PowerShell against the built module and the tenant emulator:
    compliant device required, report-only by default, the lock-out refusal, pacing at Conditional Access' one request
    per second, 429 without Retry-After; each test in a fresh session of its own.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Conditional Access policies against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'OnboardingSetup.ps1')
        Import-AzureComplianceModule
        . Initialize-OnboardingFile
        $ConditionalAccessPath = '/identity/conditionalAccess/policies'
        function Get-PolicyName { param([string] $What) "AzC test $What $Source" }
    }

    AfterAll { Complete-OnboardingFile }

    BeforeEach { . Start-OnboardingTest }

    AfterEach { Stop-OnboardingTest }

    It 'A new policy is report-only and requires a compliant device' {
        $name = Get-PolicyName 'report-only'
        $mark = Get-JournalMark
        $result = Invoke-Scenario ((Get-ConnectScript) + "New-ComplianceAccessPolicy -DisplayName `$Name -Group 'Mobile Pilot', 'Sales EMEA' -ExcludeGroup 'Break Glass'") @{ Name = $name }
        Assert-NoError -Result $result
        $result.Output | Should -HaveCount 1
        $policy = $result.Output[0]
        "$($policy.State)" | Should -Be 'ReportOnly'
        $policy.RequiresCompliantDevice | Should -BeTrue
        Get-Strings $policy Platforms | Should -Be @('Android', 'iOS')
        Get-Strings $policy Applications | Should -Be @('Office365')
        Get-Strings $policy IncludeGroups | Should -Be @($Demo.MobilePilotGroup, $Demo.SalesEmeaGroup)
        Get-Strings $policy ExcludeGroups | Should -Be @($Demo.BreakGlassGroup)
        $policy.AllUsers | Should -BeFalse
        @(Get-JournalSince $mark | Where-Object { $_.method -eq 'POST' -and $_.pathAndQuery -like "*$ConditionalAccessPath*" -and $_.statusCode -eq 201 }) | Should -Not -BeNullOrEmpty

        $got = Invoke-Scenario "Get-ComplianceAccessPolicy -DisplayName `$Name | Out-Host; Get-ComplianceAccessPolicy -DisplayName 'AzC test report-only*'" @{ Name = $name }
        Assert-NoError -Result $got
        @($got.Output | Where-Object DisplayName -eq $name) | Should -HaveCount 1
        $got.HostText | Should -Match 'ReportOnly'
        $twice = Invoke-Scenario "New-ComplianceAccessPolicy -DisplayName `$Name -Group 'Mobile Pilot' -ExcludeGroup 'Break Glass'" @{ Name = $name }
        (Get-SingleError -Result $twice).FullyQualifiedErrorId | Should -BeLike 'AccessPolicyExists,*'
        Assert-NoError -Result (Invoke-Scenario 'Remove-ComplianceAccessPolicy -DisplayName $Name -Confirm:$false' @{ Name = $name })
    }

    It 'Enabled for all users with nobody excluded is refused and says why' {
        $name = Get-PolicyName 'lockout'
        Assert-NoError -Result (Invoke-Scenario (Get-ConnectScript))
        $writes = Get-Writes
        $mark = Get-JournalMark
        $result = Invoke-Scenario 'New-ComplianceAccessPolicy -DisplayName $Name -AllUsers -State Enabled' @{ Name = $name }
        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'AccessPolicyLockoutRisk,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidOperation)
        Assert-Mention $failure 'lock every administrator out', '-ExcludeUser', '-ExcludeGroup', '-Force'
        Get-Writes | Should -Be $writes
        Get-JournalSince $mark | Should -HaveCount 0 -Because 'it is refused before any request'
        $result.Output | Should -HaveCount 0

        $excluded = Invoke-Scenario 'New-ComplianceAccessPolicy -DisplayName $Name -AllUsers -State Enabled -ExcludeUser $BreakGlass' @{ Name = $name; BreakGlass = $Demo.BreakGlassUser }
        Assert-NoError -Result $excluded
        $excluded.Output | Should -HaveCount 1
        "$($excluded.Output[0].State)" | Should -Be 'Enabled'
        Get-Strings $excluded.Output[0] ExcludeUsers | Should -Be @($Demo.BreakGlassUser)
        $excluded.Output[0].LockoutRisk | Should -BeFalse

        # Removing the only exclusion of the enabled policy is the same risk: refused, nothing sent.
        $writes = Get-Writes
        $cleared = Invoke-Scenario 'Get-ComplianceAccessPolicy -DisplayName $Name | Set-ComplianceAccessPolicy -ExcludeUser @()' @{ Name = $name }
        (Get-SingleError -Result $cleared).FullyQualifiedErrorId | Should -BeLike 'AccessPolicyLockoutRisk,*'
        Get-Writes | Should -Be $writes
        $forced = Invoke-Scenario 'Set-ComplianceAccessPolicy -DisplayName $Name -ExcludeUser @() -Force' @{ Name = $name }
        Assert-NoError -Result $forced
        @($forced.Warnings | Where-Object { $_.Message -match 'lock every administrator out' }) | Should -Not -BeNullOrEmpty
        $forced.Output | Should -HaveCount 1
        $forced.Output[0].LockoutRisk | Should -BeTrue
        Assert-NoError -Result (Invoke-Scenario 'Remove-ComplianceAccessPolicy -DisplayName $Name -Confirm:$false' @{ Name = $name })
    }

    It 'Set changes state and scope; -WhatIf and Remove behave' {
        $name = Get-PolicyName 'set'
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "New-ComplianceAccessPolicy -DisplayName `$Name -Group 'Mobile Pilot' | Out-Null") @{ Name = $name })
        $writes = Get-Writes
        $whatIf = Invoke-Scenario 'Get-ComplianceAccessPolicy -DisplayName $Name | Set-ComplianceAccessPolicy -State Enabled -WhatIf; Get-ComplianceAccessPolicy -DisplayName $Name | Remove-ComplianceAccessPolicy -WhatIf' @{ Name = $name }
        Assert-NoError -Result $whatIf
        Get-Writes | Should -Be $writes
        $whatIf.HostText | Should -Match 'state ReportOnly -> Enabled'
        $whatIf.HostText | Should -Match 'Delete the Conditional Access policy'

        $enabled = Invoke-Scenario "Set-ComplianceAccessPolicy -DisplayName `$Name -State Enabled -Group 'Mobile Pilot', 'Sales EMEA' -Platform iOS" @{ Name = $name }
        Assert-NoError -Result $enabled
        $enabled.Output | Should -HaveCount 1
        "$($enabled.Output[0].State)" | Should -Be 'Enabled'
        Get-Strings $enabled.Output[0] IncludeGroups | Should -Be @($Demo.MobilePilotGroup, $Demo.SalesEmeaGroup)
        Get-Strings $enabled.Output[0] Platforms | Should -Be @('iOS')

        $writes = Get-Writes
        Assert-NoError -Result (Invoke-Scenario 'Set-ComplianceAccessPolicy -DisplayName $Name -State Enabled' @{ Name = $name })
        Get-Writes | Should -Be $writes
        $removed = Invoke-Scenario 'Get-ComplianceAccessPolicy -DisplayName $Name | Remove-ComplianceAccessPolicy -Confirm:$false; Get-ComplianceAccessPolicy -DisplayName $Name' @{ Name = $name }
        (Get-SingleError -Result $removed).FullyQualifiedErrorId | Should -BeLike 'AccessPolicyNotFound,*'
        $removed.Output | Should -HaveCount 0
    }

    It 'Conditional Access requests are paced at one per second' {
        $name = Get-PolicyName 'pacing'
        Assert-NoError -Result (Invoke-Scenario (Get-ConnectScript))
        $mark = Get-JournalMark
        $result = Invoke-Scenario ("New-ComplianceAccessPolicy -DisplayName `$Name -Group 'Mobile Pilot' | Out-Null; Get-ComplianceAccessPolicy | Out-Null; " +
            'Set-ComplianceAccessPolicy -DisplayName $Name -State Disabled | Out-Null; Remove-ComplianceAccessPolicy -DisplayName $Name -Confirm:$false') @{ Name = $name }
        Assert-NoError -Result $result
        $calls = @(Get-JournalSince $mark | Where-Object { $_.pathAndQuery -like "*$ConditionalAccessPath*" })
        $calls.Count | Should -BeGreaterOrEqual 6 -Because 'New, Get, Set and Remove each read or write Conditional Access'
        @($calls | Where-Object statusCode -eq 429) | Should -HaveCount 0
        # The emulator's own clock: requests it received at least 0.9 s apart (the service's 1 per second, measured server-side).
        for ($i = 1; $i -lt $calls.Count; $i++) {
            $gap = ([DateTimeOffset]$calls[$i].time - [DateTimeOffset]$calls[$i - 1].time).TotalMilliseconds
            $gap | Should -BeGreaterOrEqual 900 -Because "requests $($i - 1) and $i must be paced"
        }
    }

    It 'Throttling without Retry-After is backed off on its own' {
        $name = Get-PolicyName 'throttled'
        Assert-NoError -Result (Invoke-Scenario (Get-ConnectScript))
        # Another app of the tenant spends the tenant's second: the emulator answers 429 without Retry-After.
        Add-EmulatorForcedResponse -Emulator $Emulator -PathPrefix ('/v1.0' + $ConditionalAccessPath) -StatusCode 429 -Count 2
        try {
            $result = Invoke-Scenario "New-ComplianceAccessPolicy -DisplayName `$Name -Group 'Mobile Pilot' -Verbose" @{ Name = $name }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 1
            @($result.Verbose | Where-Object { $_.Message -match 'Conditional Access answered 429' }) | Should -Not -BeNullOrEmpty
        }
        finally {
            Reset-EmulatorSetting -Emulator $Emulator
            $null = Invoke-Scenario 'Get-ComplianceAccessPolicy -DisplayName $Name | Remove-ComplianceAccessPolicy -Confirm:$false' @{ Name = $name }
        }
    }

    It 'A missing permission names the permission' {
        $failure = Get-SingleError -Result (Invoke-Scenario ($ConnectReaderScript + 'Get-ComplianceAccessPolicy'))
        $failure.FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
        Assert-Mention $failure 'Policy.Read.All'
    }
}
