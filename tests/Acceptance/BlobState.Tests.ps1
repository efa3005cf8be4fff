<#
    State in Azure Blob Storage (-StatePath https://.../<container>/<name>): Send-DeviceCompliance, Set-ComplianceGroup
    and New-CompliancePolicy against the built module, the tenant emulator and Azurite (the official Azure Storage
    emulator, installed by `npm ci` in build/azurite; build.ps1 -Task Test and .ci/run do it when node is present).
    Covers: first run, delta run (nothing re-sent, the snapshot not rewritten, the journal growing with the changed
    devices only), a second run while the lease is held (StateInUse), a storage outage mid-run and a broken lease (clear
    error, nothing lost, the next run completes), a pwsh process killed mid-run then resumed, the owner-only local copy,
    and the SAS never shown.
#>

Describe 'State in Azure Blob Storage (Azurite)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        $Storage = New-AzuriteStorage
        Import-AzureComplianceModule
        $StoragePort = $Storage.Port
        $Account = $Storage.Account

        function Invoke-Storage {
            param([string] $Path, [string] $Query = '', [string] $Method = 'Get', [hashtable] $Headers = @{})
            Invoke-AzuriteRequest -Storage $Storage -Path $Path -Query $Query -Method $Method -Headers $Headers
        }
        function Get-BlobInfo {
            param([string] $Name)
            $answer = Invoke-Storage -Path "state/$Name" -Method Head
            if ($answer.StatusCode -eq 404) { return $null }
            [pscustomobject]@{ ETag = "$($answer.Headers['ETag'])"; Length = [long]"$($answer.Headers['Content-Length'])" }
        }

        Start-Azurite -Storage $Storage
        $Sas = $Storage.Sas
        $null = New-AzuriteContainer -Storage $Storage -Name 'state'

        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $Source = 'blob-tests'
        $Connect = @{ TenantId = $Demo.TenantId; ClientId = $Demo.AppClientId; ClientSecret = (ConvertTo-TestSecureString -Value $Demo.AppSecret); SourceName = $Source } + $Endpoints
        $null = Connect-ComplianceTenant @Connect

        # The tenant as Intune requires it (see Sync.Tests.ps1): licensed owners in a group the partner and its policies are assigned to.
        $licensed = @(Get-ComplianceLicense -AllUsers | Where-Object IsLicensed | ForEach-Object UserId)
        $Owners = @(Get-EmulatorTenant -Emulator $Emulator -Collection users | Where-Object { $_.accountEnabled -ne $false -and $_.id -in $licensed })
        $ownersGroup = @{ id = [guid]::NewGuid().ToString(); displayName = 'Blob fleet owners'; securityEnabled = $true; memberIds = @($Owners | ForEach-Object { $_.id }) }
        Add-EmulatorTenantObject -Emulator $Emulator -Collection groups -InputObject @($ownersGroup)
        $null = Add-CompliancePartner -DisplayName 'Contoso MDM' -Platform Android, iOS -Group $ownersGroup.id -Confirm:$false -WarningAction SilentlyContinue
        $OwnersGroupId = $ownersGroup.id

        function New-BlobState {
            <# A state blob of its own with the group scope and the two policies, written through the blob form of -StatePath. #>
            $name = 'tenant-' + [guid]::NewGuid().ToString('N') + '.db'
            $location = "http://127.0.0.1:$StoragePort/$Account/state/$name`?$Sas"
            $null = Set-ComplianceGroup -Group $OwnersGroupId -StatePath $location -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            foreach ($platform in 'iOS', 'Android') {
                $null = New-CompliancePolicy -Name "$platform blob fleet" -Platform $platform -StatePath $location -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            }
            [pscustomobject]@{ Name = $name; Location = $location; Shown = "http://127.0.0.1:$StoragePort/$Account/state/$name" }
        }

        function New-BlobFleet {
            param([int] $Count)
            $block = '{0:x8}' -f (Get-Random -Minimum 0x10000000 -Maximum ([int]::MaxValue))
            $fleet = [pscustomobject]@{ Block = $block; Count = $Count; Changed = New-Object -TypeName 'System.Collections.Generic.HashSet[int]' }
            $devices = for ($i = 0; $i -lt $Count; $i++) {
                @{ id = '{0}-0b1e-4d7d-8b44-{1:x12}' -f $block, $i; deviceId = '{0}-5ca1-4e55-8033-{1:x12}' -f $block, $i; displayName = "Blob-$i"
                   operatingSystem = if ($i % 2 -eq 0) { 'iOS' } else { 'Android' }; trustType = 'Workplace'; registrationDateTime = '2026-01-01T00:00:00Z' }
            }
            Add-EmulatorTenantObject -Emulator $Emulator -Collection devices -InputObject $devices
            $fleet
        }
        $UploadPath = '/DataUploadMessages('
        function Get-UploadCount { (Get-EmulatorJournal -Emulator $Emulator -Method PUT -PathContains $UploadPath -CountOnly).Count }
        function Set-UploadBudget {
            <# The service's budget for upload messages: a run of many small messages then lasts long enough to be interrupted. #>
            param([int] $Messages, [double] $WindowSeconds)
            Set-EmulatorThrottleRule -Emulator $Emulator -Name 'blob-tests-budget' -Rule @{
                method = 'PUT'; pathContains = $UploadPath; limit = $Messages; window = (ConvertTo-EmulatorTimeSpan -Seconds $WindowSeconds); scope = 'perTenant'
            }
        }
        function Wait-Uploads {
            <# Waits until the emulator has received at least -Count more upload messages (or the run ended). #>
            param([int] $Since, [int] $Count, $Until)
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-UploadCount) -lt $Since + $Count -and [DateTime]::UtcNow -lt $deadline -and -not (& $Until)) { Start-Sleep -Milliseconds 50 }
        }
        function New-BlobSendRunspace {
            <# Another session of this process that connects as the same MDM instance and sends the fleet: a run beside the test. #>
            param($Fleet, [string] $StatePath)
            $shell = New-ModuleRunspace -Variable @{ Connect = $Connect; Devices = @(Get-BlobFleetRecord $Fleet); StatePath = $StatePath }
            $null = $shell.AddScript('$null = Connect-ComplianceTenant @Connect; $Devices | Send-DeviceCompliance -StatePath $StatePath -BatchSize 10')
            $shell
        }
        function Get-FleetMismatch {
            <# Devices whose Entra isCompliant is not what the MDM reported (every device of these fleets is compliant). #>
            param($Fleet)
            $byId = @{}
            foreach ($device in Get-EmulatorTenant -Emulator $Emulator -Collection devices) { $byId[$device.id] = $device }
            for ($i = 0; $i -lt $Fleet.Count; $i++) {
                $device = $byId['{0}-0b1e-4d7d-8b44-{1:x12}' -f $Fleet.Block, $i]
                if ($device.isCompliant -ne $true) { "${i}: Entra isCompliant $($device.isCompliant)" }
            }
        }

        function Get-BlobFleetRecord {
            param($Fleet)
            for ($i = 0; $i -lt $Fleet.Count; $i++) {
                $ios = $i % 2 -eq 0
                [pscustomobject]@{
                    DeviceId = '{0}-5ca1-4e55-8033-{1:x12}' -f $Fleet.Block, $i; DeviceName = "Blob-$i"
                    UserPrincipalName = $Owners[$i % $Owners.Count].userPrincipalName
                    Platform = if ($ios) { 'iOS' } else { 'Android' }
                    OsVersion = if ($Fleet.Changed.Contains($i)) { if ($ios) { '18.1' } else { '15' } } elseif ($ios) { '17.1.2' } else { '14' }
                    ClientVersion = if ($ios) { '12.4' } else { '9.0' }; Jailbroken = 'no'
                    LastCheckIn = [DateTimeOffset]::new(2026, 11, 21, 6, 0, 0, [TimeSpan]::Zero).AddSeconds($i); MdmState = 'Active'
                }
            }
        }
    }

    AfterEach {
        foreach ($rule in @((Get-EmulatorSetting -Emulator $Emulator).throttleRules | Where-Object name -eq 'blob-tests-budget')) { Remove-EmulatorThrottleRule -Emulator $Emulator -Name $rule.name }
    }

    AfterAll {
        if (Get-Command -Name Disconnect-ComplianceTenant -ErrorAction SilentlyContinue) { Disconnect-ComplianceTenant -ErrorAction SilentlyContinue }
        if ($Emulator) { Stop-TenantEmulator -Emulator $Emulator }
        if ($Storage) { Stop-Azurite -Storage $Storage -RemoveData }
    }

    It 'A first run sends every device; a delta run re-sends nothing and writes only the changed devices to storage' {
        $state = New-BlobState
        $fleet = New-BlobFleet -Count 200
        $first = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location }
        Assert-NoError -Result $first
        $summary = $first.Output | Select-Object -Last 1
        $summary.Sent | Should -Be 200
        $summary.Confirmed | Should -Be 200
        $summary.StatePath | Should -Be $state.Shown -Because 'the location is shown without its SAS'

        $policies = @(Get-CompliancePolicy -StatePath $state.Location)
        $policies.Name | Sort-Object | Should -Be @('Android blob fleet', 'iOS blob fleet') -Because 'the policies written to the blob are read back from it'
        (Get-ComplianceGroup -StatePath $state.Location).Id | Should -Be $OwnersGroupId

        $snapshot = Get-BlobInfo $state.Name
        $journal = Get-BlobInfo "$($state.Name).journal"
        $journal.Length | Should -BeGreaterThan 0 -Because 'the run appended its writes to the journal'

        $same = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location }
        Assert-NoError -Result $same
        ($same.Output | Select-Object -Last 1).Sent | Should -Be 0
        ($same.Output | Select-Object -Last 1).Unchanged | Should -Be 200
        (Get-BlobInfo $state.Name).ETag | Should -Be $snapshot.ETag -Because 'a delta run does not rewrite the snapshot'
        (Get-BlobInfo "$($state.Name).journal").Length | Should -Be $journal.Length -Because 'nothing changed, nothing is written'

        foreach ($i in 0, 1, 2) { $null = $fleet.Changed.Add($i) }
        $delta = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location }
        Assert-NoError -Result $delta
        ($delta.Output | Select-Object -Last 1).Sent | Should -Be 3
        $grown = (Get-BlobInfo "$($state.Name).journal").Length - $journal.Length
        $grown | Should -BeGreaterThan 0
        $grown | Should -BeLessThan (3 * 1024) -Because "the storage writes of a delta run are O(changed devices) (the first run's 200 devices took $($journal.Length) bytes)"
    }

    It 'A second run waits while another holds the lease, then refuses with StateInUse; the SAS is never shown' {
        $state = New-BlobState
        $fleet = New-BlobFleet -Count 10
        $lease = Invoke-Storage -Path "state/$($state.Name)" -Query 'comp=lease' -Method Put -Headers @{ 'x-ms-lease-action' = 'acquire'; 'x-ms-lease-duration' = '60' }
        $lease.StatusCode | Should -Be 201
        try {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $second = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location -LockTimeout 2 -Verbose }
            $watch.Stop()
            $failure = Get-SingleError -Result $second
            $failure.FullyQualifiedErrorId | Should -BeLike 'StateInUse,*'
            $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceUnavailable)
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9 -Because 'it waited for the lease'
            $shown = ($second.Text, ($second.Errors | Out-String), ($second.Output | Out-String), $failure.TargetObject) -join "`n"
            $shown | Should -Not -Match 'sig=' -Because 'a SAS is a secret'
            $shown | Should -Match ([regex]::Escape($state.Shown))
        }
        finally {
            $null = Invoke-Storage -Path "state/$($state.Name)" -Query 'comp=lease' -Method Put -Headers @{ 'x-ms-lease-action' = 'break'; 'x-ms-lease-break-period' = '0' }
        }
    }

    It 'A storage outage mid-run stops the run with a clear error; nothing is lost and the next run completes' {
        $state = New-BlobState
        $fleet = New-BlobFleet -Count 300
        Set-UploadBudget -Messages 4 -WindowSeconds 1
        $shell = New-BlobSendRunspace -Fleet $fleet -StatePath $state.Location
        try {
            $before = Get-UploadCount
            $invocation = $shell.BeginInvoke()
            Wait-Uploads -Since $before -Count 5 -Until { $invocation.IsCompleted }
            $invocation.IsCompleted | Should -BeFalse -Because 'the outage must come in the middle of the run'
            Stop-Azurite -Storage $Storage
            try {
                $failure = $null
                try { $null = $shell.EndInvoke($invocation) } catch { $failure = $_.Exception }
                $errors = @($shell.Streams.Error)
                $record = if ($errors.Count -gt 0) { $errors[-1] } else { $failure.InnerException.ErrorRecord }
                $record.FullyQualifiedErrorId | Should -BeLike 'StateStorageUnavailable,*'
                $record.Exception.Message | Should -Match 'could not be'
                $record.Exception.Message | Should -Not -Match 'sig='
                $record.ErrorDetails.RecommendedAction + $record.Exception.Message | Should -Match 'nothing confirmed is lost'
            }
            finally { Start-Azurite -Storage $Storage }
        }
        finally { Remove-ModuleRunspace -Shell $shell }
        Remove-EmulatorThrottleRule -Emulator $Emulator -Name 'blob-tests-budget'

        # The stopped run could not release its lease (storage was down): the next run waits for it to expire (60 s).
        $next = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location -LockTimeout 120 }
        Assert-NoError -Result $next
        $summary = $next.Output | Select-Object -Last 1
        $summary.Unchanged | Should -BeGreaterThan 0 -Because 'what was confirmed before the outage is not sent again'
        @(Get-FleetMismatch $fleet) | Should -BeNullOrEmpty
    }

    It 'A run whose lease is broken stops with StateLeaseLost; nothing is lost and the next run completes' {
        $state = New-BlobState
        $fleet = New-BlobFleet -Count 400
        Set-UploadBudget -Messages 1 -WindowSeconds 1
        $shell = New-BlobSendRunspace -Fleet $fleet -StatePath $state.Location
        try {
            $before = Get-UploadCount
            $invocation = $shell.BeginInvoke()
            Wait-Uploads -Since $before -Count 2 -Until { $invocation.IsCompleted }
            $invocation.IsCompleted | Should -BeFalse

            # The run's local copy of the state: owner-only, as the local state file is.
            $copies = @(Get-ChildItem -LiteralPath ([System.IO.Path]::GetTempPath()) -Directory | Where-Object Name -CMatch '^AzureCompliance-[0-9a-f]{32}$')
            $copies.Count | Should -BeGreaterThan 0 -Because 'the run works on a temporary copy'
            if ($IsLinux -or $IsMacOS) {
                foreach ($copy in $copies) {
                    ([int]$copy.UnixFileMode -band 0x1FF) | Should -Be 0x1C0 -Because "the folder $($copy.Name) is 0700"
                    foreach ($file in Get-ChildItem -LiteralPath $copy.FullName -File) { ([int]$file.UnixFileMode -band 0x1FF) | Should -Be 0x180 -Because "$($file.Name) is 0600" }
                }
            }
            $broken = Invoke-Storage -Path "state/$($state.Name)" -Query 'comp=lease' -Method Put -Headers @{ 'x-ms-lease-action' = 'break'; 'x-ms-lease-break-period' = '0' }
            $broken.StatusCode | Should -Be 202
            $failure = $null
            try { $null = $shell.EndInvoke($invocation) } catch { $failure = $_.Exception }
            $errors = @($shell.Streams.Error)
            $record = if ($errors.Count -gt 0) { $errors[-1] } else { $failure.InnerException.ErrorRecord }
            $record.FullyQualifiedErrorId | Should -BeLike 'StateLeaseLost,*'
            $record.Exception.Message | Should -Not -Match 'sig='
        }
        finally { Remove-ModuleRunspace -Shell $shell }
        Remove-EmulatorThrottleRule -Emulator $Emulator -Name 'blob-tests-budget'

        $next = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location -LockTimeout 10 }
        Assert-NoError -Result $next
        ($next.Output | Select-Object -Last 1).Unchanged | Should -BeGreaterThan 0
        @(Get-FleetMismatch $fleet) | Should -BeNullOrEmpty
    }

    It 'A run killed mid-way (the pwsh process) loses nothing: the next run sends only what was not confirmed' {
        $state = New-BlobState
        $fleet = New-BlobFleet -Count 300
        Set-UploadBudget -Messages 3 -WindowSeconds 1
        $work = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-blob-kill-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $work
        $connect = @{} + $Connect
        $connect.ClientSecret = $Demo.AppSecret
        @{ Manifest = (Get-ModuleManifestPath); Connect = $connect; StatePath = $state.Location; Devices = @(Get-BlobFleetRecord $fleet) } |
            ConvertTo-Json -Depth 5 | Set-Content -LiteralPath (Join-Path $work 'run.json')
        @'
$run = Get-Content -LiteralPath (Join-Path $PSScriptRoot 'run.json') -Raw | ConvertFrom-Json -AsHashtable
Import-Module $run.Manifest
$connect = $run.Connect
$connect.ClientSecret = ConvertTo-SecureString -String $connect.ClientSecret -AsPlainText -Force
$null = Connect-ComplianceTenant @connect
$run.Devices | ForEach-Object { [pscustomobject]$_ } | Send-DeviceCompliance -StatePath $run.StatePath -BatchSize 10
'@ | Set-Content -LiteralPath (Join-Path $work 'run.ps1')
        $powershell = (Get-Process -Id $PID).Path
        $prefix = @(if ([System.IO.Path]::GetFileNameWithoutExtension($powershell) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $before = Get-UploadCount
        $process = Start-Process -FilePath $powershell -ArgumentList ($prefix + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $work 'run.ps1'))) -PassThru `
            -RedirectStandardOutput (Join-Path $work 'out.txt') -RedirectStandardError (Join-Path $work 'err.txt')
        try {
            Wait-Uploads -Since $before -Count 12 -Until { $process.HasExited }
            $process.HasExited | Should -BeFalse -Because "the run must be killed in the middle: $(Get-Content -Raw -LiteralPath (Join-Path $work 'err.txt') -ErrorAction SilentlyContinue)"
            $process.Kill($true)
            $process.WaitForExit()
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
            Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        }
        $uploadedBeforeKill = (Get-UploadCount) - $before
        Remove-EmulatorThrottleRule -Emulator $Emulator -Name 'blob-tests-budget'

        # The killed run's lease expires within 60 s; the next run waits for it.
        $next = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location -LockTimeout 120 }
        Assert-NoError -Result $next
        $summary = $next.Output | Select-Object -Last 1
        $summary.Unchanged | Should -BeGreaterThan 0 -Because 'what the killed run had confirmed is not sent again'
        $summary.Unchanged | Should -BeLessOrEqual ($uploadedBeforeKill * 10)
        ($summary.Unchanged + $summary.Sent + $summary.Recovered) | Should -BeGreaterOrEqual 300
        @(Get-FleetMismatch $fleet) | Should -BeNullOrEmpty
    }
}
