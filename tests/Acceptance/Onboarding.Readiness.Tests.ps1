<#
    Test-ComplianceTenant in a real PowerShell against the built module and the tenant emulator: one result per check,
    remedies, no writes, counts from paged membership (1,250 users added through the emulator's admin endpoint; a
    100,000-user tenant in LargeTenant.Tests.ps1); each test in a fresh session of its own.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Test-ComplianceTenant against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'OnboardingSetup.ps1')
        Import-AzureComplianceModule
        . Initialize-OnboardingFile

        $CheckNames = 'Permissions', 'Partner onboarded: Android', 'Partner onboarded: iOS', 'Partner state', 'Partner tenant provisioned',
        'Group scope', 'Users licensed', 'Conditional Access', 'Partner compliance policy'

        function Get-Check {
            <# The checks of a run by name: Result, Detail, Remedy as text. #>
            param($Result)
            Assert-NoError -Result $Result
            $checks = @{}
            foreach ($item in $Result.Output) { $checks[$item.Name] = [pscustomobject]@{ Result = "$($item.Result)"; Detail = "$($item.Detail)"; Remedy = "$($item.Remedy)" } }
            $checks
        }
    }

    AfterAll { Complete-OnboardingFile }

    BeforeEach { . Start-OnboardingTest }

    AfterEach { Stop-OnboardingTest }

    It 'An empty tenant fails each onboarding check with the cmdlet to run, and sends no write' {
        Reset-Onboarding
        $writes = Get-Writes
        $result = Invoke-Scenario ((Get-ConnectScript) + 'Test-ComplianceTenant -StatePath $StatePath')
        $checks = Get-Check $result
        @($result.Output | ForEach-Object Name) | Should -Be $CheckNames
        Get-Writes | Should -Be $writes
        $checks['Permissions'].Result | Should -Be 'Pass'
        $checks['Permissions'].Remedy | Should -Be ''
        $checks['Partner onboarded: Android'].Result | Should -Be 'Fail'
        $checks['Partner onboarded: Android'].Remedy | Should -Match 'Add-CompliancePartner'
        $checks['Partner tenant provisioned'].Result | Should -Be 'Fail'
        $checks['Group scope'].Result | Should -Be 'Fail'
        $checks['Group scope'].Remedy | Should -Match 'Set-ComplianceGroup'
        $checks['Users licensed'].Result | Should -Be 'Warning'
        $checks['Partner compliance policy'].Remedy | Should -Match 'New-CompliancePolicy'
        foreach ($activity in $result.Progress | Group-Object ActivityId) {
            $activity.Group[-1].RecordType | Should -Be ([System.Management.Automation.ProgressRecordType]::Completed)
        }
    }

    It 'An onboarded tenant passes, and report-only is a warning' {
        Reset-Onboarding
        $policy = "AzC test readiness $Source"
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) +
                "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS | Out-Null; " +
                "Set-ComplianceGroup -Group 'IT Admins' -StatePath `$StatePath | Out-Null; " +
                "New-ComplianceAccessPolicy -DisplayName `$Policy -Group 'IT Admins' -ExcludeGroup 'Break Glass' | Out-Null") @{ Policy = $policy })
        try {
            $checks = Get-Check (Invoke-Scenario 'Test-ComplianceTenant -StatePath $StatePath')
            $checks['Partner onboarded: Android'].Result | Should -Be 'Pass'
            $checks['Partner onboarded: iOS'].Result | Should -Be 'Pass'
            $checks['Partner tenant provisioned'].Result | Should -Be 'Pass'
            $checks['Partner tenant provisioned'].Detail | Should -Match ([regex]::Escape($Source))
            $checks['Group scope'].Result | Should -Be 'Pass'
            $checks['Group scope'].Detail | Should -Match 'IT Admins'
            $checks['Conditional Access'].Result | Should -Be 'Warning'
            $checks['Conditional Access'].Detail | Should -Match 'Report-only'
            $checks['Conditional Access'].Remedy | Should -Match '-State Enabled'
            $checks['Users licensed'].Detail | Should -Match ([regex]::Escape([string](Get-TransitiveUserCount -GroupId (Get-TenantGroupId $Demo.ItAdminsGroup))))
        }
        finally {
            $null = Invoke-Scenario 'Remove-ComplianceAccessPolicy -DisplayName $Policy -Confirm:$false' @{ Policy = $policy }
        }
    }

    It 'Licence counts come from paged membership, not one request per user' {
        Reset-Onboarding
        # A group of 1,250 users: with 100 members per page that is 13 pages, against 1,250 requests one user at a time.
        $groupId = [guid]::NewGuid()
        $users = for ($i = 0; $i -lt 1250; $i++) {
            @{ id = [guid]::NewGuid().ToString(); userPrincipalName = ('azc.bulk{0:0000}.{1:N}@contoso.onmicrosoft.com' -f $i, $groupId); displayName = "Bulk user $i"; usageLocation = 'US'; accountEnabled = $true }
        }
        Add-EmulatorTenantObject -Emulator $Emulator -Collection users -InputObject $users
        $groupName = 'AzC bulk ' + $groupId.ToString('N').Substring(0, 8)
        Add-EmulatorTenantObject -Emulator $Emulator -Collection groups -InputObject @(@{ id = $groupId.ToString(); displayName = $groupName; securityEnabled = $true; memberIds = @($users | ForEach-Object { $_.id }) })
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS | Out-Null; Set-ComplianceGroup -Group `$Group -StatePath `$StatePath | Out-Null") @{ Group = $groupName })

        $mark = Get-JournalMark
        $checks = Get-Check (Invoke-Scenario 'Test-ComplianceTenant -StatePath $StatePath')
        $checks['Users licensed'].Result | Should -Be 'Fail'
        $checks['Users licensed'].Detail | Should -Match '1250 of 1250'
        $checks['Users licensed'].Detail | Should -Match 'azc\.bulk'
        $requests = @(Get-JournalSince $mark)
        $perUser = @($users | Select-Object -First 50 | ForEach-Object { "/users/$($_.id)" })
        @($requests | Where-Object { $path = $_.pathAndQuery; $path -like '*/users/azc.bulk*' -or @($perUser | Where-Object { $path -like "*$_*" }).Count -gt 0 }) | Should -HaveCount 0
        $requests.Count | Should -BeLessThan 60 -Because 'Test-ComplianceTenant reads 1,250 users in scope by pages'
    }

    It 'Missing permissions fail their checks without ending the run' {
        $result = Invoke-Scenario ($ConnectReaderScript + 'Test-ComplianceTenant -StatePath $StatePath')
        $checks = Get-Check $result
        @($result.Output | ForEach-Object Name) | Should -Be $CheckNames
        $checks['Permissions'].Result | Should -Be 'Fail'
        $checks['Permissions'].Detail | Should -Match 'DeviceManagementServiceConfig\.ReadWrite\.All'
        $checks['Permissions'].Remedy | Should -Match 'Connect-ComplianceTenant'
        $checks['Partner onboarded: iOS'].Result | Should -Be 'Fail'
        $checks['Partner onboarded: iOS'].Detail | Should -Match 'DeviceManagementServiceConfig\.ReadWrite\.All'
        $checks['Conditional Access'].Result | Should -Be 'Fail'
        $checks['Conditional Access'].Detail | Should -Match 'Policy\.Read\.All'
    }
}
