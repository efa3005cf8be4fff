<#
    Send-DeviceCompliance, Get-DeviceCompliance and Compare-DeviceCompliance in a real PowerShell against the built
    module (out/AzureCompliance) and the tenant emulator running as a separate process, driven through its admin
    endpoint: injected 429/503/resets on 10,000 devices, a message budget that lets a run be stopped in the middle
    and resumed, -WhatIf with the journal proving no write, the run lock, retired devices, the group scope, disabled
    policies, progress and the summary.
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
        $Source = 'sync-tests'
        $Connect = @{ TenantId = $Demo.TenantId; ClientId = $Demo.AppClientId; ClientSecret = $SecureSecret; SourceName = $Source } + $Endpoints
        $null = Connect-ComplianceTenant @Connect
        $UploadPath = '/DataUploadMessages('


        # The state every run starts from: the default iOS and Android policies (and a group scope per test).
        $SyncPolicies = @(@{ Name = 'iOS baseline'; Platform = 'iOS' }, @{ Name = 'Android baseline'; Platform = 'Android' })

        # Intune applies a partner's device reports only for users licensed for Intune, in a group that a partner
        # compliance policy of the device's platform is assigned to, with a partner onboarded for the platform (the
        # emulator refuses the others, as the service does). Set the tenant up as an administrator would: the fleet's
        # owners are the licensed users, in a group of their own that the partner and its policies are assigned to.
        $licensed = @(Get-ComplianceLicense -AllUsers | Where-Object IsLicensed | ForEach-Object UserId)
        $Owners = @(Get-EmulatorTenant -Emulator $Emulator -Collection users | Where-Object { $_.accountEnabled -ne $false -and $_.id -in $licensed })
        $ownersGroup = @{ id = [guid]::NewGuid().ToString(); displayName = 'Sync fleet owners'; securityEnabled = $true; memberIds = @($Owners | ForEach-Object { $_.id }) }
        Add-EmulatorTenantObject -Emulator $Emulator -Collection groups -InputObject @($ownersGroup)
        $null = Add-CompliancePartner -DisplayName 'Contoso MDM' -Platform Android, iOS -Group $ownersGroup.id -Confirm:$false -WarningAction SilentlyContinue
        $setupState = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-sync-setup-' + [guid]::NewGuid().ToString('N') + '.db')
        $null = Set-ComplianceGroup -Group $ownersGroup.id -StatePath $setupState -Confirm:$false -WarningAction SilentlyContinue
        foreach ($platform in 'iOS', 'Android') {
            $null = New-CompliancePolicy -Name "$platform sync fleet" -Platform $platform -StatePath $setupState -Confirm:$false -WarningAction SilentlyContinue
        }
        Remove-Item -LiteralPath $setupState -Force -ErrorAction SilentlyContinue

        function New-SyncFleet {
            <#
            .SYNOPSIS
                Devices registered in the emulated directory (through the admin endpoint), each with a verdict known by
                construction under the default policies (iOS: OS and client 12.0; Android: 8.0; jailbroken blocked):
                one in four runs an old OS, one in twenty is jailbroken; a changed device runs a newer OS.
                Every fleet has its own block of ids, so scenarios never see each other's devices.
            #>
            param([int] $Count)
            $block = '{0:x8}' -f (Get-Random -Minimum 0x10000000 -Maximum ([int]::MaxValue))
            $fleet = [pscustomobject]@{
                Block   = $block
                Count   = $Count
                Changed = New-Object -TypeName 'System.Collections.Generic.HashSet[int]'
                Retired = New-Object -TypeName 'System.Collections.Generic.HashSet[int]'
            }
            $devices = for ($i = 0; $i -lt $Count; $i++) {
                @{
                    id                   = Get-FleetObjectId $fleet $i
                    deviceId             = Get-FleetDeviceId $fleet $i
                    displayName          = "Fleet-$i"
                    operatingSystem      = if ($i % 2 -eq 0) { 'iOS' } else { 'Android' }
                    trustType            = 'Workplace'
                    registrationDateTime = '2026-01-01T00:00:00Z'
                }
            }
            Add-EmulatorTenantObject -Emulator $Emulator -Collection devices -InputObject $devices
            $fleet
        }

        function Get-FleetDeviceId { param($Fleet, [int] $Index) '{0}-5ca1-4e55-8033-{1:x12}' -f $Fleet.Block, $Index }
        function Get-FleetObjectId { param($Fleet, [int] $Index) '{0}-0b1e-4d7d-8b44-{1:x12}' -f $Fleet.Block, $Index }
        function Get-FleetOwner { param($Fleet, [int] $Index) $Owners[$Index % $Owners.Count] }
        function Test-FleetVerdict { param($Fleet, [int] $Index) ($Fleet.Changed.Contains($Index) -or $Index % 4 -ne 1) -and $Index % 20 -ne 3 }

        function Get-FleetRecord {
            <# The MDM's records of the fleet (or of some of its devices), as plain objects with the device property names. #>
            param($Fleet, [int[]] $Index = @(0..($Fleet.Count - 1)))
            foreach ($i in $Index) {
                $ios = $i % 2 -eq 0
                $old = $i % 4 -eq 1 -and -not $Fleet.Changed.Contains($i)
                [pscustomobject]@{
                    DeviceId          = Get-FleetDeviceId $Fleet $i
                    DeviceName        = "Fleet-$i"
                    UserPrincipalName = (Get-FleetOwner $Fleet $i).userPrincipalName
                    Platform          = if ($ios) { 'iOS' } else { 'Android' }
                    OsVersion         = if ($Fleet.Changed.Contains($i)) { if ($ios) { '18.1' } else { '15' } } elseif ($old) { if ($ios) { '11.4' } else { '7.1' } } elseif ($ios) { '17.1.2' } else { '14' }
                    ClientVersion     = if ($ios) { '12.4' } else { '9.0' }
                    Jailbroken        = if ($i % 20 -eq 3) { 'yes' } else { 'no' }
                    LastCheckIn       = [DateTimeOffset]::new(2026, 11, 21, 6, 0, 0, [TimeSpan]::Zero).AddSeconds($i)
                    MdmState          = if ($Fleet.Retired.Contains($i)) { 'Retired' } else { 'Active' }
                }
            }
        }

        function Get-FleetEntra {
            <# The emulated directory's view of the fleet's devices, by index (isCompliant, isManaged). #>
            param($Fleet)
            $byId = @{}
            foreach ($device in Get-EmulatorTenant -Emulator $Emulator -Collection devices) { $byId[$device.id] = $device }
            $view = @{}
            for ($i = 0; $i -lt $Fleet.Count; $i++) { $view[$i] = $byId[(Get-FleetObjectId $Fleet $i)] }
            $view
        }

        function Get-FleetMismatch {
            <# Devices whose Entra isCompliant is not the verdict (or not set), as "index: expected/actual". #>
            param($Fleet, [int[]] $Index = @(0..($Fleet.Count - 1)))
            $entra = Get-FleetEntra $Fleet
            foreach ($i in $Index) {
                if ($Fleet.Retired.Contains($i)) {
                    if ($entra[$i].isManaged -ne $false) { "${i}: retired, Entra isManaged $($entra[$i].isManaged)" }
                }
                elseif ($entra[$i].isCompliant -ne (Test-FleetVerdict $Fleet $i) -or $null -eq $entra[$i].isCompliant) {
                    "${i}: expected $(Test-FleetVerdict $Fleet $i), Entra $(if ($null -eq $entra[$i].isCompliant) { 'null' } else { $entra[$i].isCompliant })"
                }
            }
        }

        function Get-FleetReceived {
            <# How many accepted messages carried each device of the fleet (the emulator's count), by index. #>
            param($Fleet)
            $byDeviceId = @{}
            foreach ($record in Get-EmulatorTenant -Emulator $Emulator -Collection partnerDevices) { $byDeviceId[$record.deviceId] = $record.receivedCount }
            $received = @{}
            for ($i = 0; $i -lt $Fleet.Count; $i++) { $received[$i] = [int]$byDeviceId[(Get-FleetDeviceId $Fleet $i)] }
            $received
        }

        function Get-UploadCount {
            <# Data upload messages (PUT) the emulator received so far. #>
            (Get-EmulatorJournal -Emulator $Emulator -Method PUT -PathContains $UploadPath -CountOnly).Count
        }

        function Set-UploadBudget {
            param([int] $Messages, [double] $WindowSeconds)
            Set-EmulatorThrottleRule -Emulator $Emulator -Name 'sync-tests-budget' -Rule @{
                method = 'PUT'; pathContains = $UploadPath; limit = $Messages; window = (ConvertTo-EmulatorTimeSpan -Seconds $WindowSeconds); scope = 'perTenant'
            }
        }

        # A session of its own for what only the console shows (What if: lines, Out-Host) and for progress records.
        $Session = New-ModuleRunspace -Variable @{ Connect = $Connect }
        Assert-NoError -Result (Invoke-ModuleScript -Shell $Session -Script '$null = Connect-ComplianceTenant @Connect')

        function Get-Summary { param($Result) @($Result.Output | Where-Object { $_.GetType().Name -eq 'DeviceSyncSummary' })[0] }

        function Get-ConfirmedDeviceId {
            param($Result)
            @($Result.Output | Where-Object { $_.GetType().Name -eq 'DeviceSyncResult' -and "$($_.Outcome)" -eq 'Confirmed' } | ForEach-Object { [string]$_.DeviceId })
        }

        function New-SendRunspace {
            <# Another session of this process that connects as the same MDM instance and sends the fleet: a run beside the test. #>
            param($Fleet, [string] $StatePath, [int] $BatchSize)
            $shell = New-ModuleRunspace -Variable @{ Connect = $Connect; Devices = @(Get-FleetRecord $Fleet); StatePath = $StatePath; BatchSize = $BatchSize }
            $null = $shell.AddScript('$null = Connect-ComplianceTenant @Connect; $Devices | Send-DeviceCompliance -StatePath $StatePath -BatchSize $BatchSize')
            $shell
        }
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Remove-ModuleRunspace -Shell $Session
        Stop-TenantEmulator -Emulator $Emulator
    }

    BeforeEach {
        Set-EmulatorSetting -Emulator $Emulator -Setting @{ latency = '00:00:00' } | Out-Null
        # Uploads need the partner tenant provisioned (Add-CompliancePartner does it; other scenarios may have deprovisioned).
        $null = Set-EmulatorPartnerTenant -Emulator $Emulator -AppId $Demo.AppClientId -State provisioned
        $StateDirectory = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-sync-tests-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $StateDirectory
        $StatePath = Join-Path $StateDirectory 'state.db'
    }

    AfterEach {
        foreach ($rule in @((Get-EmulatorSetting -Emulator $Emulator).faultRules | Where-Object name -eq 'sync-tests')) { Remove-EmulatorFaultRule -Emulator $Emulator -Name $rule.name }
        foreach ($rule in @((Get-EmulatorSetting -Emulator $Emulator).throttleRules | Where-Object name -eq 'sync-tests-budget')) { Remove-EmulatorThrottleRule -Emulator $Emulator -Name $rule.name }
        Remove-Item -LiteralPath $StateDirectory -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'Ten thousand devices through 429s, 503s and resets end with Entra equal to the verdicts, each sent once' {
        $fleet = New-SyncFleet -Count 10000
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        $null = Set-EmulatorSetting -Emulator $Emulator -Setting @{ randomSeed = 4242 }
        Set-EmulatorFaultRule -Emulator $Emulator -Name 'sync-tests' -Rule @{
            pathContains = $UploadPath; tooManyRequestsProbability = 0.10; serviceUnavailableProbability = 0.05; connectionResetProbability = 0.02; retryAfter = '00:00:01'
        }
        $records = @(Get-FleetRecord $fleet)
        $result = Invoke-Captured { $records | Send-DeviceCompliance -StatePath $StatePath }

        Assert-NoError -Result $result
        $summary = Get-Summary $result
        $summary.Received | Should -Be 10000
        $summary.Confirmed | Should -Be 10000
        $summary.Failed | Should -Be 0
        $summary.Throttled | Should -BeGreaterThan 0 -Because 'the faults were injected'
        (Get-EmulatorJournal -Emulator $Emulator -PathContains $UploadPath -CountOnly).Count | Should -BeGreaterThan ([Math]::Ceiling(10000 / 1000)) -Because 'faulted uploads were retried'
        Get-FleetMismatch $fleet | Should -BeNullOrEmpty
        # Faults never made a device go twice: a throttled, refused or reset upload was not taken by the service.
        $received = Get-FleetReceived $fleet
        @($received.Keys | Where-Object { $received[$_] -ne 1 } | ForEach-Object { "${_}: $($received[$_])" }) | Should -BeNullOrEmpty
    }

    It 'A second run sends nothing, -Force sends all, and a change sends only it' {
        $fleet = New-SyncFleet -Count 300
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        $first = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath }
        Assert-NoError -Result $first
        (Get-Summary $first).Confirmed | Should -Be 300
        Get-FleetMismatch $fleet | Should -BeNullOrEmpty

        $uploads = Get-UploadCount
        $second = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath }
        Assert-NoError -Result $second
        (Get-Summary $second).Sent | Should -Be 0
        (Get-Summary $second).Unchanged | Should -Be 300
        Get-UploadCount | Should -Be $uploads

        $null = $fleet.Changed.Add(1)
        $null = $fleet.Changed.Add(5)
        $changed = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath -PassThru }
        Assert-NoError -Result $changed
        (Get-Summary $changed).Sent | Should -Be 2
        Get-ConfirmedDeviceId $changed | Sort-Object | Should -Be @((Get-FleetDeviceId $fleet 1), (Get-FleetDeviceId $fleet 5) | Sort-Object)
        Get-FleetMismatch $fleet | Should -BeNullOrEmpty

        $forced = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath -Force }
        Assert-NoError -Result $forced
        (Get-Summary $forced).Confirmed | Should -Be 300
    }

    It 'A run stopped in the middle (Ctrl+C) resumes with nothing lost and nothing confirmed sent again' {
        $fleet = New-SyncFleet -Count 3000
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        Set-UploadBudget -Messages 20 -WindowSeconds 1
        $uploadsBefore = Get-UploadCount

        $shell = New-SendRunspace -Fleet $fleet -StatePath $StatePath -BatchSize 50
        try {
            $invocation = $shell.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-UploadCount) - $uploadsBefore -lt 12 -and [DateTime]::UtcNow -lt $deadline -and -not $invocation.IsCompleted) {
                Start-Sleep -Milliseconds 20
            }
            $invocation.IsCompleted | Should -BeFalse -Because 'the run must still be going when it is stopped'
            $shell.Stop() # Ctrl+C
            $stopped = $null
            try { $shell.EndInvoke($invocation) } catch { $stopped = $_.Exception.GetBaseException() }
            $stopped | Should -BeOfType ([System.Management.Automation.PipelineStoppedException])
            # The progress bar was completed, also on Ctrl+C.
            $progress = @($shell.Streams.Progress | Where-Object Activity -eq 'Send-DeviceCompliance')
            $progress | Should -Not -BeNullOrEmpty
            $progress[-1].RecordType | Should -Be ([System.Management.Automation.ProgressRecordType]::Completed)
        }
        finally {
            Remove-ModuleRunspace -Shell $shell
        }
        Remove-EmulatorThrottleRule -Emulator $Emulator -Name 'sync-tests-budget'

        # What the service applied (confirmed by the run, or completed after it stopped: processing takes a moment).
        $settle = [DateTime]::UtcNow.AddSeconds(10)
        while ((Get-EmulatorPendingPartnerMessage -Emulator $Emulator) -gt 0 -and [DateTime]::UtcNow -lt $settle) { Start-Sleep -Milliseconds 50 }
        $entra = Get-FleetEntra $fleet
        $appliedBefore = @(0..($fleet.Count - 1) | Where-Object { $null -ne $entra[$_].isCompliant } | ForEach-Object { Get-FleetDeviceId $fleet $_ })
        $appliedBefore | Should -Not -BeNullOrEmpty
        $appliedBefore.Count | Should -BeLessThan $fleet.Count

        $resumed = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath -PassThru }
        Assert-NoError -Result $resumed
        $summary = Get-Summary $resumed
        $sentNow = Get-ConfirmedDeviceId $resumed
        @($sentNow | Where-Object { $_ -in $appliedBefore }) | Should -BeNullOrEmpty
        ($appliedBefore.Count + $sentNow.Count) | Should -Be $fleet.Count
        # Every device reached the service exactly once over both runs.
        $received = Get-FleetReceived $fleet
        @($received.Keys | Where-Object { $received[$_] -ne 1 } | ForEach-Object { "${_}: $($received[$_])" }) | Should -BeNullOrEmpty
        Get-FleetMismatch $fleet | Should -BeNullOrEmpty
        (Get-Summary (Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath })).Sent | Should -Be 0
        ($summary.Recovered + $summary.Unchanged) | Should -BeGreaterOrEqual $appliedBefore.Count
    }

    It '-WhatIf makes no write, leaves the state file as it was, and says what would be sent' {
        $fleet = New-SyncFleet -Count 40
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        Assert-NoError -Result (Invoke-Captured { Get-FleetRecord $fleet -Index (0..9) | Send-DeviceCompliance -StatePath $StatePath })
        $null = $fleet.Changed.Add(3)

        $writes = Get-EmulatorWriteCount -Emulator $Emulator
        $requests = (Get-EmulatorJournal -Emulator $Emulator -PathContains $UploadPath -CountOnly).Count
        $stateBytes = [System.IO.File]::ReadAllBytes($StatePath)
        $result = Invoke-ModuleScript -Shell $Session -Script '$Devices | Send-DeviceCompliance -StatePath $StatePath -WhatIf' -Variable @{ Devices = @(Get-FleetRecord $fleet); StatePath = $StatePath }

        Assert-NoError -Result $result
        Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes
        (Get-EmulatorJournal -Emulator $Emulator -PathContains $UploadPath -CountOnly).Count | Should -Be $requests
        $summary = Get-Summary $result
        $summary.WhatIf | Should -BeTrue
        $summary.Sent | Should -Be 31 -Because '30 are new and 1 changed'
        $result.HostText | Should -Match ([regex]::Escape('What if: Performing the operation "Send compliance: not compliant" on target "Device ''Fleet-13'''))
        $result.HostText | Should -Match ([regex]::Escape("Fleet-3'"))
        $result.HostText | Should -Not -Match ([regex]::Escape("Fleet-2'"))
        [System.IO.File]::ReadAllBytes($StatePath) | Should -Be $stateBytes
    }

    It 'A second run on the same state file waits, then refuses with StateInUse' {
        $fleet = New-SyncFleet -Count 400
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        Set-UploadBudget -Messages 10 -WindowSeconds 1
        $shell = New-SendRunspace -Fleet $fleet -StatePath $StatePath -BatchSize 10
        try {
            $uploadsBefore = Get-UploadCount
            $invocation = $shell.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-UploadCount) -eq $uploadsBefore -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $invocation.IsCompleted | Should -BeFalse -Because 'the first run must hold the lock'

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $second = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath -LockTimeout 1 }
            $watch.Stop()
            $failure = Get-SingleError -Result $second
            $failure.FullyQualifiedErrorId | Should -BeLike 'StateInUse,*'
            $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceUnavailable)
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9 -Because 'it waited for the lock'
        }
        finally {
            $shell.Stop()
            Remove-ModuleRunspace -Shell $shell
        }
    }

    It 'Retired devices go as not managed and are not sent again' {
        $fleet = New-SyncFleet -Count 20
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        Assert-NoError -Result (Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath })
        $null = $fleet.Retired.Add(2)
        $null = $fleet.Retired.Add(7)
        $result = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath }

        Assert-NoError -Result $result
        $summary = Get-Summary $result
        $summary.Sent | Should -Be 2
        $summary.Retired | Should -Be 2
        Get-FleetMismatch $fleet | Should -BeNullOrEmpty
        $device = Get-EmulatorDevice -Emulator $Emulator -ObjectId (Get-FleetObjectId $fleet 2)
        $device.isManaged | Should -BeExactly $false
        $device.isCompliant | Should -Not -BeTrue
        (Get-Summary (Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath })).Sent | Should -Be 0
    }

    It 'Devices of users outside the scoped groups are skipped and counted' {
        $group = @(Get-EmulatorTenant -Emulator $Emulator -Collection groups | Where-Object displayName -eq $Demo.MobilePilotGroup)[0]
        $members = @($group.memberIds)
        $fleet = New-SyncFleet -Count 60
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -GroupId $group.id -GroupName $group.displayName
        $mark = (Get-EmulatorJournal -Emulator $Emulator -CountOnly).Total
        $result = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath -PassThru }

        Assert-NoError -Result $result
        $inScope = @(0..($fleet.Count - 1) | Where-Object { (Get-FleetOwner $fleet $_).id -in $members })
        $outOfScope = @(0..($fleet.Count - 1) | Where-Object { $_ -notin $inScope })
        $inScope | Should -Not -BeNullOrEmpty
        $outOfScope | Should -Not -BeNullOrEmpty
        $summary = Get-Summary $result
        $summary.Confirmed | Should -Be $inScope.Count
        $summary.OutOfScope | Should -Be $outOfScope.Count
        Get-FleetMismatch $fleet -Index $inScope | Should -BeNullOrEmpty
        $entra = Get-FleetEntra $fleet
        @($outOfScope | Where-Object { $null -ne $entra[$_].isCompliant }) | Should -BeNullOrEmpty
        # The scope's members were read with paged transitive membership, not per device.
        (Get-EmulatorJournal -Emulator $Emulator -Since $mark -PathContains '/transitiveMembers' -CountOnly).Count | Should -BeGreaterOrEqual 1
    }

    It 'A disabled policy uploads nothing for its platform' {
        $fleet = New-SyncFleet -Count 30
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        Disable-CompliancePolicy -Name 'Android baseline' -StatePath $StatePath -Confirm:$false
        $result = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath }

        Assert-NoError -Result $result
        $summary = Get-Summary $result
        $summary.Confirmed | Should -Be 15
        $summary.NoPolicy | Should -Be 15
        $entra = Get-FleetEntra $fleet
        @(0..29 | Where-Object { $_ % 2 -eq 1 -and $null -ne $entra[$_].isCompliant }) | Should -BeNullOrEmpty
        Get-FleetMismatch $fleet -Index @(0..29 | Where-Object { $_ % 2 -eq 0 }) | Should -BeNullOrEmpty
    }

    It 'Without a recorded scope the run stops and says to run Set-ComplianceGroup' {
        $fleet = New-SyncFleet -Count 1
        $result = Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'ScopeNotSet,*'
        "$($failure.ErrorDetails.RecommendedAction) $($failure.Exception.Message)" | Should -Match 'Set-ComplianceGroup'
        $result.Output | Should -HaveCount 0
    }

    It 'Records from Import-ComplianceDevice and Test-DeviceCompliance results are sent, the summary has a view, and SQLite loads from the module' {
        $fleet = New-SyncFleet -Count 8
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        $csv = Join-Path $StateDirectory 'export.csv'
        $lines = @('DeviceId,DeviceName,UserPrincipalName,Platform,OsVersion,ClientVersion,Jailbroken,LastCheckIn,MdmState') + @(0..3 | ForEach-Object {
                $os = if ($_ % 4 -eq 1) { '7.1' } elseif ($_ % 2 -eq 0) { '17.1.2' } else { '14' }
                '{0},Fleet-{1},{2},{3},{4},{5},{6},2026-11-21T06:00:00Z,Active' -f (Get-FleetDeviceId $fleet $_), $_, (Get-FleetOwner $fleet $_).userPrincipalName,
                $(if ($_ % 2 -eq 0) { 'iOS' } else { 'Android' }), $os, $(if ($_ % 2 -eq 0) { '12.4' } else { '9.0' }), $(if ($_ % 20 -eq 3) { 'yes' } else { 'no' })
            })
        [System.IO.File]::WriteAllLines($csv, [string[]]$lines)
        $result = Invoke-ModuleScript -Shell $Session -Script 'Import-ComplianceDevice -Path $Csv | Send-DeviceCompliance -StatePath $StatePath | Out-Host' -Variable @{ Csv = $csv; StatePath = $StatePath }

        Assert-NoError -Result $result
        $result.HostText | Should -Match 'DevicesPerSecond'
        $result.HostText | Should -Match 'Confirmed\s*:\s*4'
        Get-FleetMismatch $fleet -Index (0..3) | Should -BeNullOrEmpty

        $results = Invoke-Captured { Get-FleetRecord $fleet -Index (4..7) | Test-DeviceCompliance -StatePath $StatePath | Send-DeviceCompliance -StatePath $StatePath }
        Assert-NoError -Result $results
        (Get-Summary $results).Confirmed | Should -Be 4

        # The native SQLite library this process loaded is the module's own copy.
        $native = [System.IO.Path]::Combine((Split-Path -Parent (Get-ModuleManifestPath)), 'dependencies', 'runtimes')
        @([System.IO.File]::ReadAllLines('/proc/self/maps') | Where-Object { $_ -match 'e_sqlite3' -and $_.Contains($native) }) | Should -Not -BeNullOrEmpty
    }

    It 'Progress has one activity and ends completed, and -PassThru gives a result per device' {
        $fleet = New-SyncFleet -Count 500
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        $null = Set-EmulatorSetting -Emulator $Emulator -Setting @{ latency = '00:00:00.030' }
        # Progress records reach a PowerShell instance's streams only in a runspace of its own.
        $result = Invoke-ModuleScript -Shell $Session -Script '$Devices | Send-DeviceCompliance -StatePath $StatePath -PassThru -BatchSize 25' -Variable @{ Devices = @(Get-FleetRecord $fleet); StatePath = $StatePath }
        $null = Set-EmulatorSetting -Emulator $Emulator -Setting @{ latency = '00:00:00' }

        Assert-NoError -Result $result
        $output = $result.Output
        $progress = @($result.Progress | Where-Object Activity -eq 'Send-DeviceCompliance')
        $progress.Count | Should -BeGreaterOrEqual 2
        @($progress | ForEach-Object ActivityId | Sort-Object -Unique) | Should -HaveCount 1
        $progress[-1].RecordType | Should -Be ([System.Management.Automation.ProgressRecordType]::Completed)
        @($output | Where-Object { $_.GetType().Name -eq 'DeviceSyncResult' }) | Should -HaveCount 500
        $output[-1].StatePath | Should -BeOfType ([string]) -Because 'the summary comes last'
        $result.Text | Should -Not -Match ([regex]::Escape($Demo.AppSecret))
    }

    It 'Get-DeviceCompliance reads Entra and names unknown ids; Compare-DeviceCompliance reports drift' {
        $fleet = New-SyncFleet -Count 30
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy $SyncPolicies -AllUsers
        Assert-NoError -Result (Invoke-Captured { Get-FleetRecord $fleet | Send-DeviceCompliance -StatePath $StatePath })

        $unknown = [guid]::NewGuid().ToString()
        $ids = (Get-FleetDeviceId $fleet 0), (Get-FleetDeviceId $fleet 1), $unknown
        $get = Invoke-Captured { $ids | Get-DeviceCompliance }
        $failure = Get-SingleError -Result $get
        $failure.FullyQualifiedErrorId | Should -BeLike 'DeviceNotFound,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $failure.TargetObject | Should -Be $unknown
        $get.Output | Should -HaveCount 2
        $get.Output[0].IsCompliant | Should -Be (Test-FleetVerdict $fleet 0)
        $get.Output[1].IsCompliant | Should -Be (Test-FleetVerdict $fleet 1)

        $inSync = Invoke-Captured { Get-FleetRecord $fleet | Compare-DeviceCompliance -StatePath $StatePath }
        Assert-NoError -Result $inSync
        $inSync.Output | Should -HaveCount 30
        @($inSync.Output | Where-Object { -not $_.InSync } | ForEach-Object { "$_" }) | Should -BeNullOrEmpty

        $null = $fleet.Changed.Add(1) # not compliant before, compliant now: Entra still says not compliant
        $drift = Invoke-Captured { Get-FleetRecord $fleet | Compare-DeviceCompliance -StatePath $StatePath -DriftOnly }
        Assert-NoError -Result $drift
        $drift.Output | Should -HaveCount 1
        $drift.Output[0].DeviceId | Should -Be (Get-FleetDeviceId $fleet 1)
        "$($drift.Output[0].MdmVerdict)" | Should -Be 'Compliant'
        $drift.Output[0].EntraIsCompliant | Should -BeExactly $false
    }
}
