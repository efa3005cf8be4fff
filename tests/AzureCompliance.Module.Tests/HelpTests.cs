using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using System.Text.RegularExpressions;
using AzureCompliance.Module.Tests.Infrastructure;

namespace AzureCompliance.Module.Tests;

/// <summary>
/// The help-quality gate: every cmdlet the built module exports has PlatyPS help in docs/help that agrees with
/// what the engine knows about the cmdlet (parameters, parameter sets, types, pipeline input), with examples
/// that parse and call the cmdlet. The cmdlet metadata comes from the engine (Get-Command on the imported
/// module), never from the sources. A failure lists every problem as "file: what is wrong".
/// </summary>
public sealed class HelpTests : IClassFixture<HelpTests.ExportedModule>
{
    private readonly ExportedModule _module;

    public HelpTests(ExportedModule module) => _module = module;

    /// <summary>The built module imported once for all help tests, and what the engine says it exports.</summary>
    public sealed class ExportedModule : IDisposable
    {
        private readonly PowerShellSession _session = new();

        public ExportedModule()
        {
            var commands = _session.Run("Get-Command -Module AzureCompliance");
            commands.AssertNoErrors();
            Commands = commands.Output.Select(o => (CommandInfo)o.BaseObject).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();

            var module = _session.Run("Get-Module -Name AzureCompliance");
            module.AssertNoErrors();
            Module = (PSModuleInfo)Assert.Single(module.Output).BaseObject;
        }

        public IReadOnlyList<CommandInfo> Commands { get; }

        public PSModuleInfo Module { get; }

        public CommandInfo Command(string name) =>
            Commands.SingleOrDefault(c => c.Name == name) ?? throw new InvalidOperationException("The module does not export " + name);

        public void Dispose() => _session.Dispose();
    }

    private const string ModulePageName = "AzureCompliance.md";

    private static string HelpFile(string commandName) => Path.Combine(RepositoryPaths.HelpDirectory, commandName + ".md");

    private static string Relative(string path) => Path.GetRelativePath(RepositoryPaths.Root, path).Replace('\\', '/');

