<#
.SYNOPSIS
    Shared setup of the acceptance tests: the built module, the tenant emulator as a background process,
    the emulated tenant's well-known values, test certificates, and a helper that captures every stream.

.DESCRIPTION
    Dot-source this file in a Pester 5 BeforeAll (and BeforeDiscovery, for the paths):

        BeforeAll {
            . (Join-Path $PSScriptRoot 'TestSetup.ps1')
            Import-AzureComplianceModule
            $Emulator = Start-TenantEmulator
        }
        AfterAll { Stop-TenantEmulator -Emulator $Emulator }

    The emulator is started with
        dotnet run --project src/AzureCompliance.TenantEmulator -c <configuration> -- --port <free port> --trust --fixture <file>
    and its connection parameters are read from what it prints (see Program.cs of the emulator):
        AuthorityHost   https://127.0.0.1:PORT        (also accepted: 'AuthorityHost: value', 'AuthorityHost=value')
        GraphEndpoint   https://127.0.0.1:PORT
        TenantId / ClientId / ClientSecret
        IDENTITY_ENDPOINT=...  IDENTITY_HEADER=...    (or ManagedIdentityEndpoint / ManagedIdentityHeader)
        AdminEndpoint / AdminKey                      (the admin endpoint the *-Emulator* helpers below drive)
    --trust adds the emulator's TLS certificate to the CurrentUser root store (on Windows, the first time,
    Windows asks for confirmation in a dialog).

    The build configuration comes from $env:AZURECOMPLIANCE_CONFIGURATION (build.ps1 sets it), else Debug.
#>

function Get-RepositoryPath {
    <# A path in the repository (this file is tests/Acceptance/TestSetup.ps1), e.g. Get-RepositoryPath out AzureCompliance. #>
    param([Parameter(ValueFromRemainingArguments)] [string[]] $Part)
    $root = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..'))
    if (-not $Part) { return $root }
    [System.IO.Path]::Combine([string[]](@($root) + $Part))
}

function Get-ModuleManifestPath { Get-RepositoryPath 'out' 'AzureCompliance' 'AzureCompliance.psd1' }

function Get-EmulatorProjectPath { Get-RepositoryPath 'src' 'AzureCompliance.TenantEmulator' }

function Import-AzureComplianceModule {
    <# Imports the built module by its manifest, as a user would. #>
    $manifest = Get-ModuleManifestPath
    if (-not (Test-Path -LiteralPath $manifest)) {
        throw "The module is not built: $manifest is missing. Run ./build.ps1 -Task Build first."
    }
    Import-Module -Name $manifest -Force -ErrorAction Stop
}

function Get-DemoTenant {
    <#
    .SYNOPSIS
        The well-known values of the emulator's embedded demo tenant, read from DemoTenant.cs (the constants
        the xunit scenarios use), so the two test layers cannot drift apart.
    #>
    $path = [System.IO.Path]::Combine((Get-EmulatorProjectPath), 'DemoTenant.cs')
    if (-not (Test-Path -LiteralPath $path)) {
        throw "$path is missing: it names the demo tenant's values the acceptance tests use."
    }
    $values = @{}
    foreach ($match in [regex]::Matches((Get-Content -LiteralPath $path -Raw), 'public\s+const\s+string\s+(\w+)\s*=\s*"([^"]*)"\s*;')) {
        $values[$match.Groups[1].Value] = $match.Groups[2].Value
    }
    foreach ($required in 'TenantId', 'Domain', 'AppClientId', 'AppSecret', 'ReaderClientId', 'ReaderSecret',
        'SystemManagedIdentityClientId', 'UserManagedIdentityClientId', 'DeviceCodeUser') {
        if (-not $values.ContainsKey($required)) {
            throw "DemoTenant.cs no longer defines $required."
        }
    }
    [pscustomobject]$values
}

function ConvertTo-TestSecureString {
    param([Parameter(Mandatory)] [string] $Value)
    # Test values only (the emulator's public demo secrets); never do this with a real secret.
    $secure = New-Object -TypeName System.Security.SecureString
    foreach ($character in $Value.ToCharArray()) { $secure.AppendChar($character) }
    $secure.MakeReadOnly()
    $secure
}

