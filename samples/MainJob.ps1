<#
.SYNOPSIS
    The AzureCompliance main job: what an administrator (or a runbook) does to make an MDM an Intune
    compliance partner of a tenant, following the MobileIron Core "Azure tenant" guide, steps 1-6 and 9.
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
    9. De-provision the tenant                                  Disable-CompliancePolicy, Disconnect-ComplianceTenant -Deprovision

    It runs in a bare PowerShell engine too (no Microsoft.PowerShell.Utility or .Management cmdlets): it prints
    plain strings and objects, which the module's format views show.
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
    [string[]] $Group = @('Sales EMEA', 'Mobile Pilot'),
    # Never subject to the Conditional Access policy: the emergency access accounts.
    [string] $ExcludeGroup = 'Break Glass',
    # The module's local state; by default a new file per run, so the demo never touches your own state.
    [string] $StatePath = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'azurecompliance-mainjob-' + [guid]::NewGuid().ToString('N') + '.db')
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
foreach ($user in $licensed) { Write-Line ('{0}: {1}' -f $user.UserPrincipalName, $user.Action) }
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
$hasPolicyCmdlets = @(Get-Command -Name New-CompliancePolicy, Disable-CompliancePolicy -ErrorAction SilentlyContinue).Count -eq 2
if ($hasPolicyCmdlets) {
    $compliancePolicy = New-CompliancePolicy -Name "$PartnerName iOS" -Platform iOS -StatePath $StatePath -WarningAction SilentlyContinue
    $compliancePolicy | Out-Host
}
else {
    Write-Line 'New-CompliancePolicy is not part of this build of the module: skipped.'
}

Write-Step 'Check that the tenant is ready (Test-ComplianceTenant)'
$checks = Test-ComplianceTenant -StatePath $StatePath
$checks | Out-Host
foreach ($check in $checks | Where-Object { $_.Result -ne 'Pass' }) {
    Write-Line ('{0} is {1}: {2}' -f $check.Name, $check.Result, $check.Remedy)
}

Write-Step 'Step 9. De-provision the tenant'
if ($hasPolicyCmdlets) {
    try {
        Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -WhatIf
    }
    catch {
        Write-Line ('Refused while the partner compliance policy is enabled ({0}): {1}' -f $_.FullyQualifiedErrorId.Split(',')[0], $_.Exception.Message)
    }
    Write-Line 'Disabling the partner compliance policy first, as the guide says.'
    Disable-CompliancePolicy -Name "$PartnerName iOS" -StatePath $StatePath -WarningAction SilentlyContinue | Out-Null
}
Write-Line 'What de-provisioning will do (-WhatIf):'
Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -WhatIf
$result = Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -Confirm:$false
$result | Out-Host
if (-not (Get-ComplianceConnection)) { 'De-provisioned and signed out.' }
