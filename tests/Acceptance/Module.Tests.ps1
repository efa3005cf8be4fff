<#
    The built module as PowerShell, the Gallery and other modules see it: the manifest, the exported cmdlets and
    their conventions, isolation from other modules' copies of MSAL and Azure.Core, and the Gallery round trip
    (the package that ./build.ps1 -Task Package publishes, saved from a repository and imported by name).
    Pester 5: ./build.ps1 -Task Test.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-AzureComplianceModule
    $Commands = @(Get-Command -Module AzureCompliance)

    # Get-NuGetPackageFolder and Get-PowerShellHost, shared with build.ps1.
    . (Get-RepositoryPath 'build' 'PowerShellHost.ps1')

    function Invoke-FreshPowerShell {
        <# Runs a script in a new pwsh (nothing of this session loaded) and returns its last output line parsed as JSON. #>
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $path = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-fresh-' + [guid]::NewGuid().ToString('N') + '.ps1')
        Set-Content -LiteralPath $path -Value $Script -Encoding utf8
        $saved = @{}
        foreach ($name in $Environment.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); [Environment]::SetEnvironmentVariable($name, $Environment[$name]) }
        try {
            $shell = Get-PowerShellHost
            $prefix = $shell.Prefix
            $output = & $shell.FilePath @prefix -NoProfile -NonInteractive -File $path 2>&1
            $exit = $LASTEXITCODE
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
            Remove-Item -LiteralPath $path -Force
        }
        $text = ($output | ForEach-Object { "$_" }) -join "`n"
        if ($exit -ne 0) { throw "The fresh pwsh exited with $exit`: $text" }
        $last = @($output | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('{') })[-1]
        if (-not $last) { throw "The fresh pwsh printed no JSON result: $text" }
        [pscustomobject]@{ Result = ($last | ConvertFrom-Json); Text = $text }
    }
}