function New-TestCertificate {
    <# A self-signed client certificate with an exportable private key, like one imported from a PFX. #>
    param([Parameter(Mandatory)] [string] $Subject)
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    try {
        $request = New-Object -TypeName System.Security.Cryptography.X509Certificates.CertificateRequest -ArgumentList @(
            "CN=$Subject", $rsa, [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $created = $request.CreateSelfSigned([System.DateTimeOffset]::UtcNow.AddMinutes(-5), [System.DateTimeOffset]::UtcNow.AddDays(2))
        try {
            $password = 'acceptance-tests'
            $pfx = $created.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $password)
            $flags = [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable -bor
                [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::PersistKeySet
            New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList @($pfx, $password, $flags)
        }
        finally {
            $created.Dispose()
        }
    }
    finally {
        $rsa.Dispose()
    }
}

function Get-FreeTcpPort {
    $listener = New-Object -TypeName System.Net.Sockets.TcpListener -ArgumentList @([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function New-EmulatorFixture {
    <#
    .SYNOPSIS
        A copy of the demo tenant fixture in which the demo app also has the given certificates registered
        (Graph keyCredential shape: key = base64 DER of the public certificate), for the certificate scenarios.
    #>
    param(
        [Parameter(Mandatory)] [string] $ClientId,
        [System.Security.Cryptography.X509Certificates.X509Certificate2[]] $Certificate = @(),
        [Parameter(Mandatory)] [string] $Path
    )
    $source = [System.IO.Path]::Combine((Get-EmulatorProjectPath), 'Tenant', 'Fixtures', 'DemoTenant.json')
    $json = Get-Content -LiteralPath $source -Raw
    $keyCredentials = foreach ($item in $Certificate) {
        $thumbprintBytes = [byte[]]::new($item.Thumbprint.Length / 2)
        for ($i = 0; $i -lt $thumbprintBytes.Length; $i++) {
            $thumbprintBytes[$i] = [System.Convert]::ToByte($item.Thumbprint.Substring($i * 2, 2), 16)
        }
        '{{ "customKeyIdentifier": "{0}", "displayName": "{1}", "type": "AsymmetricX509Cert", "usage": "Verify", "startDateTime": "{2}", "endDateTime": "{3}", "key": "{4}" }}' -f @(
            [System.Convert]::ToBase64String($thumbprintBytes), $item.Subject,
            $item.NotBefore.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture),
            $item.NotAfter.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture),
            [System.Convert]::ToBase64String($item.RawData))
    }
    # A text edit, not ConvertFrom-Json/ConvertTo-Json: Windows PowerShell would rewrite the fixture's dates.
    $pattern = '("appId"\s*:\s*"' + [regex]::Escape($ClientId) + '"\s*,)'
    if (-not [regex]::IsMatch($json, $pattern)) {
        throw "$source has no application with appId $ClientId."
    }
    $json = ([regex]$pattern).Replace($json, ('$1 "keyCredentials": [' + ($keyCredentials -join ', ') + '],'), 1)
    [System.IO.File]::WriteAllText($Path, $json, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
    $Path
}

function Start-TenantEmulator {
    <#
    .SYNOPSIS
        Starts the tenant emulator in the background, waits until it prints its connection parameters, and
        returns them with the process (stop it with Stop-TenantEmulator).
    #>
    param(
        [System.Security.Cryptography.X509Certificates.X509Certificate2[]] $RegisteredCertificate = @(),
        # Further command-line options of the emulator, e.g. '--generated-users', '100000' (see its --help).
        [string[]] $Option = @(),
        [int] $TimeoutSeconds = 300
    )
    $demo = Get-DemoTenant
    $configuration = if ($env:AZURECOMPLIANCE_CONFIGURATION) { $env:AZURECOMPLIANCE_CONFIGURATION } else { 'Debug' }
    $port = Get-FreeTcpPort
    $work = Join-Path ([System.IO.Path]::GetTempPath()) ('azurecompliance-acceptance-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $work | Out-Null
    $fixture = New-EmulatorFixture -ClientId $demo.AppClientId -Certificate $RegisteredCertificate -Path (Join-Path $work 'tenant.json')
    $stdout = Join-Path $work 'emulator.out.txt'
    $stderr = Join-Path $work 'emulator.err.txt'

    # A plain .NET process rather than Start-Process: its output is read as it comes (Start-Process writes
    # redirected output to a file on its own schedule), with no script block running on another thread.
    $startInfo = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = 'dotnet'
    $extra = ($Option | ForEach-Object { '"' + ($_ -replace '"', '\"') + '"' }) -join ' '
    # The first start in this process builds the emulator if needed; later ones (the next test files) skip the build check.
    $build = if ($env:AZURECOMPLIANCE_EMULATOR_BUILT -eq $configuration) { '--no-build' } else { '' }
    $startInfo.Arguments = ('run --project "{0}" -c {1} --no-launch-profile {5} -- --port {2} --trust --fixture "{3}" {4}' -f (Get-EmulatorProjectPath), $configuration, $port, $fixture, $extra, $build)
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($startInfo)
    $errorLog = [System.IO.File]::Open($stderr, 'Create', 'Write', 'ReadWrite')
    $errorCopy = $process.StandardError.BaseStream.CopyToAsync($errorLog)

    $names = @{
        AuthorityHost = 'AuthorityHost'; GraphEndpoint = 'GraphEndpoint'; TenantId = 'TenantId'; ClientId = 'ClientId'
        ClientSecret = 'ClientSecret'; ManagedIdentityEndpoint = 'ManagedIdentityEndpoint'; ManagedIdentityHeader = 'ManagedIdentityHeader'
        IDENTITY_ENDPOINT = 'ManagedIdentityEndpoint'; IDENTITY_HEADER = 'ManagedIdentityHeader'
        AdminEndpoint = 'AdminEndpoint'; AdminKey = 'AdminKey'
    }
    $linePattern = '^\s*(' + (($names.Keys | ForEach-Object { [regex]::Escape($_) }) -join '|') + ')\s*(?::|=|\s)\s*(\S+)\s*$'
    $wanted = 'AuthorityHost', 'GraphEndpoint', 'TenantId', 'AdminEndpoint', 'AdminKey', 'ManagedIdentityEndpoint', 'ManagedIdentityHeader'
    $found = @{}
    $text = New-Object -TypeName System.Text.StringBuilder
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $read = $process.StandardOutput.ReadLineAsync()
    while (@($wanted | Where-Object { -not $found.ContainsKey($_) }).Count -gt 0) {
        if ($read.Wait(250)) {
            $line = $read.Result
            if ($null -eq $line) {
                $process.WaitForExit(5000) | Out-Null
                $errorCopy.Wait(5000) | Out-Null
                $errorLog.Dispose()
                $errors = [System.IO.File]::ReadAllText($stderr)
                throw "The tenant emulator stopped before printing its connection parameters (exit code $(if ($process.HasExited) { $process.ExitCode } else { '?' })). Output: $text $errors"
            }
            [void]$text.AppendLine($line)
            $match = [regex]::Match($line, $linePattern)
            if ($match.Success) { $found[$names[$match.Groups[1].Value]] = $match.Groups[2].Value }
            if (@($wanted | Where-Object { -not $found.ContainsKey($_) }).Count -gt 0) {
                $read = $process.StandardOutput.ReadLineAsync()
            }
        }
        if ([DateTime]::UtcNow -gt $deadline -and @($wanted | Where-Object { -not $found.ContainsKey($_) }).Count -gt 0) {
            Stop-ProcessTree -Process $process
            $errorLog.Dispose()
            throw "The tenant emulator printed no connection parameters within $TimeoutSeconds s ($($wanted -join ', ') expected). Output so far: $text"
        }
    }
    $env:AZURECOMPLIANCE_EMULATOR_BUILT = $configuration
    # Keep reading what it prints (warnings, logs) into a file, so that a full pipe never blocks it.
    $outputLog = [System.IO.File]::Open($stdout, 'Create', 'Write', 'ReadWrite')
    $startupBytes = [System.Text.Encoding]::UTF8.GetBytes($text.ToString())
    $outputLog.Write($startupBytes, 0, $startupBytes.Length)
    $outputCopy = $process.StandardOutput.BaseStream.CopyToAsync($outputLog)

    [pscustomobject]@{
        Process                 = $process
        WorkDirectory           = $work
        Logs                    = @($outputLog, $errorLog)
        LogCopies               = @($outputCopy, $errorCopy)
        AuthorityHost           = $found['AuthorityHost']
        GraphEndpoint           = $found['GraphEndpoint']
        TenantId                = $found['TenantId']
        ClientId                = if ($found['ClientId']) { $found['ClientId'] } else { $demo.AppClientId }
        ClientSecret            = if ($found['ClientSecret']) { $found['ClientSecret'] } else { $demo.AppSecret }
        ManagedIdentityEndpoint = $found['ManagedIdentityEndpoint']
        ManagedIdentityHeader   = $found['ManagedIdentityHeader']
        AdminEndpoint           = $found['AdminEndpoint']
        AdminKey                = $found['AdminKey']
        Demo                    = $demo
    }
}

function Stop-ProcessTree {
    param([Parameter(Mandatory)] [System.Diagnostics.Process] $Process)
    if ($Process.HasExited) { return }
    # dotnet run starts the emulator as a child process: end the whole tree, by this process id only.
    if ([System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT) {
        & taskkill.exe /PID $Process.Id /T /F | Out-Null
    }
    elseif ($PSVersionTable.PSEdition -eq 'Core') {
        $Process.Kill($true)
    }
    else {
        $Process.Kill()
    }
    $Process.WaitForExit(10000) | Out-Null
}

function Stop-TenantEmulator {
    param([object] $Emulator)
    if ($null -eq $Emulator) { return }
    Stop-ProcessTree -Process $Emulator.Process
    foreach ($copy in $Emulator.LogCopies) { try { $copy.Wait(5000) | Out-Null } catch { Write-Verbose "Emulator log: $($_.Exception.Message)" } }
    foreach ($log in $Emulator.Logs) { $log.Dispose() }
    Remove-Item -LiteralPath $Emulator.WorkDirectory -Recurse -Force -ErrorAction SilentlyContinue
}

function Get-EmulatorEndpoint {
    <# The splat that points Connect-ComplianceTenant at the emulator. #>
    param([Parameter(Mandatory)] [object] $Emulator)
    @{ AuthorityHost = $Emulator.AuthorityHost; GraphEndpoint = $Emulator.GraphEndpoint }
}

function Invoke-Captured {
    <#
    .SYNOPSIS
        Runs a script block as a user's prompt runs a line, and returns what it produced, stream by stream, and
        everything a user could see or log from it as one text (every stream, every error's details, the format views).
    .DESCRIPTION
        Pester runs every test inside try/catch, and inside a try a statement-terminating error (ThrowTerminatingError,
        e.g. NotConnected) ends the whole script block. The block runs in a nested pipeline of this runspace instead,
        with no try around it: such an error is written and the next statement runs, as at the prompt. Errors that
        end a script (throw) come back as Terminating. What only the console shows (What if: lines, Out-Host, prompts)
        needs a host of its own: New-ModuleRunspace and Invoke-ModuleScript.
    #>
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $terminating = $null
    $collected = New-Object -TypeName 'System.Management.Automation.PSDataCollection[psobject]'
    $nested = [powershell]::Create([System.Management.Automation.RunspaceMode]::CurrentRunspace)
    try {
        # The prompt's preferences: the runner's (e.g. ErrorActionPreference Stop) must not make per-item errors terminating.
        $null = $nested.AddScript('param($Block) $ErrorActionPreference = ''Continue''; & $Block *>&1').AddArgument($ScriptBlock)
        $nested.Invoke($null, $collected)
    }
    catch {
        $exception = $_.Exception
        while ($null -ne $exception -and -not ($exception -is [System.Management.Automation.IContainsErrorRecord] -and $exception -isnot [System.Management.Automation.MethodInvocationException])) {
            $exception = $exception.InnerException
        }
        $terminating = if ($null -ne $exception) { $exception.ErrorRecord } else { $_ }
    }
    finally {
        $nested.Dispose()
    }
    $records = @($collected)

    $errors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    if ($null -ne $terminating) { $errors += $terminating }
    $streams = [System.Management.Automation.ErrorRecord], [System.Management.Automation.WarningRecord],
    [System.Management.Automation.VerboseRecord], [System.Management.Automation.DebugRecord], [System.Management.Automation.InformationRecord]
    $output = @($records | Where-Object { $record = $_; -not ($streams | Where-Object { $record -is $_ }) })

    $visible = New-Object -TypeName System.Text.StringBuilder
    [void]$visible.AppendLine(($records | Out-String -Width 4096))
    foreach ($record in $errors) {
        [void]$visible.AppendLine(($record | Out-String -Width 4096))
        [void]$visible.AppendLine(($record | Format-List -Property * -Force | Out-String -Width 4096))
        [void]$visible.AppendLine([string]$record.FullyQualifiedErrorId)
        if ($record.Exception) { [void]$visible.AppendLine($record.Exception.ToString()) }
        if ($record.ErrorDetails) { [void]$visible.AppendLine([string]$record.ErrorDetails.Message).AppendLine([string]$record.ErrorDetails.RecommendedAction) }
        [void]$visible.AppendLine($record.CategoryInfo.ToString())
        if ($null -ne $record.TargetObject) { [void]$visible.AppendLine([string]$record.TargetObject) }
    }
    foreach ($record in $records) {
        if ($record -is [System.Management.Automation.InformationRecord]) { [void]$visible.AppendLine([string]$record.MessageData) }
    }
    foreach ($object in $output) {
        [void]$visible.AppendLine(($object | Format-List -Property * -Force | Out-String -Width 4096))
    }

    [pscustomobject]@{
        Output      = $output
        Errors      = $errors
        Terminating = $terminating
        Warnings    = @($records | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        Verbose     = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        Debug       = @($records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] })
        Information = @($records | Where-Object { $_ -is [System.Management.Automation.InformationRecord] })
        Text        = $visible.ToString()
    }
}

function Get-SingleError {
    <# The one error of a captured run; fails, naming them all, when there is not exactly one. #>
    param([Parameter(Mandatory)] [object] $Result)
    $all = @($Result.Errors)
    if ($all.Count -ne 1) {
        throw ("Expected one error, got $($all.Count): " + (($all | ForEach-Object { "$($_.FullyQualifiedErrorId) $_" }) -join ' | '))
    }
    $all[0]
}

function Assert-NoError {
    param([Parameter(Mandatory)] [object] $Result)
    $all = @($Result.Errors)
    if ($all.Count -ne 0) {
        throw ('Unexpected errors: ' + (($all | ForEach-Object { "$($_.FullyQualifiedErrorId): $_ $($_.ScriptStackTrace)" }) -join ' | '))
    }
}

function Initialize-TestState {
    <#
        Seeds a state file as Set-ComplianceGroup and New-CompliancePolicy would, with no call to the tenant: the group
        scope when asked (-AllUsers, or -GroupId with the groups' -GroupName), then the policies, each a hashtable with
        Name and Platform and, optionally, Enabled (default $true) and IntunePolicyId.
    #>
    param([Parameter(Mandatory)] [string] $StatePath, [Parameter(Mandatory)] [string] $SourceName,
        [hashtable[]] $Policy = @(), [switch] $AllUsers, [string[]] $GroupId = @(), [string[]] $GroupName = @())
    if ($AllUsers -and $GroupId.Count -gt 0) { throw 'Initialize-TestState: a scope is all users or groups, not both.' }
    if ($GroupName.Count -ne $GroupId.Count) { throw 'Initialize-TestState: give one -GroupName per -GroupId.' }
    $store = [AzureCompliance.Core.State.StateStore]::Open($StatePath)
    try {
        if ($AllUsers) {
            [AzureCompliance.Core.State.GroupScope]::Everyone.Save($store, $SourceName)
        }
        elseif ($GroupId.Count -gt 0) {
            $groupType = [AzureCompliance.Core.State.ScopedGroup]
            $groups = [System.Array]::CreateInstance($groupType, $GroupId.Count)
            for ($i = 0; $i -lt $GroupId.Count; $i++) { $groups[$i] = $groupType::new($GroupId[$i], $GroupName[$i]) }
            [AzureCompliance.Core.State.GroupScope]::new($false, $groups).Save($store, $SourceName)
        }
        foreach ($definition in $Policy) {
            $item = [AzureCompliance.Core.Policy.CompliancePolicy]::CreateDefault($definition.Name, $definition.Platform)
            if ($definition.ContainsKey('Enabled')) { $item.Enabled = [bool]$definition.Enabled }
            if ($definition.IntunePolicyId) { $item.IntunePolicyId = $definition.IntunePolicyId }
            $null = [AzureCompliance.Core.Policy.CompliancePolicyStore]::Add($store, $SourceName, $item, [DateTimeOffset]::UtcNow)
        }
    }
    finally { $store.Dispose() }
}

# ---------------------------------------------------------------------------------------------------------------
# The emulator's admin endpoint (src/AzureCompliance.TenantEmulator/README.md, "Admin endpoint"): settings, the
# request journal and the tenant, driven from this process as in-process tests drive EmulatorServer.

function Invoke-EmulatorAdmin {
    <# One admin call: GET/PATCH/PUT/POST/DELETE {AdminEndpoint}/{Path} with the run's key; the body goes as JSON. #>
    param(
        [Parameter(Mandatory)] [object] $Emulator,
        [Parameter(Mandatory)] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        [object] $Body
    )
    $request = @{
        Method      = $Method
        Uri         = $Emulator.AdminEndpoint + '/' + $Path.TrimStart('/')
        Headers     = @{ 'X-Emulator-Admin-Key' = $Emulator.AdminKey }
        ErrorAction = 'Stop'
    }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $request.ContentType = 'application/json'
        $request.Body = if ($Body -is [string]) { $Body } else { ConvertTo-Json -InputObject $Body -Depth 10 -Compress }
    }
    Invoke-RestMethod @request
}

function ConvertTo-EmulatorTimeSpan {
    param([Parameter(Mandatory)] [double] $Seconds)
    [TimeSpan]::FromSeconds($Seconds).ToString('c', [System.Globalization.CultureInfo]::InvariantCulture)
}

function Set-EmulatorSetting {
    <#
    .SYNOPSIS
        Changes EmulatorSettings, by their names: Set-EmulatorSetting $Emulator @{ latency = '00:00:00.030'; randomSeed = 4242;
        partner = @{ messagesPerWindow = 20; window = '00:00:01'; processingDelay = '00:00:00' } }
    #>
    param([Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [hashtable] $Setting)
    Invoke-EmulatorAdmin -Emulator $Emulator -Method Patch -Path settings -Body $Setting
}

function Get-EmulatorSetting {
    param([Parameter(Mandatory)] [object] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Method Get -Path settings
}

function Reset-EmulatorSetting {
    <# Back to the start-up behaviour: no latency, published throttling limits, no faults, default partner limits. #>
    param([Parameter(Mandatory)] [object] $Emulator)
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Post -Path settings/reset
}

function Set-EmulatorThrottleRule {
    <# Adds (or replaces) a throttling rule: @{ method = 'PUT'; pathContains = '/DataUploadMessages('; limit = 20; window = '00:00:01'; scope = 'perTenant' } #>
    param([Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [hashtable] $Rule)
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Put -Path ('settings/throttleRules/' + [uri]::EscapeDataString($Name)) -Body $Rule
}

function Remove-EmulatorThrottleRule {
    <# Removes one rule by name, or every rule (the published limits too) with -All. #>
    param([Parameter(Mandatory)] [object] $Emulator, [string] $Name, [switch] $All)
    $path = if ($All) { 'settings/throttleRules' } else { 'settings/throttleRules/' + [uri]::EscapeDataString($Name) }
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Delete -Path $path
}

function Set-EmulatorFaultRule {
    <# Adds (or replaces) a fault rule: @{ pathContains = '/DataUploadMessages('; tooManyRequestsProbability = 0.1; retryAfter = '00:00:01' } #>
    param([Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [hashtable] $Rule)
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Put -Path ('settings/faultRules/' + [uri]::EscapeDataString($Name)) -Body $Rule
}

function Remove-EmulatorFaultRule {
    param([Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [string] $Name)
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Delete -Path ('settings/faultRules/' + [uri]::EscapeDataString($Name))
}

function Add-EmulatorForcedResponse {
    <# The next -Count requests under -PathPrefix are answered with -StatusCode. #>
    param(
        [Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [string] $PathPrefix, [Parameter(Mandatory)] [int] $StatusCode,
        [int] $Count = 1, [double] $RetryAfterSeconds = -1, [switch] $AppliesToSignIn
    )
    $body = @{ pathPrefix = $PathPrefix; statusCode = $StatusCode; count = $Count; appliesToSignIn = [bool]$AppliesToSignIn }
    if ($RetryAfterSeconds -ge 0) { $body.retryAfter = ConvertTo-EmulatorTimeSpan -Seconds $RetryAfterSeconds }
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Post -Path settings/forcedResponses -Body $body
}

function Get-EmulatorJournal {
    <#
    .SYNOPSIS
        The requests the emulator answered after index -Since (a previous answer's Total), filtered; returns
        { Total, Count, WriteCount, Entries } (no entries with -CountOnly).
    #>
    param(
        [Parameter(Mandatory)] [object] $Emulator, [int] $Since = 0, [string] $Method, [string] $PathContains,
        [switch] $WritesOnly, [switch] $CountOnly
    )
    $query = @("since=$Since")
    if ($Method) { $query += 'method=' + [uri]::EscapeDataString($Method) }
    if ($PathContains) { $query += 'pathContains=' + [uri]::EscapeDataString($PathContains) }
    if ($WritesOnly) { $query += 'writesOnly=true' }
    if ($CountOnly) { $query += 'countOnly=true' }
    Invoke-EmulatorAdmin -Emulator $Emulator -Method Get -Path ('journal?' + ($query -join '&'))
}

function Get-EmulatorWriteCount {
    <# Requests that changed (or tried to change) the tenant: what -WhatIf must leave unchanged. #>
    param([Parameter(Mandatory)] [object] $Emulator)
    (Get-EmulatorJournal -Emulator $Emulator -WritesOnly -CountOnly).Count
}

function Clear-EmulatorJournal {
    param([Parameter(Mandatory)] [object] $Emulator)
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Delete -Path journal
}

function Get-EmulatorTenant {
    <# A collection of the emulated tenant as the emulator holds it: users, groups, devices, subscribedSkus, partnerTenants, partnerDevices. #>
    param(
        [Parameter(Mandatory)] [object] $Emulator,
        [Parameter(Mandatory)] [ValidateSet('users', 'groups', 'devices', 'subscribedSkus', 'partnerTenants', 'partnerDevices', 'partnerMessages')] [string] $Collection
    )
    # Invoke-RestMethod writes a JSON array as one object: callers get the items.
    foreach ($item in (Invoke-EmulatorAdmin -Emulator $Emulator -Method Get -Path "tenant/$Collection")) { $item }
}

function Add-EmulatorTenantObject {
    <# Adds users, groups (with memberIds) or devices (with registeredOwnerIds) to the tenant, in one call. #>
    param(
        [Parameter(Mandatory)] [object] $Emulator,
        [Parameter(Mandatory)] [ValidateSet('users', 'groups', 'devices')] [string] $Collection,
        [Parameter(Mandatory)] [object[]] $InputObject
    )
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Post -Path "tenant/$Collection" -Body (ConvertTo-Json -InputObject @($InputObject) -Depth 10 -Compress)
}

function Get-EmulatorDevice {
    <# The directory device with this object id, as the emulator holds it (isCompliant, isManaged, ...). #>
    param([Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [string] $ObjectId)
    Invoke-EmulatorAdmin -Emulator $Emulator -Method Get -Path "tenant/devices/$ObjectId"
}

function Get-EmulatorTransitiveMember {
    <# The object ids of a group's members, nested groups followed. #>
    param([Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [string] $GroupId)
    foreach ($id in (Invoke-EmulatorAdmin -Emulator $Emulator -Method Get -Path "tenant/groups/$GroupId/transitiveMembers")) { $id }
}

function Set-EmulatorPartnerTenant {
    <# Provisions (or deprovisions) a partner app in the tenant, as PUT PartnerTenants does, without the call. #>
    param([Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [string] $AppId, [ValidateSet('provisioned', 'deprovisioned')] [string] $State = 'provisioned')
    Invoke-EmulatorAdmin -Emulator $Emulator -Method Put -Path "tenant/partnerTenants/$AppId" -Body @{ provisioned = $State }
}

function Get-EmulatorPendingPartnerMessage {
    <# How many accepted data upload messages the partner API is still processing. #>
    param([Parameter(Mandatory)] [object] $Emulator)
    (Invoke-EmulatorAdmin -Emulator $Emulator -Method Get -Path tenant/partnerMessages).pending
}

function Clear-EmulatorPartnerCompliancePolicy {
    <# The partner API has no call that deletes a partner compliance policy: tests start afresh with this. #>
    param([Parameter(Mandatory)] [object] $Emulator)
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Delete -Path tenant/partnerCompliancePolicies
}

function Add-EmulatorCertificateCredential {
    <# Registers the public part of a certificate as a credential of an app registration. #>
    param(
        [Parameter(Mandatory)] [object] $Emulator, [Parameter(Mandatory)] [string] $ClientId,
        [Parameter(Mandatory)] [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate
    )
    $null = Invoke-EmulatorAdmin -Emulator $Emulator -Method Post -Path "tenant/applications/$ClientId/certificates" -Body @{ certificate = [System.Convert]::ToBase64String($Certificate.RawData) }
}

function New-ModuleRunspace {
    <#
    .SYNOPSIS
        A PowerShell instance in a new runspace of this process with the built module imported by its manifest, the
        given variables set, and a text host (TextHost.cs) that keeps what the console shows (What if: lines, Out-Host,
        prompts, answered from $shell.TextHost.ChoiceAnswers). For what a nested pipeline cannot show (host text,
        progress records) and for a run beside the test (BeginInvoke, then Stop as Ctrl+C does).
        Run scripts with Invoke-ModuleScript; dispose it with Remove-ModuleRunspace.
    #>
    param([hashtable] $Variable = @{})
    if (-not ('AzureCompliance.Acceptance.TextHost' -as [type])) {
        Add-Type -Path (Join-Path $PSScriptRoot 'TextHost.cs')
    }
    $textHost = New-Object -TypeName AzureCompliance.Acceptance.TextHost -ArgumentList @($null, $true)
    $state = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
    $state.ImportPSModule([string[]]@(Get-ModuleManifestPath))
    foreach ($name in $Variable.Keys) {
        $state.Variables.Add((New-Object -TypeName System.Management.Automation.Runspaces.SessionStateVariableEntry -ArgumentList $name, $Variable[$name], ''))
    }
    $runspace = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($textHost, $state)
    $runspace.Open()
    $shell = [powershell]::Create()
    $shell.Runspace = $runspace
    $shell | Add-Member -NotePropertyName TextHost -NotePropertyValue $textHost
    $shell
}

function Invoke-ModuleScript {
    <#
    .SYNOPSIS
        Runs script text in a New-ModuleRunspace session (variables set first) and returns what it produced stream by
        stream, like Invoke-Captured, with the host's text (HostText) and the progress records.
    #>
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PowerShell] $Shell,
        [Parameter(Mandatory)] [string] $Script,
        [hashtable] $Variable = @{}
    )
    foreach ($name in $Variable.Keys) { $Shell.Runspace.SessionStateProxy.SetVariable($name, $Variable[$name]) }
    $Shell.Commands.Clear()
    $Shell.Streams.ClearStreams()
    $Shell.TextHost.ClearText()
    $null = $Shell.AddScript($Script)
    $collected = New-Object -TypeName 'System.Management.Automation.PSDataCollection[psobject]'
    $terminating = $null
    try {
        $Shell.Invoke($null, $collected)
    }
    catch {
        $exception = $_.Exception
        while ($null -ne $exception -and -not ($exception -is [System.Management.Automation.IContainsErrorRecord] -and $exception -isnot [System.Management.Automation.MethodInvocationException])) {
            $exception = $exception.InnerException
        }
        $terminating = if ($null -ne $exception) { $exception.ErrorRecord } else { $_ }
    }
    $output = @($collected)
    $errors = @($Shell.Streams.Error)
    if ($null -ne $terminating) { $errors += $terminating }
    $hostText = $Shell.TextHost.Text
    $visible = New-Object -TypeName System.Text.StringBuilder
    [void]$visible.AppendLine($hostText)
    foreach ($object in $output) { [void]$visible.AppendLine(($object | Format-List -Property * -Force | Out-String -Width 4096)) }
    foreach ($record in $errors) {
        [void]$visible.AppendLine([string]$record).AppendLine([string]$record.FullyQualifiedErrorId).AppendLine([string]$record.Exception)
        if ($record.ErrorDetails) { [void]$visible.AppendLine([string]$record.ErrorDetails.Message).AppendLine([string]$record.ErrorDetails.RecommendedAction) }
        [void]$visible.AppendLine($record.CategoryInfo.ToString()).AppendLine([string]$record.TargetObject)
    }
    foreach ($record in @($Shell.Streams.Warning) + @($Shell.Streams.Verbose) + @($Shell.Streams.Debug)) { [void]$visible.AppendLine($record.Message) }
    foreach ($record in $Shell.Streams.Information) { [void]$visible.AppendLine([string]$record.MessageData) }
    foreach ($record in $Shell.Streams.Progress) { [void]$visible.AppendLine($record.Activity + ' ' + $record.StatusDescription) }
    [pscustomobject]@{
        Output      = $output
        Errors      = $errors
        Terminating = $terminating
        Warnings    = @($Shell.Streams.Warning)
        Verbose     = @($Shell.Streams.Verbose)
        Debug       = @($Shell.Streams.Debug)
        Information = @($Shell.Streams.Information)
        Progress    = @($Shell.Streams.Progress)
        HostText    = $hostText
        Text        = $visible.ToString()
    }
}

function Remove-ModuleRunspace {
    param([System.Management.Automation.PowerShell] $Shell)
    if ($null -eq $Shell) { return }
    $runspace = $Shell.Runspace
    $Shell.Dispose()
    if ($runspace) { $runspace.Dispose() }
}

# ---- Azurite (the official Azure Storage emulator, installed by `npm ci` in build/azurite) ----

function New-AzuriteStorage {
    <#
        An Azurite blob service of the test's own: a free loopback port and a temp folder (not in-memory, so that a
        restart after an outage finds the same account), with an account SAS signed by the well-known development key.
        Start it with Start-Azurite (-OAuth: https, bearer tokens checked); Stop-Azurite ends it (as an outage: it can be
        started again, the same way).
    #>
    $azurite = Join-Path (Get-RepositoryPath 'build' 'azurite') (Join-Path 'node_modules' (Join-Path '.bin' 'azurite-blob'))
    if (-not (Test-Path -LiteralPath $azurite)) {
        throw "Azurite is not installed ($azurite): install Node.js 20+ and run 'npm ci' in build/azurite (./build.ps1 -Task Test does it when node is on the PATH)."
    }
    $storage = [pscustomobject]@{
        Executable = $azurite
        Port = Get-FreeTcpPort
        Folder = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-azurite-' + [guid]::NewGuid().ToString('N'))
        # Azurite's well-known development account (public, documented by Microsoft; not a secret of anyone's).
        Account = 'devstoreaccount1'
        AccountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
        Process = $null
        Sas = $null
        # 'https' once started with -OAuth; the raw helpers below follow it.
        Scheme = 'http'
    }
    $storage.Sas = New-AzuriteAccountSas -Storage $storage
    $storage
}

function New-AzuriteAccountSas {
    <# An account SAS for the blob service, signed with the account key (the 2019-12-12 string-to-sign); -Permission narrows it. #>
    param([Parameter(Mandatory)] $Storage, [string] $Permission = 'rwdlac')
    $version = '2019-12-12'; $expiry = '2030-01-01T00:00:00Z'
    $toSign = "$($Storage.Account)`n$Permission`nb`nsco`n`n$expiry`n`nhttps,http`n$version`n"
    $hmac = [System.Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($Storage.AccountKey))
    $signature = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($toSign)))
    "sv=$version&ss=b&srt=sco&sp=$Permission&se=$([uri]::EscapeDataString($expiry))&spr=https,http&sig=$([uri]::EscapeDataString($signature))"
}

function Start-Azurite {
    <#
        -OAuth: over https, with Azurite's basic OAuth check of bearer tokens (issuer sts.windows.net/..., audience
        https://storage.azure.com, lifetime; not the signature), so that a connection's identity can sign in to it. Its TLS
        certificate is the emulator's own (trusted by the emulator's --trust): start an emulator first. A restart after
        Stop-Azurite keeps the scheme it was first started with.
    #>
    param([Parameter(Mandatory)] $Storage, [switch] $OAuth)
    if ($OAuth) { $Storage.Scheme = 'https' }
    # --skipApiVersionCheck: Azure.Storage.Blobs 12.30 speaks a newer API version than Azurite 3.37 knows.
    $arguments = @('--blobHost', '127.0.0.1', '--blobPort', "$($Storage.Port)", '--location', $Storage.Folder, '--skipApiVersionCheck', '--silent')
    if ($Storage.Scheme -eq 'https') {
        $tls = Export-EmulatorTlsPem -Folder "$($Storage.Folder)-tls"
        $arguments += '--oauth', 'basic', '--cert', $tls.Certificate, '--key', $tls.Key
    }
    $logs = Join-Path ([System.IO.Path]::GetTempPath()) "azurite-$($Storage.Port)"
    $Storage.Process = Start-Process -FilePath $Storage.Executable -ArgumentList $arguments -PassThru -RedirectStandardOutput "$logs.out" -RedirectStandardError "$logs.err"
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { $client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $Storage.Port); $client.Dispose(); break }
        catch { if ([DateTime]::UtcNow -gt $deadline) { throw "Azurite did not start on port $($Storage.Port)." }; Start-Sleep -Milliseconds 200 }
    }
}

function Stop-Azurite {
    <# As an outage: the service goes away. SIGTERM (by its process id) lets Azurite save its metadata first, so its restart is the same account. #>
    param([Parameter(Mandatory)] $Storage, [switch] $RemoveData)
    if ($Storage.Process) {
        if ($IsLinux -or $IsMacOS) { & kill -s TERM $Storage.Process.Id; $null = $Storage.Process.WaitForExit(20000) }
        Stop-ProcessTree -Process $Storage.Process
        $Storage.Process = $null
    }
    if ($RemoveData) {
        Remove-Item -LiteralPath $Storage.Folder -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath "$($Storage.Folder)-tls" -Recurse -Force -ErrorAction SilentlyContinue
    }
}

function Export-EmulatorTlsPem {
    <#
        The emulator's TLS certificate (kept by the emulator in ~/.azurecompliance/emulator and trusted by its --trust) as
        PEM certificate and key files in an owner-only folder, for a second loopback https server such as Azurite.
    #>
    param([Parameter(Mandatory)] [string] $Folder)
    $pfx = [System.IO.Path]::Combine([Environment]::GetFolderPath('UserProfile'), '.azurecompliance', 'emulator', 'tenant-emulator-tls.pfx')
    if (-not (Test-Path -LiteralPath $pfx)) { throw "The emulator's TLS certificate ($pfx) is missing: start the tenant emulator (Start-TenantEmulator) first." }
    $null = New-Item -ItemType Directory -Path $Folder -Force
    if (-not $IsWindows) { [System.IO.File]::SetUnixFileMode($Folder, [System.IO.UnixFileMode]'UserRead, UserWrite, UserExecute') }
    $certificate = [System.Security.Cryptography.X509Certificates.X509CertificateLoader]::LoadPkcs12FromFile($pfx, $null,
        [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]::Exportable)
    try {
        $files = [pscustomobject]@{ Certificate = Join-Path $Folder 'tls.crt'; Key = Join-Path $Folder 'tls.key' }
        [System.IO.File]::WriteAllText($files.Certificate, $certificate.ExportCertificatePem())
        $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($certificate)
        try { [System.IO.File]::WriteAllText($files.Key, $key.ExportPkcs8PrivateKeyPem()) } finally { $key.Dispose() }
        $files
    }
    finally { $certificate.Dispose() }
}

function Invoke-AzuriteRequest {
    <# A raw Blob REST call with the account SAS (path under the account, e.g. 'state' or 'state/x.db'). #>
    param([Parameter(Mandatory)] $Storage, [string] $Path, [string] $Query = '', [string] $Method = 'Get', [hashtable] $Headers = @{})
    $uri = "$($Storage.Scheme)://127.0.0.1:$($Storage.Port)/$($Storage.Account)/$Path`?$Query$(if ($Query) { '&' })$($Storage.Sas)"
    Invoke-WebRequest -Uri $uri -Method $Method -Headers (@{ 'x-ms-version' = '2019-12-12' } + $Headers) -SkipHttpErrorCheck
}

function New-AzuriteContainer {
    <# Creates a container; returns its URL without the SAS (path-style, as Azurite serves it). #>
    param([Parameter(Mandatory)] $Storage, [Parameter(Mandatory)] [string] $Name)
    $null = Invoke-AzuriteRequest -Storage $Storage -Path $Name -Query 'restype=container' -Method Put
    "$($Storage.Scheme)://127.0.0.1:$($Storage.Port)/$($Storage.Account)/$Name"
}

function Invoke-Runbook {
    <# Runs a runbook in a new pwsh with the module on PSModulePath and the given environment; its output lines and exit code. #>
    param([Parameter(Mandatory)] [string] $Name, [hashtable] $Environment = @{}, [string[]] $Argument = @())
    $saved = @{}
    $Environment['PSModulePath'] = (Split-Path (Split-Path (Get-ModuleManifestPath))) + [System.IO.Path]::PathSeparator + $env:PSModulePath
    foreach ($key in $Environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $Environment[$key]) }
    try {
        # pwsh as a .NET tool runs as 'dotnet pwsh.dll': start the new one the same way.
        $shell = (Get-Process -Id $PID).Path
        $prefix = @(if ([System.IO.Path]::GetFileNameWithoutExtension($shell) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = & $shell @prefix -NoProfile -NonInteractive -File (Get-RepositoryPath 'samples' 'runbooks' $Name) @Argument 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($output | ForEach-Object { "$_" }) -join "`n" }
    }
    finally {
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
    }
}
