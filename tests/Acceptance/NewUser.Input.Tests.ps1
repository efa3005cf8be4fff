<#
    Issue 9, point 5: bounded input. Import-ComplianceDevice reads generated hostile exports (a 100 MB JSON line, a
    JSON array element far over the limit, a CSV row with 100,000 fields): each over-limit row is one InvalidDeviceRow
    error naming the file, the line and the limit, and the rest of the file is imported. Real pwsh, the built module.
#>

Describe 'Import-ComplianceDevice bounds each row' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'NewUser.Helpers.ps1')
        Import-AzureComplianceModule
        $Id1 = 'f695c552-ea98-56ca-8705-c280dd91d04a'
        $Id2 = '2410d3a3-e621-544d-8879-5c6d3947c430'
        # The documented limits (docs/help/Import-ComplianceDevice.md).
        $MaxJsonLineChars = 4194304
        $MaxJsonElementBytes = 4194304
        $MaxCsvFields = 4096

        function Write-HostileFile {
            <# Writes a file piece by piece: the script block gets the writer; a huge part is never one string in memory. #>
            param([string] $Path, [scriptblock] $Content)
            $writer = [System.IO.StreamWriter]::new($Path, $false, [System.Text.UTF8Encoding]::new($false), 65536)
            try { & $Content $writer } finally { $writer.Dispose() }
        }

        function Write-Repeated {
            param([System.IO.StreamWriter] $Writer, [char] $Character, [long] $Count)
            $chunk = [string]::new($Character, 65536)
            for ($left = $Count; $left -gt 0; $left -= $chunk.Length) {
                if ($left -ge $chunk.Length) { $Writer.Write($chunk) } else { $Writer.Write($chunk.Substring(0, [int]$left)) }
            }
        }

        function Assert-RowTooLarge {
            param([object] $Result, [string] $File, [long] $Line, [long] $Limit)
            $single = Get-SingleError -Result $Result
            $single.FullyQualifiedErrorId | Should -BeLike 'InvalidDeviceRow,*'
            $single.CategoryInfo.Category | Should -Be 'InvalidData'
            $single.Exception.Problem.ToString() | Should -Be 'RowTooLarge'
            $single.Exception.Message | Should -BeLike "*$File line $Line*"
            $single.Exception.Message | Should -BeLike ('*' + $Limit.ToString('N0', [cultureinfo]::InvariantCulture) + '*')
        }
    }

    BeforeEach { $Folder = New-NewUserFolder }
    AfterEach { Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue }

    It 'a 100 MB JSON line is one row error and the next line is imported' {
        $path = Join-Path $Folder 'hostile.jsonl'
        Write-HostileFile $path {
            param($w)
            $w.Write("{""deviceId"":""$Id1"",""platform"":""iOS"",""deviceName"":""")
            Write-Repeated $w 'x' (100MB)
            $w.Write("""}`n{""deviceId"":""$Id2"",""platform"":""iOS""}`n")
        }
        $result = Invoke-Captured { Import-ComplianceDevice -Path $path -ErrorAction Continue }
        Assert-RowTooLarge -Result $result -File 'hostile.jsonl' -Line 1 -Limit $MaxJsonLineChars
        @($result.Output.DeviceId) | Should -Be @($Id2)
    }

    It 'a JSON array element over the limit is one row error and the next element is imported' {
        $path = Join-Path $Folder 'hostile.json'
        Write-HostileFile $path {
            param($w)
            $w.Write("[{""deviceId"":""$Id1"",""platform"":""iOS""},`n{""padding"":""")
            Write-Repeated $w 'y' (64MB)
            $w.Write("""},`n{""deviceId"":""$Id2"",""platform"":""Android""}]")
        }
        $result = Invoke-Captured { Import-ComplianceDevice -Path $path -ErrorAction Continue }
        Assert-RowTooLarge -Result $result -File 'hostile.json' -Line 2 -Limit $MaxJsonElementBytes
        @($result.Output.DeviceId) | Should -Be @($Id1, $Id2)
    }

    It 'a CSV row with 100,000 fields is one row error and the next row is imported' {
        $path = Join-Path $Folder 'hostile.csv'
        Write-HostileFile $path {
            param($w)
            $w.Write("DeviceId,Platform`n$Id1,iOS")
            $w.Write([string]::Concat([System.Linq.Enumerable]::Repeat(',x', 100000)))
            $w.Write("`n$Id2,Android`n")
        }
        $result = Invoke-Captured { Import-ComplianceDevice -Path $path -ErrorAction Continue }
        Assert-RowTooLarge -Result $result -File 'hostile.csv' -Line 2 -Limit $MaxCsvFields
        @($result.Output.DeviceId) | Should -Be @($Id2)
    }
}
