<#
.SYNOPSIS
    Builds, tests, documents and packages the AzureCompliance module.

.DESCRIPTION
    Tasks, run in the order given:

      Build    dotnet build src/AzureCompliance.Cmdlets; its MSBuild target (build/Module.targets) assembles
               the ready-to-import module in out/AzureCompliance. The compiled help from Docs
               (out/help/en-US/AzureCompliance.Cmdlets.dll-Help.xml), when there is one, is copied into it.
      Test     dotnet test AzureCompliance.sln, then the Pester 5 acceptance tests (tests/Acceptance) in a new
               PowerShell process of the same edition, against the built module and the tenant emulator.
               Pester 5 is installed for the current user when it is missing and the PowerShell Gallery can be
               reached; otherwise the acceptance tests are skipped with a warning.
      Docs     Compiles the PlatyPS markdown in docs/help to MAML help (platyPS 0.14, installed for the current
               user when missing) into out/help/en-US, and into the built module.
      Package  Checks the built module (Test-ModuleManifest, compiled help present) and publishes it to a local
               file repository, out/packages, as the .nupkg the PowerShell Gallery takes.
      Clean    Removes out/ and every bin/ and obj/ folder under src/ and tests/.

    Works in Windows PowerShell 5.1 and PowerShell 7; stops at the first failure and exits with 1.

    Keeping the markdown help in step with the cmdlets (needs the built module and platyPS 0.14):
        Import-Module ./out/AzureCompliance/AzureCompliance.psd1
        Update-MarkdownHelpModule -Path docs/help -RefreshModulePage -AlphabeticParamsOrder:$false
    adds sections for new parameters and cmdlets and removes those of parameters that are gone; then write the
    descriptions and examples it leaves as {{ placeholders }}. New cmdlet: New-MarkdownHelp -Command <Name>
    -OutputFolder docs/help. On PowerShell 7.4 and later platyPS 0.14 also writes a -ProgressAction section;
    it may stay or go. tests/AzureCompliance.Module.Tests/HelpTests.cs checks the markdown against the cmdlets.

.EXAMPLE
    ./build.ps1

    Builds the module in Release into out/AzureCompliance.

.EXAMPLE
    ./build.ps1 -Task Clean, Build, Docs, Test, Package

    Everything a release needs, from a clean tree.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package', 'Clean')]
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
$HelpStagingDirectory = Join-Path (Join-Path $OutDirectory 'help') 'en-US'
$HelpFileName = 'AzureCompliance.Cmdlets.dll-Help.xml'
$PackagesDirectory = Join-Path $OutDirectory 'packages'
$TestResultsDirectory = Join-Path $OutDirectory 'TestResults'
$OnWindows = [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT

function Write-Step {
    param([Parameter(Mandatory)] [string] $Message)
    Write-Host ''
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    <# Runs a program and fails the build when it exits with anything but 0. #>
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @()
    )
    Write-Host "$FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE."
    }
}

function Get-ModuleVersion {
    <# The one version source: VersionPrefix in Directory.Build.props. #>
    [xml] $props = Get-Content -LiteralPath (Join-Path $RepositoryRoot 'Directory.Build.props') -Raw
    $node = $props.SelectSingleNode('//VersionPrefix')
    if ($null -eq $node) { throw 'Directory.Build.props has no VersionPrefix.' }
    $node.InnerText.Trim()
}

function Get-AvailableModule {
    <# The newest installed version of a module at least MinimumVersion and below MaximumVersion, or $null. #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [version] $MinimumVersion,
        [version] $MaximumVersion = '999.0'
    )
    Get-Module -ListAvailable -Name $Name |
        Where-Object { $_.Version -ge $MinimumVersion -and $_.Version -lt $MaximumVersion } |
        Sort-Object -Property Version -Descending |
        Select-Object -First 1
}

function Install-BuildModule {
    <# Installs a module for the current user from the PowerShell Gallery; $true when it worked. #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $Version
    )
    try {
        if (Get-Command -Name Install-PSResource -ErrorAction SilentlyContinue) {
            Write-Host "Installing $Name $Version for the current user (Install-PSResource)..."
            Install-PSResource -Name $Name -Version $Version -Scope CurrentUser -TrustRepository -Reinstall:$false -ErrorAction Stop
        }
        elseif (Get-Command -Name Install-Module -ErrorAction SilentlyContinue) {
            Write-Host "Installing $Name $Version for the current user (Install-Module)..."
            # -SkipPublisherCheck: Windows PowerShell's in-box Pester 3 is signed by another publisher.
            Install-Module -Name $Name -RequiredVersion $Version -Scope CurrentUser -Force -SkipPublisherCheck -AllowClobber -ErrorAction Stop
        }
        else {
            Write-Warning "Neither Install-PSResource nor Install-Module is available to install $Name."
            return $false
        }
        return $true
    }
    catch {
        Write-Warning "Could not install $Name $Version from the PowerShell Gallery: $($_.Exception.Message)"
        return $false
    }
}

