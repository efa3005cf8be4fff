<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the AzureCompliance module.

.DESCRIPTION
    Tasks, run in the order given:

      Build    Compiles the PlatyPS markdown in docs/help to MAML help (out/help), then runs dotnet build on
               src/AzureCompliance.Cmdlets, whose MSBuild target (build/Module.targets) assembles the ready-to-import
               module, compiled help included, in out/AzureCompliance.
      Docs     Only the help: compiles docs/help and puts it into the built module.
      Test     Build, then the xunit tests (dotnet test AzureCompliance.sln), then Package, then the Pester 5 tests
               (tests/Acceptance) in a fresh pwsh against the built module, its package and the tenant emulator. Ends
               with one line that counts both layers: 'tests: N passed, N failed, N skipped'.
      Demo     Build, then starts the tenant emulator with the sample MDM fleet registered, runs samples/MainJob.ps1
               against it in this PowerShell, and stops the emulator.
      Package  Build, then publishes the module to a local file repository (out/packages) as the .nupkg the
               PowerShell Gallery takes.
      Clean    Removes out/ and every bin/ and obj/ folder under src/, tests/ and bench/.

    What it needs besides the .NET SDK:
      - PowerShell 7: `dotnet tool restore` provides it as `dotnet pwsh` (pinned in .config/dotnet-tools.json).
      - Pester 5.7.1 (Test): restored from NuGet by build/tools, never from the PowerShell Gallery.
      - Microsoft.PowerShell.PlatyPS 1.0 (Build): imported by name; when it is not installed it is installed for the
        current user from the PowerShell Gallery (Install-PSResource), and the build fails saying so when neither works.

    Stops at the first failure (Test runs both test layers before it fails) and exits with 1.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test

    Everything the continuous integration runs.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo

    The main job against the built-in emulated tenant.
#>
#Requires -Version 7.2
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Docs', 'Test', 'Demo', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    [string] $Configuration = 'Release'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$RepositoryRoot = $PSScriptRoot
$OutDirectory = Join-Path $RepositoryRoot 'out'
$ModuleDirectory = Join-Path $OutDirectory 'AzureCompliance'
$ModuleManifest = Join-Path $ModuleDirectory 'AzureCompliance.psd1'
$HelpDirectory = Join-Path $OutDirectory 'help'
$HelpFileName = 'AzureCompliance.Cmdlets.dll-Help.xml'
$PackagesDirectory = Join-Path $OutDirectory 'packages'
$TestResultsDirectory = Join-Path $OutDirectory 'TestResults'
$PesterVersion = '5.7.1'
$PlatyPSModule = 'Microsoft.PowerShell.PlatyPS'
$PlatyPSMinimumVersion = [version]'1.0.0'
. (Join-Path (Join-Path $RepositoryRoot 'build') 'PowerShellHost.ps1')

function Write-Step {
    param([Parameter(Mandatory)] [string] $Message)
    Write-Host ''
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    <# Runs a program; fails the build when it exits with anything but 0, unless -AllowFailure (then returns the code). #>
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [switch] $AllowFailure
    )
    Write-Host "$FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    # To the console as it comes: the function's own output is the exit code alone.
    & $FilePath @ArgumentList | Out-Host
    $code = $LASTEXITCODE
    if ($code -ne 0 -and -not $AllowFailure) {
        throw "$FilePath $($ArgumentList -join ' ') failed with exit code $code."
    }
    $code
}

function Get-ModuleVersion {
    <# The one version source: VersionPrefix in Directory.Build.props. #>
    [xml] $props = Get-Content -LiteralPath (Join-Path $RepositoryRoot 'Directory.Build.props') -Raw
    $node = $props.SelectSingleNode('//VersionPrefix')
    if ($null -eq $node) { throw 'Directory.Build.props has no VersionPrefix.' }
    $node.InnerText.Trim()
}

function Import-PlatyPS {
    <# PlatyPS 1.0 by name; installed from the PowerShell Gallery for the current user when missing. #>
    $available = Get-Module -ListAvailable -Name $PlatyPSModule | Where-Object { $_.Version -ge $PlatyPSMinimumVersion }
    if (-not $available) {
        Write-Host "$PlatyPSModule $PlatyPSMinimumVersion or later is not installed; installing it from the PowerShell Gallery..."
        try {
            Install-PSResource -Name $PlatyPSModule -Version "[$PlatyPSMinimumVersion,2.0.0)" -Scope CurrentUser -TrustRepository -ErrorAction Stop
        }
        catch {
            throw ("$PlatyPSModule $PlatyPSMinimumVersion+ is needed to compile the help (docs/help) and could not be installed " +
                "from the PowerShell Gallery ($($_.Exception.Message)). Install it (Install-PSResource $PlatyPSModule), or put a " +
                "folder that holds it on `$env:PSModulePath, then run the build again.")
        }
    }
    Import-Module -Name $PlatyPSModule -MinimumVersion $PlatyPSMinimumVersion -ErrorAction Stop
}