Describe 'The manifest and the exported cmdlets' {
    It 'declares editions, version, root module, the loader as its only nested module and Gallery metadata' {
        $manifest = Test-ModuleManifest -Path (Get-ModuleManifestPath) -ErrorAction Stop
        @($manifest.CompatiblePSEditions | Sort-Object) | Should -Be @('Core', 'Desktop')
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
        [xml] $props = Get-Content -LiteralPath (Get-RepositoryPath 'Directory.Build.props') -Raw
        $manifest.Version.ToString(3) | Should -Be $props.SelectSingleNode('//VersionPrefix').InnerText.Trim()
        $manifest.RootModule | Should -Be 'AzureCompliance.Cmdlets.dll'
        @($manifest.RequiredAssemblies) | Should -BeNullOrEmpty
        @($manifest.NestedModules | ForEach-Object Name) | Should -Be @('AzureCompliance.Loader')
        @($manifest.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($Commands.Name | Sort-Object)
        $psData = $manifest.PrivateData.PSData
        foreach ($key in 'Tags', 'ProjectUri', 'LicenseUri', 'ReleaseNotes') { $psData[$key] | Should -Not -BeNullOrEmpty -Because "PSData needs $key" }
        $psData['ReleaseNotes'] | Should -Match ([regex]::Escape($manifest.Version.ToString(3))) -Because 'the release notes come from CHANGELOG.md, for this version'
        Get-RepositoryPath 'LICENSE' | Should -Exist
    }

    It 'uses approved verbs, singular nouns with Compliance, and declares its output: <Name>' -ForEach @(
        Get-Command -Module AzureCompliance | ForEach-Object { @{ Name = $_.Name; Command = $_ } }) {
        (Get-Verb).Verb | Should -Contain $Command.Verb
        $Command.Noun | Should -BeLike '*Compliance*'
        ($Command.Noun -match '[^s]s$') | Should -BeFalse -Because 'nouns are singular'
        @($Command.OutputType).Count | Should -BeGreaterThan 0 -Because 'every cmdlet declares [OutputType]'
    }

    It 'supports -WhatIf and -Confirm on every cmdlet that changes state' {
        $changing = 'Add', 'Set', 'Remove', 'New', 'Enable', 'Disable', 'Send', 'Disconnect', 'Update', 'Clear', 'Register', 'Unregister', 'Invoke'
        foreach ($command in $Commands | Where-Object { $_.Verb -in $changing }) {
            $command.Parameters.Keys | Should -Contain 'WhatIf' -Because "$($command.Name) changes state"
            $command.Parameters.Keys | Should -Contain 'Confirm' -Because "$($command.Name) changes state"
        }
    }

    It 'takes -Connection on every cmdlet that works on a tenant' {
        $offline = 'Connect-ComplianceTenant', 'Get-ComplianceConnection', 'Import-ComplianceDevice', 'Test-DeviceCompliance', 'Get-CompliancePolicy'
        foreach ($command in $Commands | Where-Object { $_.Name -notin $offline }) {
            $command.Parameters.Keys | Should -Contain 'Connection' -Because "$($command.Name) works on a tenant"
        }
    }
}

Describe 'Isolation from other modules'' copies of MSAL and Azure.Core' {
    BeforeAll {
        function Get-AssemblyReference {
            <# The names of the assemblies a module assembly references, from its metadata (nothing is loaded). #>
            param([Parameter(Mandatory)] [string] $Path)
            $stream = [System.IO.File]::OpenRead($Path)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $metadata.AssemblyReferences) { $metadata.GetString($metadata.GetAssemblyReference($handle).Name) }
                $pe.Dispose()
            }
            finally { $stream.Dispose() }
        }
        $ModuleDirectory = Get-RepositoryPath 'out' 'AzureCompliance'

        $Emulator = Start-TenantEmulator
    }
    AfterAll { Stop-TenantEmulator -Emulator $Emulator }

    It 'keeps the cmdlet assembly free of MSAL, Graph, Kiota, Azure.Core and SQLite references' {
        $references = @(Get-AssemblyReference -Path (Join-Path $ModuleDirectory 'AzureCompliance.Cmdlets.dll'))
        $references | Should -Contain 'AzureCompliance.Core'
        foreach ($forbidden in 'Microsoft.Identity', 'Microsoft.Graph', 'Microsoft.Kiota', 'Azure.', 'Microsoft.IdentityModel', 'System.IdentityModel', 'Microsoft.Data.Sqlite', 'SQLitePCL') {
            @($references | Where-Object { $_.StartsWith($forbidden) }) | Should -BeNullOrEmpty -Because "the cmdlets may only see the core's own types ($forbidden)"
        }
    }

    It 'keeps the loader free of anything but the framework and PowerShell' {
        foreach ($reference in Get-AssemblyReference -Path (Join-Path $ModuleDirectory 'AzureCompliance.Loader.dll')) {
            ($reference -in 'netstandard', 'System.Management.Automation', 'System.Runtime.Loader' -or $reference.StartsWith('System.Runtime')) | Should -BeTrue -Because "the loader references $reference"
        }
    }

    It 'keeps the libraries out of the module root' {
        @(Get-ChildItem -LiteralPath $ModuleDirectory -Filter '*.dll' | ForEach-Object Name | Sort-Object) | Should -Be @('AzureCompliance.Cmdlets.dll', 'AzureCompliance.Loader.dll')
        Join-Path $ModuleDirectory 'dependencies/AzureCompliance.Core.dll' | Should -Exist
        Join-Path $ModuleDirectory 'dependencies/Microsoft.Identity.Client.dll' | Should -Exist
        Join-Path $ModuleDirectory 'dependencies/System.Management.Automation.dll' | Should -Not -Exist -Because 'PowerShell itself must not ship in the module'
    }

    It 'signs in with its own MSAL after an older MSAL and Azure.Core were loaded first, as Az.Accounts does' {
        $msal = Join-Path (Get-NuGetPackageFolder -Id 'Microsoft.Identity.Client' -Version '4.61.3') 'lib/net6.0/Microsoft.Identity.Client.dll'
        $abstractions = Join-Path (Get-NuGetPackageFolder -Id 'Microsoft.IdentityModel.Abstractions' -Version '6.35.0') 'lib/net6.0/Microsoft.IdentityModel.Abstractions.dll'
        $azureCore = Join-Path (Get-NuGetPackageFolder -Id 'Azure.Core' -Version '1.38.0') 'lib/net6.0/Azure.Core.dll'
        $script = @'
$ErrorActionPreference = 'Stop'
Add-Type -Path $env:AZC_TEST_ABSTRACTIONS, $env:AZC_TEST_MSAL, $env:AZC_TEST_AZURECORE
# Use the older MSAL as another module would, so its types are resolved and bound in the default context.
$null = [Microsoft.Identity.Client.ConfidentialClientApplicationBuilder]::Create([guid]::NewGuid().ToString()).WithClientSecret('x').Build()
$null = [Azure.Core.AccessToken]::new('x', [DateTimeOffset]::UtcNow)
Import-Module -Name $env:AZC_TEST_MANIFEST
$secret = ConvertTo-SecureString -String $env:AZC_TEST_SECRET -AsPlainText -Force
$connection = Connect-ComplianceTenant -TenantId $env:AZC_TEST_TENANT -ClientId $env:AZC_TEST_CLIENT -ClientSecret $secret -AuthorityHost $env:AZC_TEST_AUTHORITY -GraphEndpoint $env:AZC_TEST_GRAPH
$partners = @(Get-CompliancePartner)
$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Identity.Client' } | ForEach-Object {
    [pscustomobject]@{ Version = $_.GetName().Version.ToString(); Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name }
}
[pscustomobject]@{ Connected = [bool]$connection; Partners = $partners.Count; Msal = @($loaded) } | ConvertTo-Json -Compress -Depth 4
'@
        $run = Invoke-FreshPowerShell -Script $script -Environment @{
            AZC_TEST_ABSTRACTIONS = $abstractions; AZC_TEST_MSAL = $msal; AZC_TEST_AZURECORE = $azureCore; AZC_TEST_MANIFEST = (Get-ModuleManifestPath)
            AZC_TEST_SECRET = $Emulator.ClientSecret; AZC_TEST_TENANT = $Emulator.TenantId; AZC_TEST_CLIENT = $Emulator.ClientId
            AZC_TEST_AUTHORITY = $Emulator.AuthorityHost; AZC_TEST_GRAPH = $Emulator.GraphEndpoint
        }
        $run.Result.Connected | Should -BeTrue -Because $run.Text
        $versions = @($run.Result.Msal | ForEach-Object { $_.Version })
        $versions | Should -Contain '4.61.3.0' -Because 'the older MSAL stays loaded for the module that brought it'
        @($run.Result.Msal | Where-Object { $_.Version -ne '4.61.3.0' -and $_.Context -ne 'Default' }).Count | Should -Be 1 -Because "the module's own MSAL loads in its own context ($($run.Text))"
    }
}