    private static void AssertNoProblems(string what, IReadOnlyCollection<string> problems) =>
        Assert.True(problems.Count == 0, what + ": " + problems.Count + " problem(s)" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)));

    /// <summary>Runs the checks over every exported cmdlet that has a help file (a missing file is its own test).</summary>
    private List<string> CheckEveryCommand(Func<CommandInfo, HelpDocument, IEnumerable<string>> check)
    {
        Assert.NotEmpty(_module.Commands);
        var problems = new List<string>();
        foreach (var command in _module.Commands)
        {
            var path = HelpFile(command.Name);
            if (File.Exists(path))
            {
                var document = HelpDocument.Parse(File.ReadAllText(path), Relative(path));
                problems.AddRange(check(command, document));
            }
        }
        return problems;
    }

    [Fact]
    public void Module_exports_the_connection_cmdlets()
    {
        // Guards the other tests against passing on an empty list of commands.
        var names = _module.Commands.Select(c => c.Name).ToList();
        foreach (var expected in new[] { "Connect-ComplianceTenant", "Get-ComplianceConnection", "Disconnect-ComplianceTenant" })
        {
            Assert.True(names.Contains(expected), "Get-Command -Module AzureCompliance does not list " + expected + "; it lists: " + string.Join(", ", names));
        }
    }

    [Fact]
    public void Every_exported_cmdlet_has_a_help_file()
    {
        Assert.NotEmpty(_module.Commands);
        var missing = _module.Commands.Where(c => !File.Exists(HelpFile(c.Name)))
            .Select(c => Relative(HelpFile(c.Name)) + " is missing: document " + c.Name + " (New-MarkdownHelp -Command " + c.Name + " -OutputFolder docs/help, then fill it in)")
            .ToList();
        AssertNoProblems("Cmdlets without help", missing);
    }

    [Fact]
    public void Every_help_file_documents_an_exported_cmdlet()
    {
        Assert.True(Directory.Exists(RepositoryPaths.HelpDirectory), RepositoryPaths.HelpDirectory + " does not exist");
        var exported = _module.Commands.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var orphans = Directory.GetFiles(RepositoryPaths.HelpDirectory, "*.md")
            .Where(f => Path.GetFileName(f) != ModulePageName && !exported.Contains(Path.GetFileNameWithoutExtension(f)))
            .Select(f => Relative(f) + " documents no exported cmdlet (the module exports " + string.Join(", ", exported) + "); rename or delete it")
            .ToList();
        AssertNoProblems("Help files without a cmdlet", orphans);
    }

    [Fact]
    public void Help_files_have_the_PlatyPS_layout() =>
        AssertNoProblems("PlatyPS layout", CheckEveryCommand(HelpChecker.CheckLayout));

    [Fact]
    public void Synopsis_and_description_are_written() =>
        AssertNoProblems("Synopsis and description", CheckEveryCommand(HelpChecker.CheckSynopsisAndDescription));

    [Fact]
    public void Syntax_shows_every_parameter_set_with_its_parameters() =>
        AssertNoProblems("Syntax", CheckEveryCommand(HelpChecker.CheckSyntax));

    [Fact]
    public void Every_parameter_is_documented_with_a_description() =>
        AssertNoProblems("Parameter sections", CheckEveryCommand(HelpChecker.CheckParametersDocumented));

    [Fact]
    public void Parameter_metadata_agrees_with_the_engine() =>
        AssertNoProblems("Parameter metadata", CheckEveryCommand(HelpChecker.CheckParameterMetadata));

    [Fact]
    public void No_section_documents_a_parameter_the_cmdlet_lacks() =>
        AssertNoProblems("Parameters that do not exist", CheckEveryCommand(HelpChecker.CheckNoUnknownParameters));

    [Fact]
    public void Examples_parse_and_call_the_documented_cmdlet() =>
        AssertNoProblems("Examples", CheckEveryCommand(HelpChecker.CheckExamples));

    [Fact]
    public void Inputs_and_outputs_name_the_pipeline_and_output_types() =>
        AssertNoProblems("Inputs and outputs", CheckEveryCommand(HelpChecker.CheckInputsAndOutputs));

    [Fact]
    public void Module_page_lists_every_cmdlet()
    {
        var path = Path.Combine(RepositoryPaths.HelpDirectory, ModulePageName);
        Assert.True(File.Exists(path), Relative(path) + " is missing: the PlatyPS module page (New-MarkdownHelp -WithModulePage) that lists the cmdlets");
        var problems = HelpChecker.CheckModulePage(File.ReadAllText(path), Relative(path), _module.Module, _module.Commands.Select(c => c.Name).ToList()).ToList();
        AssertNoProblems("Module page", problems);
    }

    [Fact]
    public void About_topic_exists_and_names_every_cmdlet()
    {
        Assert.NotEmpty(_module.Commands);
        var problems = new List<string>();
        foreach (var path in new[]
                 {
                     Path.Combine(RepositoryPaths.Root, "module", "en-US", "about_AzureCompliance.help.txt"),
                     Path.Combine(RepositoryPaths.ModuleDirectory, "en-US", "about_AzureCompliance.help.txt"),
                 })
        {
            if (!File.Exists(path))
            {
                problems.Add(Relative(path) + " is missing");
                continue;
            }
            var text = File.ReadAllText(path);
            if (!Regex.IsMatch(text, @"^\s*TOPIC\s*\r?\n\s*about_AzureCompliance\b"))
            {
                problems.Add(Relative(path) + ": does not start with 'TOPIC' and the topic name about_AzureCompliance");
            }
            foreach (var command in _module.Commands)
            {
                if (!Regex.IsMatch(text, @"(?<![\w-])" + Regex.Escape(command.Name) + @"(?![\w-])"))
                {
                    problems.Add(Relative(path) + ": does not name " + command.Name);
                }
            }
        }
        AssertNoProblems("about_AzureCompliance", problems);
    }

    // The checks must be able to fail: each broken copy of a real help file must be reported, precisely.
    [Theory]
    [InlineData("missing parameter section", "-SourceName: no '### -SourceName' section")]
    [InlineData("wrong Required", "-TenantId: parameter set 'ManagedIdentity': the help says Required: True, the cmdlet says False")]
    [InlineData("wrong type", "-ClientSecret: the help says Type: String, the cmdlet's parameter is SecureString")]
    [InlineData("missing parameter set", "-ClientId: the help does not give parameter set 'DeviceCode'")]
    [InlineData("wrong pipeline input", "-CertificateThumbprint: parameter set 'CertificateThumbprint': the help says Accept pipeline input: False, the cmdlet says True (ByPropertyName)")]
    [InlineData("unknown parameter", "'### -Bogus' documents a parameter that Connect-ComplianceTenant does not have")]
    [InlineData("empty parameter description", "-Environment: no description")]
    [InlineData("empty synopsis", "SYNOPSIS is empty")]
    [InlineData("example does not parse", "does not parse")]
    [InlineData("example does not call the cmdlet", "does not call Connect-ComplianceTenant")]
    [InlineData("missing syntax block", "SYNTAX has no '### Credential' block")]
    [InlineData("missing section", "sections are SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, RELATED LINKS; PlatyPS needs SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS, NOTES, RELATED LINKS")]
    [InlineData("placeholder", "PlatyPS placeholder left in")]
    [InlineData("wrong external help file", "front matter says 'external help file: AzureCompliance.dll-Help.xml', it must be 'AzureCompliance.Cmdlets.dll-Help.xml'")]
    [InlineData("wrong aliases", "-ClientId: the help says Aliases: AppId, the cmdlet's aliases are ApplicationId, AppId")]
    [InlineData("wrong accepted values", "-Environment: the help says Accepted values: Global, USGov, China, the cmdlet accepts Global, USGov, USGovDoD, China")]
    [InlineData("mandatory shown as optional", "SYNTAX 'ClientSecret': shows -ClientSecret as optional, it is mandatory in this parameter set")]
    public void Checks_report_a_broken_help_file(string breakage, string expectedProblem)
    {
        var command = _module.Command("Connect-ComplianceTenant");
        var path = HelpFile(command.Name);
        Assert.True(File.Exists(path), Relative(path) + " is missing");
        var original = File.ReadAllText(path).Replace("\r\n", "\n");
        Assert.Empty(HelpChecker.CheckAll(command, HelpDocument.Parse(original, "original")));

        var broken = Break(original, breakage);
        Assert.NotEqual(original, broken);
        var problems = HelpChecker.CheckAll(command, HelpDocument.Parse(broken, "broken.md")).ToList();
        Assert.True(problems.Any(p => p.Contains(expectedProblem, StringComparison.Ordinal)),
            "Breaking the help (" + breakage + ") should report '" + expectedProblem + "'; the checks reported:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    private static string Break(string text, string breakage)
    {
        switch (breakage)
        {
            case "missing parameter section":
                return RemoveSection(text, "### -SourceName\n");
            case "wrong Required":
                return ReplaceInSection(text, "### -TenantId\n", "Parameter Sets: ManagedIdentity\nAliases:\n\nRequired: False", "Parameter Sets: ManagedIdentity\nAliases:\n\nRequired: True");
            case "wrong type":
                return ReplaceInSection(text, "### -ClientSecret\n", "Type: SecureString", "Type: String");
            case "missing parameter set":
                return ReplaceInSection(text, "### -ClientId\n", "Parameter Sets: ClientSecret, Certificate, CertificateThumbprint, DeviceCode", "Parameter Sets: ClientSecret, Certificate, CertificateThumbprint");
            case "wrong pipeline input":
                return ReplaceInSection(text, "### -CertificateThumbprint\n", "Accept pipeline input: True (ByPropertyName)", "Accept pipeline input: False");
            case "unknown parameter":
                return ReplaceOnce(text, "### CommonParameters\n", "### -Bogus\nNot a parameter.\n\n```yaml\nType: String\nParameter Sets: (All)\nAliases:\n\nRequired: False\nPosition: Named\nDefault value: None\nAccept pipeline input: False\nAccept wildcard characters: False\n```\n\n### CommonParameters\n");
            case "empty parameter description":
                var start = text.IndexOf("### -Environment\n", StringComparison.Ordinal);
                Assert.True(start >= 0);
                var descriptionStart = start + "### -Environment\n".Length;
                var yaml = text.IndexOf("```yaml", descriptionStart, StringComparison.Ordinal);
                return text.Substring(0, descriptionStart) + "\n" + text.Substring(yaml);
            case "empty synopsis":
                return Regex.Replace(text, @"## SYNOPSIS\n.*?\n(?=\n## SYNTAX)", "## SYNOPSIS\n", RegexOptions.Singleline);
            case "example does not parse":
                return ReplaceOnce(text, "Connect-ComplianceTenant -TenantId 'contoso.onmicrosoft.com' -Credential $credential -SourceName 'core-01'",
                    "Connect-ComplianceTenant -TenantId 'contoso.onmicrosoft.com' -Credential ($credential -SourceName 'core-01'");
            case "example does not call the cmdlet":
                return ReplaceOnce(text, "Connect-ComplianceTenant -TenantId 'contoso.onmicrosoft.com' -Credential $credential -SourceName 'core-01'", "$credential.UserName");
            case "missing syntax block":
                return Regex.Replace(text, @"### Credential\n```\n.*?```\n\n", "", RegexOptions.Singleline);
            case "missing section":
                return Regex.Replace(text, @"## NOTES\n.*?(?=## RELATED LINKS)", "", RegexOptions.Singleline);
            case "placeholder":
                return ReplaceInSection(text, "### -ClientSecret\n", "The value (not the ID)", "{{ Fill ClientSecret Description }} The value (not the ID)");
            case "wrong external help file":
                return ReplaceOnce(text, "external help file: AzureCompliance.Cmdlets.dll-Help.xml", "external help file: AzureCompliance.dll-Help.xml");
            case "wrong aliases":
                return ReplaceInSection(text, "### -ClientId\n", "Aliases: ApplicationId, AppId", "Aliases: AppId");
            case "wrong accepted values":
                return ReplaceInSection(text, "### -Environment\n", "Accepted values: Global, USGov, USGovDoD, China", "Accepted values: Global, USGov, China");
            case "mandatory shown as optional":
                return ReplaceOnce(text, "-ClientId <String> -ClientSecret <SecureString>", "-ClientId <String> [-ClientSecret <SecureString>]");
            default:
                throw new ArgumentOutOfRangeException(nameof(breakage), breakage, null);
        }
    }

    private static string ReplaceOnce(string text, string find, string replacement)
    {
        var index = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(index >= 0, "The help file no longer contains the text this test breaks: " + find);
        return text.Substring(0, index) + replacement + text.Substring(index + find.Length);
    }

    private static (int Start, int End) SectionBounds(string text, string heading)
    {
        var start = text.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, "The help file no longer has the section this test breaks: " + heading.Trim());
        var end = text.IndexOf("\n### ", start + heading.Length, StringComparison.Ordinal);
        return (start, end < 0 ? text.Length : end + 1);
    }

    private static string RemoveSection(string text, string heading)
    {
        var (start, end) = SectionBounds(text, heading);
        return text.Substring(0, start) + text.Substring(end);
    }

    private static string ReplaceInSection(string text, string heading, string find, string replacement)
    {
        var (start, end) = SectionBounds(text, heading);
        var section = text.Substring(start, end - start);
        return text.Substring(0, start) + ReplaceOnce(section, find, replacement) + text.Substring(end);
    }
}

