<#
    Add/Get/Remove-CompliancePartner in a real PowerShell against the built module and the tenant emulator (Graph
    complianceManagementPartners, partner API 3.1/3.2, the instance registry); each test in a fresh session of its own.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Add-, Get- and Remove-CompliancePartner against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'OnboardingSetup.ps1')
        Import-AzureComplianceModule
        . Initialize-OnboardingFile
    }

    AfterAll { Complete-OnboardingFile }

    BeforeEach { . Start-OnboardingTest }

    AfterEach { Stop-OnboardingTest }

    It 'Add onboards, provisions and registers, and a second run changes nothing' {
        Reset-Onboarding
        $mark = Get-JournalMark
        $first = Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers")
        Assert-NoError -Result $first
        $first.Output | Should -HaveCount 1
        $partner = $first.Output[0]
        $partner.PSObject.BaseObject.GetType().FullName | Should -Be 'AzureCompliance.Core.Onboarding.Partners.CompliancePartner'
        $partner.DisplayName | Should -Be 'MobileIron'
        Get-Strings $partner Platforms | Should -Be @('Android', 'iOS')
        $partner.AssignmentSummary | Should -Match 'Android: All users'
        $partner.AssignmentSummary | Should -Match 'iOS: All users'
        $made = Get-JournalSince $mark
        @($made | Where-Object { $_.method -eq 'POST' -and $_.pathAndQuery -like '*/deviceManagement/complianceManagementPartners*' }) | Should -Not -BeNullOrEmpty
        @($made | Where-Object { $_.method -eq 'PUT' -and $_.pathAndQuery -like "*PartnerTenants(guid'$($Demo.TenantId)')*" -and $_.statusCode -lt 300 }) | Should -Not -BeNullOrEmpty
        @($made | Where-Object { $_.pathAndQuery -like "*/organization/$($Demo.TenantId)/extensions*" -and $_.isWrite }) | Should -Not -BeNullOrEmpty

        $writes = Get-Writes
        $second = Invoke-Scenario "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers -Verbose"
        Assert-NoError -Result $second
        Get-Writes | Should -Be $writes
        $second.Output | Should -HaveCount 1
        Get-Strings $second.Output[0] Platforms | Should -Be @('Android', 'iOS')
        @($second.Verbose | Where-Object { $_.Message -like '*nothing to change*' }) | Should -Not -BeNullOrEmpty

        $shown = Invoke-Scenario "Get-CompliancePartner -DisplayName Mobile* | Out-Host; Get-CompliancePartner 'MobileIron'"
        Assert-NoError -Result $shown
        $shown.HostText | Should -Match 'Assignments'
        $shown.HostText | Should -Match 'Android: All users'
        $shown.Output | Should -HaveCount 1
        $shown.Output[0].DisplayName | Should -Be 'MobileIron'

        $readiness = Invoke-Scenario "Test-ComplianceTenant -StatePath `$StatePath | Where-Object Name -eq 'Partner tenant provisioned'"
        Assert-NoError -Result $readiness
        $readiness.Output | Should -HaveCount 1
        "$($readiness.Output[0].Result)" | Should -Be 'Pass'
    }

    It 'A second identity onboarded under the same source is provisioned too, and its uploads are accepted' {
        # As an administrator meets it: the MDM's app onboarded the tenant; later the Azure Automation account's managed
        # identity, which will upload on a schedule, is onboarded with the same -SourceName. Provisioning is per app.
        Reset-Onboarding
        $identityId = $Demo.SystemManagedIdentityClientId
        $null = Set-EmulatorPartnerTenant -Emulator $Emulator -AppId $identityId -State deprovisioned
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null"))
        $owner = @(Get-EmulatorTenant -Emulator $Emulator -Collection users | Where-Object { $_.accountEnabled -ne $false -and @($_.assignedLicenses).Count -gt 0 })[0]
        $device = @{ id = [guid]::NewGuid().ToString(); deviceId = [guid]::NewGuid().ToString(); displayName = 'Automation-1'; operatingSystem = 'iOS'
            trustType = 'Workplace'; registrationDateTime = '2026-01-01T00:00:00Z' }
        Add-EmulatorTenantObject -Emulator $Emulator -Collection devices -InputObject @($device)
        $fleetGroup = @{ id = [guid]::NewGuid().ToString(); displayName = "Automation fleet $Source"; securityEnabled = $true; memberIds = @($owner.id) }
        Add-EmulatorTenantObject -Emulator $Emulator -Collection groups -InputObject @($fleetGroup)
        $record = [pscustomobject]@{ DeviceId = $device.deviceId; DeviceName = 'Automation-1'; UserPrincipalName = $owner.userPrincipalName; Platform = 'iOS'
            OsVersion = '17.1.2'; ClientVersion = '12.4'; Jailbroken = 'no'; LastCheckIn = [DateTimeOffset]::new(2026, 11, 21, 6, 0, 0, [TimeSpan]::Zero); MdmState = 'Active' }

        $env:IDENTITY_ENDPOINT = $Emulator.ManagedIdentityEndpoint
        $env:IDENTITY_HEADER = $Emulator.ManagedIdentityHeader
        try {
            $identity = New-ModuleRunspace
            $connect = 'Connect-ComplianceTenant -ManagedIdentity -SourceName $Source -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint -WarningAction SilentlyContinue | Out-Null; '
            $mark = Get-JournalMark
            $added = Invoke-Scenario -Shell $identity ($connect + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers -Verbose | Out-Null")
            Assert-NoError -Result $added
            $made = Get-JournalSince $mark
            @($made | Where-Object { $_.method -eq 'PUT' -and $_.pathAndQuery -like "*PartnerTenants(guid'$($Demo.TenantId)')*" -and $_.statusCode -lt 300 }) | Should -HaveCount 1
            $provisioned = @(Get-EmulatorTenant -Emulator $Emulator -Collection partnerTenants | Where-Object appId -EQ $identityId)
            $provisioned | Should -HaveCount 1
            "$($provisioned[0].provisioned)" | Should -Be 'provisioned'

            # Both identities are now provisioned and recorded: running it again as either changes nothing.
            $writes = Get-Writes
            Assert-NoError -Result (Invoke-Scenario -Shell $identity "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null")
            Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null"))
            Get-Writes | Should -Be $writes

            $readiness = Invoke-Scenario -Shell $identity "Test-ComplianceTenant -StatePath `$StatePath | Where-Object Name -eq 'Partner tenant provisioned'"
            "$($readiness.Output[0].Result)" | Should -Be 'Pass'

            # Partner compliance policies are per partner app too: the identity makes its own, as docs/runbooks.md says.
            Assert-NoError -Result (Invoke-Scenario -Shell $identity ('Set-ComplianceGroup -Group $FleetGroup -StatePath $StatePath -Confirm:$false -WarningAction SilentlyContinue | Out-Null; ' +
                    'New-CompliancePolicy -Name ''iOS fleet'' -Platform iOS -StatePath $StatePath -Confirm:$false -WarningAction SilentlyContinue | Out-Null') @{ FleetGroup = $fleetGroup.id })
            $mark = Get-JournalMark
            $sent = Invoke-Scenario -Shell $identity '$Record | Send-DeviceCompliance -StatePath $StatePath -Confirm:$false' @{ Record = $record }
            Assert-NoError -Result $sent
            $uploads = @(Get-JournalSince $mark | Where-Object { $_.method -eq 'PUT' -and $_.pathAndQuery -like '*/DataUploadMessages(*' })
            $uploads | Should -Not -BeNullOrEmpty
            @($uploads | Where-Object statusCode -GE 300) | Should -BeNullOrEmpty
            $sent.Output[-1].Sent | Should -Be 1
        }
        finally {
            $env:IDENTITY_ENDPOINT = $null
            $env:IDENTITY_HEADER = $null
            if ($identity) { Remove-ModuleRunspace -Shell $identity }
        }
    }

    It 'A platform held by another partner fails alone and names the holder' {
        Reset-Onboarding
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'IBM MaaS360' -Platform iOS -AllUsers | Out-Null"))
        $result = Invoke-Scenario "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers"

        $failure = Get-ErrorWithId $result 'PlatformHeldByOtherPartner'
        $result.Errors | Should -HaveCount 1
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceExists)
        "$($failure.TargetObject)" | Should -Be 'iOS'
        Assert-Mention $failure 'IBM MaaS360', 'Remove-CompliancePartner'
        $result.Output | Should -HaveCount 1
        Get-Strings $result.Output[0] Platforms | Should -Be @('Android')
        $both = Invoke-Scenario "Get-CompliancePartner | ForEach-Object { `$_.DisplayName + '=' + (`$_.Platforms -join '+') }"
        Assert-NoError -Result $both
        @($both.Output | ForEach-Object { [string]$_ } | Sort-Object) | Should -Be @('IBM MaaS360=iOS', 'MobileIron=Android')
    }

    It '-WhatIf sends no write and says what it would do' {
        Reset-Onboarding
        Assert-NoError -Result (Invoke-Scenario (Get-ConnectScript))
        $writes = Get-Writes
        $result = Invoke-Scenario "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -Group `$Pilot -WhatIf" @{ Pilot = $Demo.MobilePilotGroup }

        Assert-NoError -Result $result
        Get-Writes | Should -Be $writes
        $result.Output | Should -HaveCount 0
        $result.HostText | Should -Match ([regex]::Escape('Create the compliance partner and onboard Android (assigned to Mobile Pilot), iOS (assigned to Mobile Pilot)'))
        $result.HostText | Should -Match 'Provision the partner tenant'
        $result.HostText | Should -Match 'Register the MDM instance'
        (Invoke-Scenario 'Get-CompliancePartner').Output | Should -HaveCount 0
    }

    It 'Group assignments show group names' {
        Reset-Onboarding
        $result = Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android -Group `$Groups | Out-Null; (Get-CompliancePartner).Assignments") @{
            Groups = @($Demo.SalesEmeaGroup, (Get-TenantGroupId $Demo.MobilePilotGroup))
        }

        Assert-NoError -Result $result
        @($result.Output | ForEach-Object GroupName | Sort-Object) | Should -Be @($Demo.MobilePilotGroup, $Demo.SalesEmeaGroup)
        @($result.Output | Where-Object { "$($_.Platform)" -ne 'Android' }) | Should -HaveCount 0
        @($result.Output | Where-Object { "$($_.GroupId)" -eq (Get-TenantGroupId $Demo.SalesEmeaGroup) }) | Should -HaveCount 1
    }

    It 'Remove offboards one platform, then the partner, and -WhatIf changes nothing' {
        Reset-Onboarding
        Assert-NoError -Result (Invoke-Scenario ((Get-ConnectScript) + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null"))
        $writes = Get-Writes
        $whatIf = Invoke-Scenario "Remove-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -WhatIf"
        Assert-NoError -Result $whatIf
        Get-Writes | Should -Be $writes
        $whatIf.HostText | Should -Match 'Offboard iOS'

        $offboarded = Invoke-Scenario "Remove-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -Confirm:`$false -PassThru"
        Assert-NoError -Result $offboarded
        $offboarded.Output | Should -HaveCount 1
        Get-Strings $offboarded.Output[0] Platforms | Should -Be @('Android')
        $removed = Invoke-Scenario 'Get-CompliancePartner | Remove-CompliancePartner -Confirm:$false; Get-CompliancePartner'
        Assert-NoError -Result $removed
        $removed.Output | Should -HaveCount 0
    }

    It 'A missing permission names the permission' {
        $result = Invoke-Scenario ($ConnectReaderScript + 'Get-CompliancePartner')
        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::PermissionDenied)
        Assert-Mention $failure 'DeviceManagementServiceConfig.ReadWrite.All'

        $add = Get-SingleError -Result (Invoke-Scenario "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android -AllUsers")
        $add.FullyQualifiedErrorId | Should -BeLike 'PermissionDenied,*'
        Assert-Mention $add 'DeviceManagementServiceConfig.ReadWrite.All'
    }
}