function Invoke-DocsTask {
    Write-Step 'Help: docs/help (PlatyPS markdown) to MAML'
    Import-PlatyPS
    if (Test-Path -LiteralPath $HelpDirectory) { Remove-Item -LiteralPath $HelpDirectory -Recurse -Force }
    $pages = @(Get-ChildItem -LiteralPath (Join-Path (Join-Path $RepositoryRoot 'docs') 'help') -Filter '*-*.md')
    $null = $pages | Import-MarkdownCommandHelp | Export-MamlCommandHelp -OutputFolder $HelpDirectory -Force
    # Export-MamlCommandHelp writes <folder>/<module name>/<assembly>-Help.xml; build/Module.targets takes it from there.
    $compiled = Join-Path (Join-Path $HelpDirectory 'AzureCompliance') $HelpFileName
    if (-not (Test-Path -LiteralPath $compiled)) {
        throw "Export-MamlCommandHelp did not write ${compiled}: check the 'external help file' line of the pages in docs/help."
    }
    Write-Host "Compiled $($pages.Count) pages into $compiled"
    if (Test-Path -LiteralPath $ModuleDirectory) {
        $target = Join-Path $ModuleDirectory 'en-US'
        New-Item -ItemType Directory -Path $target -Force | Out-Null
        Copy-Item -LiteralPath $compiled -Destination $target -Force
    }
}

function Invoke-BuildTask {
    Invoke-DocsTask
    Write-Step "Build ($Configuration)"
    $null = Invoke-Native -FilePath 'dotnet' -ArgumentList @('build', (Join-Path (Join-Path $RepositoryRoot 'src') 'AzureCompliance.Cmdlets'), '-c', $Configuration, '-nologo')
    foreach ($required in $ModuleManifest, (Join-Path (Join-Path $ModuleDirectory 'en-US') $HelpFileName)) {
        if (-not (Test-Path -LiteralPath $required)) {
            throw "The build did not assemble the module: $required is missing (see build/Module.targets)."
        }
    }
    Write-Host "Module ready: $ModuleDirectory" -ForegroundColor Green
}

function Get-PesterManifest {
    <# Pester from NuGet (build/tools), pinned: the test run never depends on the PowerShell Gallery. #>
    $null = Invoke-Native -FilePath 'dotnet' -ArgumentList @('restore', (Join-Path (Join-Path $RepositoryRoot 'build') 'tools'), '-nologo', '-v', 'q')
    $manifest = [System.IO.Path]::Combine((Get-NuGetPackageFolder -Id 'Pester' -Version $PesterVersion), 'tools', 'Pester.psd1')
    if (-not (Test-Path -LiteralPath $manifest)) { throw "Pester $PesterVersion was restored but $manifest is missing." }
    $manifest
}

function Get-XunitCount {
    <# Adds up the counters of the .trx files dotnet test wrote. #>
    param([Parameter(Mandatory)] [string] $Directory)
    $count = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($file in @(Get-ChildItem -LiteralPath $Directory -Filter '*.trx' -Recurse)) {
        [xml] $trx = Get-Content -LiteralPath $file.FullName -Raw
        $counters = $trx.TestRun.ResultSummary.Counters
        $count.Passed += [int]$counters.passed
        $count.Failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $count.Skipped += [int]$counters.notExecuted
    }
    $count
}