/// <summary>A fenced code block of a help file.</summary>
internal sealed record HelpCodeBlock(string Language, string Code, int Line);

/// <summary>A "###" part of a "##" section (Heading null: the text before the first "###").</summary>
internal sealed class HelpSubsection
{
    public HelpSubsection(string? heading, int line)
    {
        Heading = heading;
        Line = line;
    }

    public string? Heading { get; }
    public int Line { get; }
    /// <summary>Lines outside code fences.</summary>
    public List<string> TextLines { get; } = new();
    public List<HelpCodeBlock> CodeBlocks { get; } = new();
    public string Text => string.Join("\n", TextLines).Trim();
}

/// <summary>A "##" section of a help file.</summary>
internal sealed class HelpSection
{
    public HelpSection(string name, int line)
    {
        Name = name;
        Line = line;
        Subsections.Add(new HelpSubsection(null, line));
    }

    public string Name { get; }
    public int Line { get; }
    public List<HelpSubsection> Subsections { get; } = new();
    public HelpSubsection Intro => Subsections[0];
    public IEnumerable<HelpSubsection> Headed => Subsections.Skip(1);
}

/// <summary>A PlatyPS 0.14 markdown file, read the way PlatyPS reads it: front matter, "#" title, "##" sections, "###" parts, fences.</summary>
internal sealed class HelpDocument
{
    private HelpDocument(string fileName) => FileName = fileName;

