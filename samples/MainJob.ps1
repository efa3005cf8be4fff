<#
.SYNOPSIS
    The AzureCompliance main job: what an administrator (or a runbook) does to make an MDM an Intune
    compliance partner of a tenant, following the MobileIron Core "Azure tenant" guide, steps 1-9.
    README's main-job command runs it against the built-in emulated tenant; against a real tenant, pass your
    own endpoints and credentials.

.DESCRIPTION
    1. Apply the Intune licence to device users                 Add-ComplianceLicense
    2. Sign in to the tenant                                    Connect-ComplianceTenant
    3. Add MobileIron as a compliance partner (Android, iOS)    Add-CompliancePartner, Set-ComplianceGroup
    4. Create the Conditional Access policy (report-only)       New-ComplianceAccessPolicy
    5. Connect the tenant to the MDM (partner tenant)           Add-CompliancePartner (provisions it, registers the instance)
    6. Create the partner device compliance policy              New-CompliancePolicy
       Check that the tenant is ready                           Test-ComplianceTenant
    7. Devices check in: judge them and send their compliance   Import-ComplianceDevice, Test-DeviceCompliance,
                                                                Send-DeviceCompliance
    8. Entra shows the devices' compliance; nothing to resend   Get-DeviceCompliance, Compare-DeviceCompliance
    9. De-provision the tenant                                  Disable-CompliancePolicy, Disconnect-ComplianceTenant -Deprovision

    It prints plain strings and objects, which the module's format views show.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $TenantId,
    [Parameter(Mandatory)] [string] $ClientId,
    [Parameter(Mandatory)] [securestring] $ClientSecret,
    [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate,
    # Custom endpoints (the emulator); leave both out for the global cloud.
    [uri] $AuthorityHost,
    [uri] $GraphEndpoint,
    # The MDM instance, as the tenant's registry of instances names it.
    [string] $SourceName = 'core-01',
    [string] $PartnerName = 'MobileIron',
    # The groups whose devices the MDM reports (at most 10).
    [string[]] $Group = @('Sales EMEA', 'Mobile Pilot', 'Mobile Fleet'),
    # Never subject to the Conditional Access policy: the emergency access accounts.
    [string] $ExcludeGroup = 'Break Glass',
    # The module's local state; by default a new file per run, so the demo never touches your own state.
    [string] $StatePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'azurecompliance-mainjob-' + [guid]::NewGuid().ToString('N') + '.db'),
    # The MDM's device inventory export (step 7).
    [string] $InventoryPath = [System.IO.Path]::Combine($PSScriptRoot, 'inventory', 'mobileiron-core-export.csv')
)

$ErrorActionPreference = 'Stop'
$endpoints = @{}
if ($AuthorityHost) { $endpoints = @{ AuthorityHost = $AuthorityHost; GraphEndpoint = $GraphEndpoint } }

# Step headers are plain output: the main job also runs in a bare engine without Microsoft.PowerShell.Utility.
# Objects go to Out-Host one step at a time, so each is shown in its own format view (one Out-Default for
# objects of many types would show all but the first type as lists).
function Write-Step([string] $Text) { "`n=== $Text" }
function Write-Line([string] $Text) { "    $Text" }

Write-Step 'Step 2. Sign in to the tenant (client secret)'
$connection = Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $ClientSecret -SourceName $SourceName @endpoints
$connection

if ($Certificate) {
    Write-Step 'Step 2. Sign in again, with a certificate'
    $connection = Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -Certificate $Certificate -SourceName $SourceName @endpoints
    Write-Line ("Connected to {0} as {1} ({2}); token valid until {3}" -f $connection.TenantDomain, $connection.ClientId, $connection.AuthType, $connection.ExpiresOn)
}

Write-Step 'Step 1. Apply the Intune licence to device users'
'The tenant''s Intune-capable licences:'
Get-ComplianceLicense | Out-Host
$licensed = @(Add-ComplianceLicense -Group $Group -ErrorAction SilentlyContinue -ErrorVariable licenceErrors)
$already = @($licensed | Where-Object { $_.Action -like 'Already*' })
Write-Line ('{0} user(s) in the groups already have the Intune service plan.' -f $already.Count)
foreach ($user in $licensed | Where-Object { $_.Action -notlike 'Already*' }) { Write-Line ('{0}: {1}' -f $user.UserPrincipalName, $user.Action) }
foreach ($problem in $licenceErrors) { Write-Line ('{0}: NOT licensed - {1}' -f $problem.TargetObject, $problem.Exception.Message) }

Write-Step "Steps 3 and 5. Add $PartnerName as the compliance partner for Android and iOS, and connect the tenant to it"
$partner = Add-CompliancePartner -DisplayName $PartnerName -Platform Android, iOS -WarningAction SilentlyContinue
Write-Line ("{0} is onboarded for {1}; partner tenant provisioned; instance '{2}' registered." -f $partner.DisplayName, ($partner.Platforms -join ', '), $SourceName)
$again = Add-CompliancePartner -DisplayName $PartnerName -Platform Android, iOS -WarningAction SilentlyContinue -Verbose 4>&1 |
    Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object { $_.Message }
