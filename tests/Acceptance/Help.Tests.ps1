<#
    Help quality of the built module in a real PowerShell: the twin of
    tests/AzureCompliance.Module.Tests/HelpTests.cs. The markdown checks (docs/help, PlatyPS) always run;
    the compiled-help checks (Get-Help) run when the module has its MAML help (./build.ps1 -Task Docs,Build).
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-AzureComplianceModule
    $CommandCases = @(Get-Command -Module AzureCompliance | Sort-Object -Property Name | ForEach-Object { @{ Name = $_.Name } })
    $CompiledHelp = Get-RepositoryPath 'out' 'AzureCompliance' 'en-US' 'AzureCompliance.Cmdlets.dll-Help.xml'
    $HasCompiledHelp = Test-Path -LiteralPath $CompiledHelp
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-AzureComplianceModule

    function Read-HelpMarkdown {
        <# A PlatyPS markdown file: front matter, title, '##' sections split into '###' parts, code fences kept apart. #>
        param([Parameter(Mandatory)] [string] $Path)
        $lines = (Get-Content -LiteralPath $Path -Raw) -split "`r?`n"
        $document = [pscustomobject]@{ FrontMatter = @{}; Title = $null; Sections = [ordered]@{} }
        $index = 0
        if ($lines[0].Trim() -eq '---') {
            for ($index = 1; $index -lt $lines.Count -and $lines[$index].Trim() -ne '---'; $index++) {
                $colon = $lines[$index].IndexOf(':')
                if ($colon -gt 0) { $document.FrontMatter[$lines[$index].Substring(0, $colon).Trim()] = $lines[$index].Substring($colon + 1).Trim() }
            }
            $index++
        }
        $part = $null
        $fence = $null
        for (; $index -lt $lines.Count; $index++) {
            $line = $lines[$index]
            if ($null -ne $fence) {
                if ($line.TrimStart().StartsWith('```')) { if ($null -ne $part) { [void]$part.Code.Add($fence) }; $fence = $null }
                else { $fence.Code += $line + "`n" }
                continue
            }
            if ($line.TrimStart().StartsWith('```')) {
                $fence = [pscustomobject]@{ Language = $line.Trim().Substring(3).Trim(); Code = '' }
                continue
            }
            if ($line.StartsWith('# ') -and $document.Sections.Count -eq 0 -and $null -eq $document.Title) {
                $document.Title = $line.Substring(2).Trim()
            }
            elseif ($line.StartsWith('## ')) {
                $part = [pscustomobject]@{ Heading = $null; Text = ''; Code = New-Object -TypeName System.Collections.ArrayList }
                $document.Sections[$line.Substring(3).Trim()] = New-Object -TypeName System.Collections.ArrayList -ArgumentList (, @($part))
            }
            elseif ($line.StartsWith('### ') -and $document.Sections.Count -gt 0) {
                $part = [pscustomobject]@{ Heading = $line.Substring(4).Trim(); Text = ''; Code = New-Object -TypeName System.Collections.ArrayList }
                [void]$document.Sections[$document.Sections.Count - 1].Add($part)
            }
            elseif ($null -ne $part) {
                $part.Text += $line + "`n"
            }
        }
        $document
    }

    function Get-DocumentedParameter {
        <# The parameters that need a '### -Name' section: all but the common ones (WhatIf/Confirm come with ShouldProcess). #>
        param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
        $common = @([System.Management.Automation.Cmdlet]::CommonParameters | Where-Object { $_ })
        if ($common.Count -eq 0) {
            $common = @('Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction', 'ErrorVariable',
                'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable')
        }
        $common += 'UseTransaction'  # the optional common parameters but WhatIf and Confirm
        @($Command.Parameters.Values | Where-Object { $_.Name -notin $common })
    }

    function Get-ParameterPart {
        param([Parameter(Mandatory)] [object] $Document)
        $parts = @{}
        if ($Document.Sections.Contains('PARAMETERS')) {
            foreach ($part in $Document.Sections['PARAMETERS']) {
                if ($part.Heading -and $part.Heading.StartsWith('-')) { $parts[$part.Heading.Substring(1).Trim()] = $part }
            }
        }
        $parts
    }

    function ConvertFrom-ParameterYaml {
        param([Parameter(Mandatory)] [string] $Code)
        $values = @{}
        foreach ($line in $Code -split "`n") {
            $colon = $line.IndexOf(':')
            if ($colon -gt 0) { $values[$line.Substring(0, $colon).Trim()] = $line.Substring($colon + 1).Trim() }
        }
        $values
    }
}

