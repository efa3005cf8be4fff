<#
    Import-ComplianceDevice in a real PowerShell against the built module (out/AzureCompliance): the sample exports,
    malformed inventories (bad rows, a header without the required columns, a 10 MB field, broken JSON), JSON and
    JSON lines, encodings, wildcard and literal paths, and the pipeline into Test-DeviceCompliance. No tenant needed.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Import-ComplianceDevice' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule
        $Samples = Get-RepositoryPath 'samples' 'inventory'
        $Header = 'DeviceId,DeviceName,UserPrincipalName,Platform,OsVersion,ClientVersion,Jailbroken,LastCheckIn,MdmState'
        # A session of its own for what only the console shows (the format view).
        $Session = New-ModuleRunspace

        function Write-TestFile {
            param([string] $Name, [string] $Content, [System.Text.Encoding] $Encoding = (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false))
            $path = Join-Path $Folder $Name
            [System.IO.File]::WriteAllText($path, $Content, $Encoding)
            $path
        }

        function Get-Rules { param($Result) @($Result.Reasons | ForEach-Object { [string]$_.Rule }) }
    }

    AfterAll {
        Remove-ModuleRunspace -Shell $Session
    }

    BeforeEach {
        $Folder = Join-Path ([System.IO.Path]::GetTempPath()) ('ac-import-tests-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $Folder
    }

    AfterEach {
        Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'Imports the MobileIron Core sample export' {
        $result = Invoke-Captured { Import-ComplianceDevice -Path (Join-Path $Samples 'mobileiron-core-export.csv') -Format MobileIronCore }

        Assert-NoError -Result $result
        $result.Output | Should -HaveCount 300
        @($result.Output | Where-Object { $_.PSObject.BaseObject.GetType().FullName -ne 'AzureCompliance.Core.Devices.DeviceRecord' }) | Should -HaveCount 0
        $adele = @($result.Output | Where-Object DeviceName -eq 'iPhone-Adele')
        $adele | Should -HaveCount 1
        $adele[0].DeviceId | Should -Be 'f695c552-ea98-56ca-8705-c280dd91d04a'
        "$($adele[0].Platform)" | Should -Be 'iOS'
        $adele[0].UserPrincipalName | Should -Be 'adele.vance@contoso.onmicrosoft.com'
        @($result.Output | Where-Object IsRetired) | Should -Not -BeNullOrEmpty
    }

    It 'Imports the MaaS360 sample export with its BOM, and its records have a view' {
        $result = Invoke-ModuleScript -Shell $Session -Script 'Import-ComplianceDevice $Path -Format MaaS360 | Out-Host; @(Import-ComplianceDevice $Path -Format MaaS360).Count' -Variable @{ Path = (Join-Path $Samples 'maas360-export.csv') }

        Assert-NoError -Result $result
        $result.Output | Should -Be @(120)
        foreach ($column in 'DeviceName', 'Platform', 'OS', 'UserPrincipalName', 'LastCheckIn', 'MdmState') {
            $result.HostText | Should -Match $column
        }
    }

    It 'Bad rows are per row errors and the good rows stream on' {
        $path = Write-TestFile 'devices.csv' ($Header + "`n" +
            "f695c552-ea98-56ca-8705-c280dd91d04a,iPhone-Adele,adele@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active`n" +
            "not-a-guid,Bad GUID,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active`n" +
            ",Empty id,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active`n" +
            "2410d3a3-e621-544d-8879-5c6d3947c430,Windows box,x@contoso.com,Windows,10.0,1.0,No,2026-11-20T08:15:00Z,Active`n" +
            "6ac404bf-915b-532e-bdc8-06805f48dff3,Odd version,x@contoso.com,Android,fourteen,8.0,No,2026-11-20T08:15:00Z,Active`n" +
            "be103ab5-616f-5eb0-bc38-abd5f9e5ad65,Future,x@contoso.com,Android,14,8.0,No,2099-01-01T00:00:00Z,Active`n" +
            "F695C552-EA98-56CA-8705-C280DD91D04A,Duplicate,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active`n" +
            "b6939153-eb62-57b2-a6fe-5af82c119640,`"Megan, `"`"work`"`"`nphone`",megan@contoso.com,iOS,16.7.8,12.0,No,2026-11-19T08:00:00Z,Active`n" +
            "5425c2c9-b0db-50f9-a082-554131aa935e,Short row`n" +
            "1d67e732-ba7c-51b4-9ccf-0dbba41be764,MacBook-Lee,lee@contoso.com,macOS,14.5,,No,2026-11-18T10:00:00Z,Active`n")
        $result = Invoke-Captured { Import-ComplianceDevice -Path $path }

        $result.Terminating | Should -BeNullOrEmpty
        @($result.Output | ForEach-Object DeviceName) | Should -Be @('iPhone-Adele', "Megan, `"work`"`nphone", 'MacBook-Lee')
        $result.Errors | Should -HaveCount 7
        foreach ($rowError in $result.Errors) {
            $rowError.FullyQualifiedErrorId | Should -BeLike 'InvalidDeviceRow,AzureCompliance.Cmdlets.Devices.ImportComplianceDeviceCommand*'
            $rowError.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidData)
            $rowError.Exception.Message | Should -Match 'devices\.csv line '
            $rowError.TargetObject.GetType().FullName | Should -Be 'AzureCompliance.Core.Devices.DeviceImportRow'
        }
        @($result.Errors | ForEach-Object { [long]$_.TargetObject.Line }) | Should -Be @(3, 4, 5, 6, 7, 8, 11)
        $result.Errors[0].Exception.Message | Should -Match "column 'DeviceId'"
        $result.Errors[2].Exception.Message | Should -Match "column 'Platform'"
        $result.Errors[3].Exception.Message | Should -Match "column 'OsVersion'"
        $result.Errors[4].Exception.Message | Should -Match 'in the future'
        $result.Errors[5].Exception.Message | Should -Match 'already on line 2'
        $result.Errors[6].Exception.Message | Should -Match 'missing'
        $result.Errors[0].TargetObject.Values['DeviceName'] | Should -Be 'Bad GUID'
    }

    It 'A header without the required columns is one terminating error listing them' {
        $path = Write-TestFile 'bad-header.csv' "Name,Kind,Version`nx,iOS,17`n"
        $result = Invoke-Captured { Import-ComplianceDevice -Path $path }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'MissingDeviceColumns,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidData)
        $failure.Exception.Message | Should -Match 'DeviceId'
        $failure.Exception.Message | Should -Match 'Platform'
        $result.Output | Should -HaveCount 0
        # Terminating: try/catch sees it without -ErrorAction Stop.
        $caught = Invoke-Captured { try { Import-ComplianceDevice -Path $path } catch { 'caught ' + $_.FullyQualifiedErrorId } }
        $caught.Output | Should -HaveCount 1
        $caught.Output[0] | Should -BeLike 'caught MissingDeviceColumns,*'
    }

    It 'ColumnMap names the columns and an unknown key stops the command' {
        $path = Write-TestFile 'custom.csv' "AAD Device,Kind,Seen,Notes`nf695c552-ea98-56ca-8705-c280dd91d04a,iPadOS,2026-11-20,`"a, b`"`n"
        $result = Invoke-Captured { Import-ComplianceDevice -Path $path -ColumnMap @{ DeviceId = 'AAD Device'; Platform = 'Kind'; LastCheckIn = 'Seen' } }

        Assert-NoError -Result $result
        $result.Output | Should -HaveCount 1
        "$($result.Output[0].Platform)" | Should -Be 'iOS'
        $result.Output[0].PlatformName | Should -Be 'iPadOS'
        $bad = Invoke-Captured { try { Import-ComplianceDevice -Path $path -ColumnMap @{ Colour = 'Kind' } } catch { 'caught ' + $_.FullyQualifiedErrorId } }
        $bad.Output | Should -HaveCount 1
        $bad.Output[0] | Should -BeLike 'caught InvalidColumnMap,*'
    }

    It 'JSON arrays and JSON lines, with an encoding' {
        $array = Write-TestFile 'devices.json' "[{`"deviceId`":`"f695c552-ea98-56ca-8705-c280dd91d04a`",`"platform`":`"iOS`",`"deviceName`":`"J$([char]0xFC)rgen`"},`n {`"deviceId`":`"bad`",`"platform`":`"iOS`"}]" -Encoding (New-Object -TypeName System.Text.UnicodeEncoding -ArgumentList $false, $true)
        $lines = Write-TestFile 'devices.jsonl' "{`"DeviceId`":`"6ac404bf-915b-532e-bdc8-06805f48dff3`",`"Platform`":`"Android`",`"Jailbroken`":false}`n{oops`n"
        $result = Invoke-Captured { Import-ComplianceDevice -Path $array, $lines }

        @($result.Output | ForEach-Object { [string]$_.DeviceName }) | Should -Be @("J$([char]0xFC)rgen", '')
        $result.Errors | Should -HaveCount 2
        $result.Errors[0].Exception.Message | Should -Match 'devices\.json line 2'
        $result.Errors[1].Exception.Message | Should -Match 'devices\.jsonl line 2'

        $latin = Join-Path $Folder 'latin1.csv'
        [System.IO.File]::WriteAllBytes($latin, [System.Text.Encoding]::Latin1.GetBytes("DeviceId,Platform,DeviceName`nf695c552-ea98-56ca-8705-c280dd91d04a,iOS,J$([char]0xFC)rgen`n"))
        $encoded = Invoke-Captured { Import-ComplianceDevice -Path $latin -Encoding latin1 }
        Assert-NoError -Result $encoded
        $encoded.Output | Should -HaveCount 1
        $encoded.Output[0].DeviceName | Should -Be "J$([char]0xFC)rgen"
    }

    It 'Wildcards, literal paths and a missing file' {
        $null = Write-TestFile 'a.csv' "DeviceId,Platform`nf695c552-ea98-56ca-8705-c280dd91d04a,iOS`n"
        $null = Write-TestFile 'b.csv' "DeviceId,Platform`n6ac404bf-915b-532e-bdc8-06805f48dff3,Android`n"
        $wildcard = Invoke-Captured { Import-ComplianceDevice -Path ([System.IO.Path]::Combine($Folder, '*.csv')) }
        Assert-NoError -Result $wildcard
        $wildcard.Output | Should -HaveCount 2

        $literal = Invoke-Captured { [pscustomobject]@{ PSPath = [System.IO.Path]::Combine($Folder, 'a.csv') } | Import-ComplianceDevice }
        Assert-NoError -Result $literal
        $literal.Output | Should -HaveCount 1

        $missing = Invoke-Captured { Import-ComplianceDevice -Path ([System.IO.Path]::Combine($Folder, 'nope.csv')), ([System.IO.Path]::Combine($Folder, 'b.csv')) }
        $failure = Get-SingleError -Result $missing
        $failure.FullyQualifiedErrorId | Should -BeLike 'DeviceFileNotFound,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $missing.Output | Should -HaveCount 1 -Because 'the next file is still read'
    }

    It 'A 10 MB field is a row error' {
        $path = Join-Path $Folder 'huge.csv'
        $writer = New-Object -TypeName System.IO.StreamWriter -ArgumentList $path, $false, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $true)
        try {
            $writer.Write("DeviceId,Platform,DeviceName`n")
            $writer.Write('f695c552-ea98-56ca-8705-c280dd91d04a,iOS,"' + ('x' * (10 * 1024 * 1024)) + "`"`n")
            $writer.Write("6ac404bf-915b-532e-bdc8-06805f48dff3,Android,Pixel`n")
        }
        finally { $writer.Dispose() }
        $result = Invoke-Captured { Import-ComplianceDevice -Path $path }

        $failure = Get-SingleError -Result $result
        $failure.Exception.Message | Should -Match "column 'DeviceName'"
        $failure.Exception.Message | Should -Match 'limit'
        $result.Output | Should -HaveCount 1
        $result.Output[0].DeviceName | Should -Be 'Pixel'
    }

    It 'Import pipes into Test-DeviceCompliance with reasons' {
        $policies = @{ Name = 'iOS'; Platform = 'iOS'; MinimumOsVersion = '12.0'; MinimumClientVersion = '12.0'; BlockJailbroken = $true },
        @{ Name = 'Android'; Platform = 'Android'; MinimumOsVersion = '8.0'; MinimumClientVersion = '8.0'; BlockJailbroken = $true },
        @{ Name = 'macOS'; Platform = 'macOS'; MinimumOsVersion = '13.0'; BlockJailbroken = $true }
        $result = Invoke-Captured { Import-ComplianceDevice -Path (Join-Path $Samples 'mobileiron-core-export.csv') -Format MobileIronCore | Test-DeviceCompliance -Policy $policies -NonCompliantOnly }

        Assert-NoError -Result $result
        $result.Output.Count | Should -BeGreaterOrEqual 45 -Because 'about a fifth of 300 is not compliant'
        $result.Output.Count | Should -BeLessOrEqual 75
        $zrinka = @($result.Output | Where-Object DeviceName -eq 'iPhone-Zrinka')
        $zrinka | Should -HaveCount 1
        Get-Rules $zrinka[0] | Should -Be @('Jailbroken')
        @($result.Output | Where-Object DeviceName -eq 'Pixel-Miriam') | Should -HaveCount 1
    }
}
