<#
    Help quality of the built module in a real PowerShell: the markdown in docs/help (PlatyPS) against the cmdlets as
    the engine sees them, the compiled MAML help the build puts in the module (Get-Help), the about topic and the
    module page. The examples listed in HelpExamples.psd1 also run, against the tenant emulator.
    Pester 5: ./build.ps1 -Task Test (the build compiles the help first).
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    Import-AzureComplianceModule
    $CommandCases = @(Get-Command -Module AzureCompliance | Sort-Object -Property Name | ForEach-Object { @{ Name = $_.Name } })
    $RunnableExamples = Import-PowerShellDataFile -LiteralPath (Join-Path $PSScriptRoot 'HelpExamples.psd1')
    $ExampleCases = @(foreach ($name in $RunnableExamples.Keys | Sort-Object) {
            foreach ($number in $RunnableExamples[$name]) { @{ Name = $name; Number = $number } }
        })
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
                # PlatyPS writes a Nullable<T> parameter as T.
                $type = $parameter.ParameterType
                $underlying = [System.Nullable]::GetUnderlyingType($type)
                if ($null -ne $underlying) { $type = $underlying }
                $yaml['Type'] | Should -BeIn @($type.Name, $type.FullName) -Because "-$($parameter.Name) is a $($type.Name)"
                $validateSet = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })
                if ($validateSet.Count -gt 0) {
                    $accepted = @(([string]$yaml['Accepted values']).Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ })
                    ($accepted -join ', ') | Should -Be ($validateSet[0].ValidValues -join ', ') -Because "the accepted values of -$($parameter.Name)"
                }
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

    It 'shows every parameter set in SYNTAX with its parameters' {
        $Document | Should -Not -BeNullOrEmpty -Because "$HelpPath must exist"
        $syntax = @($Document.Sections['SYNTAX'])
        $sets = @($Command.ParameterSets)
        $blocks = @{}
        if ($sets.Count -eq 1) {
            $blocks[$sets[0].Name] = (@($syntax | ForEach-Object { $_.Code } | ForEach-Object { $_.Code }) -join "`n")
        }
        else {
            foreach ($part in $syntax | Where-Object { $_.Heading }) {
                $blocks[($part.Heading -replace '\s*\(Default\)\s*$', '')] = (@($part.Code | ForEach-Object { $_.Code }) -join "`n")
            }
        }
        foreach ($set in $sets) {
            $blocks.ContainsKey($set.Name) | Should -BeTrue -Because "SYNTAX of $HelpPath needs a '### $($set.Name)' block"
            foreach ($parameter in $set.Parameters | Where-Object { $_.Name -notin [System.Management.Automation.Cmdlet]::CommonParameters -and $_.Name -notin [System.Management.Automation.Cmdlet]::OptionalCommonParameters }) {
                $blocks[$set.Name] | Should -Match ('-' + [regex]::Escape($parameter.Name) + '\b') -Because "SYNTAX '$($set.Name)' must show -$($parameter.Name)"
            }
        }
    }

    It 'names the pipeline input and the output types in INPUTS and OUTPUTS' {
        $Document | Should -Not -BeNullOrEmpty -Because "$HelpPath must exist"
        $outputs = @($Document.Sections['OUTPUTS'] | Where-Object { $_.Heading } | ForEach-Object { $_.Heading })
        $declared = @($Command.OutputType | ForEach-Object { $_.Name } | Where-Object { $_ -ne 'System.Void' })
        foreach ($type in $declared) { $outputs | Should -Contain $type -Because "OUTPUTS must list the [OutputType] $type" }
        if ($declared.Count -eq 0) { $outputs | Should -BeIn @('None', 'System.Void') }
        $inputs = @($Document.Sections['INPUTS'] | Where-Object { $_.Heading } | ForEach-Object { $_.Heading })
        $byValue = @(Get-DocumentedParameter -Command $Command | Where-Object { @($_.ParameterSets.Values | Where-Object ValueFromPipeline).Count -gt 0 })
        foreach ($parameter in $byValue) {
            $inputs | Should -Contain $parameter.ParameterType.FullName -Because "-$($parameter.Name) takes $($parameter.ParameterType.FullName) from the pipeline"
        }
        $inputs.Count | Should -BeGreaterThan 0 -Because "INPUTS needs '### None' when nothing comes from the pipeline"
    }

    It 'documents no parameter the cmdlet lacks' {
        $Document | Should -Not -BeNullOrEmpty -Because "$HelpPath must exist"
        $parts = Get-ParameterPart -Document $Document
        foreach ($documentedName in $parts.Keys) {
            $Command.Parameters.ContainsKey($documentedName) | Should -BeTrue -Because "$HelpPath documents -$documentedName"
        }
    }
}

