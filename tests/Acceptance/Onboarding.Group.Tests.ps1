<#
    Set-/Get-ComplianceGroup in a real PowerShell against the built module and the tenant emulator: partner assignments,
    the recorded scope, partner policy assignment, safe names, the ten-group limit, completion; each test in a fresh
    session of its own.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Set-ComplianceGroup and Get-ComplianceGroup against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'OnboardingSetup.ps1')
        Import-AzureComplianceModule
        . Initialize-OnboardingFile

        function Add-TestPartner {
            Reset-Onboarding
            Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS | Out-Null"))
        }
    }

    AfterAll { Complete-OnboardingFile }

    BeforeEach { . Start-OnboardingTest }

    AfterEach { Stop-OnboardingTest }

    It 'Two groups become the partner assignments and the recorded scope, with transitive counts' {
        Add-TestPartner
        $result = Invoke-Scenario "Set-ComplianceGroup -Group 'All Sales', 'Mobile Pilot' -StatePath `$StatePath"
        Assert-NoError -Result $result
        $result.Output | Should -HaveCount 1
        $scope = $result.Output[0]
        $scope.Scope | Should -Be 'All Sales, Mobile Pilot'
        Get-Strings $scope Platforms | Should -Be @('Android', 'iOS')
        $scope.PartnerName | Should -Be 'MobileIron'
        Test-Path -LiteralPath $StatePath | Should -BeTrue

        $assignments = Invoke-Scenario "(Get-CompliancePartner).Assignments | ForEach-Object { `$_.Platform.ToString() + ':' + `$_.GroupName }"
        Assert-NoError -Result $assignments
        @($assignments.Output | ForEach-Object { [string]$_ } | Sort-Object -CaseSensitive) | Should -Be @('Android:All Sales', 'Android:Mobile Pilot', 'iOS:All Sales', 'iOS:Mobile Pilot')

        $groups = Invoke-Scenario 'Get-ComplianceGroup -StatePath $StatePath'
        Assert-NoError -Result $groups
        $groups.Output | Should -HaveCount 2
        $allSales = @($groups.Output | Where-Object DisplayName -eq $Demo.AllSalesGroup)[0]
        # All Sales nests Sales EMEA: its users count through transitive membership.
        [int]$allSales.UserCount | Should -Be (Get-TransitiveUserCount -GroupId (Get-TenantGroupId $Demo.AllSalesGroup))
        [int]$allSales.NestedGroupCount | Should -Be 1
        $allSales.Exists | Should -BeTrue
        # Every progress activity that began was completed.
        $completed = @($groups.Progress | Where-Object RecordType -eq 'Completed' | ForEach-Object ActivityId)
        @($groups.Progress | Where-Object { $_.RecordType -ne 'Completed' -and $_.ActivityId -notin $completed }) | Should -HaveCount 0

        $writes = Get-Writes
        $again = Invoke-Scenario "Set-ComplianceGroup -Group 'Mobile Pilot', 'All Sales' -StatePath `$StatePath"
        Assert-NoError -Result $again
        Get-Writes | Should -Be $writes
        $again.Output | Should -HaveCount 1
        @($again.Output[0].Changes) | Should -HaveCount 0
    }

    It 'Groups come from the pipeline by name, id and object' {
        Add-TestPartner
        $result = Invoke-Scenario "`$pilot = [pscustomobject]@{ Id = `$PilotId; DisplayName = 'Mobile Pilot' }; 'Sales EMEA', `$AllSalesId, `$pilot | Set-ComplianceGroup -Platform iOS -StatePath `$StatePath" @{
            PilotId = (Get-TenantGroupId $Demo.MobilePilotGroup); AllSalesId = (Get-TenantGroupId $Demo.AllSalesGroup)
        }
        Assert-NoError -Result $result
        $result.Output | Should -HaveCount 1
        @(Get-Strings $result.Output[0] Groups | Sort-Object -CaseSensitive) | Should -Be @($Demo.AllSalesGroup, $Demo.MobilePilotGroup, $Demo.SalesEmeaGroup)
        Get-Strings $result.Output[0] Platforms | Should -Be @('iOS')

        $piped = Invoke-Scenario 'Get-ComplianceGroup -StatePath $StatePath | Set-ComplianceGroup -StatePath $StatePath'
        Assert-NoError -Result $piped
        $piped.Output | Should -HaveCount 1
        Get-Strings $piped.Output[0] Groups | Should -HaveCount 3
    }

    It 'The eleventh group is refused and nothing changes' {
        Add-TestPartner
        $names = 'All Sales', 'Sales EMEA', 'Mobile Pilot', 'IT Admins', 'Break Glass', "O'Brien Team", 'G7', 'G8', 'G9', 'G10', 'G11'
        $writes = Get-Writes
        $mark = Get-JournalMark
        $result = Invoke-Scenario 'Set-ComplianceGroup -Group $Names -StatePath $StatePath' @{ Names = [string[]]$names }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'GroupLimitExceeded,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::LimitsExceeded)
        Assert-Mention $failure 'at most 10 groups', 'G11', 'Nothing was changed'
        Get-Writes | Should -Be $writes
        Get-JournalSince $mark | Should -HaveCount 0
        Test-Path -LiteralPath $StatePath | Should -BeFalse
        $result.Output | Should -HaveCount 0
    }

    It 'A quote in a group name is resolved safely' {
        Add-TestPartner
        $mark = Get-JournalMark
        $result = Invoke-Scenario "Set-ComplianceGroup -Group `"O'Brien Team`" -StatePath `$StatePath"
        Assert-NoError -Result $result
        Get-Strings $result.Output[0] Groups | Should -Be @($Demo.OBrienTeamGroup)
        $lookup = @(Get-JournalSince $mark | Where-Object { $_.pathAndQuery -like '*/groups`?*' })[0]
        $lookup.pathAndQuery.Replace("''", '%27%27') | Should -Match 'O%27%27Brien'
        # A name crafted to widen the filter finds nothing: it stays one literal.
        $injected = Invoke-Scenario "Set-ComplianceGroup -Group `"x' or displayName eq 'IT Admins`" -StatePath `$StatePath"
        (Get-SingleError -Result $injected).FullyQualifiedErrorId | Should -BeLike 'GroupNotFound,*'
    }

    It 'An ambiguous name lists both groups and changes nothing' {
        Add-TestPartner
        $writes = Get-Writes
        $result = Invoke-Scenario "Set-ComplianceGroup -Group 'Field Staff', 'Mobile Pilot' -StatePath `$StatePath"

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'GroupNameAmbiguous,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
        $fieldStaff = @(Get-EmulatorTenant -Emulator $Emulator -Collection groups | Where-Object displayName -eq $Demo.FieldStaffGroup)
        $fieldStaff.Count | Should -BeGreaterThan 1
        foreach ($group in $fieldStaff) { Assert-Mention $failure $group.id }
        Get-Writes | Should -Be $writes
        Test-Path -LiteralPath $StatePath | Should -BeFalse
        $result.Output | Should -HaveCount 0
    }

    It 'An unknown name lists similar names' {
        Add-TestPartner
        $failure = Get-SingleError -Result (Invoke-Scenario "Set-ComplianceGroup -Group 'Sales Europe' -StatePath `$StatePath")
        $failure.FullyQualifiedErrorId | Should -BeLike 'GroupNotFound,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        Assert-Mention $failure "'Sales Europe'", "'Sales EMEA'"
    }

    It '-WhatIf sends no write, records nothing and says what it would do' {
        Add-TestPartner
        $writes = Get-Writes
        $result = Invoke-Scenario "Set-ComplianceGroup -Group 'Sales EMEA' -StatePath `$StatePath -WhatIf"
        Assert-NoError -Result $result
        Get-Writes | Should -Be $writes
        Test-Path -LiteralPath $StatePath | Should -BeFalse
        $result.Output | Should -HaveCount 0
        $result.HostText | Should -Match 'Assign Android, iOS to Sales EMEA'
        $result.HostText | Should -Match 'Record the group scope'
    }

    It 'All users, and a platform the partner lacks' {
        Reset-Onboarding
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android | Out-Null"))
        $result = Invoke-Scenario 'Set-ComplianceGroup -AllUsers -Platform Android, macOS -StatePath $StatePath'
        $failure = Get-ErrorWithId $result 'PlatformNotOnboarded'
        "$($failure.TargetObject)" | Should -Be 'macOS'
        $result.Output | Should -HaveCount 1
        $result.Output[0].Scope | Should -Be 'All users'
        Get-Strings $result.Output[0] Platforms | Should -Be @('Android')

        $all = Invoke-Scenario 'Get-ComplianceGroup -StatePath $StatePath'
        Assert-NoError -Result $all
        $all.Output | Should -HaveCount 1
        $all.Output[0].AllUsers | Should -BeTrue
        [int]$all.Output[0].UserCount | Should -Be @(Get-EmulatorTenant -Emulator $Emulator -Collection users).Count
        # The All users entry piped back means -AllUsers.
        $again = Invoke-Scenario 'Get-ComplianceGroup -StatePath $StatePath | Set-ComplianceGroup -Platform Android -StatePath $StatePath'
        Assert-NoError -Result $again
        $again.Output[0].Scope | Should -Be 'All users'
    }

    It 'Partner compliance policies are assigned to the groups' {
        Add-TestPartner
        Assert-NoError -Result (Invoke-Scenario "Set-ComplianceGroup -Group 'Mobile Pilot' -StatePath `$StatePath | Out-Null")
        # A partner compliance policy (PROTOCOL.md 3.3) made by the policy cmdlets.
        Assert-NoError -Result (Invoke-Scenario "New-CompliancePolicy -Name 'AzC test iOS' -Platform iOS -StatePath `$StatePath | Out-Null")
        $mark = Get-JournalMark
        $result = Invoke-Scenario "Set-ComplianceGroup -Group 'Mobile Pilot', 'Sales EMEA' -StatePath `$StatePath"
        Assert-NoError -Result $result
        Get-Strings $result.Output[0] AssignedPolicies | Should -Contain 'AzC test iOS'
        @(Get-JournalSince $mark | Where-Object { $_.method -eq 'POST' -and $_.pathAndQuery -like "*/PartnerCompliancePolicies(guid'*" -and $_.pathAndQuery -like '*/Assign*' -and $_.statusCode -lt 300 }) | Should -Not -BeNullOrEmpty

        $writes = Get-Writes
        Assert-NoError -Result (Invoke-Scenario "Set-ComplianceGroup -Group 'Mobile Pilot', 'Sales EMEA' -StatePath `$StatePath | Out-Null")
        Get-Writes | Should -Be $writes
    }

    It 'Group names and platforms complete' {
        Assert-NoError -Result (Invoke-Scenario (Get-ConnectScript))
        function Get-Completion {
            param([string] $Line)
            $result = Invoke-Scenario '(TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object { $_.CompletionText }' @{ Line = $Line }
            Assert-NoError -Result $result
            @($result.Output | ForEach-Object { [string]$_ })
        }
        Get-Completion 'Set-ComplianceGroup -Group Sal' | Should -Contain "'Sales EMEA'"
        Get-Completion 'Set-ComplianceGroup -Group O' | Should -Contain "'O''Brien Team'"
        Get-Completion "New-ComplianceAccessPolicy -DisplayName x -Group 'Mob" | Should -Contain "'Mobile Pilot'"
        Get-Completion 'Add-CompliancePartner -DisplayName x -Platform i' | Should -Be @('iOS')
        Get-Completion 'Test-ComplianceTenant -Platform ' | Should -Be @('Android', 'iOS', 'macOS')
    }
}