Describe 'Markdown help of <Name>' -ForEach $CommandCases {
    BeforeAll {
        $Command = Get-Command -Name $Name -Module AzureCompliance
        $HelpPath = Get-RepositoryPath 'docs' 'help' "$Name.md"
        $Document = if (Test-Path -LiteralPath $HelpPath) { Read-HelpMarkdown -Path $HelpPath } else { $null }
    }

    It 'has its markdown file in PlatyPS form' {
        Test-Path -LiteralPath $HelpPath | Should -BeTrue -Because "every exported cmdlet needs $HelpPath (New-MarkdownHelp -Command $Name -OutputFolder docs/help)"
        $Document.FrontMatter['external help file'] | Should -Be ([System.IO.Path]::GetFileName($Command.HelpFile))
        $Document.FrontMatter['Module Name'] | Should -Be 'AzureCompliance'
        $Document.FrontMatter['schema'] | Should -Be '2.0.0'
        $Document.Title | Should -Be $Name
        (@($Document.Sections.Keys) -join ', ') | Should -Be 'SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, NOTES, RELATED LINKS'
    }

    It 'has a synopsis and a description' {
        $Document | Should -Not -BeNullOrEmpty -Because "$HelpPath must exist"
        $Document.Sections['SYNOPSIS'][0].Text.Trim() | Should -Not -BeNullOrEmpty -Because "$HelpPath needs a SYNOPSIS"
        $Document.Sections['DESCRIPTION'][0].Text.Trim() | Should -Not -BeNullOrEmpty -Because "$HelpPath needs a DESCRIPTION"
        ($Document.Sections.Values | ForEach-Object { $_ } | ForEach-Object { $_.Text }) -join "`n" | Should -Not -Match '\{\{.*\}\}' -Because 'no PlatyPS placeholder may be left in'
    }

    It 'has examples that parse and call the cmdlet' {
        $Document | Should -Not -BeNullOrEmpty -Because "$HelpPath must exist"
        $examples = @($Document.Sections['EXAMPLES'] | Where-Object { $_.Heading })
        $examples.Count | Should -BeGreaterThan 0 -Because "$HelpPath needs at least one example"
        foreach ($example in $examples) {
            $code = @($example.Code | Where-Object { $_.Language -eq 'powershell' })
            $code.Count | Should -BeGreaterThan 0 -Because "'$($example.Heading)' needs a powershell code block"
            $example.Text.Trim() | Should -Not -BeNullOrEmpty -Because "'$($example.Heading)' needs a paragraph that explains it"
            $calls = $false
            foreach ($block in $code) {
                $tokens = $null
                $parseErrors = $null
                $ast = [System.Management.Automation.Language.Parser]::ParseInput($block.Code, [ref]$tokens, [ref]$parseErrors)
                @($parseErrors | ForEach-Object { $_.Message }) | Should -BeNullOrEmpty -Because "the code of '$($example.Heading)' must parse"
                $commandAsts = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)
                if (@($commandAsts | Where-Object { $_.GetCommandName() -eq $Name }).Count -gt 0) { $calls = $true }
            }
            $calls | Should -BeTrue -Because "'$($example.Heading)' must call $Name"
        }
    }

    It 'documents every parameter with a description' {
        $Document | Should -Not -BeNullOrEmpty -Because "$HelpPath must exist"
        $parts = Get-ParameterPart -Document $Document
        foreach ($parameter in Get-DocumentedParameter -Command $Command) {
            $parts.ContainsKey($parameter.Name) | Should -BeTrue -Because "$HelpPath needs a '### -$($parameter.Name)' section"
            $parts[$parameter.Name].Text.Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
            @($parts[$parameter.Name].Code | Where-Object { $_.Language -eq 'yaml' }).Count | Should -BeGreaterThan 0 -Because "-$($parameter.Name) needs its yaml block"
        }
    }

    It 'agrees with the engine on each parameter''s type, aliases, parameter sets and Required' {
        $Document | Should -Not -BeNullOrEmpty -Because "$HelpPath must exist"
        $parts = Get-ParameterPart -Document $Document
        $commandSets = @($Command.ParameterSets | ForEach-Object { $_.Name })
        foreach ($parameter in Get-DocumentedParameter -Command $Command) {
            if (-not $parts.ContainsKey($parameter.Name)) { continue }
            $documented = @{}
            foreach ($block in @($parts[$parameter.Name].Code | Where-Object { $_.Language -eq 'yaml' })) {
                $yaml = ConvertFrom-ParameterYaml -Code $block.Code
                $yaml['Type'] | Should -BeIn @($parameter.ParameterType.Name, $parameter.ParameterType.FullName) -Because "-$($parameter.Name) is a $($parameter.ParameterType.Name)"
                $aliases = @(([string]$yaml['Aliases']).Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ } | Sort-Object)
                ($aliases -join ', ') | Should -Be ((@($parameter.Aliases) | Sort-Object) -join ', ') -Because "the aliases of -$($parameter.Name)"
                $sets = if ($yaml['Parameter Sets'] -eq '(All)') { $commandSets } else { @(([string]$yaml['Parameter Sets']).Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ }) }
                foreach ($set in $sets) { $documented[$set] = $yaml }
            }
            $expected = @{}
            foreach ($set in $commandSets) {
                if ($parameter.ParameterSets.ContainsKey($set)) { $expected[$set] = $parameter.ParameterSets[$set] }
                elseif ($parameter.ParameterSets.ContainsKey('__AllParameterSets')) { $expected[$set] = $parameter.ParameterSets['__AllParameterSets'] }
            }
            (@($documented.Keys | Sort-Object) -join ', ') | Should -Be (@($expected.Keys | Sort-Object) -join ', ') -Because "the parameter sets of -$($parameter.Name)"
            foreach ($set in $expected.Keys) {
                $documented[$set]['Required'] | Should -Be ([string]$expected[$set].IsMandatory) -Because "-$($parameter.Name) in parameter set $set"
                $byValue = $documented[$set]['Accept pipeline input'] -match '\bByValue\b'
                $byPropertyName = $documented[$set]['Accept pipeline input'] -match '\bByPropertyName\b'
                $byValue | Should -Be $expected[$set].ValueFromPipeline -Because "the pipeline input (ByValue) of -$($parameter.Name) in $set"
                $byPropertyName | Should -Be $expected[$set].ValueFromPipelineByPropertyName -Because "the pipeline input (ByPropertyName) of -$($parameter.Name) in $set"
            }
        }
    }

    It 'documents no parameter the cmdlet lacks' {
        $Document | Should -Not -BeNullOrEmpty -Because "$HelpPath must exist"
        $parts = Get-ParameterPart -Document $Document
        foreach ($documentedName in $parts.Keys) {
            $Command.Parameters.ContainsKey($documentedName) | Should -BeTrue -Because "$HelpPath documents -$documentedName"
        }
    }
}

