<#
.SYNOPSIS
    The AzureCompliance main job: what an administrator (or a runbook) does to make an MDM an Intune
    compliance partner of a tenant. README's main-job command runs it against the built-in emulated
    tenant; against a real tenant, pass your own endpoints and credentials.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $TenantId,
    [Parameter(Mandatory)] [string] $ClientId,
    [Parameter(Mandatory)] [securestring] $ClientSecret,
    [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate,
    # Custom endpoints (the emulator); leave both out for the global cloud.
    [uri] $AuthorityHost,
    [uri] $GraphEndpoint
)

$ErrorActionPreference = 'Stop'
$endpoints = @{}
if ($AuthorityHost) { $endpoints = @{ AuthorityHost = $AuthorityHost; GraphEndpoint = $GraphEndpoint } }

# Step headers are plain output: the main job also runs in a bare engine without Microsoft.PowerShell.Utility.
function Write-Step([string] $Text) { "`n=== $Text" }

Write-Step 'Sign in with a client secret'
$connection = Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $ClientSecret -SourceName 'core-01' @endpoints
$connection

if ($Certificate) {
    Write-Step 'Sign in with a certificate'
    Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -Certificate $Certificate -SourceName 'core-01' @endpoints
}

Write-Step 'The session connection'
Get-ComplianceConnection | ForEach-Object { "Connected to $($_.TenantDomain) as $($_.ClientId) ($($_.AuthType)); token valid until $($_.ExpiresOn)" }

Write-Step 'Sign out'
Disconnect-ComplianceTenant
if (-not (Get-ComplianceConnection)) { 'Signed out.' }
