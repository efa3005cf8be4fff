<#
.SYNOPSIS
    Azure Automation runbook: a scheduled device compliance sync of one tenant, signed in with the Automation account's
    managed identity, its state kept in Azure Blob Storage (docs/runbooks.md says how to deploy and schedule it).

.DESCRIPTION
    1. Signs in with the managed identity (Azure Automation sets IDENTITY_ENDPOINT and IDENTITY_HEADER for the job).
    2. Reads the MDM's device inventory (-InventoryPath: a CSV export the MDM wrote, in one of Import-ComplianceDevice's
       formats).
    3. Sends the devices' compliance with Send-DeviceCompliance; the state lives at -StateLocation/<tenant id>-<source>.db,
       one state per tenant and MDM instance, so a job only ever sees its own tenant's state (and its lease keeps two jobs of
       one tenant apart).
    4. Writes progress lines and the run's summary to the job output.
    An error that stops the run (sign-in, state, the service) is thrown: the job ends Failed, which an Automation alert
    on failed jobs picks up. Devices the service did not take (Failed > 0) also fail the job, after the summary, so the
    next run's retry is visible; they are sent again by the next run.

.EXAMPLE
    # In the Automation account (schedule parameters):
    Sync-DeviceCompliance.ps1 -InventoryPath /mnt/mdm/export.csv -InventoryFormat MobileIronCore `
        -StateLocation https://contosocompliance.blob.core.windows.net/state -SourceName core-01
#>
[CmdletBinding()]
param(
    # The MDM's device export (CSV): a path (a Hybrid Runbook Worker's disk) or a blob URL, read with the managed identity.
    [Parameter(Mandatory)] [string] $InventoryPath,
    [ValidateSet('Generic', 'MobileIronCore', 'MaaS360')] [string] $InventoryFormat = 'Generic',
    # Where states are kept: a Blob container URL (https://<account>.blob.core.windows.net/<container>) or a folder.
    [Parameter(Mandatory)] [string] $StateLocation,
    # The MDM instance, as the tenant's registry of instances names it.
    [string] $SourceName = 'automation',
    # A user-assigned managed identity's client id; leave out for the system-assigned identity.
    [string] $ManagedIdentityClientId,
    # Custom endpoints (a sovereign cloud's or the emulator's); leave both out for the global cloud.
    [uri] $AuthorityHost,
    [uri] $GraphEndpoint
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # Automation keeps no progress records by default; the job output gets lines instead.
Import-Module -Name AzureCompliance

$connect = @{ ManagedIdentity = $true; SourceName = $SourceName; WarningAction = 'Continue' }
if ($ManagedIdentityClientId) { $connect.ClientId = $ManagedIdentityClientId }
if ($AuthorityHost) { $connect.AuthorityHost = $AuthorityHost }
if ($GraphEndpoint) { $connect.GraphEndpoint = $GraphEndpoint }
$connection = Connect-ComplianceTenant @connect
Write-Output "Signed in to $($connection.TenantName) ($($connection.TenantId)) as the managed identity $($connection.ClientId)."

# One state per tenant and MDM instance: a blob (or file) named after them.
$stateName = '{0}-{1}.db' -f $connection.TenantId, ($SourceName -replace '[^A-Za-z0-9._-]', '_')
$statePath = if ($StateLocation -match '^https://') { $StateLocation.TrimEnd('/') + '/' + $stateName } else { Join-Path $StateLocation $stateName }
Write-Output "State: $statePath"

if ($InventoryPath -match '^https://') {
    # A cloud job has no disk of its own: the MDM's export is a blob, read with the same identity (Storage Blob Data Reader or more).
    $storage = Invoke-RestMethod -Uri "$($env:IDENTITY_ENDPOINT)?resource=https://storage.azure.com/&api-version=2019-08-01" -Headers @{ 'X-IDENTITY-HEADER' = $env:IDENTITY_HEADER }
    $local = Join-Path ([System.IO.Path]::GetTempPath()) ('inventory-' + [guid]::NewGuid().ToString('N') + '.csv')
    Invoke-WebRequest -Uri $InventoryPath -OutFile $local -Headers @{ Authorization = "Bearer $($storage.access_token)"; 'x-ms-version' = '2023-11-03' } -UseBasicParsing
    $InventoryPath = $local
}
$devices = @(Import-ComplianceDevice -Path $InventoryPath -Format $InventoryFormat)
Write-Output "Read $($devices.Count) devices from $InventoryPath; sending their compliance."
$summary = $devices | Send-DeviceCompliance -Connection $connection -StatePath $statePath -Confirm:$false
Write-Output $summary
Write-Output ("Tenant {0}: received {1}, sent {2}, confirmed {3}, unchanged {4}, failed {5}, pending {6}, throttled {7} in {8:0.0} s." -f
    $summary.TenantId, $summary.Received, $summary.Sent, $summary.Confirmed, $summary.Unchanged, $summary.Failed, $summary.Pending,
    $summary.Throttled, $summary.Elapsed.TotalSeconds)
if ($summary.Failed -gt 0) {
    throw "$($summary.Failed) devices of tenant $($summary.TenantId) were not taken by the service; the next run sends them again."
}
