<#
    Helpers of the NewUser.*.Tests.ps1 files (issue 9: a new user's first session), dot-sourced after TestSetup.ps1.
#>

function Get-EngineType {
    <#
        An engine type by full name: a public one as a script names it (the module registers type accelerators), an
        internal one (which a test reaches on purpose) from the engine's assembly.
    #>
    param([Parameter(Mandatory)] [string] $FullName)
    $type = $FullName -as [type]
    if ($null -eq $type) { $type = [AzureCompliance.Core.Policy.CompliancePolicy].Assembly.GetType($FullName, $true) }
    $type
}

function Get-UnixMode {
    <# The permission bits of a file or folder as octal text (e.g. '600'); Unix only. #>
    param([Parameter(Mandatory)] [string] $Path)
    $mode = [System.IO.File]::GetUnixFileMode($Path)
    [Convert]::ToString([int]$mode -band 0x1FF, 8)
}

function New-NewUserFolder {
    $folder = Join-Path ([System.IO.Path]::GetTempPath()) ('ac-newuser-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $folder | Out-Null
    $folder
}
