<#
    State in Azure Blob Storage (-StatePath https://.../<container>/<name>): Send-DeviceCompliance, Set-ComplianceGroup
    and New-CompliancePolicy against the built module, the tenant emulator and Azurite (the official Azure Storage
    emulator, installed by `npm ci` in build/azurite; build.ps1 -Task Test and .ci/run do it when node is present).
    Covers: first run, delta run (nothing re-sent, the snapshot not rewritten, the journal growing with the changed
    devices only), a second run while the lease is held (StateInUse), a storage outage mid-run (clear error, nothing
    lost, the next run completes), and the SAS never shown.
#>

Describe 'State in Azure Blob Storage (Azurite)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        $azurite = Join-Path (Get-RepositoryPath 'build' 'azurite') (Join-Path 'node_modules' (Join-Path '.bin' 'azurite-blob'))
        if (-not (Test-Path -LiteralPath $azurite)) {
            throw "Azurite is not installed ($azurite): install Node.js 20+ and run 'npm ci' in build/azurite (./build.ps1 -Task Test does it when node is on the PATH)."
        }
        Import-AzureComplianceModule

        # Azurite's well-known development account (public, documented by Microsoft; not a secret of anyone's).
        $Account = 'devstoreaccount1'
        $AccountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
        $StorageFolder = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-azurite-' + [guid]::NewGuid().ToString('N'))
        $StoragePort = Get-FreeTcpPort

        function Start-Azurite {
            # A folder, not --inMemoryPersistence, so that a restart after the outage test finds the state again.
            # --skipApiVersionCheck: Azure.Storage.Blobs 12.30 speaks a newer API version than Azurite 3.37 knows.
            $arguments = @('--blobHost', '127.0.0.1', '--blobPort', "$StoragePort", '--location', $StorageFolder, '--skipApiVersionCheck', '--silent')
            $script:Azurite = Start-Process -FilePath $azurite -ArgumentList $arguments -PassThru -RedirectStandardOutput (Join-Path ([System.IO.Path]::GetTempPath()) "azurite-$StoragePort.out") -RedirectStandardError (Join-Path ([System.IO.Path]::GetTempPath()) "azurite-$StoragePort.err")
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ($true) {
                try { $client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $StoragePort); $client.Dispose(); break }
                catch { if ([DateTime]::UtcNow -gt $deadline) { throw "Azurite did not start on port $StoragePort." }; Start-Sleep -Milliseconds 200 }
            }
        }
        function Stop-Azurite { if ($script:Azurite) { Stop-ProcessTree -Process $script:Azurite; $script:Azurite = $null } }

        function New-AccountSas {
            <# An account SAS for the blob service, signed with the account key (the 2019-12-12 string-to-sign). #>
            $version = '2019-12-12'; $expiry = '2030-01-01T00:00:00Z'
            $toSign = "$Account`nrwdlac`nb`nsco`n`n$expiry`n`nhttps,http`n$version`n"
            $hmac = [System.Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($AccountKey))
            $signature = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($toSign)))
            "sv=$version&ss=b&srt=sco&sp=rwdlac&se=$([uri]::EscapeDataString($expiry))&spr=https,http&sig=$([uri]::EscapeDataString($signature))"
        }
        function Invoke-Storage {
            param([string] $Path, [string] $Query = '', [string] $Method = 'Get', [hashtable] $Headers = @{})
            $uri = "http://127.0.0.1:$StoragePort/$Account/$Path`?$Query$(if ($Query) { '&' })$Sas"
            Invoke-WebRequest -Uri $uri -Method $Method -Headers (@{ 'x-ms-version' = '2019-12-12' } + $Headers) -SkipHttpErrorCheck
        }
        function Get-BlobInfo {
            param([string] $Name)
            $answer = Invoke-Storage -Path "state/$Name" -Method Head
            if ($answer.StatusCode -eq 404) { return $null }
            [pscustomobject]@{ ETag = "$($answer.Headers['ETag'])"; Length = [long]"$($answer.Headers['Content-Length'])" }
        }

        Start-Azurite
        $Sas = New-AccountSas
        $null = Invoke-Storage -Path 'state' -Query 'restype=container' -Method Put

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

    AfterAll {
        if (Get-Command -Name Disconnect-ComplianceTenant -ErrorAction SilentlyContinue) { Disconnect-ComplianceTenant -ErrorAction SilentlyContinue }
        if ($Emulator) { Stop-TenantEmulator -Emulator $Emulator }
        Stop-Azurite
        Remove-Item -LiteralPath $StorageFolder -Recurse -Force -ErrorAction SilentlyContinue
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

    It 'A storage outage stops the run with a clear error; nothing is lost and the next run completes' {
        $state = New-BlobState
        $fleet = New-BlobFleet -Count 60
        $first = Invoke-Captured { Get-BlobFleetRecord $fleet | Select-Object -First 20 | Send-DeviceCompliance -StatePath $state.Location }
        Assert-NoError -Result $first

        Stop-Azurite
        try {
            $down = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location -LockTimeout 1 }
            $failure = Get-SingleError -Result $down
            $failure.FullyQualifiedErrorId | Should -BeLike 'StateStorageUnavailable,*'
            $failure.Exception.Message | Should -Match 'could not be'
            (($down.Text, ($down.Errors | Out-String), $failure.Exception.Message) -join "`n") | Should -Not -Match 'sig='
        }
        finally { Start-Azurite }

        $next = Invoke-Captured { Get-BlobFleetRecord $fleet | Send-DeviceCompliance -StatePath $state.Location }
        Assert-NoError -Result $next
        $summary = $next.Output | Select-Object -Last 1
        $summary.Sent | Should -Be 40 -Because 'the 20 devices confirmed before the outage are not sent again'
        $summary.Unchanged | Should -Be 20
    }
}
