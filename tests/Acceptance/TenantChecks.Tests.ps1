<#
    Invoke-ComplianceTenantTest (the Pester checks the module ships) in a real pwsh against the built module and the
    tenant emulator as a separate process: every check passes on a well-configured tenant, and each fails for its own
    reason, with what to do, on a tenant broken one way at a time (repaired afterwards with Set-ComplianceConfiguration
    and the same file). Pester is not loaded by importing the module; without Pester 5 the command says how to get it.
#>

Describe 'The shipped Pester checks of a tenant' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule
        # The Pester 5 running these tests (a test of Pester discovery links it into a private module folder).
        $PesterManifest = @(Get-Module -Name Pester | Where-Object { $_.Version.Major -ge 5 } | ForEach-Object { Join-Path $_.ModuleBase 'Pester.psd1' })[0]

        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $WorkDirectory = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-checks-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $WorkDirectory | Out-Null
        $StatePath = Join-Path $WorkDirectory 'state.db'
        $ConfigurationPath = Join-Path $WorkDirectory 'tenant.psd1'
        $DevicePath = Join-Path $WorkDirectory 'devices.csv'

        function Connect-Demo([string] $Source) {
            Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName $Source
        }

        # What Intune does when the partner's service reports in; the emulator takes it as a Graph PATCH.
        function Set-PartnerHeartbeat([datetimeoffset] $When) {
            $token = Invoke-RestMethod -Method Post -Uri "$($Emulator.AuthorityHost)/$($Demo.TenantId)/oauth2/v2.0/token" -Body @{
                grant_type = 'client_credentials'; client_id = $Demo.AppClientId; client_secret = $Demo.AppSecret; scope = "$($Emulator.GraphEndpoint)/.default" }
            $partner = Get-CompliancePartner -Connection $Connection -DisplayName 'MobileIron'
            Invoke-RestMethod -Method Patch -Uri "$($Emulator.GraphEndpoint)/v1.0/deviceManagement/complianceManagementPartners/$($partner.Id)" `
                -Headers @{ Authorization = "Bearer $($token.access_token)" } -ContentType 'application/json' `
                -Body (@{ lastHeartbeatDateTime = $When.UtcDateTime.ToString('o') } | ConvertTo-Json) | Out-Null
        }

        function Invoke-Checks([hashtable] $Extra = @{}) {
            $result = Invoke-Captured { Invoke-ComplianceTenantTest -Connection $Connection -StatePath $StatePath -DevicePath $DevicePath -DeviceFormat MobileIronCore @Extra }
            Assert-NoError -Result $result
            $result.Output
        }

        function Get-FailedCheck([object[]] $Results) { @($Results | Where-Object Result -EQ 'Failed' | ForEach-Object Check | Select-Object -Unique | Sort-Object) }

        # A well-configured tenant, from a configuration file.
        $cleanup = Connect-Demo -Source 'chk-reset'
        Get-CompliancePartner -Connection $cleanup | ForEach-Object { Remove-CompliancePartner -Connection $cleanup -DisplayName $_.DisplayName -Confirm:$false -WarningAction SilentlyContinue }
        Get-ComplianceAccessPolicy -Connection $cleanup -All | Where-Object { $_.DisplayName -like 'AzC test*' } | Remove-ComplianceAccessPolicy -Connection $cleanup -Confirm:$false
        Disconnect-ComplianceTenant -Connection $cleanup -Deprovision -All -Force -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $Connection = Connect-Demo -Source 'chk-01'
        Set-Content -LiteralPath $ConfigurationPath -Value @'