    public string FileName { get; }
    public Dictionary<string, string> FrontMatter { get; } = new(StringComparer.Ordinal);
    public bool HasFrontMatter { get; private set; }
    public string? Title { get; private set; }
    public List<HelpSection> Sections { get; } = new();
    /// <summary>Text outside code fences, with line numbers, for placeholder checks.</summary>
    public List<(int Line, string Text)> ProseLines { get; } = new();

    public HelpSection? Section(string name) => Sections.FirstOrDefault(s => s.Name == name);

    public static HelpDocument Parse(string text, string fileName)
    {
        var document = new HelpDocument(fileName);
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var index = 0;
        if (lines.Length > 0 && lines[0].Trim() == "---")
        {
            document.HasFrontMatter = true;
            for (index = 1; index < lines.Length && lines[index].Trim() != "---"; index++)
            {
                var colon = lines[index].IndexOf(':');
                if (colon > 0)
                {
                    document.FrontMatter[lines[index].Substring(0, colon).Trim()] = lines[index].Substring(colon + 1).Trim();
                }
            }
            index++;
        }

        HelpSection? section = null;
        string? fenceLanguage = null;
        var fence = new StringBuilder();
        var fenceLine = 0;
        for (; index < lines.Length; index++)
        {
            var line = lines[index];
            var lineNumber = index + 1;
            if (fenceLanguage != null)
            {
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    section?.Subsections[^1].CodeBlocks.Add(new HelpCodeBlock(fenceLanguage, fence.ToString(), fenceLine));
                    fenceLanguage = null;
                }
                else
                {
                    fence.Append(line).Append('\n');
                }
                continue;
            }
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenceLanguage = line.Trim().Substring(3).Trim();
                fence.Clear();
                fenceLine = lineNumber;
                continue;
            }

            document.ProseLines.Add((lineNumber, line));
            if (line.StartsWith("# ", StringComparison.Ordinal) && section == null && document.Title == null)
            {
                document.Title = line.Substring(2).Trim();
            }
            else if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = new HelpSection(line.Substring(3).Trim(), lineNumber);
                document.Sections.Add(section);
            }
            else if (line.StartsWith("### ", StringComparison.Ordinal) && section != null)
            {
                section.Subsections.Add(new HelpSubsection(line.Substring(4).Trim(), lineNumber));
            }
            else
            {
                section?.Subsections[^1].TextLines.Add(line);
            }
        }
        if (fenceLanguage != null)
        {
            document.UnclosedFenceLine = fenceLine;
        }
        return document;
    }

    public int? UnclosedFenceLine { get; private set; }
}