Describe 'Compiled help of <Name> (Get-Help)' -ForEach $CommandCases -Skip:(-not $HasCompiledHelp) {
    BeforeAll {
        $Command = Get-Command -Name $Name -Module AzureCompliance
        $Help = Get-Help -Name $Name -Full
    }

    It 'has a written synopsis, not the generated syntax line' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -BeLike "$Name *" -Because 'Get-Help shows the syntax as synopsis when the MAML help is missing'
    }

    It 'has a description and examples' {
        ($Help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        @($Help.Examples.Example).Count | Should -BeGreaterThan 0
        foreach ($example in @($Help.Examples.Example)) {
            $example.Code | Should -Match ([regex]::Escape($Name))
        }
    }

    It 'describes each parameter' {
        foreach ($parameter in Get-DocumentedParameter -Command $Command) {
            $parameterHelp = @($Help.Parameters.Parameter | Where-Object { $_.Name -eq $parameter.Name })
            $parameterHelp | Should -HaveCount 1 -Because "Get-Help must know -$($parameter.Name)"
            ($parameterHelp[0].Description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
        }
    }
}

Describe 'about_AzureCompliance' {
    It 'exists in the source and in the built module and names every cmdlet' {
        $names = @(Get-Command -Module AzureCompliance | ForEach-Object { $_.Name })
        $names.Count | Should -BeGreaterThan 0
        foreach ($path in (Get-RepositoryPath 'module' 'en-US' 'about_AzureCompliance.help.txt'), (Get-RepositoryPath 'out' 'AzureCompliance' 'en-US' 'about_AzureCompliance.help.txt')) {
            Test-Path -LiteralPath $path | Should -BeTrue -Because "$path must exist"
            $text = Get-Content -LiteralPath $path -Raw
            foreach ($name in $names) {
                $text | Should -Match ('(?<![\w-])' + [regex]::Escape($name) + '(?![\w-])') -Because "$path must name $name"
            }
        }
    }
}
