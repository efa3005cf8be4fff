<#
    Onboarding in a real PowerShell against the built module (out/AzureCompliance) and the tenant emulator running
    as a separate process: compliance partner, group scope, licences, Conditional Access, readiness, de-provisioning.
    The twin of the xunit scenarios in tests/AzureCompliance.Module.Tests/Onboarding*.cs, with the same assertions
    where a separate process allows them (the xunit scenarios also count the emulator's writes through its
    journal; here "no write" is asserted through what the tenant shows afterwards). Keep the two in step.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Onboarding cmdlets against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule

        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $ReaderSecureSecret = ConvertTo-TestSecureString -Value $Demo.ReaderSecret
        $WorkDirectory = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-onboarding-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $WorkDirectory | Out-Null

        function Connect-Demo([string] $Source = 'core-01') {
            Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName $Source | Out-Null
        }

        function Connect-Reader {
            Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.ReaderClientId -ClientSecret $ReaderSecureSecret @Endpoints -WarningAction SilentlyContinue | Out-Null
        }

        function New-StatePath { Join-Path $WorkDirectory ([guid]::NewGuid().ToString('N') + '.db') }

        # The same reset as OnboardingScenario.ResetOnboarding: no partner, no registered instance, no test policy.
        function Reset-Onboarding {
            Connect-Demo -Source 'onb-reset'
            Get-CompliancePartner | ForEach-Object { Remove-CompliancePartner -DisplayName $_.DisplayName -Confirm:$false -WarningAction SilentlyContinue }
            Get-ComplianceAccessPolicy -All | Where-Object { $_.DisplayName -like 'AzC test*' } | Remove-ComplianceAccessPolicy -Confirm:$false
            Disconnect-ComplianceTenant -Deprovision -All -Force -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        }
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
        if ($WorkDirectory) { Remove-Item -LiteralPath $WorkDirectory -Recurse -Force -ErrorAction SilentlyContinue }
    }

    BeforeEach {
        if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
    }

    Context 'Compliance partner' {
        It 'Add onboards, provisions and registers, and a second run changes nothing' {
            Reset-Onboarding
            Connect-Demo
            $result = Invoke-Captured { Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 1
            $partner = $result.Output[0]
            $partner | Should -BeOfType 'AzureCompliance.Core.Onboarding.Partners.CompliancePartner'
            $partner.DisplayName | Should -Be 'MobileIron'
            ($partner.Platforms | ForEach-Object { "$_" }) | Should -Be @('Android', 'iOS')
            $partner.AssignmentSummary | Should -Match 'Android: All users'

            $again = Invoke-Captured { Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers -Verbose }
            Assert-NoError -Result $again
            ($again.Verbose | Where-Object { $_.Message -like '*nothing to change*' }) | Should -Not -BeNullOrEmpty

            $check = Test-ComplianceTenant -StatePath (New-StatePath) | Where-Object Name -eq 'Partner tenant provisioned'
            $check.Result | Should -Be 'Pass'
        }

        It 'A platform held by another partner fails alone and names the holder' {
            Reset-Onboarding
            Connect-Demo
            Add-CompliancePartner -DisplayName 'IBM MaaS360' -Platform iOS -AllUsers | Out-Null
            $result = Invoke-Captured { Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers }
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'PlatformHeldByOtherPartner,*'
            $error1.CategoryInfo.Category | Should -Be 'ResourceExists'
            $error1.Exception.Message | Should -Match 'IBM MaaS360'
            ($result.Output[0].Platforms | ForEach-Object { "$_" }) | Should -Be @('Android')
        }

        It '-WhatIf creates nothing' {
            Reset-Onboarding
            Connect-Demo
            $result = Invoke-Captured { Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -Group 'Mobile Pilot' -WhatIf }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 0
            Get-CompliancePartner | Should -BeNullOrEmpty
        }

        It 'Remove offboards one platform, then the partner' {
            Reset-Onboarding
            Connect-Demo
            Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null
            $left = Remove-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -Confirm:$false -PassThru
            ($left.Platforms | ForEach-Object { "$_" }) | Should -Be @('Android')
            Get-CompliancePartner | Remove-CompliancePartner -Confirm:$false
            Get-CompliancePartner | Should -BeNullOrEmpty
        }

        It 'A missing permission names the permission' {
            Connect-Reader
            $result = Invoke-Captured { Get-CompliancePartner }
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
            $error1.Exception.Message | Should -Match 'DeviceManagementServiceConfig\.ReadWrite\.All'
        }
    }

    Context 'Group scope' {
        BeforeAll {
            Reset-Onboarding
            Connect-Demo
            Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS | Out-Null
        }

        BeforeEach { Connect-Demo }

        It 'Two groups become the partner assignments and the recorded scope' {
            $state = New-StatePath
            $scope = Set-ComplianceGroup -Group 'All Sales', 'Mobile Pilot' -StatePath $state
            $scope.Scope | Should -Be 'All Sales, Mobile Pilot'
            Test-Path -LiteralPath $state | Should -BeTrue
            $assignments = (Get-CompliancePartner).Assignments | ForEach-Object { '{0}:{1}' -f $_.Platform, $_.GroupName } | Sort-Object
            $assignments | Should -Be @('Android:All Sales', 'Android:Mobile Pilot', 'iOS:All Sales', 'iOS:Mobile Pilot')
            $groups = Get-ComplianceGroup -StatePath $state
            $groups | Should -HaveCount 2
            ($groups | Where-Object DisplayName -eq 'All Sales').NestedGroupCount | Should -Be 1
            (Set-ComplianceGroup -Group 'Mobile Pilot', 'All Sales' -StatePath $state).Changes | Should -HaveCount 0
        }

        It 'The eleventh group is refused and nothing changes' {
            $state = New-StatePath
            $names = 'All Sales', 'Sales EMEA', 'Mobile Pilot', 'IT Admins', 'Break Glass', "O'Brien Team", 'G7', 'G8', 'G9', 'G10', 'G11'
            $result = Invoke-Captured { Set-ComplianceGroup -Group $names -StatePath $state }
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'GroupLimitExceeded,*'
            $error1.CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $error1.Exception.Message | Should -Match 'Nothing was changed'
            Test-Path -LiteralPath $state | Should -BeFalse
        }

        It 'A quote in a group name is resolved safely' {
            $state = New-StatePath
            (Set-ComplianceGroup -Group "O'Brien Team" -StatePath $state).Scope | Should -Be "O'Brien Team"
            $result = Invoke-Captured { Set-ComplianceGroup -Group "x' or displayName eq 'IT Admins" -StatePath $state }
            (Get-SingleError -Result $result).FullyQualifiedErrorId | Should -BeLike 'GroupNotFound,*'
        }

        It 'An ambiguous name lists both groups and changes nothing' {
            $state = New-StatePath
            $result = Invoke-Captured { Set-ComplianceGroup -Group 'Field Staff', 'Mobile Pilot' -StatePath $state }
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'GroupNameAmbiguous,*'
            $error1.Exception.Message | Should -Match 'Field technicians \(North America\)'
            $error1.Exception.Message | Should -Match 'Field technicians \(Europe\)'
            Test-Path -LiteralPath $state | Should -BeFalse
        }

        It '-WhatIf records nothing' {
            $state = New-StatePath
            $result = Invoke-Captured { Set-ComplianceGroup -Group 'Sales EMEA' -StatePath $state -WhatIf }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 0
            Test-Path -LiteralPath $state | Should -BeFalse
        }

        It 'Group names complete, quoted when needed' {
            $line = 'Set-ComplianceGroup -Group O'
            $matches1 = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $matches1 | Should -Contain "'O''Brien Team'"
        }
    }

    Context 'Licences' {
        BeforeEach { Connect-Demo }

        It 'Lists the Intune-capable SKUs' {
            (Get-ComplianceLicense).SkuPartNumber | Sort-Object | Should -Be @('EMSPREMIUM', 'INTUNE_A', 'SPE_E3')
        }

        It 'Shows through which SKU a user has Intune' {
            (Get-ComplianceLicense -User 'adele.vance@contoso.onmicrosoft.com').LicensedThrough | Should -Be @('SPE_E3')
            (Get-ComplianceLicense -User 'nestor.wilke@contoso.onmicrosoft.com').IsLicensed | Should -BeFalse
        }

        It 'Licenses who lacks it and reports a user without usage location as a per-user error' {
            $result = Invoke-Captured { Add-ComplianceLicense -User 'isaiah.langer@contoso.onmicrosoft.com', 'miriam.graham@contoso.onmicrosoft.com', 'adele.vance@contoso.onmicrosoft.com' }
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'UsageLocationMissing,*'
            $error1.TargetObject | Should -Be 'miriam.graham@contoso.onmicrosoft.com'
            ($result.Output | Where-Object UserPrincipalName -eq 'isaiah.langer@contoso.onmicrosoft.com').Action | Should -Match '^Assigned '
            ($result.Output | Where-Object UserPrincipalName -eq 'adele.vance@contoso.onmicrosoft.com').Action | Should -Match '^Already licensed'

            $located = Add-ComplianceLicense -User 'miriam.graham@contoso.onmicrosoft.com' -UsageLocation 'IE'
            $located.UsageLocation | Should -Be 'IE'
            $located.Action | Should -Match 'usage location set to IE'
        }

        It 'A missing permission names User.Read.All' {
            Connect-Reader
            $result = Invoke-Captured { Get-ComplianceLicense -User 'adele.vance@contoso.onmicrosoft.com' }
            (Get-SingleError -Result $result).Exception.Message | Should -Match 'User\.Read\.All'
        }
    }

    Context 'Conditional Access' {
        BeforeEach { Connect-Demo }

        It 'A new policy is report-only and requires a compliant device' {
            $policy = New-ComplianceAccessPolicy -DisplayName 'AzC test report-only' -Group 'Mobile Pilot' -ExcludeGroup 'Break Glass'
            $policy.State | Should -Be 'ReportOnly'
            $policy.RequiresCompliantDevice | Should -BeTrue
            $policy.Platforms | Should -Be @('Android', 'iOS')
            $policy.ExcludeGroups | Should -Be @('Break Glass')
            Remove-ComplianceAccessPolicy -DisplayName 'AzC test report-only' -Confirm:$false
        }

        It 'Enabled for all users with nobody excluded is refused and says why' {
            $result = Invoke-Captured { New-ComplianceAccessPolicy -DisplayName 'AzC test lockout' -AllUsers -State Enabled }
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'AccessPolicyLockoutRisk,*'
            $error1.Exception.Message | Should -Match 'lock every administrator out'
            Get-ComplianceAccessPolicy -DisplayName 'AzC test lockout*' | Should -BeNullOrEmpty

            $policy = New-ComplianceAccessPolicy -DisplayName 'AzC test lockout' -AllUsers -State Enabled -ExcludeUser $Demo.BreakGlassUser
            $policy.LockoutRisk | Should -BeFalse
            $cleared = Invoke-Captured { Get-ComplianceAccessPolicy -DisplayName 'AzC test lockout' | Set-ComplianceAccessPolicy -ExcludeUser @() }
            (Get-SingleError -Result $cleared).FullyQualifiedErrorId | Should -BeLike 'AccessPolicyLockoutRisk,*'
            Remove-ComplianceAccessPolicy -DisplayName 'AzC test lockout' -Confirm:$false
        }
    }

    Context 'Readiness' {
        It 'Returns one result per check, in a stable order' {
            Reset-Onboarding
            Connect-Demo
            $checks = Test-ComplianceTenant -StatePath (New-StatePath)
            $checks.Name | Should -Be @('Permissions', 'Partner onboarded: Android', 'Partner onboarded: iOS', 'Partner state', 'Partner tenant provisioned',
                'Group scope', 'Users licensed', 'Conditional Access', 'Partner compliance policy')
            ($checks | Where-Object Name -eq 'Permissions').Result | Should -Be 'Pass'
            ($checks | Where-Object Name -eq 'Group scope').Remedy | Should -Match 'Set-ComplianceGroup'
        }
    }

    Context 'De-provisioning' {
        It 'Other registered instances are a refusal that names the two safe options' {
            Reset-Onboarding
            Connect-Demo -Source 'core-a'
            Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null
            Connect-Demo -Source 'core-b'
            Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null
            $result = Invoke-Captured { Disconnect-ComplianceTenant -Deprovision -StatePath (New-StatePath) -Confirm:$false }
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'OtherInstancesRegistered,*'
            $error1.Exception.Message | Should -Match 'core-a'
            $error1.Exception.Message | Should -Match 'Disable-CompliancePolicy'
            $error1.Exception.Message | Should -Match '-All'
            (Get-ComplianceConnection).IsConnected | Should -BeTrue
        }

        It '-WhatIf lists every change, then -All de-provisions every instance and signs out' {
            $state = New-StatePath
            Connect-Demo -Source 'core-b'
            $whatIf = Invoke-Captured { Disconnect-ComplianceTenant -Deprovision -All -StatePath $state -WhatIf }
            Assert-NoError -Result $whatIf
            (Get-ComplianceConnection).IsConnected | Should -BeTrue

            $done = Disconnect-ComplianceTenant -Deprovision -All -StatePath $state -Confirm:$false
            $done.PartnerTenantDeprovisioned | Should -BeTrue
            $done.UnregisteredInstances | Sort-Object | Should -Be @('core-a', 'core-b')
            Get-ComplianceConnection | Should -BeNullOrEmpty
        }
    }
}