/// <summary>The parameter metadata block (```yaml) of a parameter section.</summary>
internal sealed class ParameterYaml
{
    public static readonly string[] Keys =
        { "Type", "Parameter Sets", "Aliases", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters" };

    public ParameterYaml(HelpCodeBlock block)
    {
        Line = block.Line;
        foreach (var raw in block.Code.Split('\n'))
        {
            var colon = raw.IndexOf(':');
            if (colon > 0)
            {
                Values[raw.Substring(0, colon).Trim()] = raw.Substring(colon + 1).Trim();
            }
        }
    }

    public int Line { get; }
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
    public string? this[string key] => Values.TryGetValue(key, out var value) ? value : null;

    public static IReadOnlyList<string> List(string? value) =>
        (value ?? "").Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
}

/// <summary>The checks, each returning "file: problem" lines; public so that a broken copy of a help file can be checked too.</summary>
internal static class HelpChecker
{
    private static readonly string[] PlatyPsSections =
        { "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

    private const string AllParameterSets = "__AllParameterSets";

    /// <summary>Common parameters PlatyPS 0.14.2 writes a section for when run on PowerShell 7.4 or later.</summary>
    private static readonly HashSet<string> DocumentableCommonParameters = new(StringComparer.OrdinalIgnoreCase) { "ProgressAction" };

    public static IEnumerable<string> CheckAll(CommandInfo command, HelpDocument document) =>
        CheckLayout(command, document)
            .Concat(CheckSynopsisAndDescription(command, document))
            .Concat(CheckSyntax(command, document))
            .Concat(CheckParametersDocumented(command, document))
            .Concat(CheckParameterMetadata(command, document))
            .Concat(CheckNoUnknownParameters(command, document))
            .Concat(CheckExamples(command, document))
            .Concat(CheckInputsAndOutputs(command, document));

    public static IEnumerable<string> CheckLayout(CommandInfo command, HelpDocument document)
    {
        var file = document.FileName;
        if (!document.HasFrontMatter)
        {
            yield return file + ": no YAML front matter (---) at the top";
        }
        else
        {
            var helpFile = (command as CmdletInfo)?.HelpFile;
            var expected = new Dictionary<string, string?>
            {
                ["external help file"] = string.IsNullOrEmpty(helpFile) ? null : Path.GetFileName(helpFile),
                ["Module Name"] = command.ModuleName,
                ["schema"] = "2.0.0",
                ["online version"] = null,
            };
            foreach (var (key, value) in expected)
            {
                if (!document.FrontMatter.TryGetValue(key, out var actual))
                {
                    yield return file + ": front matter has no '" + key + ":'";
                }
                else if (value != null && actual != value)
                {
                    yield return file + ": front matter says '" + key + ": " + actual + "', it must be '" + value + "'" +
                        (key == "external help file" ? " (the file Get-Help looks for next to the cmdlet assembly)" : "");
                }
            }
        }
        if (document.Title != command.Name)
        {
            yield return file + ": title is '# " + document.Title + "', it must be '# " + command.Name + "'";
        }
        var names = document.Sections.Select(s => s.Name).ToList();
        if (!names.SequenceEqual(PlatyPsSections))
        {
            yield return file + ": sections are " + string.Join(", ", names) + "; PlatyPS needs " + string.Join(", ", PlatyPsSections) + " in this order";
        }
        if (document.Section("PARAMETERS") is HelpSection parameters && !parameters.Headed.Any(s => s.Heading == "CommonParameters"))
        {
            yield return file + ": PARAMETERS has no '### CommonParameters' section";
        }
        if (document.UnclosedFenceLine is int unclosed)
        {
            yield return file + ":" + unclosed + ": code fence never closed";
        }
        foreach (var (line, text) in document.ProseLines)
        {
            if (Regex.IsMatch(text, @"\{\{.*\}\}"))
            {
                yield return file + ":" + line + ": PlatyPS placeholder left in: " + text.Trim();
            }
        }
    }

    public static IEnumerable<string> CheckSynopsisAndDescription(CommandInfo command, HelpDocument document)
    {
        foreach (var name in new[] { "SYNOPSIS", "DESCRIPTION" })
        {
            var section = document.Section(name);
            if (section == null)
            {
                yield return document.FileName + ": no '## " + name + "' section";
            }
            else if (section.Intro.Text.Length == 0)
            {
                yield return document.FileName + ":" + section.Line + ": " + name + " is empty";
            }
        }
    }

    public static IEnumerable<string> CheckSyntax(CommandInfo command, HelpDocument document)
    {
        var file = document.FileName;
        var syntax = document.Section("SYNTAX");
        if (syntax == null)
        {
            yield break;
        }
        var sets = command.ParameterSets.ToList();
        var documented = new List<(string? SetName, HelpSubsection Part)>();
        if (sets.Count == 1 && sets[0].Name == AllParameterSets)
        {
            if (syntax.Headed.Any())
            {
                yield return file + ": SYNTAX has '### " + syntax.Headed.First().Heading + "' but " + command.Name + " has a single, unnamed parameter set: PlatyPS writes one block without a heading";
            }
            documented.Add((AllParameterSets, syntax.Intro));
        }
        else
        {
            foreach (var part in syntax.Headed)
            {
                var heading = part.Heading!;
                var isDefault = heading.EndsWith(" (Default)", StringComparison.Ordinal);
                var name = isDefault ? heading.Substring(0, heading.Length - " (Default)".Length) : heading;
                var set = sets.FirstOrDefault(s => s.Name == name);
                if (set == null)
                {
                    yield return file + ":" + part.Line + ": SYNTAX has '### " + heading + "' but " + command.Name + " has no parameter set '" + name + "' (it has " + string.Join(", ", sets.Select(s => s.Name)) + ")";
                    continue;
                }
                if (set.IsDefault != isDefault)
                {
                    yield return file + ":" + part.Line + ": SYNTAX '### " + heading + "': " + (set.IsDefault ? "the default parameter set must be marked '### " + name + " (Default)'" : name + " is not the default parameter set");
                }
                documented.Add((name, part));
            }
            foreach (var set in sets.Where(s => documented.All(d => d.SetName != s.Name)))
            {
                yield return file + ": SYNTAX has no '### " + set.Name + (set.IsDefault ? " (Default)" : "") + "' block for parameter set " + set.Name;
            }
        }

        foreach (var (setName, part) in documented)
        {
            var where = file + ":" + part.Line + ": SYNTAX" + (setName == AllParameterSets ? "" : " '" + setName + "'");
            var block = part.CodeBlocks.FirstOrDefault();
            if (block == null || part.CodeBlocks.Count != 1)
            {
                yield return where + ": needs exactly one code block, it has " + part.CodeBlocks.Count;
                continue;
            }
            var code = block.Code.Trim();
            if (!code.StartsWith(command.Name + " ", StringComparison.Ordinal) && code != command.Name)
            {
                yield return where + ": the syntax does not start with " + command.Name;
            }
            var set = sets.First(s => s.Name == setName);
            var expected = set.Parameters.Where(p => IsDocumented(command, p.Name)).ToList();
            var shown = Regex.Matches(code, @"(?<=[\s\[])-(\w+)").Select(m => m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            foreach (var parameter in expected)
            {
                var optional = Regex.IsMatch(code, @"\[\[?-" + Regex.Escape(parameter.Name) + @"\b");
                var present = Regex.IsMatch(code, @"(?<=[\s\[])-" + Regex.Escape(parameter.Name) + @"\b");
                if (!present)
                {
                    yield return where + ": does not show -" + parameter.Name;
                }
                else if (parameter.IsMandatory == optional)
                {
                    yield return where + ": shows -" + parameter.Name + " as " + (optional ? "optional" : "mandatory") + ", it is " + (parameter.IsMandatory ? "mandatory" : "optional") + " in this parameter set";
                }
            }
            foreach (var name in shown.Where(n => expected.All(p => !string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase))))
            {
                yield return where + ": shows -" + name + ", which is not in this parameter set";
            }
            if (!code.Contains("[<CommonParameters>]", StringComparison.Ordinal))
            {
                yield return where + ": does not end with [<CommonParameters>]";
            }
        }
    }

    /// <summary>The parameters that need a "### -Name" section: all but the common ones (WhatIf/Confirm only with ShouldProcess).</summary>
    public static IReadOnlyList<ParameterMetadata> DocumentedParameters(CommandInfo command) =>
        command.Parameters.Values.Where(p => IsDocumented(command, p.Name)).ToList();

    private static bool IsDocumented(CommandInfo command, string name)
    {
        if (Cmdlet.CommonParameters.Contains(name))
        {
            return false;
        }
        if (Cmdlet.OptionalCommonParameters.Contains(name))
        {
            return (name == "WhatIf" || name == "Confirm") && new CommandMetadata(command).SupportsShouldProcess;
        }
        return true;
    }

    private static Dictionary<string, HelpSubsection> ParameterSections(HelpDocument document)
    {
        var result = new Dictionary<string, HelpSubsection>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in document.Section("PARAMETERS")?.Headed ?? Enumerable.Empty<HelpSubsection>())
        {
            if (part.Heading!.StartsWith("-", StringComparison.Ordinal))
            {
                result.TryAdd(part.Heading.Substring(1).Trim(), part);
            }
        }
        return result;
    }

