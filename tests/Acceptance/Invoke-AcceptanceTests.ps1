<#
.SYNOPSIS
    Runs the Pester 5 acceptance tests in this folder and exits with the number of failures (0 = all passed).

.DESCRIPTION
    build.ps1 -Task Test runs this file in a new PowerShell process, so the module assembly loads in a
    fresh session. It can also be run by hand after ./build.ps1:

        pwsh -NoProfile -File tests/Acceptance/Invoke-AcceptanceTests.ps1

    The tests start the tenant emulator with dotnet run in the configuration named by
    $env:AZURECOMPLIANCE_CONFIGURATION (default Debug).
#>
[CmdletBinding()]
param(
    # Pester's manifest; by default the newest Pester 5 installed.
    [string] $PesterPath,

    # NUnit XML results file; none when empty.
    [string] $ResultPath,

    # A JSON file to write the counts to (Passed, Failed, Skipped, NotRun), for build.ps1's closing line.
    [string] $SummaryPath,

    # Output detail: None, Normal, Detailed, Diagnostic.
    [string] $Verbosity = 'Detailed'
)

$ErrorActionPreference = 'Stop'

if ($PesterPath) {
    Import-Module -Name $PesterPath -Force
}
else {
    $pester = Get-Module -ListAvailable -Name Pester |
        Where-Object { $_.Version -ge [version]'5.0' -and $_.Version -lt [version]'6.0' } |
        Sort-Object -Property Version -Descending |
        Select-Object -First 1
    if ($null -eq $pester) {
        throw 'Pester 5 is not installed: run ./build.ps1 -Task Test (it restores Pester from NuGet), or pass -PesterPath.'
    }
    Import-Module -Name $pester.Path -Force
}

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = $Verbosity
if ($ResultPath) {
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputFormat = 'NUnitXml'
    $configuration.TestResult.OutputPath = $ResultPath
}

$result = Invoke-Pester -Configuration $configuration
$failures = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
if ($result.TotalCount -eq 0) {
    Write-Host 'No acceptance test ran.' -ForegroundColor Red
    $failures = [Math]::Max($failures, 1)
}
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
if ($SummaryPath) {
    [pscustomobject]@{ Passed = $result.PassedCount; Failed = [Math]::Max($failed, [int]($failures -gt 0)); Skipped = $result.SkippedCount; NotRun = $result.NotRunCount } |
        ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8
}
Write-Host ("Acceptance tests: {0} passed, {1} failed, {2} skipped." -f $result.PassedCount, $failed, $result.SkippedCount)
exit $failures