Describe 'docs/help as a whole' {
    It 'has a page for exported cmdlets only' {
        $exported = @(Get-Command -Module AzureCompliance | ForEach-Object { $_.Name })
        foreach ($page in Get-ChildItem -LiteralPath (Get-RepositoryPath 'docs' 'help') -Filter '*-*.md') {
            $exported | Should -Contain $page.BaseName -Because "$($page.Name) documents no exported cmdlet: rename or delete it"
        }
    }

    It 'has a module page that lists every cmdlet with a description' {
        $path = Get-RepositoryPath 'docs' 'help' 'AzureCompliance.md'
        $page = Read-HelpMarkdown -Path $path
        $page.FrontMatter['Module Name'] | Should -Be 'AzureCompliance'
        $page.FrontMatter['Module Guid'] | Should -Be ([string](Get-Module -Name AzureCompliance).Guid)
        $listed = @{}
        foreach ($part in $page.Sections['AzureCompliance Cmdlets'] | Where-Object { $_.Heading }) { $listed[$part.Heading] = $part.Text.Trim() }
        $exported = @(Get-Command -Module AzureCompliance | ForEach-Object { $_.Name })
        foreach ($name in $exported) {
            $heading = "[$name]($name.md)"
            $listed.ContainsKey($heading) | Should -BeTrue -Because "$path must list $heading"
            $listed[$heading] | Should -Not -BeNullOrEmpty -Because "$path needs a line on $name"
        }
        $listed.Count | Should -Be $exported.Count -Because "$path lists only exported cmdlets"
    }

    It 'is compiled into the built module' {
        Get-RepositoryPath 'out' 'AzureCompliance' 'en-US' 'AzureCompliance.Cmdlets.dll-Help.xml' | Should -Exist -Because './build.ps1 -Task Build compiles docs/help into the module'
    }
}

Describe 'Compiled help of <Name> (Get-Help)' -ForEach $CommandCases {
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
            # PlatyPS 1.0 writes the example's code block into its introduction, fenced as in the markdown.
            $text = ([string]$example.Code) + ($example.Remarks | Out-String) + (@($example.Introduction | ForEach-Object { $_.Text }) -join "`n")
            $text | Should -Match ([regex]::Escape($Name))
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

Describe 'Type names a script can write' {
    It 'resolves [<_>]' -ForEach @(Get-Command -Module AzureCompliance | ForEach-Object { $_.OutputType } |
            ForEach-Object { $_.Name } | Where-Object { $_ -like 'AzureCompliance.*' } | Select-Object -Unique | Sort-Object) {
        # Parsed from text, as a script would write it; the engine's types load in the module's own load context.
        $type = [scriptblock]::Create("[$_]").Invoke()[0]
        $type.FullName | Should -Be $_
        $type.Assembly.GetName().Name | Should -Be 'AzureCompliance.Core'
    }

    It 'lets a help example test objects by type name' {
        $result = [pscustomobject]@{ }
        ($result -is [AzureCompliance.Core.Sync.DeviceSyncResult]) | Should -BeFalse
        Get-Command -Name Send-DeviceCompliance | ForEach-Object { $_.OutputType.Type } | Should -Contain ([AzureCompliance.Core.Sync.DeviceSyncResult])
    }
}

Describe 'Help examples marked to run (HelpExamples.psd1), against the tenant emulator' {
    BeforeAll {
        $Emulator = Start-TenantEmulator
        $StatePath = Join-Path $Emulator.WorkDirectory 'state.db'
        # Files the examples write (reports, exports) land in the emulator's work folder, not in the repository.
        Push-Location -LiteralPath $Emulator.WorkDirectory
        # The examples are written for a real tenant: these defaults point them at the emulated one.
        $PSDefaultParameterValues['Connect-ComplianceTenant:AuthorityHost'] = $Emulator.AuthorityHost
        $PSDefaultParameterValues['Connect-ComplianceTenant:GraphEndpoint'] = $Emulator.GraphEndpoint
        $PSDefaultParameterValues['*-Compliance*:StatePath'] = $StatePath
        $PSDefaultParameterValues['*-DeviceCompliance:StatePath'] = $StatePath
        $null = Connect-ComplianceTenant -TenantId $Emulator.TenantId -ClientId $Emulator.ClientId -ClientSecret (ConvertTo-TestSecureString -Value $Emulator.ClientSecret)
    }
    AfterAll {
        foreach ($key in @($PSDefaultParameterValues.Keys)) { $PSDefaultParameterValues.Remove($key) }
        if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        Pop-Location
        Stop-TenantEmulator -Emulator $Emulator
    }

    It 'Example <Number> of <Name> runs without an error' -ForEach $ExampleCases {
        $document = Read-HelpMarkdown -Path (Get-RepositoryPath 'docs' 'help' "$Name.md")
        $example = @($document.Sections['EXAMPLES'] | Where-Object { $_.Heading })[$Number - 1]
        $example | Should -Not -BeNullOrEmpty -Because "$Name has an example $Number"
        $code = (@($example.Code | Where-Object { $_.Language -eq 'powershell' }) | ForEach-Object { $_.Code }) -join "`n"
        $result = Invoke-Captured ([scriptblock]::Create($code))
        Assert-NoError -Result $result
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
