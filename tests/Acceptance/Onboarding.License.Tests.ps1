<#
    Get-/Add-ComplianceLicense in a real PowerShell against the built module and the tenant emulator: the Intune plan
    through standalone and bundle SKUs, per-user errors, usageLocation only when asked; each test in a fresh session.
    The emulated tenant's users and SKUs are read through the emulator's admin endpoint.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Get-ComplianceLicense and Add-ComplianceLicense against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'OnboardingSetup.ps1')
        Import-AzureComplianceModule
        . Initialize-OnboardingFile

        $IntunePlan = $Demo.IntuneServicePlanId
        # Left without Intune by every scenario, so Get-ComplianceLicense can show an unlicensed user.
        $KeptUnlicensed = 'nestor.wilke@contoso.onmicrosoft.com'

        function Get-TenantUser {
            param([string] $UserPrincipalName)
            @(Get-EmulatorTenant -Emulator $Emulator -Collection users | Where-Object { $_.userPrincipalName -eq $UserPrincipalName })[0]
        }

        function Test-HasIntune {
            param($User)
            $intuneSkus = @(Get-EmulatorTenant -Emulator $Emulator -Collection subscribedSkus | Where-Object { @($_.servicePlans | Where-Object servicePlanId -eq $IntunePlan).Count -gt 0 } | ForEach-Object skuId)
            @($User.assignedLicenses | Where-Object { $_.skuId -in $intuneSkus -and $IntunePlan -notin @($_.disabledPlans) }).Count -gt 0
        }

        function Get-Unlicensed {
            <# Users of the demo tenant without Intune, with or without a usage location, not touched by other scenarios yet. #>
            param([bool] $WithUsageLocation)
            @(Get-EmulatorTenant -Emulator $Emulator -Collection users | Where-Object {
                    $_.accountEnabled -ne $false -and -not (Test-HasIntune $_) -and ([string]::IsNullOrEmpty($_.usageLocation) -ne $WithUsageLocation) -and
                    $_.userPrincipalName -notlike 'breakglass*' -and $_.userPrincipalName -notlike 'azc*' -and $_.userPrincipalName -ne $KeptUnlicensed
                } | ForEach-Object userPrincipalName)
        }
    }

    AfterAll { Complete-OnboardingFile }

    BeforeEach { . Start-OnboardingTest }

    AfterEach { Stop-OnboardingTest }

    It 'SKUs are the Intune-capable ones, with their free units and a view' {
        $result = Invoke-Scenario ((Get-ConnectScript) + 'Get-ComplianceLicense')
        Assert-NoError -Result $result
        $skus = @{}; foreach ($sku in $result.Output) { $skus[$sku.SkuPartNumber] = $sku }
        @($skus.Keys | Sort-Object -CaseSensitive) | Should -Be @('EMSPREMIUM', 'INTUNE_A', 'SPE_E3')
        $skus['INTUNE_A'].IsStandaloneIntune | Should -BeTrue
        foreach ($sku in Get-EmulatorTenant -Emulator $Emulator -Collection subscribedSkus | Where-Object { $skus.ContainsKey($_.skuPartNumber) }) {
            [int]$skus[$sku.skuPartNumber].Available | Should -Be ([Math]::Max(0, $sku.prepaidUnits.enabled - $sku.consumedUnits))
        }
        (Invoke-Scenario 'Get-ComplianceLicense | Out-Host').HostText | Should -Match 'Available'
    }

    It 'Users show whether, and through which SKU, they have Intune' {
        $result = Invoke-Scenario ((Get-ConnectScript) + "Get-ComplianceLicense -User 'adele.vance@contoso.onmicrosoft.com', 'lidia.holloway@contoso.onmicrosoft.com', 'nestor.wilke@contoso.onmicrosoft.com', 'nobody@contoso.onmicrosoft.com'")
        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'UserNotFound,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $users = @{}; foreach ($user in $result.Output) { $users[$user.UserPrincipalName.Split('@')[0]] = $user }
        $users['adele.vance'].IsLicensed | Should -BeTrue
        Get-Strings $users['adele.vance'] LicensedThrough | Should -Be @('SPE_E3')
        Get-Strings $users['lidia.holloway'] LicensedThrough | Should -Be @('EMSPREMIUM')
        $users['nestor.wilke'].IsLicensed | Should -BeFalse
    }

    It 'Group members are read transitively and users come from the pipeline' {
        $result = Invoke-Scenario ((Get-ConnectScript) + "Get-ComplianceLicense -Group 'All Sales'")
        Assert-NoError -Result $result
        $userIds = Get-TenantUserIds
        $expected = @(Get-EmulatorTransitiveMember -Emulator $Emulator -GroupId (Get-TenantGroupId $Demo.AllSalesGroup) | Where-Object { $userIds.Contains($_) } | Sort-Object)
        @($result.Output | ForEach-Object { [string]$_.UserId } | Sort-Object) | Should -Be $expected

        $piped = Invoke-Scenario "Get-ComplianceLicense -Group 'Sales EMEA' | Get-ComplianceLicense"
        Assert-NoError -Result $piped
        $piped.Output | Should -HaveCount (Get-TransitiveUserCount -GroupId (Get-TenantGroupId $Demo.SalesEmeaGroup))
    }

    It 'Add licenses who lacks it, skips who has it, and reports per-user errors' {
        $lacking = (Get-Unlicensed -WithUsageLocation $true)[0]
        $noLocation = (Get-Unlicensed -WithUsageLocation $false)[0]
        $licensed = 'adele.vance@contoso.onmicrosoft.com'
        $result = Invoke-Scenario ((Get-ConnectScript) + "Add-ComplianceLicense -User `$Lacking, `$NoLocation, `$Licensed, 'ghost@contoso.onmicrosoft.com'") @{ Lacking = $lacking; NoLocation = $noLocation; Licensed = $licensed }

        $result.Errors | Should -HaveCount 2
        $location = Get-ErrorWithId $result 'UsageLocationMissing'
        $location.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidData)
        "$($location.TargetObject)" | Should -Be $noLocation
        Assert-Mention $location '-UsageLocation'
        $null = Get-ErrorWithId $result 'UserNotFound'
        $outcomes = @{}; foreach ($item in $result.Output) { $outcomes[$item.UserPrincipalName.ToLowerInvariant()] = $item }
        $outcomes[$lacking.ToLowerInvariant()].Action | Should -Be 'Assigned INTUNE_A'
        $outcomes[$licensed].Action | Should -BeLike 'Already licensed (SPE_E3*'
        Test-HasIntune (Get-TenantUser $lacking) | Should -BeTrue
        Test-HasIntune (Get-TenantUser $noLocation) | Should -BeFalse
        (Get-TenantUser $noLocation).usageLocation | Should -BeNullOrEmpty
    }

    It 'The usage location is set only when asked, and only where missing' {
        $noLocation = (Get-Unlicensed -WithUsageLocation $false)[0]
        $withLocation = (Get-Unlicensed -WithUsageLocation $true)[0]
        $before = (Get-TenantUser $withLocation).usageLocation
        $result = Invoke-Scenario ((Get-ConnectScript) + "Add-ComplianceLicense -User `$NoLocation, `$WithLocation -UsageLocation 'ie'") @{ NoLocation = $noLocation; WithLocation = $withLocation }

        Assert-NoError -Result $result
        (Get-TenantUser $noLocation).usageLocation | Should -BeExactly 'IE'
        (Get-TenantUser $withLocation).usageLocation | Should -Be $before
        Test-HasIntune (Get-TenantUser $noLocation) | Should -BeTrue
        @($result.Output | Where-Object UserPrincipalName -eq $noLocation)[0].Action | Should -Match 'usage location set to IE'
    }

    It 'When the SKU runs out, the remaining users get errors and the rest proceed' {
        $ems = @(Get-EmulatorTenant -Emulator $Emulator -Collection subscribedSkus | Where-Object skuId -eq $Demo.EmsE5SkuId)[0]
        $free = [Math]::Max(0, $ems.prepaidUnits.enabled - $ems.consumedUnits)
        $users = @(Get-Unlicensed -WithUsageLocation $true | Select-Object -First ($free + 1))
        $users.Count | Should -Be ($free + 1) -Because "the demo tenant needs $($free + 1) unlicensed users with a usage location"
        $result = Invoke-Scenario ((Get-ConnectScript) + 'Add-ComplianceLicense -User $Users -SkuId $Ems') @{ Users = [string[]]$users; Ems = [guid]$ems.skuId }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'NoFreeLicense,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::LimitsExceeded)
        Assert-Mention $failure 'EMSPREMIUM'
        $result.Output | Should -HaveCount $free
        @($result.Output | Where-Object Action -ne 'Assigned EMSPREMIUM') | Should -HaveCount 0
    }

    It '-WhatIf sends no write and says what it would do' {
        $lacking = (Get-Unlicensed -WithUsageLocation $true)[0]
        $noLocation = (Get-Unlicensed -WithUsageLocation $false)[0]
        Assert-NoError -Result (Invoke-Scenario (Get-ConnectScript))
        $writes = Get-Writes
        $result = Invoke-Scenario "Add-ComplianceLicense -User `$Lacking -WhatIf; Add-ComplianceLicense -User `$NoLocation -UsageLocation US -WhatIf; Add-ComplianceLicense -Group 'Field Staff' -WhatIf" @{ Lacking = $lacking; NoLocation = $noLocation }

        Get-Writes | Should -Be $writes
        (Get-SingleError -Result $result).FullyQualifiedErrorId | Should -BeLike 'GroupNameAmbiguous,*'
        $result.HostText | Should -Match 'Assign the licence '
        $result.HostText | Should -Match 'Set the usage location to US and assign the licence'
        $result.Output | Should -HaveCount 0
        Test-HasIntune (Get-TenantUser $lacking) | Should -BeFalse
    }

    It 'A missing permission names the permission' {
        $failure = Get-SingleError -Result (Invoke-Scenario ($ConnectReaderScript + "Get-ComplianceLicense -User 'adele.vance@contoso.onmicrosoft.com'"))
        $failure.FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
        Assert-Mention $failure 'User.Read.All'
    }
}
