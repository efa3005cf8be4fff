<#
.SYNOPSIS
    Azure Automation runbook for a service provider: syncs the device compliance of many customer tenants in one job,
    in parallel, each tenant with its own connection, state, throttle budget and summary.

.DESCRIPTION
    -Tenant lists the customers: TenantId, the MDM's inventory export for it (InventoryPath, InventoryFormat), and how
    to sign in: CredentialName, an Automation credential whose user name is the multi-tenant app's client id and whose
    password is its client secret, or ClientId + CertificateThumbprint. (A managed identity lives in one tenant only,
    so the customers' tenants are reached with the MSP's multi-tenant app, consented in each.)
    Tenants run in parallel (ForEach-Object -Parallel, -ThrottleLimit at a time); each has its own connection, so its
    token cache, HTTP pipeline and upload limiter are its own: one tenant's 429s, outage or expired secret never slow
    or stop the others. Every tenant ends with one line and its summary in the job output; a tenant that failed is
    reported with its error. The job fails (throws) at the end when any tenant failed, after all of them ran.
    For more tenants than one job syncs in its time limit, schedule one job per group of tenants (docs/runbooks.md).

.EXAMPLE
    # Tenants as a JSON runbook parameter:
    Sync-ManyTenants.ps1 -Tenant '[{"TenantId":"...","CredentialName":"mdm-app","InventoryPath":"/mnt/mdm/fabrikam.csv"}]' `
        -StateLocation https://mspcompliance.blob.core.windows.net/state
#>
[CmdletBinding()]
param(
    # The tenants: objects (or a JSON array) with TenantId, InventoryPath, [InventoryFormat], CredentialName or ClientId + CertificateThumbprint.
    [Parameter(Mandatory)] [object] $Tenant,
    # Where states are kept: a Blob container URL (https://<account>.blob.core.windows.net/<container>) or a folder.
    [Parameter(Mandatory)] [string] $StateLocation,
    [string] $SourceName = 'msp-automation',
    # Tenants synced at the same time.
    [ValidateRange(1, 64)] [int] $ThrottleLimit = 8,
    # Outside Azure Automation (tests, a scheduled task): the credentials by name, instead of Get-AutomationPSCredential.
    [hashtable] $Credential = @{},
    [uri] $AuthorityHost,
    [uri] $GraphEndpoint
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$tenants = @(if ($Tenant -is [string]) { $Tenant | ConvertFrom-Json } else { $Tenant })
# Credentials are read here, on the job's own runspace, where the Automation cmdlets are; the parallel runspaces get the values.
$secrets = @{}
foreach ($item in $tenants) {
    if ($item.CredentialName -and -not $secrets.ContainsKey($item.CredentialName)) {
        $secrets[$item.CredentialName] = if ($Credential.ContainsKey($item.CredentialName)) { $Credential[$item.CredentialName] }
        else { Get-AutomationPSCredential -Name $item.CredentialName }
    }
}
$module = (Get-Module -Name AzureCompliance -ListAvailable | Sort-Object Version -Descending | Select-Object -First 1).Path
if (-not $module) { throw 'The AzureCompliance module is not installed: import it into the Automation account from the PowerShell Gallery.' }
Write-Output "Syncing $($tenants.Count) tenants, $ThrottleLimit at a time."

$results = $tenants | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
    $item = $_
    $ErrorActionPreference = 'Stop'
    $ProgressPreference = 'SilentlyContinue'
    try {
        Import-Module -Name $using:module
        $connect = @{ TenantId = $item.TenantId; SourceName = $using:SourceName; WarningAction = 'SilentlyContinue' }
        if ($item.CredentialName) { $connect.Credential = ($using:secrets)[$item.CredentialName] }
        else { $connect.ClientId = $item.ClientId; $connect.CertificateThumbprint = $item.CertificateThumbprint }
        if ($using:AuthorityHost) { $connect.AuthorityHost = $using:AuthorityHost }
        if ($using:GraphEndpoint) { $connect.GraphEndpoint = $using:GraphEndpoint }
        if ($item.AuthorityHost) { $connect.AuthorityHost = $item.AuthorityHost }
        if ($item.GraphEndpoint) { $connect.GraphEndpoint = $item.GraphEndpoint }
        $connection = Connect-ComplianceTenant @connect
        $location = $using:StateLocation
        $stateName = '{0}-{1}.db' -f $connection.TenantId, ($using:SourceName -replace '[^A-Za-z0-9._-]', '_')
        $statePath = if ($location -match '^https://') { $location.TrimEnd('/') + '/' + $stateName } else { Join-Path $location $stateName }
        $format = if ($item.InventoryFormat) { $item.InventoryFormat } else { 'Generic' }
        $summary = Import-ComplianceDevice -Path $item.InventoryPath -Format $format |
            Send-DeviceCompliance -Connection $connection -StatePath $statePath -Confirm:$false
        [pscustomobject]@{ TenantId = $item.TenantId; Succeeded = $summary.Failed -eq 0; Summary = $summary; Error = $null }
    }
    catch {
        [pscustomobject]@{ TenantId = $item.TenantId; Succeeded = $false; Summary = $null; Error = $_.Exception.Message }
    }
}

foreach ($result in $results) {
    if ($result.Summary) {
        $s = $result.Summary
        Write-Output ("Tenant {0}: received {1}, sent {2}, confirmed {3}, unchanged {4}, failed {5}, pending {6}, throttled {7} in {8:0.0} s." -f
            $result.TenantId, $s.Received, $s.Sent, $s.Confirmed, $s.Unchanged, $s.Failed, $s.Pending, $s.Throttled, $s.Elapsed.TotalSeconds)
    }
    else {
        Write-Output "Tenant $($result.TenantId): FAILED: $($result.Error)"
    }
}
Write-Output $results
$failed = @($results | Where-Object { -not $_.Succeeded })
if ($failed.Count -gt 0) {
    throw "$($failed.Count) of $($tenants.Count) tenants failed: $(($failed | ForEach-Object TenantId) -join ', '). The others were synced."
}
