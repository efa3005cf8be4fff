<#
    What build.ps1 and the acceptance tests (Module.Tests.ps1) both need, dot-sourced by each: how to start a new pwsh
    the way this one runs, and where a package lies in the NuGet global packages folder. Works under Set-StrictMode 3.
#>

function Get-PowerShellHost {
    <#
        The executable and the leading arguments that start a new pwsh as this one runs: pwsh as a .NET tool
        (dotnet pwsh) runs as 'dotnet pwsh.dll', so the new one starts the same way.
    #>
    $path = (Get-Process -Id $PID).Path
    [pscustomobject]@{
        FilePath = $path
        Prefix   = @(if ([System.IO.Path]::GetFileNameWithoutExtension($path) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    }
}

function Get-NuGetPackageFolder {
    <# A restored package's folder in the NuGet global packages folder ($env:NUGET_PACKAGES, else what dotnet says). #>
    param([Parameter(Mandatory)] [string] $Id, [Parameter(Mandatory)] [string] $Version)
    $root = $env:NUGET_PACKAGES
    if (-not $root) { $root = ([string](& dotnet nuget locals global-packages --list | Select-Object -First 1)) -replace '^global-packages:\s*', '' }
    $folder = [System.IO.Path]::Combine($root.Trim(), $Id.ToLowerInvariant(), $Version)
    if (-not (Test-Path -LiteralPath $folder)) { throw "$folder is missing: run 'dotnet restore build/tools' (./build.ps1 -Task Test does)." }
    $folder
}