function Invoke-TestTask {
    Invoke-BuildTask
    if (Test-Path -LiteralPath $TestResultsDirectory) { Remove-Item -LiteralPath $TestResultsDirectory -Recurse -Force }
    $xunitResults = Join-Path $TestResultsDirectory 'xunit'
    New-Item -ItemType Directory -Path $xunitResults -Force | Out-Null

    Write-Step "Test: xunit ($Configuration)"
    $xunitExit = Invoke-Native -AllowFailure -FilePath 'dotnet' -ArgumentList @('test', (Join-Path $RepositoryRoot 'AzureCompliance.sln'),
        '-c', $Configuration, '-nologo', '--logger', 'trx', '--results-directory', $xunitResults)
    $xunit = Get-XunitCount -Directory $xunitResults
    if ($xunitExit -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1 }  # a build or host failure counts too

    # The Gallery round-trip test installs this package.
    Publish-ModulePackage

    Write-Step 'Test: Pester (tests/Acceptance) in a fresh pwsh against the built module'
    $pester = Get-PesterManifest
    Write-Host "Pester $PesterVersion from $pester"
    $summaryPath = Join-Path $TestResultsDirectory 'pester-summary.json'
    # A new process: the module loads there as in a user's fresh session, and nothing of this one leaks in.
    $powershell = Get-PowerShellHost
    $env:AZURECOMPLIANCE_CONFIGURATION = $Configuration
    $pesterExit = Invoke-Native -AllowFailure -FilePath $powershell.FilePath -ArgumentList @($powershell.Prefix + @('-NoProfile', '-NonInteractive', '-File',
        [System.IO.Path]::Combine($RepositoryRoot, 'tests', 'Acceptance', 'Invoke-AcceptanceTests.ps1'),
        '-PesterPath', $pester, '-ResultPath', (Join-Path $TestResultsDirectory 'pester.xml'), '-SummaryPath', $summaryPath, '-Verbosity', 'Normal'))
    $pesterCount = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    if (Test-Path -LiteralPath $summaryPath) { $pesterCount = Get-Content -LiteralPath $summaryPath -Raw | ConvertFrom-Json }
    if ($pesterExit -ne 0 -and $pesterCount.Failed -eq 0) { $pesterCount.Failed = 1 }

    $passed = $xunit.Passed + $pesterCount.Passed
    $failed = $xunit.Failed + $pesterCount.Failed
    $skipped = $xunit.Skipped + $pesterCount.Skipped
    Write-Host ''
    Write-Host ("xunit: {0} passed, {1} failed, {2} skipped; Pester: {3} passed, {4} failed, {5} skipped" -f
        $xunit.Passed, $xunit.Failed, $xunit.Skipped, $pesterCount.Passed, $pesterCount.Failed, $pesterCount.Skipped)
    Write-Host ("tests: {0} passed, {1} failed, {2} skipped" -f $passed, $failed, $skipped)
    if ($failed -gt 0) { throw "$failed test(s) failed; results in $TestResultsDirectory." }
    if ($passed -eq 0) { throw 'No test ran.' }
}

function Start-DemoTenant {
    <# The tenant emulator with the sample fleet and a client certificate for the demo app; returns how to reach it. #>
    param([Parameter(Mandatory)] [string] $WorkDirectory, [Parameter(Mandatory)] [string] $CertificatePath)
    $connectionFile = Join-Path $WorkDirectory 'connection.json'
    $arguments = @('run', '--project', [System.IO.Path]::Combine($RepositoryRoot, 'src', 'AzureCompliance.TenantEmulator'), '-c', $Configuration,
        '--no-launch-profile', '--', '--port', '0', '--trust',
        '--fleet', [System.IO.Path]::Combine($RepositoryRoot, 'samples', 'inventory', 'mobileiron-core-export.csv'),
        '--app-certificate', $CertificatePath, '--connection-file', $connectionFile)
    $log = Join-Path $WorkDirectory 'emulator.log'
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -PassThru -RedirectStandardOutput $log -RedirectStandardError "$log.err"
    $deadline = [DateTime]::UtcNow.AddMinutes(5)
    while (-not (Test-Path -LiteralPath $connectionFile)) {
        if ($process.HasExited) {
            throw "The tenant emulator stopped (exit code $($process.ExitCode)): $(Get-Content -LiteralPath $log, "$log.err" -Raw -ErrorAction SilentlyContinue)"
        }
        if ([DateTime]::UtcNow -gt $deadline) { throw "The tenant emulator did not start within 5 minutes; see $log." }
        Start-Sleep -Milliseconds 200
    }
    $connection = Get-Content -LiteralPath $connectionFile -Raw | ConvertFrom-Json
    $connection | Add-Member -NotePropertyName Process -NotePropertyValue $process -PassThru
}