Write-Line ('Running it again: ' + ($again -join ' '))

Write-Step ("Step 3. Scope the partner to the groups: " + ($Group -join ', '))
$scope = Set-ComplianceGroup -Group $Group -StatePath $StatePath
$scope | Out-Host
Get-ComplianceGroup -StatePath $StatePath | Out-Host
Get-CompliancePartner -DisplayName $PartnerName | Out-Host

Write-Step 'Step 4. Create a report-only Conditional Access policy requiring a compliant device'
try {
    New-ComplianceAccessPolicy -DisplayName 'Lock-out check' -AllUsers -State Enabled | Out-Null
}
catch {
    Write-Line ('Refused as it should be ({0}): {1}' -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message)
}
$policy = New-ComplianceAccessPolicy -DisplayName "Require compliant devices ($PartnerName)" -Group $Group -ExcludeGroup $ExcludeGroup
$policy | Out-Host
Write-Line ("'{0}' is {1}: sign-ins are logged as if it applied; nobody is blocked until it is enabled." -f $policy.DisplayName, $policy.State)

Write-Step 'Step 6. Create the partner device compliance policy of the MDM'
# The seed's defaults: iOS 12.0 and Mobile@Work 12.0, Android 8.0 and Mobile@Work 8.0; jailbroken/rooted blocked.
$compliancePolicies = 'iOS', 'Android' | ForEach-Object {
    New-CompliancePolicy -Name "$PartnerName $_" -Platform $_ -StatePath $StatePath -WarningAction SilentlyContinue
}
$compliancePolicies | Out-Host

Write-Step 'Check that the tenant is ready (Test-ComplianceTenant)'
$checks = Test-ComplianceTenant -StatePath $StatePath
$checks | Out-Host
foreach ($check in $checks | Where-Object { $_.Result -ne 'Pass' }) {
    Write-Line ('{0} is {1}: {2}' -f $check.Name, $check.Result, $check.Remedy)
}

Write-Step ('Step 7. Devices check in: import the MDM export ({0}), judge, send' -f [System.IO.Path]::GetFileName($InventoryPath))
# Rows the export cannot vouch for (no Entra device id, odd values) are per-row errors; the rest go on.
$devices = @(Import-ComplianceDevice -Path $InventoryPath -Format MobileIronCore -ErrorAction SilentlyContinue -ErrorVariable rowErrors)
Write-Line ('{0} devices imported, {1} row(s) refused.' -f $devices.Count, $rowErrors.Count)
$verdicts = @($devices | Test-DeviceCompliance -StatePath $StatePath)
$failing = @($verdicts | Where-Object { -not $_.IsCompliant -and -not $_.IsRetired })
Write-Line ('{0} compliant, {1} not compliant, {2} retired. The first non-compliant ones and why:' -f
    @($verdicts | Where-Object IsCompliant).Count, $failing.Count, @($verdicts | Where-Object IsRetired).Count)
if ($failing.Count -gt 0) { $failing[0..([Math]::Min(7, $failing.Count - 1))] | Out-Host }

'    Sending compliance to Intune (only users in the group scope; many devices per message):'
$summary = $devices | Send-DeviceCompliance -StatePath $StatePath -ErrorAction SilentlyContinue -ErrorVariable sendErrors
$summary | Out-Host
foreach ($problem in $sendErrors) { Write-Line ('{0}: {1}' -f $problem.TargetObject, $problem.Exception.Message) }

Write-Step 'Step 8. Entra now shows the devices'' compliance; a second check-in sends nothing'
$sent = @($verdicts | Where-Object { -not $_.IsRetired } | ForEach-Object DeviceId)
$entra = @(Get-DeviceCompliance -DeviceId $sent -ErrorAction SilentlyContinue)
Write-Line ('Entra: {0} of {1} devices read back compliant, {2} not compliant.' -f
    @($entra | Where-Object IsCompliant).Count, $entra.Count, @($entra | Where-Object { $_.IsCompliant -eq $false }).Count)
$drift = @($devices | Compare-DeviceCompliance -StatePath $StatePath -ErrorAction SilentlyContinue | Where-Object { -not $_.InSync })
Write-Line ('Drift between the MDM''s verdict and Entra: {0} device(s) (devices outside the scope are not reported).' -f $drift.Count)
$second = $devices | Send-DeviceCompliance -StatePath $StatePath
Write-Line ('Second check-in: {0} received, {1} unchanged, {2} sent.' -f $second.Received, $second.Unchanged, $second.Sent)

Write-Step 'Step 9. De-provision the tenant'
try {
    Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -WhatIf
}
catch {
    Write-Line ('Refused while the partner compliance policy is enabled ({0}): {1}' -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message)
}
Write-Line 'Disabling the partner compliance policy first, as the guide says.'
Get-CompliancePolicy -StatePath $StatePath | Disable-CompliancePolicy -StatePath $StatePath -WarningAction SilentlyContinue | Out-Null
Write-Line 'What de-provisioning will do (-WhatIf):'
Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -WhatIf
$result = Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -Confirm:$false
$result | Out-Host
if (-not (Get-ComplianceConnection)) { 'De-provisioned and signed out.' }
