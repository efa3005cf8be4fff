<#
    Many tenants in one run, in a real pwsh against the built module and one emulator process per tenant (the emulator's
    README, "Many tenants"): ForEach-Object -Parallel, Start-ThreadJob and Start-Job each sync their tenants with their own
    connection; one tenant throttled (30 % 429s), one in an outage and one with an expired secret leave the others'
    work whole, and every tenant reports its own summary. Then the runbooks in samples/runbooks: the scheduled sync with
    the managed identity endpoint variables set as Azure Automation sets them and its state in Blob Storage (Azurite,
    behind a container SAS; a second job starts fresh and sends nothing), and the MSP variant over the tenant list.
    Pester 5: Invoke-Pester -Path tests/Acceptance/ManyTenants.Tests.ps1 (after ./build.ps1 -Task Build).
#>

Describe 'Many tenants in one run, and the Automation runbooks' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule
        $Manifest = Get-ModuleManifestPath
        $Work = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-many-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $Work
        $Source = 'many-tenants'
        $DevicesPerTenant = 40

        function Start-CustomerTenant {
            <# An emulator serving the demo fixture as customer tenant N (its own id, name and domain). #>
            param([int] $Number)
            $tenantId = '7e4a0000-0000-4000-8000-{0:x12}' -f $Number
            $emulator = Start-TenantEmulator -Option '--tenant-id', $tenantId, '--tenant-name', ('Customer {0:00}' -f $Number), '--tenant-domain', ('customer{0:00}.onmicrosoft.com' -f $Number)
            $null = Remove-EmulatorThrottleRule -Emulator $emulator -All
            Set-EmulatorSetting -Emulator $emulator -Setting @{ partner = @{ processingDelay = '00:00:00.200' } } | Out-Null
            $emulator
        }

        function Initialize-CustomerTenant {
            <#
                Sets a tenant up as an administrator would (licensed owners in a group the partner and its policies are
                assigned to), registers its fleet in the directory, and writes the MDM's inventory export for it (CSV).
            #>
            param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [int] $Number)
            $connect = @{ TenantId = $Emulator.TenantId; ClientId = $Emulator.Demo.AppClientId; SourceName = $Source
                ClientSecret = (ConvertTo-TestSecureString -Value $Emulator.Demo.AppSecret) } + (Get-EmulatorEndpoint -Emulator $Emulator)
            $connection = Connect-ComplianceTenant @connect -WarningAction SilentlyContinue
            $licensed = @(Get-ComplianceLicense -AllUsers -Connection $connection | Where-Object IsLicensed | ForEach-Object UserId)
            $owners = @(Get-EmulatorTenant -Emulator $Emulator -Collection users | Where-Object { $_.accountEnabled -ne $false -and $_.id -in $licensed })
            $group = @{ id = [guid]::NewGuid().ToString(); displayName = 'Fleet owners'; securityEnabled = $true; memberIds = @($owners | ForEach-Object id) }
            Add-EmulatorTenantObject -Emulator $Emulator -Collection groups -InputObject @($group)
            $null = Add-CompliancePartner -Connection $connection -DisplayName 'Contoso MDM' -Platform Android, iOS -Group $group.id -Confirm:$false -WarningAction SilentlyContinue
            $setupState = Join-Path $Work "setup-$Number.db"
            $null = Set-ComplianceGroup -Connection $connection -Group $group.id -StatePath $setupState -Confirm:$false -WarningAction SilentlyContinue
            foreach ($platform in 'iOS', 'Android') {
                $null = New-CompliancePolicy -Connection $connection -Name "$platform fleet" -Platform $platform -StatePath $setupState -Confirm:$false -WarningAction SilentlyContinue
            }
            $null = Disconnect-ComplianceTenant -Connection $connection -Confirm:$false

            $block = '{0:x8}' -f (0x5e000000 + $Number)
            $devices = for ($i = 0; $i -lt $DevicesPerTenant; $i++) {
                @{ id = '{0}-0b1e-4d7d-8b44-{1:x12}' -f $block, $i; deviceId = '{0}-5ca1-4e55-8033-{1:x12}' -f $block, $i
                    displayName = "Fleet-$Number-$i"; operatingSystem = if ($i % 2 -eq 0) { 'iOS' } else { 'Android' }
                    trustType = 'Workplace'; registrationDateTime = '2026-01-01T00:00:00Z' }
            }
            Add-EmulatorTenantObject -Emulator $Emulator -Collection devices -InputObject $devices
            $inventory = Join-Path $Work "inventory-$Number.csv"
            $rows = for ($i = 0; $i -lt $DevicesPerTenant; $i++) {
                $ios = $i % 2 -eq 0
                [pscustomobject]@{
                    DeviceId = $devices[$i].deviceId; DeviceName = $devices[$i].displayName
                    UserPrincipalName = $owners[$i % $owners.Count].userPrincipalName
                    Platform = if ($ios) { 'iOS' } else { 'Android' }; OsVersion = if ($ios) { '17.1.2' } else { '14' }
                    ClientVersion = if ($ios) { '12.4' } else { '9.0' }; Jailbroken = 'no'; LastCheckIn = '2026-11-21T06:00:00Z'; MdmState = 'Active'
                }
            }
            $rows | Export-Csv -LiteralPath $inventory -NoTypeInformation
            [pscustomobject]@{
                Number = $Number; TenantId = $Emulator.TenantId; GroupId = $group.id; Emulator = $Emulator; InventoryPath = $inventory; SetupState = $setupState
                DeviceObjectIds = @($devices | ForEach-Object { $_.id }); AuthorityHost = $Emulator.AuthorityHost; GraphEndpoint = $Emulator.GraphEndpoint
                ClientId = $Emulator.Demo.AppClientId; Secret = $Emulator.Demo.AppSecret
            }
        }

        function Get-CompliantCount {
            <# How many of the tenant's fleet devices Entra shows compliant. #>
            param([Parameter(Mandatory)] $Customer)
            $ids = [System.Collections.Generic.HashSet[string]]::new([string[]]$Customer.DeviceObjectIds)
            @(Get-EmulatorTenant -Emulator $Customer.Emulator -Collection devices | Where-Object { $ids.Contains($_.id) -and $_.isCompliant -eq $true }).Count
        }

        function New-StateCopy {
            <# The tenant's prepared state (scope and policies) under the name a run uses. #>
            param([Parameter(Mandatory)] $Customer, [Parameter(Mandatory)] [string] $Folder)
            $null = New-Item -ItemType Directory -Path $Folder -Force
            $path = Join-Path $Folder ('{0}-{1}.db' -f $Customer.TenantId, $Source)
            Copy-Item -LiteralPath $Customer.SetupState -Destination $path -Force
            $path
        }

        # The scheduled runbook keeps its state in Blob Storage (Azurite), behind a container SAS.
        $Storage = New-AzuriteStorage
        Start-Azurite -Storage $Storage
        $StateContainer = New-AzuriteContainer -Storage $Storage -Name 'runbook-state'

        $Emulators = @(1..4 | ForEach-Object { Start-CustomerTenant -Number $_ })
        $Customers = @(for ($n = 1; $n -le 4; $n++) { Initialize-CustomerTenant -Emulator $Emulators[$n - 1] -Number $n })
        $Healthy, $Throttled, $Outage, $ExpiredSecret = $Customers
        # 30 % of the throttled tenant's uploads answer 429; the outage tenant's Graph and partner API answer 503; the
        # expired-secret tenant's app secret is one that expired yesterday.
        Set-EmulatorFaultRule -Emulator $Throttled.Emulator -Name many-429 -Rule @{ method = 'PUT'; pathContains = '/DataUploadMessages('; tooManyRequestsProbability = 0.3; retryAfter = '00:00:01' }
        $ExpiredSecretValue = 'customer-secret-expired-yesterday'
        $null = Invoke-EmulatorAdmin -Emulator $ExpiredSecret.Emulator -Method Post -Path "tenant/applications/$($ExpiredSecret.ClientId)/secrets" -Body @{
            secret = $ExpiredSecretValue; endDateTime = [DateTimeOffset]::UtcNow.AddDays(-1).ToString('o') }
        $ExpiredSecret.Secret = $ExpiredSecretValue

        function Get-SyncTarget {
            <# What a runspace or job needs to sync a tenant (plain values, so it also crosses into a process job). #>
            param([Parameter(Mandatory)] $Customer)
            [pscustomobject]@{ TenantId = $Customer.TenantId; ClientId = $Customer.ClientId; Secret = $Customer.Secret
                AuthorityHost = $Customer.AuthorityHost; GraphEndpoint = $Customer.GraphEndpoint; InventoryPath = $Customer.InventoryPath }
        }

        $SyncOne = {
            <# One tenant's sync, as a runspace of its own runs it: import, connect, send; the outcome as an object. #>
            param($Customer, [string] $Manifest, [string] $StatePath, [string] $Source)
            $ErrorActionPreference = 'Stop'
            $ProgressPreference = 'SilentlyContinue'
            try {
                Import-Module -Name $Manifest
                $secret = New-Object -TypeName System.Security.SecureString
                foreach ($c in $Customer.Secret.ToCharArray()) { $secret.AppendChar($c) }
                $connection = Connect-ComplianceTenant -TenantId $Customer.TenantId -ClientId $Customer.ClientId -ClientSecret $secret -SourceName $Source `
                    -AuthorityHost $Customer.AuthorityHost -GraphEndpoint $Customer.GraphEndpoint -WarningAction SilentlyContinue
                $summary = Import-ComplianceDevice -Path $Customer.InventoryPath | Send-DeviceCompliance -Connection $connection -StatePath $StatePath -Confirm:$false
                [pscustomobject]@{ TenantId = $Customer.TenantId; Summary = $summary; Error = $null; Runspace = [runspace]::DefaultRunspace.InstanceId }
            }
            catch {
                [pscustomobject]@{ TenantId = $Customer.TenantId; Summary = $null; Error = $_.Exception.Message; Runspace = [runspace]::DefaultRunspace.InstanceId }
            }
        }
    }

    AfterAll {
        foreach ($emulator in $Emulators) { Stop-TenantEmulator -Emulator $emulator }
        if ($Storage) { Stop-Azurite -Storage $Storage -RemoveData }
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'ForEach-Object -Parallel syncs every tenant in its own runspace; a throttled, a down and an expired-secret tenant do not harm the healthy one' {
        $folder = Join-Path $Work 'parallel'
        $work = foreach ($customer in $Customers) { [pscustomobject]@{ Customer = Get-SyncTarget $customer; State = New-StateCopy -Customer $customer -Folder $folder } }
        $syncText = [string]$SyncOne   # a script block cannot cross into -Parallel runspaces; its text can
        Set-EmulatorFaultRule -Emulator $Outage.Emulator -Name outage -Rule @{ serviceUnavailableProbability = 1.0; retryAfter = '00:00:01' }
        try {
            $results = @($work | ForEach-Object -ThrottleLimit 4 -Parallel {
                    & ([scriptblock]::Create($using:syncText)) $_.Customer $using:Manifest $_.State $using:Source
                })
        }
        finally { Remove-EmulatorFaultRule -Emulator $Outage.Emulator -Name outage }
        $byTenant = @{}
        foreach ($result in $results) { $byTenant[$result.TenantId] = $result }

        $results.Count | Should -Be 4
        @($results.Runspace | Select-Object -Unique).Count | Should -Be 4
        $byTenant[$Healthy.TenantId].Error | Should -BeNullOrEmpty
        $byTenant[$Healthy.TenantId].Summary.TenantId | Should -Be $Healthy.TenantId
        $byTenant[$Healthy.TenantId].Summary.Confirmed | Should -Be $DevicesPerTenant
        $byTenant[$Healthy.TenantId].Summary.Throttled | Should -Be 0
        $byTenant[$Throttled.TenantId].Error | Should -BeNullOrEmpty
        $byTenant[$Throttled.TenantId].Summary.TenantId | Should -Be $Throttled.TenantId
        $byTenant[$Throttled.TenantId].Summary.Confirmed | Should -Be $DevicesPerTenant
        $byTenant[$Outage.TenantId].Summary | Should -BeNullOrEmpty
        $byTenant[$Outage.TenantId].Error | Should -Not -BeNullOrEmpty
        $byTenant[$ExpiredSecret.TenantId].Error | Should -Match 'AADSTS7000222|expired'
        Get-CompliantCount -Customer $Healthy | Should -Be $DevicesPerTenant
        Get-CompliantCount -Customer $Throttled | Should -Be $DevicesPerTenant
        Get-CompliantCount -Customer $Outage | Should -Be 0
        (Get-EmulatorJournal -Emulator $Healthy.Emulator -PathContains '/DataUploadMessages(' -CountOnly).Count | Should -BeGreaterThan 0
        @((Get-EmulatorJournal -Emulator $Healthy.Emulator -PathContains '/DataUploadMessages(').Entries | Where-Object { $_.statusCode -in 429, 503 }).Count | Should -Be 0
    }

    It 'Start-ThreadJob runs one delta sync per tenant with connections made in this session, each with its own summary' {
        $folder = Join-Path $Work 'threadjob'
        $pair = @($Healthy, $Throttled)
        # A first run per tenant here, in this runspace; then the delta runs in thread jobs, with the connections passed in.
        $connections = @{}
        foreach ($customer in $pair) {
            $state = New-StateCopy -Customer $customer -Folder $folder
            $connections[$customer.TenantId] = Connect-ComplianceTenant -TenantId $customer.TenantId -ClientId $customer.ClientId -SourceName $Source `
                -ClientSecret (ConvertTo-TestSecureString -Value $customer.Secret) -AuthorityHost $customer.AuthorityHost -GraphEndpoint $customer.GraphEndpoint -WarningAction SilentlyContinue
            $first = Import-ComplianceDevice -Path $customer.InventoryPath | Send-DeviceCompliance -Connection $connections[$customer.TenantId] -StatePath $state -Confirm:$false
            $first.Confirmed | Should -Be $DevicesPerTenant
        }
        $jobs = foreach ($customer in $pair) {
            Start-ThreadJob -ArgumentList $Manifest, $connections[$customer.TenantId], $customer.InventoryPath, (Join-Path $folder ('{0}-{1}.db' -f $customer.TenantId, $Source)) -ScriptBlock {
                param($Manifest, $Connection, $Inventory, $State)
                Import-Module -Name $Manifest
                $ProgressPreference = 'SilentlyContinue'
                Import-ComplianceDevice -Path $Inventory | Send-DeviceCompliance -Connection $Connection -StatePath $State -Confirm:$false
            }
        }
        $summaries = @($jobs | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop)

        $summaries.Count | Should -Be 2
        ($summaries.TenantId | Sort-Object) | Should -Be (@($Healthy.TenantId, $Throttled.TenantId) | Sort-Object)
        foreach ($summary in $summaries) {
            $summary.Sent | Should -Be 0
            $summary.Unchanged | Should -Be $DevicesPerTenant
        }
        # The session's own current connection is untouched by the jobs' work.
        foreach ($connection in $connections.Values) { $connection.IsConnected | Should -BeTrue }
    }

    It 'Start-Job (a process of its own) syncs a tenant with the module imported there' {
        $folder = Join-Path $Work 'job'
        $state = New-StateCopy -Customer $Healthy -Folder $folder
        $job = Start-Job -ArgumentList ([string]$SyncOne), (Get-SyncTarget $Healthy), $Manifest, $state, $Source -ScriptBlock {
            param([string] $Sync, $Customer, $Manifest, $State, $Source)
            $result = & ([scriptblock]::Create($Sync)) $Customer $Manifest $State $Source
            [pscustomobject]@{ TenantId = $result.TenantId; Error = $result.Error; SummaryTenant = $result.Summary.TenantId
                Unchanged = $result.Summary.Unchanged; Sent = $result.Summary.Sent; ProcessId = $PID }
        }
        $result = $job | Receive-Job -Wait -AutoRemoveJob

        $result.Error | Should -BeNullOrEmpty
        $result.ProcessId | Should -Not -Be $PID
        $result.SummaryTenant | Should -Be $Healthy.TenantId
        # A new state file: its first run sends, and Entra (which has them already) confirms again.
        $result.Sent | Should -Be $DevicesPerTenant
    }

    It 'The scheduled runbook signs in with the managed identity endpoint variables, keeps its state in Blob Storage and writes progress and the summary' {
        $blob = '{0}/{1}-{2}.db' -f $StateContainer, $Healthy.TenantId, $Source
        $state = "$blob`?$($Storage.Sas)"
        $identity = @{ IDENTITY_ENDPOINT = $Healthy.Emulator.ManagedIdentityEndpoint; IDENTITY_HEADER = $Healthy.Emulator.ManagedIdentityHeader }
        # The administrator onboards the Automation account's identity once, signed in as it, under the MDM instance the
        # MDM's app already onboarded (the same -SourceName): Intune provisions per app, so this provisions it too.
        foreach ($key in $identity.Keys) { [Environment]::SetEnvironmentVariable($key, $identity[$key]) }
        try {
            $automation = Connect-ComplianceTenant -ManagedIdentity -SourceName $Source -AuthorityHost $Healthy.AuthorityHost -GraphEndpoint $Healthy.GraphEndpoint -WarningAction SilentlyContinue
            $null = Add-CompliancePartner -Connection $automation -DisplayName 'Contoso MDM' -Platform Android, iOS -Group $Healthy.GroupId -Confirm:$false -WarningAction SilentlyContinue
            $null = Set-ComplianceGroup -Connection $automation -Group $Healthy.GroupId -StatePath $state -Confirm:$false -WarningAction SilentlyContinue
            foreach ($platform in 'iOS', 'Android') {
                $null = New-CompliancePolicy -Connection $automation -Name "$platform fleet" -Platform $platform -StatePath $state -Confirm:$false -WarningAction SilentlyContinue
            }
        }
        finally { foreach ($key in $identity.Keys) { [Environment]::SetEnvironmentVariable($key, $null) } }

        $runbook = @{ Name = 'Sync-DeviceCompliance.ps1'; Environment = $identity
            Argument = '-InventoryPath', $Healthy.InventoryPath, '-StateLocation', "$StateContainer`?$($Storage.Sas)",
            '-SourceName', $Source, '-AuthorityHost', $Healthy.AuthorityHost, '-GraphEndpoint', $Healthy.GraphEndpoint }
        $run = Invoke-Runbook @runbook

        $run.ExitCode | Should -Be 0 -Because $run.Text
        $run.Text | Should -Match ([regex]::Escape("as the managed identity $($Healthy.Emulator.Demo.SystemManagedIdentityClientId)"))
        $run.Text | Should -Match ([regex]::Escape("State: $blob"))
        $run.Text | Should -Not -Match 'sig='
        $run.Text | Should -Match ("Tenant {0}: received {1}, sent {1}, confirmed {1}" -f [regex]::Escape($Healthy.TenantId), $DevicesPerTenant)

        # The next scheduled job starts in a fresh sandbox: the state in the blob says everything is confirmed.
        $next = Invoke-Runbook @runbook
        $next.ExitCode | Should -Be 0 -Because $next.Text
        $next.Text | Should -Match ("Tenant {0}: received {1}, sent 0, confirmed 0, unchanged {1}" -f [regex]::Escape($Healthy.TenantId), $DevicesPerTenant)
        @(Get-EmulatorTenant -Emulator $Healthy.Emulator -Collection partnerTenants | Where-Object appId -EQ $Healthy.Emulator.Demo.SystemManagedIdentityClientId).Count | Should -Be 1
    }

    It 'The scheduled runbook fails the job (non-zero exit) when the tenant is down' {
        $folder = Join-Path $Work 'runbook-down'
        $null = New-StateCopy -Customer $Outage -Folder $folder
        Set-EmulatorFaultRule -Emulator $Outage.Emulator -Name outage -Rule @{ serviceUnavailableProbability = 1.0; retryAfter = '00:00:01' }
        try {
            $run = Invoke-Runbook -Name 'Sync-DeviceCompliance.ps1' -Environment @{
                IDENTITY_ENDPOINT = $Outage.Emulator.ManagedIdentityEndpoint; IDENTITY_HEADER = $Outage.Emulator.ManagedIdentityHeader
            } -Argument '-InventoryPath', $Outage.InventoryPath, '-StateLocation', $folder, '-SourceName', $Source,
                '-AuthorityHost', $Outage.AuthorityHost, '-GraphEndpoint', $Outage.GraphEndpoint
        }
        finally { Remove-EmulatorFaultRule -Emulator $Outage.Emulator -Name outage }

        $run.ExitCode | Should -Not -Be 0 -Because $run.Text
        $run.Text | Should -Not -Match 'Tenant .*: received'
        Get-CompliantCount -Customer $Outage | Should -Be 0
    }

    It 'The MSP runbook syncs the tenant list in parallel, reports the failed tenant and fails the job after the others finished' {
        $folder = Join-Path $Work 'msp'
        foreach ($customer in $Customers) { $null = New-StateCopy -Customer $customer -Folder $folder }
        $list = @($Healthy, $Throttled, $ExpiredSecret | ForEach-Object {
                [pscustomobject]@{ TenantId = $_.TenantId; InventoryPath = $_.InventoryPath; CredentialName = "app-$($_.Number)"
                    AuthorityHost = $_.AuthorityHost; GraphEndpoint = $_.GraphEndpoint } })
        $credentials = @{}
        foreach ($customer in $Healthy, $Throttled, $ExpiredSecret) {
            $credentials["app-$($customer.Number)"] = [pscredential]::new($customer.ClientId, (ConvertTo-TestSecureString -Value $customer.Secret))
        }
        $savedPath = $env:PSModulePath
        $env:PSModulePath = (Split-Path (Split-Path $Manifest)) + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $output = [System.Collections.Generic.List[object]]::new()
        $thrown = $null
        try { & (Get-RepositoryPath 'samples' 'runbooks' 'Sync-ManyTenants.ps1') -Tenant $list -StateLocation $folder -SourceName $Source -Credential $credentials | ForEach-Object { $output.Add($_) } }
        catch { $thrown = $_ }
        finally { $env:PSModulePath = $savedPath }
        $results = @($output | Where-Object { $_ -isnot [string] })
        $lines = @($output | Where-Object { $_ -is [string] })

        $thrown | Should -Not -BeNullOrEmpty
        [string]$thrown | Should -Match ('1 of 3 tenants failed: ' + [regex]::Escape($ExpiredSecret.TenantId))
        $results.Count | Should -Be 3
        ($results | Where-Object TenantId -EQ $Healthy.TenantId).Succeeded | Should -BeTrue
        ($results | Where-Object TenantId -EQ $Throttled.TenantId).Summary.TenantId | Should -Be $Throttled.TenantId
        ($results | Where-Object TenantId -EQ $ExpiredSecret.TenantId).Error | Should -Match 'AADSTS7000222|expired'
        $lines | Should -Contain ("Tenant {0}: FAILED: {1}" -f $ExpiredSecret.TenantId, ($results | Where-Object TenantId -EQ $ExpiredSecret.TenantId).Error)
        @($lines | Where-Object { $_ -like "Tenant $($Healthy.TenantId): received $DevicesPerTenant*" }).Count | Should -Be 1
    }
}