function Copy-HelpIntoModule {
    <# Puts the compiled help from Docs into the built module (the module build recreates the module folder). #>
    $staged = Join-Path $HelpStagingDirectory $HelpFileName
    if (-not (Test-Path -LiteralPath $staged)) {
        Write-Host "No compiled help yet ($staged); run the Docs task to add it to the module." -ForegroundColor Yellow
        return
    }
    if (-not (Test-Path -LiteralPath $ModuleDirectory)) {
        return
    }
    $target = Join-Path $ModuleDirectory 'en-US'
    New-Item -ItemType Directory -Path $target -Force | Out-Null
    Copy-Item -LiteralPath $staged -Destination $target -Force
    Write-Host "Compiled help copied into $target"
}

function Invoke-BuildTask {
    Write-Step "Build ($Configuration)"
    Invoke-Native -FilePath 'dotnet' -ArgumentList @('build', (Join-Path (Join-Path $RepositoryRoot 'src') 'AzureCompliance.Cmdlets'), '-c', $Configuration, '-nologo')
    if (-not (Test-Path -LiteralPath $ModuleManifest)) {
        throw "The build did not assemble the module: $ModuleManifest is missing (see build/Module.targets)."
    }
    Copy-HelpIntoModule
    Write-Host "Module ready: $ModuleDirectory" -ForegroundColor Green
}

function Invoke-TestTask {
    Write-Step "Test: xunit ($Configuration)"
    New-Item -ItemType Directory -Path $TestResultsDirectory -Force | Out-Null
    Invoke-Native -FilePath 'dotnet' -ArgumentList @('test', (Join-Path $RepositoryRoot 'AzureCompliance.sln'), '-c', $Configuration, '-nologo',
        '--logger', 'trx', '--results-directory', $TestResultsDirectory)
    # dotnet test rebuilt the module folder: put the compiled help back for the acceptance tests.
    Copy-HelpIntoModule

    Write-Step 'Test: Pester acceptance tests (tests/Acceptance)'
    $pesterVersion = '5.7.1'
    $pester = Get-AvailableModule -Name 'Pester' -MinimumVersion '5.0' -MaximumVersion '6.0'
    if ($null -eq $pester) {
        if (Install-BuildModule -Name 'Pester' -Version $pesterVersion) {
            $pester = Get-AvailableModule -Name 'Pester' -MinimumVersion '5.0' -MaximumVersion '6.0'
        }
    }
    if ($null -eq $pester) {
        Write-Warning 'Pester 5 is not installed and could not be installed: the acceptance tests in tests/Acceptance were SKIPPED. Install it with: Install-Module Pester -MinimumVersion 5.5 -Scope CurrentUser -SkipPublisherCheck'
        return
    }
    Write-Host "Pester $($pester.Version) from $($pester.ModuleBase)"

    # A new process of the same PowerShell: the module assembly loads there, not in this session (where it
    # would stay loaded and locked), and the tests see the module as a user's fresh session does.
    $powershell = (Get-Process -Id $PID).Path
    $resultFile = Join-Path $TestResultsDirectory 'Acceptance.xml'
    $arguments = @('-NoProfile', '-NonInteractive')
    if ($OnWindows) { $arguments += @('-ExecutionPolicy', 'Bypass') }
    $arguments += @('-File', (Join-Path (Join-Path $RepositoryRoot 'tests') (Join-Path 'Acceptance' 'Invoke-AcceptanceTests.ps1')),
        '-PesterPath', $pester.Path, '-ResultPath', $resultFile)
    $previousConfiguration = $env:AZURECOMPLIANCE_CONFIGURATION
    $env:AZURECOMPLIANCE_CONFIGURATION = $Configuration
    try {
        Invoke-Native -FilePath $powershell -ArgumentList $arguments
    }
    finally {
        $env:AZURECOMPLIANCE_CONFIGURATION = $previousConfiguration
    }
    Write-Host "Acceptance tests passed; results in $resultFile" -ForegroundColor Green
}

