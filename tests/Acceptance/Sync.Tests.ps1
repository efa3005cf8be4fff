<#
    Send-DeviceCompliance, Get-DeviceCompliance and Compare-DeviceCompliance in a real PowerShell against the built
    module (out/AzureCompliance) and the tenant emulator running as a separate process. The twin of the xunit scenarios
    in tests/AzureCompliance.Module.Tests/SyncTests.cs, with the same assertions where a separate process allows:
    Entra's view is read back through Graph (Get-DeviceCompliance) instead of the emulator's memory, and the fleet is
    the fixture's own mobile devices. The scenarios that need the emulator's in-process switches (injected 429/503/resets
    on 10,000 devices, a message budget to stop a run in the middle) are covered by the xunit twins and by the kill -9
    scenario (bench/AzureCompliance.Bench kill9). Keep the files in step.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Send-DeviceCompliance, Get-DeviceCompliance and Compare-DeviceCompliance against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule

        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $Source = 'sync-acceptance'
        $MobilePilotGroupId = '9f5c4c11-30b0-56aa-a46a-f811f0ce184a'

        $null = Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName $Source
        # Uploads need the partner tenant provisioned: Add-CompliancePartner does it (its other steps do not matter here).
        $null = Add-CompliancePartner -DisplayName 'Contoso MDM' -Platform Android, iOS -AllUsers -Confirm:$false -ErrorAction SilentlyContinue

        # The engine's types load in the module's own load context: reach them through the connection's type.
        $Engine = (Get-ComplianceConnection).GetType().Assembly

        function Initialize-SyncState {
            <# A state file with a group scope (all users, or groups) and the default iOS and Android policies. #>
            param([string] $Path, [string[]] $GroupId = @(), [string[]] $GroupName = @())
            $store = $Engine.GetType('AzureCompliance.Core.State.StateStore')::Open($Path)
            try {
                $scopeType = $Engine.GetType('AzureCompliance.Core.State.GroupScope')
                if ($GroupId.Count -gt 0) {
                    $groupType = $Engine.GetType('AzureCompliance.Core.State.ScopedGroup')
                    $groups = [System.Array]::CreateInstance($groupType, $GroupId.Count)
                    for ($i = 0; $i -lt $GroupId.Count; $i++) { $groups[$i] = $groupType::new($GroupId[$i], $GroupName[$i]) }
                    $scopeType::new($false, $groups).Save($store, $Source)
                }
                else {
                    $scopeType::Everyone.Save($store, $Source)
                }
                $policyType = $Engine.GetType('AzureCompliance.Core.Policy.CompliancePolicy')
                foreach ($platform in 'iOS', 'Android') {
                    $policy = $policyType::CreateDefault("$platform baseline", $platform)
                    $null = $Engine.GetType('AzureCompliance.Core.Policy.CompliancePolicyStore')::Add($store, $Source, $policy, [DateTimeOffset]::UtcNow)
                }
            }
            finally { $store.Dispose() }
        }

        function New-StatePath {
            Join-Path ([System.IO.Path]::GetTempPath()) ('azc-sync-acceptance-' + [guid]::NewGuid().ToString('N') + '.db')
        }

        # The fleet: the fixture's iOS, iPadOS and Android devices with their owners. One in three is jailbroken (not
        # compliant under the default policies); the others run supported versions (compliant).
        $fixture = Get-Content -LiteralPath ([System.IO.Path]::Combine((Get-EmulatorProjectPath), 'Tenant', 'Fixtures', 'DemoTenant.json')) -Raw | ConvertFrom-Json
        $upns = @{}
        foreach ($user in $fixture.users) { $upns[$user.id] = $user.userPrincipalName }
        $index = 0
        $Fleet = @(foreach ($device in $fixture.devices | Where-Object { $_.operatingSystem -in 'iOS', 'iPadOS', 'Android' }) {
                $jailbroken = ($index % 3) -eq 1
                $index++
                [pscustomobject]@{
                    DeviceId          = $device.deviceId
                    DeviceName        = $device.displayName
                    UserPrincipalName = $upns[@($device.registeredOwners)[0]]
                    Platform          = $device.operatingSystem
                    OsVersion         = $device.operatingSystemVersion
                    ClientVersion     = if ($device.operatingSystem -eq 'Android') { '9.0' } else { '12.4' }
                    Jailbroken        = if ($jailbroken) { 'yes' } else { 'no' }
                    LastCheckIn       = [DateTimeOffset]::UtcNow.AddHours(-1)
                    MdmState          = 'Active'
                    Expected          = -not $jailbroken
                }
            })

        function Get-Mismatch {
            <# Devices whose Entra isCompliant differs from the expected verdict. #>
            param([object[]] $Devices)
            $entra = @{}
            foreach ($item in @($Devices | Get-DeviceCompliance)) { $entra[$item.DeviceId] = $item }
            @($Devices | Where-Object { $entra[$_.DeviceId].IsCompliant -ne $_.Expected } | ForEach-Object { "$($_.DeviceName): expected $($_.Expected), Entra $($entra[$_.DeviceId].IsCompliant)" })
        }

        function Get-Summary { param($Result) @($Result.Output | Where-Object { $_.GetType().Name -eq 'DeviceSyncSummary' })[0] }
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
    }

    It 'Sends the fleet, Entra shows every verdict, a second run sends nothing, -Force and a change send again' {
        $state = New-StatePath
        Initialize-SyncState -Path $state
        $first = Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath $state }
        Assert-NoError -Result $first
        $summary = Get-Summary $first
        $summary.Received | Should -Be $Fleet.Count
        $summary.Confirmed | Should -Be $Fleet.Count
        $summary.Failed | Should -Be 0
        Get-Mismatch -Devices $Fleet | Should -BeNullOrEmpty

        $second = Get-Summary (Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath $state })
        $second.Sent | Should -Be 0
        $second.Unchanged | Should -Be $Fleet.Count

        $changed = @($Fleet | ForEach-Object { $_.PSObject.Copy() })
        $changed[1].Jailbroken = if ($changed[1].Expected) { 'yes' } else { 'no' }
        $changed[1].Expected = -not $changed[1].Expected
        $third = Invoke-Captured { $changed | Send-DeviceCompliance -StatePath $state -PassThru }
        Assert-NoError -Result $third
        (Get-Summary $third).Sent | Should -Be 1
        @($third.Output | Where-Object { $_.GetType().Name -eq 'DeviceSyncResult' -and $_.Outcome -eq 'Confirmed' }).DeviceId | Should -Be $changed[1].DeviceId
        Get-Mismatch -Devices $changed | Should -BeNullOrEmpty

        (Get-Summary (Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath $state -Force })).Confirmed | Should -Be $Fleet.Count
        Get-Mismatch -Devices $Fleet | Should -BeNullOrEmpty
    }

    It '-WhatIf sends nothing, leaves the state file as it was, and says what would be sent' {
        $state = New-StatePath
        Initialize-SyncState -Path $state
        $before = [System.IO.File]::ReadAllBytes($state)
        $result = Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath $state -WhatIf }
        Assert-NoError -Result $result
        $summary = Get-Summary $result
        $summary.WhatIf | Should -BeTrue
        $summary.Sent | Should -Be $Fleet.Count
        $summary.Confirmed | Should -Be 0
        [System.IO.File]::ReadAllBytes($state) | Should -Be $before
        (Get-Summary (Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath $state })).Sent | Should -Be $Fleet.Count -Because 'nothing was recorded as sent by -WhatIf'
    }

    It 'A second run on the same state file waits, then refuses with StateInUse' {
        $state = New-StatePath
        Initialize-SyncState -Path $state
        # Another run holds the state file's lock.
        $lock = $Engine.GetType('AzureCompliance.Core.State.RunLock')::AcquireAsync($state, [TimeSpan]::Zero, [System.Threading.CancellationToken]::None).GetAwaiter().GetResult()
        try {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $result = Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath $state -LockTimeout 1 }
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
            $failure = Get-SingleError -Result $result
            $failure.FullyQualifiedErrorId | Should -BeLike 'StateInUse,*'
            $failure.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        }
        finally { $lock.Dispose() }
    }

    It 'Retired devices go as not managed and are not sent again' {
        $state = New-StatePath
        Initialize-SyncState -Path $state
        $null = $Fleet | Send-DeviceCompliance -StatePath $state
        $retired = @($Fleet | ForEach-Object { $_.PSObject.Copy() })
        $retired[0].MdmState = 'Retired'
        $result = Invoke-Captured { $retired | Send-DeviceCompliance -StatePath $state }
        Assert-NoError -Result $result
        $summary = Get-Summary $result
        $summary.Sent | Should -Be 1
        $summary.Retired | Should -Be 1
        $entra = Get-DeviceCompliance -DeviceId $retired[0].DeviceId
        $entra.IsManaged | Should -BeFalse
        $entra.IsCompliant | Should -Not -BeTrue
        (Get-Summary (Invoke-Captured { $retired | Send-DeviceCompliance -StatePath $state })).Sent | Should -Be 0
        # Back to managed for the scenarios that follow.
        $null = $Fleet | Send-DeviceCompliance -StatePath $state
    }

    It 'Devices of users outside the scoped groups are skipped and counted' {
        $state = New-StatePath
        Initialize-SyncState -Path $state -GroupId $MobilePilotGroupId -GroupName 'Mobile Pilot'
        $result = Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath $state -PassThru }
        Assert-NoError -Result $result
        $summary = Get-Summary $result
        $summary.OutOfScope | Should -BeGreaterThan 0
        ($summary.Confirmed + $summary.OutOfScope) | Should -Be $Fleet.Count
        @($result.Output | Where-Object { $_.GetType().Name -eq 'DeviceSyncResult' -and $_.Outcome -eq 'OutOfScope' }) | Should -HaveCount $summary.OutOfScope
    }

    It 'A disabled policy uploads nothing for its platform' {
        $state = New-StatePath
        Initialize-SyncState -Path $state
        Disable-CompliancePolicy -Name 'Android baseline' -StatePath $state -Confirm:$false
        $android = @($Fleet | Where-Object Platform -eq 'Android').Count
        $summary = Get-Summary (Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath $state })
        $summary.NoPolicy | Should -Be $android
        $summary.Confirmed | Should -Be ($Fleet.Count - $android)
    }

    It 'Without a recorded scope the run stops and says to run Set-ComplianceGroup' {
        $result = Invoke-Captured { $Fleet | Send-DeviceCompliance -StatePath (New-StatePath) }
        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'ScopeNotSet,*'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'Set-ComplianceGroup'
        $result.Output | Should -HaveCount 0
    }

    It 'Get-DeviceCompliance reads Entra and names unknown ids; Compare-DeviceCompliance reports drift' {
        $state = New-StatePath
        Initialize-SyncState -Path $state
        $null = $Fleet | Send-DeviceCompliance -StatePath $state
        $unknown = [guid]::NewGuid().ToString()
        $get = Invoke-Captured { $Fleet[0].DeviceId, $unknown | Get-DeviceCompliance }
        $failure = Get-SingleError -Result $get
        $failure.FullyQualifiedErrorId | Should -BeLike 'DeviceNotFound,*'
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $get.Output | Should -HaveCount 1
        $get.Output[0].IsCompliant | Should -Be $Fleet[0].Expected

        @($Fleet | Compare-DeviceCompliance -StatePath $state -DriftOnly) | Should -HaveCount 0
        $drifted = @($Fleet | ForEach-Object { $_.PSObject.Copy() })
        $drifted[2].Jailbroken = if ($drifted[2].Expected) { 'yes' } else { 'no' }
        $drift = @($drifted | Compare-DeviceCompliance -StatePath $state -DriftOnly)
        $drift | Should -HaveCount 1
        $drift[0].DeviceId | Should -Be $drifted[2].DeviceId
        $drift[0].InSync | Should -BeFalse
    }

    It 'Progress has one activity and ends completed; the summary has a view' {
        $state = New-StatePath
        Initialize-SyncState -Path $state
        $text = $Fleet | Send-DeviceCompliance -StatePath $state | Out-String
        $text | Should -Match 'DevicesPerSecond'
        $text | Should -Match "Confirmed\s*:\s*$($Fleet.Count)"
    }

    It 'Throttling, 503s and resets on 10,000 devices; a run stopped in the middle' -Skip {
        # Needs the emulator's in-process fault and budget switches: see SyncTests.cs and the kill -9 scenario.
    }
}