@{
    Partner = @{ DisplayName = 'MobileIron'; Platforms = @('Android', 'iOS') }
    GroupScope = @{ Groups = @('Mobile Pilot', 'All Sales') }
    Licensing = @{ AssignMissingLicenses = $true; UsageLocation = 'US' }
    CompliancePolicies = @(
        @{ Name = 'iOS baseline'; Platform = 'iOS' }
        @{ Name = 'Android baseline'; Platform = 'Android' }
    )
    AccessPolicies = @(
        @{ DisplayName = 'AzC test require compliant'; State = 'Enabled'; Groups = @('Mobile Pilot'); ExcludeGroups = @('Break Glass') }
    )
}
'@
        Set-ComplianceConfiguration -Connection $Connection -Path $ConfigurationPath -StatePath $StatePath -WarningAction SilentlyContinue
        # The MDM's inventory: the sample export's devices of users in scope that the demo tenant knows, sent once.
        $export = Get-RepositoryPath 'samples' 'inventory' 'mobileiron-core-export.csv'
        $known = @(Import-Csv -LiteralPath $export | Where-Object { Get-DeviceCompliance -Connection $Connection -DeviceId $_.'Azure Device ID' -ErrorAction SilentlyContinue })
        $known | Export-Csv -LiteralPath $DevicePath -NoTypeInformation
        $inScope = @(Import-ComplianceDevice -Path $DevicePath -Format MobileIronCore -WarningAction SilentlyContinue |
                Compare-DeviceCompliance -Connection $Connection -StatePath $StatePath | Where-Object MdmVerdict -NE 'OutOfScope' | ForEach-Object DeviceId)
        $known | Where-Object { $inScope -contains $_.'Azure Device ID' } | Export-Csv -LiteralPath $DevicePath -NoTypeInformation
        Import-ComplianceDevice -Path $DevicePath -Format MobileIronCore -WarningAction SilentlyContinue |
            Send-DeviceCompliance -Connection $Connection -StatePath $StatePath -WarningAction SilentlyContinue | Out-Null
        Set-PartnerHeartbeat -When ([datetimeoffset]::UtcNow)
    }

    AfterAll {
        Stop-TenantEmulator -Emulator $Emulator
        if ($WorkDirectory) { Remove-Item -LiteralPath $WorkDirectory -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'passes every check on a well-configured tenant and writes NUnit XML' {
        $xml = Join-Path $WorkDirectory 'results.xml'
        $results = @(Invoke-Checks @{ OutputFile = $xml })
        $results | Should -Not -BeNullOrEmpty
        $results[0] | Should -BeOfType 'AzureCompliance.Core.Onboarding.Readiness.ComplianceTenantTestResult'
        @($results | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.Check): $($_.Name): $($_.Result) $($_.Message)" }) | Should -BeNullOrEmpty
        @($results.Check | Select-Object -Unique | Sort-Object) | Should -Be @('CompliancePolicy', 'ConditionalAccess', 'Drift', 'GroupScope', 'LastSync', 'Licensing', 'Partner', 'PartnerTenant' | Sort-Object)
        [xml] $report = Get-Content -LiteralPath $xml -Raw
        $report.'test-results'.total | Should -Be $results.Count
        $report.'test-results'.failures | Should -Be 0
    }

    It 'runs only the checks asked for, and writes JUnit XML' {
        $xml = Join-Path $WorkDirectory 'junit.xml'
        $results = @(Invoke-Checks @{ Check = 'Partner', 'GroupScope'; ExcludeCheck = 'GroupScope'; OutputFile = $xml; OutputFormat = 'JUnitXml' })
        @($results.Check | Select-Object -Unique) | Should -Be @('Partner')
        ([xml](Get-Content -LiteralPath $xml -Raw)).testsuites | Should -Not -BeNullOrEmpty
    }

    It 'fails <Check> alone, saying what to do, when <Breakage>' -ForEach @(
        @{ Check = 'Licensing'; Breakage = 'the scope holds unlicensed users'; Expected = 'Add-ComplianceLicense'
            Break = { Set-ComplianceGroup -Connection $Connection -Group 'Mobile Pilot', 'All Sales', "O'Brien Team" -StatePath $StatePath -WarningAction SilentlyContinue | Out-Null } }
        @{ Check = 'Partner'; Breakage = 'iOS is offboarded'; Expected = 'Add-CompliancePartner -DisplayName ''MobileIron'' -Platform iOS'
            Break = { Remove-CompliancePartner -Connection $Connection -DisplayName 'MobileIron' -Platform iOS -Confirm:$false -WarningAction SilentlyContinue } }
        @{ Check = 'Partner'; Breakage = 'the partner has not reported for three days'; Expected = 'check that the MDM''s device sync runs'
            Break = { Set-PartnerHeartbeat -When ([datetimeoffset]::UtcNow.AddDays(-3)) } }
        @{ Check = 'GroupScope'; Breakage = 'the partner is assigned to all users instead of the recorded scope'; Expected = 'Set-ComplianceGroup -Group'
            Break = { Add-CompliancePartner -Connection $Connection -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers -WarningAction SilentlyContinue | Out-Null } }
        @{ Check = 'ConditionalAccess'; Breakage = 'the Conditional Access policy excludes nobody'; Expected = 'Set-ComplianceAccessPolicy -DisplayName ''AzC test require compliant'' -ExcludeGroup'
            Break = { Set-ComplianceAccessPolicy -Connection $Connection -DisplayName 'AzC test require compliant' -ExcludeGroup @() -Force | Out-Null } }
        @{ Check = 'Drift'; Breakage = 'a stricter policy was not sent yet'; Expected = 'Send-DeviceCompliance'
            Break = { Set-CompliancePolicy -Connection $Connection -Name 'Android baseline' -StatePath $StatePath -MinimumOsVersion '99.0'; Set-CompliancePolicy -Connection $Connection -Name 'iOS baseline' -StatePath $StatePath -MinimumOsVersion '99.0' } }
    ) {
        & $Break
        try {
            $results = @(Invoke-Checks)
            Get-FailedCheck -Results $results | Should -Be @($Check) -Because ($results | Where-Object Result -EQ 'Failed' | Out-String)
            $failed = @($results | Where-Object Result -EQ 'Failed')
            ($failed.Message -join ' ') | Should -Match ([regex]::Escape($Expected)) -Because 'each failure says what to do'
        }
        finally {
            # Repair: the same file puts the tenant back; the heartbeat is the partner service's, not the file's.
            Set-ComplianceConfiguration -Connection $Connection -Path $ConfigurationPath -StatePath $StatePath -WarningAction SilentlyContinue
            Set-PartnerHeartbeat -When ([datetimeoffset]::UtcNow)
        }
        @(Invoke-Checks | Where-Object { -not $_.Passed }) | Should -BeNullOrEmpty -Because 'the repair restores a passing tenant for the next case'
    }

    # Without an enabled iOS policy the MDM stops judging iOS devices, which Entra still shows compliant: that is drift
    # too, so Drift is left out here to see the CompliancePolicy check alone.
    It 'fails CompliancePolicy for the platform whose policy is disabled' {
        Disable-CompliancePolicy -Connection $Connection -Name 'iOS baseline' -StatePath $StatePath
        try {
            $results = @(Invoke-Checks @{ ExcludeCheck = 'Drift' })
            Get-FailedCheck -Results $results | Should -Be @('CompliancePolicy')
            ($results | Where-Object Result -EQ 'Failed').Message | Should -Match 'no enabled compliance policy for iOS.*New-CompliancePolicy'
        }
        finally { Set-ComplianceConfiguration -Connection $Connection -Path $ConfigurationPath -StatePath $StatePath -WarningAction SilentlyContinue }
    }

    It 'warns on a report-only policy, and fails it with -RequireEnforced' {
        Set-ComplianceAccessPolicy -Connection $Connection -DisplayName 'AzC test require compliant' -State ReportOnly | Out-Null
        try {
            $warned = Invoke-Captured { Invoke-ComplianceTenantTest -Connection $Connection -StatePath $StatePath -Check ConditionalAccess }
            Assert-NoError -Result $warned
            @($warned.Output | Where-Object { -not $_.Passed }) | Should -BeNullOrEmpty
            ($warned.Warnings.Message -join ' ') | Should -Match 'report-only'
            $strict = @(Invoke-ComplianceTenantTest -Connection $Connection -StatePath $StatePath -Check ConditionalAccess -RequireEnforced)
            Get-FailedCheck -Results $strict | Should -Be @('ConditionalAccess')
            ($strict | Where-Object Result -EQ 'Failed').Message | Should -Match '-State Enabled'
        }
        finally { Set-ComplianceConfiguration -Connection $Connection -Path $ConfigurationPath -StatePath $StatePath -WarningAction SilentlyContinue }
    }

    It 'fails LastSync when the last sync is older than the interval the caller sets' {
        $results = @(Invoke-Checks @{ Check = 'LastSync'; MaximumSyncAge = [timespan]::Zero })
        Get-FailedCheck -Results $results | Should -Be @('LastSync')
        $results[0].Message | Should -Match 'Send-DeviceCompliance'
    }

    It 'says how to get Pester 5 when it is missing' {
        # Pester is looked for after the connection: run against the emulator with a connection in a fresh pwsh.
        $path = Join-Path $WorkDirectory 'no-pester.ps1'
        Set-Content -LiteralPath $path -Value @"
Import-Module -Name '$(Get-ModuleManifestPath)' -ErrorAction Stop
`$env:PSModulePath = '$(Join-Path $WorkDirectory 'no-modules')'
`$secret = ConvertTo-SecureString -String '$($Demo.AppSecret)' -AsPlainText -Force
Connect-ComplianceTenant -TenantId '$($Demo.TenantId)' -ClientId '$($Demo.AppClientId)' -ClientSecret `$secret -AuthorityHost '$($Emulator.AuthorityHost)' -GraphEndpoint '$($Emulator.GraphEndpoint)' -SourceName 'chk-01' | Out-Null
try { Invoke-ComplianceTenantTest -ErrorAction Stop; 'NO ERROR' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message; `$_.ErrorDetails.RecommendedAction }
"@
        $shell = (Get-Process -Id $PID).Path
        $prefix = @(if ([System.IO.Path]::GetFileNameWithoutExtension($shell) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = (& $shell @prefix -NoProfile -NonInteractive -File $path 2>&1 | ForEach-Object { "$_" }) -join "`n"
        $output | Should -Match 'PesterNotFound'
        $output | Should -Match 'Pester 5'
        $output | Should -Match ([regex]::Escape('Install-Module -Name Pester -MinimumVersion 5.0'))
    }

    It 'does not load Pester when the module is imported, and finds an installed Pester 5 when the checks run' {
        $modules = Join-Path $WorkDirectory 'modules'
        $pesterHome = Join-Path $modules 'Pester'
        New-Item -ItemType Directory -Path $pesterHome -Force | Out-Null
        $version = (Import-PowerShellDataFile -LiteralPath $PesterManifest).ModuleVersion
        New-Item -ItemType SymbolicLink -Path (Join-Path $pesterHome $version) -Target (Split-Path -Parent $PesterManifest) -Force | Out-Null
        $path = Join-Path $WorkDirectory 'with-pester.ps1'
        Set-Content -LiteralPath $path -Value @"
`$env:PSModulePath = '$modules' + [System.IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module -Name '$(Get-ModuleManifestPath)' -ErrorAction Stop
'LOADED-AFTER-IMPORT=' + [bool](Get-Module -Name Pester)
`$secret = ConvertTo-SecureString -String '$($Demo.AppSecret)' -AsPlainText -Force
Connect-ComplianceTenant -TenantId '$($Demo.TenantId)' -ClientId '$($Demo.AppClientId)' -ClientSecret `$secret -AuthorityHost '$($Emulator.AuthorityHost)' -GraphEndpoint '$($Emulator.GraphEndpoint)' -SourceName 'chk-01' | Out-Null
Invoke-ComplianceTenantTest -Check PartnerTenant -StatePath '$StatePath' | ForEach-Object { 'RESULT=' + `$_.Check + ':' + `$_.Result }
"@
        $shell = (Get-Process -Id $PID).Path
        $prefix = @(if ([System.IO.Path]::GetFileNameWithoutExtension($shell) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = @(& $shell @prefix -NoProfile -NonInteractive -File $path 2>&1 | ForEach-Object { "$_" })
        $output | Should -Contain 'LOADED-AFTER-IMPORT=False'
        $output | Should -Contain 'RESULT=PartnerTenant:Passed'
    }
}