function Invoke-DocsTask {
    Write-Step 'Docs: PlatyPS markdown (docs/help) to MAML help'
    $platyPSVersion = '0.14.2'
    # platyPS 0.14 (New-ExternalHelp); 1.0 is a different module (Microsoft.PowerShell.PlatyPS) with other commands.
    $platyPS = Get-AvailableModule -Name 'platyPS' -MinimumVersion '0.14.0' -MaximumVersion '1.0'
    if ($null -eq $platyPS) {
        if (Install-BuildModule -Name 'platyPS' -Version $platyPSVersion) {
            $platyPS = Get-AvailableModule -Name 'platyPS' -MinimumVersion '0.14.0' -MaximumVersion '1.0'
        }
    }
    if ($null -eq $platyPS) {
        throw "platyPS 0.14 is not installed and could not be installed: Install-Module platyPS -RequiredVersion $platyPSVersion -Scope CurrentUser"
    }
    Import-Module -Name $platyPS.Path -Force

    $docs = Join-Path (Join-Path $RepositoryRoot 'docs') 'help'
    New-Item -ItemType Directory -Path $HelpStagingDirectory -Force | Out-Null
    $generated = New-ExternalHelp -Path $docs -OutputPath $HelpStagingDirectory -Force
    foreach ($file in @($generated)) { Write-Host "Compiled $file" }
    if (-not (Test-Path -LiteralPath (Join-Path $HelpStagingDirectory $HelpFileName))) {
        throw "New-ExternalHelp did not write ${HelpFileName}: check the 'external help file' line of the files in docs/help."
    }
    Copy-HelpIntoModule
}

function Invoke-PackageTask {
    Write-Step 'Package: the module as a PowerShell Gallery .nupkg in out/packages'
    if (-not (Test-Path -LiteralPath $ModuleManifest)) {
        throw "Build the module first (./build.ps1 -Task Build): $ModuleManifest is missing."
    }
    $manifest = Test-ModuleManifest -Path $ModuleManifest -ErrorAction Stop
    $version = Get-ModuleVersion
    if ($manifest.Version -ne [version]$version) {
        throw "The built manifest says version $($manifest.Version), Directory.Build.props says ${version}: rebuild the module."
    }
    if (-not (Test-Path -LiteralPath (Join-Path (Join-Path $ModuleDirectory 'en-US') $HelpFileName))) {
        throw "The built module has no compiled help ($HelpFileName): run ./build.ps1 -Task Docs, Build before Package."
    }
    Write-Host "$($manifest.Name) $($manifest.Version): manifest checked, compiled help present"

    New-Item -ItemType Directory -Path $PackagesDirectory -Force | Out-Null
    $existing = Join-Path $PackagesDirectory "$($manifest.Name).$version.nupkg"
    if (Test-Path -LiteralPath $existing) { Remove-Item -LiteralPath $existing -Force }

    $repositoryName = 'AzureComplianceBuild' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    if (Get-Command -Name Publish-PSResource -ErrorAction SilentlyContinue) {
        Register-PSResourceRepository -Name $repositoryName -Uri $PackagesDirectory -Trusted
        try {
            Publish-PSResource -Path $ModuleDirectory -Repository $repositoryName -ErrorAction Stop
        }
        finally {
            Unregister-PSResourceRepository -Name $repositoryName
        }
    }
    elseif (Get-Command -Name Publish-Module -ErrorAction SilentlyContinue) {
        # PowerShellGet 2 needs NuGet.exe to publish; it offers to download it the first time.
        Register-PSRepository -Name $repositoryName -SourceLocation $PackagesDirectory -PublishLocation $PackagesDirectory -InstallationPolicy Trusted
        try {
            Publish-Module -Path $ModuleDirectory -Repository $repositoryName -NuGetApiKey 'local-file-repository' -ErrorAction Stop
        }
        finally {
            Unregister-PSRepository -Name $repositoryName
        }
    }
    else {
        throw 'Neither Publish-PSResource (Microsoft.PowerShell.PSResourceGet) nor Publish-Module (PowerShellGet) is available.'
    }

    $package = Get-ChildItem -LiteralPath $PackagesDirectory -Filter "$($manifest.Name).$version*.nupkg" | Select-Object -First 1
    if ($null -eq $package) {
        throw "Publishing reported success but no $($manifest.Name).$version .nupkg is in $PackagesDirectory."
    }
    Write-Host "Package: $($package.FullName)" -ForegroundColor Green
    Write-Host "Publish it with: Publish-PSResource -NupkgPath '$($package.FullName)' -Repository PSGallery -ApiKey <key>"
}

function Invoke-CleanTask {
    Write-Step 'Clean: out/, bin/ and obj/'
    $targets = @()
    if (Test-Path -LiteralPath $OutDirectory) { $targets += Get-Item -LiteralPath $OutDirectory }
    foreach ($folder in 'src', 'tests') {
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
            'Test' { Invoke-TestTask }
            'Docs' { Invoke-DocsTask }
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