    public static IEnumerable<string> CheckParametersDocumented(CommandInfo command, HelpDocument document)
    {
        var sections = ParameterSections(document);
        var duplicates = (document.Section("PARAMETERS")?.Headed ?? Enumerable.Empty<HelpSubsection>())
            .Where(p => p.Heading!.StartsWith("-", StringComparison.Ordinal))
            .GroupBy(p => p.Heading!, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1);
        foreach (var duplicate in duplicates)
        {
            yield return document.FileName + ": '### " + duplicate.Key + "' appears " + duplicate.Count() + " times";
        }
        foreach (var parameter in DocumentedParameters(command))
        {
            if (!sections.TryGetValue(parameter.Name, out var section))
            {
                yield return document.FileName + ": -" + parameter.Name + ": no '### -" + parameter.Name + "' section in PARAMETERS";
                continue;
            }
            var where = document.FileName + ":" + section.Line + ": -" + parameter.Name;
            if (section.Text.Length == 0)
            {
                yield return where + ": no description";
            }
            if (!section.CodeBlocks.Any(b => b.Language == "yaml"))
            {
                yield return where + ": no ```yaml block with Type, Parameter Sets, Required...";
            }
        }
    }

    public static IEnumerable<string> CheckNoUnknownParameters(CommandInfo command, HelpDocument document)
    {
        foreach (var part in document.Section("PARAMETERS")?.Headed ?? Enumerable.Empty<HelpSubsection>())
        {
            var heading = part.Heading!;
            if (heading == "CommonParameters")
            {
                continue;
            }
            var where = document.FileName + ":" + part.Line + ": '### " + heading + "'";
            if (!heading.StartsWith("-", StringComparison.Ordinal))
            {
                yield return where + " is neither a parameter ('### -Name') nor '### CommonParameters'";
                continue;
            }
            var name = heading.Substring(1).Trim();
            var parameter = command.Parameters.Values.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (parameter == null)
            {
                yield return where + " documents a parameter that " + command.Name + " does not have (it has " +
                    string.Join(", ", DocumentedParameters(command).Select(p => "-" + p.Name)) + ")";
            }
            else if (parameter.Name != name)
            {
                yield return where + ": the parameter is spelled -" + parameter.Name;
            }
            else if (!IsDocumented(command, name) && !DocumentableCommonParameters.Contains(name))
            {
                yield return where + " documents a common parameter: it belongs to '### CommonParameters' only";
            }
        }
    }