function Invoke-DemoTask {
    Invoke-BuildTask
    Write-Step 'Demo: samples/MainJob.ps1 against the emulated tenant'
    $work = Join-Path ([System.IO.Path]::GetTempPath()) ('azurecompliance-demo-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $work | Out-Null
    # The demo app signs in with a secret and with a certificate: the emulator gets the certificate's public part.
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=AzureCompliance main job', $rsa,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(1))
    $certificatePath = Join-Path $work 'main-job.cer'
    [System.IO.File]::WriteAllBytes($certificatePath, $certificate.RawData)
    $tenant = Start-DemoTenant -WorkDirectory $work -CertificatePath $certificatePath
    try {
        Write-Host "Emulated tenant $($tenant.TenantDomain) ($($tenant.TenantId)) at $($tenant.GraphEndpoint)"
        Import-Module -Name $ModuleManifest -Force
        $parameters = @{
            TenantId      = $tenant.TenantId
            ClientId      = $tenant.ClientId
            ClientSecret  = ConvertTo-SecureString -String $tenant.ClientSecret -AsPlainText -Force  # the emulator's public demo secret
            Certificate   = $certificate
            AuthorityHost = $tenant.AuthorityHost
            GraphEndpoint = $tenant.GraphEndpoint
            InventoryPath = [System.IO.Path]::Combine($RepositoryRoot, 'samples', 'inventory', 'mobileiron-core-export.csv')
        }
        & ([System.IO.Path]::Combine($RepositoryRoot, 'samples', 'MainJob.ps1')) @parameters | Out-Host
    }
    finally {
        if (-not $tenant.Process.HasExited) { $tenant.Process.Kill($true); $tenant.Process.WaitForExit(10000) | Out-Null }
        $certificate.Dispose()
        $rsa.Dispose()
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    Publish-ModulePackage
}

function Publish-ModulePackage {
    Write-Step 'Package: the module as a PowerShell Gallery .nupkg in out/packages'
    $manifest = Test-ModuleManifest -Path $ModuleManifest -ErrorAction Stop
    $version = Get-ModuleVersion
    if ($manifest.Version -ne [version]$version) {
        throw "The built manifest says version $($manifest.Version), Directory.Build.props says ${version}: rebuild the module."
    }
    foreach ($field in 'ProjectUri', 'LicenseUri', 'ReleaseNotes') {
        if (-not $manifest.PrivateData.PSData[$field]) { throw "The manifest's PrivateData.PSData has no $field." }
    }
    New-Item -ItemType Directory -Path $PackagesDirectory -Force | Out-Null
    Get-ChildItem -LiteralPath $PackagesDirectory -Filter "$($manifest.Name).$version*.nupkg" | Remove-Item -Force

    $repositoryName = 'AzureComplianceBuild' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-PSResourceRepository -Name $repositoryName -Uri $PackagesDirectory -Trusted
    try {
        Publish-PSResource -Path $ModuleDirectory -Repository $repositoryName -ErrorAction Stop
    }
    finally {
        Unregister-PSResourceRepository -Name $repositoryName
    }
    $package = Get-ChildItem -LiteralPath $PackagesDirectory -Filter "$($manifest.Name).$version*.nupkg" | Select-Object -First 1
    if ($null -eq $package) { throw "Publishing reported success but no $($manifest.Name).$version .nupkg is in $PackagesDirectory." }
    Write-Host "Package: $($package.FullName)" -ForegroundColor Green
    Write-Host "Publish it with: Publish-PSResource -NupkgPath '$($package.FullName)' -Repository PSGallery -ApiKey <key>"
}

function Invoke-CleanTask {
    Write-Step 'Clean: out/, bin/ and obj/'
    $targets = @()
    if (Test-Path -LiteralPath $OutDirectory) { $targets += Get-Item -LiteralPath $OutDirectory }
    foreach ($folder in 'src', 'tests', 'bench', 'build') {
        $path = Join-Path $RepositoryRoot $folder
        if (Test-Path -LiteralPath $path) {
            $targets += @(Get-ChildItem -LiteralPath $path -Directory -Recurse -Force |
                    Where-Object { $_.Name -in 'bin', 'obj' -and $_.Parent.Name -notin 'bin', 'obj' })
        }
    }
    foreach ($target in $targets) {
        if (Test-Path -LiteralPath $target.FullName) {
            Remove-Item -LiteralPath $target.FullName -Recurse -Force
            Write-Host "Removed $($target.FullName)"
        }
    }
}

$started = [System.Diagnostics.Stopwatch]::StartNew()
$exitCode = 0
Push-Location -LiteralPath $RepositoryRoot
try {
    foreach ($name in $Task) {
        switch ($name) {
            'Build' { Invoke-BuildTask }
            'Docs' { Invoke-DocsTask }
            'Test' { Invoke-TestTask }
            'Demo' { Invoke-DemoTask }
            'Package' { Invoke-PackageTask }
            'Clean' { Invoke-CleanTask }
        }
    }
    Write-Host ''
    Write-Host ("Done: {0} in {1:n0} s." -f ($Task -join ', '), $started.Elapsed.TotalSeconds) -ForegroundColor Green
}
catch {
    Write-Host ''
    Write-Host "FAILED: $($_.Exception.Message)" -ForegroundColor Red
    if ($_.InvocationInfo -and $_.InvocationInfo.PositionMessage) {
        Write-Host $_.InvocationInfo.PositionMessage -ForegroundColor DarkGray
    }
    $exitCode = 1
}
finally {
    Pop-Location
}
exit $exitCode
