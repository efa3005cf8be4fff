<#
    State in Azure Blob Storage signed in with the connection's own identity (no SAS in -StatePath): Azurite over https
    with its basic OAuth check (`--oauth basic`: issuer https://sts.windows.net/..., audience https://storage.azure.com,
    token lifetime; not the signature, not Azure RBAC), the tenant emulator issuing the storage tokens as Entra does.
    Covers: a first and a delta run signed in with the app's secret; the scheduled runbook signed in with the managed
    identity endpoint variables and a container URL without a SAS (two jobs: the second sends nothing); a refusal by
    storage (403) giving StateAccessDenied, which says which role to grant; an http URL without a SAS refused up front.
#>

Describe 'State in Azure Blob Storage signed in with the connection''s identity (Azurite, OAuth)' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        $Storage = New-AzuriteStorage
        Import-AzureComplianceModule
        $Manifest = Get-ModuleManifestPath
        $Work = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-blob-identity-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $Work

        # The emulator first: Azurite's https certificate is the emulator's own, which --trust made trusted.
        $Emulator = Start-TenantEmulator
        Start-Azurite -Storage $Storage -OAuth
        $Container = New-AzuriteContainer -Storage $Storage -Name 'identity-state'
        $Container | Should -BeLike 'https://*'

        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $Source = 'blob-identity'
        $Connect = @{ TenantId = $Demo.TenantId; ClientId = $Demo.AppClientId; ClientSecret = (ConvertTo-TestSecureString -Value $Demo.AppSecret); SourceName = $Source } + $Endpoints
        $null = Connect-ComplianceTenant @Connect -WarningAction SilentlyContinue

        # The tenant as Intune requires it (see Sync.Tests.ps1): licensed owners in a group the partner and its policies are assigned to.
        $licensed = @(Get-ComplianceLicense -AllUsers | Where-Object IsLicensed | ForEach-Object UserId)
        $Owners = @(Get-EmulatorTenant -Emulator $Emulator -Collection users | Where-Object { $_.accountEnabled -ne $false -and $_.id -in $licensed })
        $ownersGroup = @{ id = [guid]::NewGuid().ToString(); displayName = 'Identity fleet owners'; securityEnabled = $true; memberIds = @($Owners | ForEach-Object { $_.id }) }
        Add-EmulatorTenantObject -Emulator $Emulator -Collection groups -InputObject @($ownersGroup)
        $null = Add-CompliancePartner -DisplayName 'Contoso MDM' -Platform Android, iOS -Group $ownersGroup.id -Confirm:$false -WarningAction SilentlyContinue
        $OwnersGroupId = $ownersGroup.id

        function Initialize-IdentityState {
            <# The group scope and the two policies written to a state blob through -StatePath, signed in as the given (or default) connection. #>
            param([Parameter(Mandatory)] [string] $Location, $Connection)
            $with = if ($Connection) { @{ Connection = $Connection } } else { @{} }
            $null = Set-ComplianceGroup @with -Group $OwnersGroupId -StatePath $Location -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            foreach ($platform in 'iOS', 'Android') {
                $null = New-CompliancePolicy @with -Name "$platform identity fleet" -Platform $platform -StatePath $Location -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop
            }
        }

        function New-IdentityFleet {
            <# Devices registered in the directory, and their MDM records (OsVersion changes for the indexes in .Changed). #>
            param([int] $Count)
            $block = '{0:x8}' -f (Get-Random -Minimum 0x10000000 -Maximum ([int]::MaxValue))
            $fleet = [pscustomobject]@{ Block = $block; Count = $Count; Changed = New-Object -TypeName 'System.Collections.Generic.HashSet[int]' }
            $devices = for ($i = 0; $i -lt $Count; $i++) {
                @{ id = '{0}-0b1e-4d7d-8b44-{1:x12}' -f $block, $i; deviceId = '{0}-5ca1-4e55-8033-{1:x12}' -f $block, $i; displayName = "Identity-$i"
                   operatingSystem = if ($i % 2 -eq 0) { 'iOS' } else { 'Android' }; trustType = 'Workplace'; registrationDateTime = '2026-01-01T00:00:00Z' }
            }
            Add-EmulatorTenantObject -Emulator $Emulator -Collection devices -InputObject $devices
            $fleet
        }

        function Get-IdentityFleetRecord {
            param($Fleet)
            for ($i = 0; $i -lt $Fleet.Count; $i++) {
                $ios = $i % 2 -eq 0
                [pscustomobject]@{
                    DeviceId = '{0}-5ca1-4e55-8033-{1:x12}' -f $Fleet.Block, $i; DeviceName = "Identity-$i"
                    UserPrincipalName = $Owners[$i % $Owners.Count].userPrincipalName
                    Platform = if ($ios) { 'iOS' } else { 'Android' }
                    OsVersion = if ($Fleet.Changed.Contains($i)) { if ($ios) { '18.1' } else { '15' } } elseif ($ios) { '17.1.2' } else { '14' }
                    ClientVersion = if ($ios) { '12.4' } else { '9.0' }; Jailbroken = 'no'
                    LastCheckIn = '2026-11-21T06:00:00Z'; MdmState = 'Active'
                }
            }
        }

        function Get-BlobLength {
            <# The blob's size as Azurite reports it (read with the account SAS, apart from the module). #>
            param([string] $Name)
            $answer = Invoke-AzuriteRequest -Storage $Storage -Path "identity-state/$Name" -Method Head
            if ($answer.StatusCode -eq 404) { return $null }
            [long]"$($answer.Headers['Content-Length'])"
        }

    }

    AfterAll {
        if (Get-Command -Name Disconnect-ComplianceTenant -ErrorAction SilentlyContinue) { Disconnect-ComplianceTenant -ErrorAction SilentlyContinue }
        if ($Emulator) { Stop-TenantEmulator -Emulator $Emulator }
        if ($Storage) { Stop-Azurite -Storage $Storage -RemoveData }
        if ($Work) { Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'Signed in with the app''s secret and no SAS: a first run sends every device, a delta run only the changed ones' {
        $name = 'app-' + [guid]::NewGuid().ToString('N') + '.db'
        $location = "$Container/$name"
        Initialize-IdentityState -Location $location
        (Get-CompliancePolicy -StatePath $location).Name | Sort-Object | Should -Be @('Android identity fleet', 'iOS identity fleet') -Because 'the state written with the identity reads back with it'

        $fleet = New-IdentityFleet -Count 30
        $first = Invoke-Captured { Get-IdentityFleetRecord $fleet | Send-DeviceCompliance -StatePath $location }
        Assert-NoError -Result $first
        $summary = $first.Output | Select-Object -Last 1
        $summary.Sent | Should -Be 30
        $summary.Confirmed | Should -Be 30
        $summary.StatePath | Should -Be $location
        Get-BlobLength $name | Should -BeGreaterThan 0 -Because 'the state is in Azurite, written with bearer tokens'
        $journal = Get-BlobLength "$name.journal"
        $journal | Should -BeGreaterThan 0

        foreach ($i in 0, 1) { $null = $fleet.Changed.Add($i) }
        $delta = Invoke-Captured { Get-IdentityFleetRecord $fleet | Send-DeviceCompliance -StatePath $location }
        Assert-NoError -Result $delta
        $deltaSummary = $delta.Output | Select-Object -Last 1
        $deltaSummary.Sent | Should -Be 2
        $deltaSummary.Unchanged | Should -Be 28
        (Get-BlobLength "$name.journal") | Should -BeGreaterThan $journal -Because 'the delta run appended its two devices'
    }

    It 'The scheduled runbook signs in to storage with the managed identity too: a container URL without a SAS, the next job sends nothing' {
        $inventory = Join-Path $Work 'inventory.csv'
        $fleet = New-IdentityFleet -Count 20
        Get-IdentityFleetRecord $fleet | Export-Csv -LiteralPath $inventory -NoTypeInformation
        $blob = '{0}/{1}-{2}.db' -f $Container, $Demo.TenantId, $Source
        $identity = @{ IDENTITY_ENDPOINT = $Emulator.ManagedIdentityEndpoint; IDENTITY_HEADER = $Emulator.ManagedIdentityHeader }
        # The administrator onboards the Automation account's identity once, signed in as it (Intune provisions per app),
        # and writes the tenant's scope and policies to the runbook's state blob with that identity.
        foreach ($key in $identity.Keys) { [Environment]::SetEnvironmentVariable($key, $identity[$key]) }
        try {
            $automation = Connect-ComplianceTenant -ManagedIdentity -SourceName $Source -AuthorityHost $Emulator.AuthorityHost -GraphEndpoint $Emulator.GraphEndpoint -WarningAction SilentlyContinue
            $null = Add-CompliancePartner -Connection $automation -DisplayName 'Contoso MDM' -Platform Android, iOS -Group $OwnersGroupId -Confirm:$false -WarningAction SilentlyContinue
            Initialize-IdentityState -Location $blob -Connection $automation
        }
        finally { foreach ($key in $identity.Keys) { [Environment]::SetEnvironmentVariable($key, $null) } }

        $runbook = @{ Name = 'Sync-DeviceCompliance.ps1'; Environment = $identity
            Argument = '-InventoryPath', $inventory, '-StateLocation', $Container,
            '-SourceName', $Source, '-AuthorityHost', $Emulator.AuthorityHost, '-GraphEndpoint', $Emulator.GraphEndpoint }
        $run = Invoke-Runbook @runbook
        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match ([regex]::Escape("as the managed identity $($Demo.SystemManagedIdentityClientId)"))
        $run.Text | Should -Match ([regex]::Escape("State: $blob"))
        $run.Text | Should -Match ("Tenant {0}: received 20, sent 20, confirmed 20" -f [regex]::Escape($Demo.TenantId))

        $next = Invoke-Runbook @runbook
        $next.ExitCode | Should -Be 0 -Because $next.Text
        $next.Text | Should -Match ("Tenant {0}: received 20, sent 0, confirmed 0, unchanged 20" -f [regex]::Escape($Demo.TenantId))
    }

    It 'Storage refusing access (403) stops the run with StateAccessDenied, which says which role to grant; the SAS is not shown' {
        $name = 'refused-' + [guid]::NewGuid().ToString('N') + '.db'
        # A read-only credential: storage answers 403 AuthorizationPermissionMismatch to the first write, as it does to an
        # identity without a data role. (Azurite does not model Azure RBAC, so a credential without write permission stands in.)
        $readOnly = New-AzuriteAccountSas -Storage $Storage -Permission 'rl'
        $fleet = New-IdentityFleet -Count 2
        $refused = Invoke-Captured { Get-IdentityFleetRecord $fleet | Send-DeviceCompliance -StatePath "$Container/$name`?$readOnly" }
        $failure = Get-SingleError -Result $refused
        $failure.FullyQualifiedErrorId | Should -BeLike 'StateAccessDenied,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::PermissionDenied)
        $failure.Exception.Message | Should -Match '403'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'Storage Blob Data Contributor'
        (($refused.Text, ($refused.Errors | Out-String), $failure.TargetObject) -join "`n") | Should -Not -Match 'sig='
        Get-BlobLength $name | Should -BeNullOrEmpty -Because 'nothing was written'
    }

    It 'An http state URL without a SAS is refused before any request: the identity signs in to storage over https only' {
        $plain = ($Container -replace '^https:', 'http:') + '/plain.db'
        $refused = Invoke-Captured { Get-CompliancePolicy -StatePath $plain }
        $failure = Get-SingleError -Result $refused
        $failure.FullyQualifiedErrorId | Should -BeLike 'StatePathInvalid,*'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'https'
    }
}