    public static IEnumerable<string> CheckParameterMetadata(CommandInfo command, HelpDocument document)
    {
        var sections = ParameterSections(document);
        var commandSets = command.ParameterSets.Select(s => s.Name).ToList();
        foreach (var parameter in command.Parameters.Values)
        {
            if (!sections.TryGetValue(parameter.Name, out var section))
            {
                continue; // reported by CheckParametersDocumented
            }
            var where = document.FileName + ":" + section.Line + ": -" + parameter.Name;
            var expectedSets = ExpandParameterSets(parameter, commandSets);
            var documentedSets = new Dictionary<string, ParameterYaml>(StringComparer.Ordinal);
            var blocks = section.CodeBlocks.Where(b => b.Language == "yaml").Select(b => new ParameterYaml(b)).ToList();
            foreach (var yaml in blocks)
            {
                var missingKeys = ParameterYaml.Keys.Where(k => yaml[k] == null).ToList();
                if (missingKeys.Count > 0)
                {
                    yield return where + ": the yaml block at line " + yaml.Line + " lacks " + string.Join(", ", missingKeys);
                }

                var type = yaml["Type"];
                if (type != null && !TypeNames(parameter.ParameterType).Contains(type))
                {
                    yield return where + ": the help says Type: " + type + ", the cmdlet's parameter is " + TypeNames(parameter.ParameterType)[0];
                }

                var aliases = ParameterYaml.List(yaml["Aliases"]);
                if (!aliases.OrderBy(a => a, StringComparer.OrdinalIgnoreCase).SequenceEqual(parameter.Aliases.OrderBy(a => a, StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase))
                {
                    yield return where + ": the help says Aliases: " + (aliases.Count == 0 ? "(none)" : string.Join(", ", aliases)) + ", the cmdlet's aliases are " + (parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases));
                }

                var acceptedValues = ParameterYaml.List(yaml["Accepted values"]);
                var validValues = ValidValues(parameter);
                if (!acceptedValues.OrderBy(v => v, StringComparer.OrdinalIgnoreCase).SequenceEqual(validValues.OrderBy(v => v, StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase))
                {
                    yield return where + ": the help says Accepted values: " + (acceptedValues.Count == 0 ? "(none)" : string.Join(", ", acceptedValues)) +
                        ", the cmdlet accepts " + (validValues.Count == 0 ? "any value" : string.Join(", ", validValues));
                }

                var wildcards = parameter.Attributes.OfType<SupportsWildcardsAttribute>().Any();
                if (yaml["Accept wildcard characters"] is string wildcard && !string.Equals(wildcard, wildcards.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    yield return where + ": the help says Accept wildcard characters: " + wildcard + ", the cmdlet says " + wildcards;
                }

                var setNames = yaml["Parameter Sets"] is string setsValue && setsValue.Trim() == "(All)" ? commandSets : ParameterYaml.List(yaml["Parameter Sets"]);
                foreach (var setName in setNames)
                {
                    if (!documentedSets.TryAdd(setName, yaml))
                    {
                        yield return where + ": parameter set '" + setName + "' is in more than one yaml block";
                    }
                }
            }

            foreach (var (setName, expected) in expectedSets)
            {
                var setLabel = setName == AllParameterSets ? "(All)" : setName;
                if (!documentedSets.TryGetValue(setName, out var yaml))
                {
                    yield return where + ": the help does not give parameter set '" + setName + "' (the parameter is " + (expected.IsMandatory ? "mandatory" : "optional") + " there)";
                    continue;
                }
                var required = yaml["Required"];
                if (required != null && !string.Equals(required, expected.IsMandatory.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    yield return where + ": parameter set '" + setLabel + "': the help says Required: " + required + ", the cmdlet says " + expected.IsMandatory;
                }
                var pipeline = yaml["Accept pipeline input"];
                if (pipeline != null && !PipelineInputAgrees(pipeline, expected))
                {
                    yield return where + ": parameter set '" + setLabel + "': the help says Accept pipeline input: " + pipeline + ", the cmdlet says " + PipelineInput(expected);
                }
                var position = yaml["Position"];
                var expectedPosition = expected.Position == int.MinValue ? "Named" : expected.Position.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (position != null && !string.Equals(position, expectedPosition, StringComparison.OrdinalIgnoreCase))
                {
                    yield return where + ": parameter set '" + setLabel + "': the help says Position: " + position + ", the cmdlet says " + expectedPosition;
                }
            }
            foreach (var setName in documentedSets.Keys.Where(s => !expectedSets.ContainsKey(s)))
            {
                yield return where + ": the help puts it in parameter set '" + setName + "', " +
                    (commandSets.Contains(setName) ? "where the parameter is not" : "which " + command.Name + " does not have") +
                    " (it is in " + string.Join(", ", expectedSets.Keys) + ")";
            }
        }
    }

    /// <summary>Each of the cmdlet's parameter sets the parameter is in, with its metadata there.</summary>
    private static Dictionary<string, ParameterSetMetadata> ExpandParameterSets(ParameterMetadata parameter, IReadOnlyList<string> commandSets)
    {
        var result = new Dictionary<string, ParameterSetMetadata>(StringComparer.Ordinal);
        parameter.ParameterSets.TryGetValue(AllParameterSets, out var inAll);
        foreach (var setName in commandSets)
        {
            if (parameter.ParameterSets.TryGetValue(setName, out var metadata))
            {
                result[setName] = metadata;
            }
            else if (inAll != null)
            {
                result[setName] = inAll;
            }
        }
        return result;
    }

    private static IReadOnlyList<string> TypeNames(Type type)
    {
        var names = new List<string> { type.Name, type.FullName ?? type.Name };
        if (Nullable.GetUnderlyingType(type) is Type underlying)
        {
            names.InsertRange(0, new[] { underlying.Name, underlying.FullName ?? underlying.Name });
        }
        return names;
    }

    private static IReadOnlyList<string> ValidValues(ParameterMetadata parameter)
    {
        var validateSet = parameter.Attributes.OfType<ValidateSetAttribute>().FirstOrDefault();
        if (validateSet != null)
        {
            return validateSet.ValidValues.ToList();
        }
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        type = type.IsArray ? type.GetElementType()! : type;
        return type.IsEnum ? Enum.GetNames(type) : Array.Empty<string>();
    }

    private static string PipelineInput(ParameterSetMetadata metadata)
    {
        var kinds = new List<string>();
        if (metadata.ValueFromPipelineByPropertyName) kinds.Add("ByPropertyName");
        if (metadata.ValueFromPipeline) kinds.Add("ByValue");
        return kinds.Count == 0 ? "False" : "True (" + string.Join(", ", kinds) + ")";
    }

    private static bool PipelineInputAgrees(string documented, ParameterSetMetadata metadata)
    {
        var accepts = documented.StartsWith("True", StringComparison.OrdinalIgnoreCase);
        if (!accepts && !documented.StartsWith("False", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var byValue = Regex.IsMatch(documented, @"\bByValue\b");
        var byPropertyName = Regex.IsMatch(documented, @"\bByPropertyName\b");
        return accepts == (metadata.ValueFromPipeline || metadata.ValueFromPipelineByPropertyName)
            && byValue == metadata.ValueFromPipeline
            && byPropertyName == metadata.ValueFromPipelineByPropertyName;
    }

    public static IEnumerable<string> CheckExamples(CommandInfo command, HelpDocument document)
    {
        var examples = document.Section("EXAMPLES");
        if (examples == null)
        {
            yield break; // reported by CheckLayout
        }
        if (!examples.Headed.Any())
        {
            yield return document.FileName + ":" + examples.Line + ": EXAMPLES has no example ('### Example 1: ...' with a ```powershell block)";
        }
        foreach (var example in examples.Headed)
        {
            var where = document.FileName + ":" + example.Line + ": '### " + example.Heading + "'";
            var code = example.CodeBlocks.Where(b => string.Equals(b.Language, "powershell", StringComparison.OrdinalIgnoreCase)).ToList();
            if (code.Count == 0)
            {
                yield return where + ": no ```powershell code block";
                continue;
            }
            if (example.Text.Length == 0)
            {
                yield return where + ": no paragraph that explains the example";
            }
            var callsCommand = false;
            foreach (var block in code)
            {
                var ast = Parser.ParseInput(block.Code, out _, out var errors);
                foreach (var error in errors)
                {
                    yield return where + ": the code at line " + (block.Line + error.Extent.StartLineNumber) + " does not parse: " + error.Message + " (" + error.ErrorId + ")";
                }
                callsCommand |= ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>()
                    .Any(c => string.Equals(c.GetCommandName(), command.Name, StringComparison.OrdinalIgnoreCase));
            }
            if (!callsCommand)
            {
                yield return where + ": the code does not call " + command.Name;
            }
        }
    }

    public static IEnumerable<string> CheckInputsAndOutputs(CommandInfo command, HelpDocument document)
    {
        var inputs = document.Section("INPUTS");
        var outputs = document.Section("OUTPUTS");
        if (inputs == null || outputs == null)
        {
            yield break; // reported by CheckLayout
        }
        var inputTypes = inputs.Headed.Select(s => s.Heading!).ToList();
        var pipelineParameters = DocumentedParameters(command)
            .Where(p => p.ParameterSets.Values.Any(s => s.ValueFromPipeline || s.ValueFromPipelineByPropertyName)).ToList();
        if (pipelineParameters.Count == 0 && !inputTypes.SequenceEqual(new[] { "None" }))
        {
            yield return document.FileName + ":" + inputs.Line + ": INPUTS must be '### None': " + command.Name + " takes no pipeline input (it lists " + string.Join(", ", inputTypes) + ")";
        }
        foreach (var parameter in pipelineParameters.Where(p => p.ParameterSets.Values.Any(s => s.ValueFromPipeline)))
        {
            var type = parameter.ParameterType.FullName;
            if (!inputTypes.Contains(type!))
            {
                yield return document.FileName + ":" + inputs.Line + ": INPUTS has no '### " + type + "': -" + parameter.Name + " takes it from the pipeline";
            }
        }

        var outputTypes = outputs.Headed.Select(s => s.Heading!).ToList();
        var declared = command.OutputType.Select(t => t.Name).Where(n => n != typeof(void).FullName).ToList();
        if (declared.Count == 0 && !(outputTypes.SequenceEqual(new[] { "None" }) || outputTypes.SequenceEqual(new[] { typeof(void).FullName! })))
        {
            yield return document.FileName + ":" + outputs.Line + ": OUTPUTS must be '### None': " + command.Name + " declares no output (it lists " + string.Join(", ", outputTypes) + ")";
        }
        foreach (var type in declared.Where(t => !outputTypes.Contains(t)))
        {
            yield return document.FileName + ":" + outputs.Line + ": OUTPUTS has no '### " + type + "' ([OutputType] of " + command.Name + ")";
        }
        foreach (var part in inputs.Headed.Concat(outputs.Headed).Where(p => p.Text.Length == 0))
        {
            yield return document.FileName + ":" + part.Line + ": '### " + part.Heading + "' has no sentence that says what it is";
        }
    }

    public static IEnumerable<string> CheckModulePage(string text, string fileName, PSModuleInfo module, IReadOnlyList<string> commands)
    {
        var document = HelpDocument.Parse(text, fileName);
        if (!document.FrontMatter.TryGetValue("Module Name", out var moduleName) || moduleName != module.Name)
        {
            yield return fileName + ": front matter must say 'Module Name: " + module.Name + "'";
        }
        if (!document.FrontMatter.TryGetValue("Module Guid", out var guid) || !Guid.TryParse(guid, out var parsed) || parsed != module.Guid)
        {
            yield return fileName + ": front matter must say 'Module Guid: " + module.Guid + "' (the manifest's GUID)";
        }
        var description = document.Section("Description");
        if (description == null || description.Intro.Text.Length == 0)
        {
            yield return fileName + ": '## Description' is missing or empty";
        }
        var list = document.Section(module.Name + " Cmdlets");
        if (list == null)
        {
            yield return fileName + ": no '## " + module.Name + " Cmdlets' section";
            yield break;
        }
        var listed = list.Headed.ToDictionary(p => p.Heading!, p => p, StringComparer.Ordinal);
        foreach (var command in commands)
        {
            var heading = "[" + command + "](" + command + ".md)";
            if (!listed.TryGetValue(heading, out var part))
            {
                yield return fileName + ": does not list '### " + heading + "'";
            }
            else if (part.Text.Length == 0)
            {
                yield return fileName + ":" + part.Line + ": '### " + heading + "' has no description";
            }
        }
        foreach (var heading in listed.Keys.Where(h => !commands.Any(c => h == "[" + c + "](" + c + ".md)")))
        {
            yield return fileName + ": lists '### " + heading + "', which is not an exported cmdlet";
        }
    }
}
