namespace AzureCompliance.Core.Tests;

/// <summary>
/// The file-size rule of docs/architecture.md: a C# file under src/ longer than <see cref="MaximumLines"/> lines says why
/// in a <c>// Size: reason</c> comment among its first <see cref="ReasonWithinLines"/> lines.
/// </summary>
public sealed class SourceSizeTests
{
    private const int MaximumLines = 500;
    private const int ReasonWithinLines = 5;
    private const string ReasonMarker = "// Size:";

    /// <summary>Why a file breaks the rule, or null when it keeps it.</summary>
    private static string? Problem(string name, IReadOnlyList<string> lines)
    {
        if (lines.Count <= MaximumLines)
        {
            return null;
        }
        var hasReason = lines.Take(ReasonWithinLines).Select(l => l.Trim())
            .Any(l => l.StartsWith(ReasonMarker, StringComparison.Ordinal) && l.Length > ReasonMarker.Length + 3);
        return hasReason ? null
            : $"{name}: {lines.Count} lines (over {MaximumLines}) and no '{ReasonMarker} <reason>' in its first {ReasonWithinLines} lines";
    }

    private static string RepositoryRoot()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "AzureCompliance.sln")))
        {
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar))
                ?? throw new InvalidOperationException("AzureCompliance.sln not found above " + AppContext.BaseDirectory);
        }
        return root;
    }

    [Fact]
    public void Every_src_file_over_the_limit_says_why_at_its_top()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var separator = Path.DirectorySeparatorChar;
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{separator}obj{separator}") && !f.Contains($"{separator}bin{separator}"))
            .ToList();

        Assert.NotEmpty(files);
        var problems = files.Select(f => Problem(Path.GetRelativePath(src, f), File.ReadAllLines(f))).Where(p => p != null).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_rule_accepts_short_files_and_files_that_say_why()
    {
        Assert.Null(Problem("short.cs", Lines(MaximumLines)));
        Assert.Null(Problem("long.cs", Lines(MaximumLines + 1, "// Size: generated protocol table, one entry per message")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("// Size:")]
    [InlineData("// size: lower case is not the marker")]
    public void The_rule_refuses_a_long_file_without_a_reason(string? top)
    {
        Assert.NotNull(Problem("long.cs", Lines(MaximumLines + 1, top)));
    }

    [Fact]
    public void The_rule_refuses_a_reason_below_the_top()
    {
        var lines = Lines(MaximumLines + 1).ToList();
        lines[ReasonWithinLines] = "// Size: too far down to be read first";
        Assert.NotNull(Problem("long.cs", lines));
    }

    private static IReadOnlyList<string> Lines(int count, string? first = null) =>
        Enumerable.Range(0, count).Select(i => i == 0 && first != null ? first : "// line").ToList();
}