Describe 'The Gallery round trip' {
    BeforeAll {
        $Emulator = Start-TenantEmulator
        $Packages = Get-RepositoryPath 'out' 'packages'
    }
    AfterAll { Stop-TenantEmulator -Emulator $Emulator }

    It 'saves the published package from a repository, imports it by name in a fresh pwsh, shows help and runs a command' {
        $package = @(Get-ChildItem -LiteralPath $Packages -Filter 'AzureCompliance.*.nupkg' -ErrorAction SilentlyContinue)
        $package.Count | Should -Be 1 -Because "./build.ps1 -Task Package publishes one package to $Packages"
        $script = @'
$ErrorActionPreference = 'Stop'
$repository = 'AzureComplianceTest' + [guid]::NewGuid().ToString('N').Substring(0, 8)
$target = Join-Path ([System.IO.Path]::GetTempPath()) $repository
New-Item -ItemType Directory -Path $target | Out-Null
Register-PSResourceRepository -Name $repository -Uri $env:AZC_TEST_PACKAGES -Trusted
try {
    Save-PSResource -Name AzureCompliance -Repository $repository -Path $target -TrustRepository
}
finally {
    Unregister-PSResourceRepository -Name $repository
}
$env:PSModulePath = $target + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module -Name AzureCompliance
$module = Get-Module -Name AzureCompliance
$help = Get-Help -Name Send-DeviceCompliance -Examples | Out-String -Width 200
# Written help (not the generated syntax line) with examples, for every cmdlet of the installed package.
$unwritten = @(Get-Command -Module AzureCompliance | Where-Object {
        $full = Get-Help -Name $_.Name -Full
        $full.Synopsis -like "$($_.Name) *" -or @($full.Examples.Example).Count -eq 0
    } | ForEach-Object Name)
$cmdlets = @(Get-Command -Module AzureCompliance).Count
$secret = ConvertTo-SecureString -String $env:AZC_TEST_SECRET -AsPlainText -Force
$null = Connect-ComplianceTenant -TenantId $env:AZC_TEST_TENANT -ClientId $env:AZC_TEST_CLIENT -ClientSecret $secret -AuthorityHost $env:AZC_TEST_AUTHORITY -GraphEndpoint $env:AZC_TEST_GRAPH
$licences = @(Get-ComplianceLicense)
Remove-Module -Name AzureCompliance
Remove-Item -LiteralPath $target -Recurse -Force -ErrorAction SilentlyContinue
[pscustomobject]@{ ModuleBase = $module.ModuleBase; Target = $target; Version = $module.Version.ToString(); Help = $help; Licences = $licences.Count; Cmdlets = $cmdlets; Unwritten = $unwritten } | ConvertTo-Json -Compress
'@
        $run = Invoke-FreshPowerShell -Script $script -Environment @{
            AZC_TEST_PACKAGES = $Packages; AZC_TEST_SECRET = $Emulator.ClientSecret; AZC_TEST_TENANT = $Emulator.TenantId
            AZC_TEST_CLIENT = $Emulator.ClientId; AZC_TEST_AUTHORITY = $Emulator.AuthorityHost; AZC_TEST_GRAPH = $Emulator.GraphEndpoint
        }
        $run.Result.ModuleBase | Should -BeLike ($run.Result.Target + '*') -Because 'the module was imported by name from where Save-PSResource put it'
        $run.Result.Help | Should -Match 'Example 1' -Because 'the package carries the compiled help'
        $run.Result.Help | Should -Match 'Import-ComplianceDevice'
        $run.Result.Cmdlets | Should -BeGreaterOrEqual 26
        @($run.Result.Unwritten) | Should -BeNullOrEmpty -Because 'every cmdlet of the package has written help with examples'
        $run.Result.Licences | Should -BeGreaterThan 0 -Because 'a command ran against the emulated tenant'
    }
}
