using System.Diagnostics;
using Xunit.Abstractions;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>
/// kill -9 in the middle of a sync: the benchmark program's "kill9" scenario runs the emulator and two syncs in their own
/// processes, SIGKILLs the first sync mid-run, completes with the second, and checks that nothing was lost, that no
/// confirmed device went again, and that Entra matches the policy for every device.
/// </summary>
public sealed class KillNineTests
{
    private readonly ITestOutputHelper _output;

    public KillNineTests(ITestOutputHelper output) => _output = output;

    [Fact]
    [Trait("Category", "Process")]
    public void A_sync_killed_with_SIGKILL_loses_nothing_and_the_next_run_completes()
    {
        var bench = BenchAssembly();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(bench);
        info.ArgumentList.Add("kill9");
        info.ArgumentList.Add("--devices");
        info.ArgumentList.Add("2000");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The kill -9 scenario did not finish within 90 s.");
        }
        _output.WriteLine(output.Result);
        _output.WriteLine(errors.Result);
        Assert.True(process.ExitCode == 0, output.Result + errors.Result);
        Assert.Contains("PASS", output.Result);
    }

    /// <summary>The built benchmark program (built here when the solution build did not build it).</summary>
    private static string BenchAssembly()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "AzureCompliance.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("AzureCompliance.sln not found above " + AppContext.BaseDirectory);
        }
        var project = Path.Combine(root, "bench", "AzureCompliance.Bench");
        var sources = Directory.GetFiles(project, "*.cs").Concat(Directory.GetFiles(Path.Combine(root, "src", "AzureCompliance.Core", "Sync"), "*.cs"))
            .Max(File.GetLastWriteTimeUtc);
        var built = new[] { "Debug", "Release" }.Select(c => Path.Combine(project, "bin", c, "net10.0", "AzureCompliance.Bench.dll"))
            .Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        if (built != null && File.GetLastWriteTimeUtc(built) >= sources)
        {
            return built;
        }
        var build = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        build.ArgumentList.Add("build");
        build.ArgumentList.Add(project);
        build.ArgumentList.Add("-c");
        build.ArgumentList.Add("Debug");
        build.ArgumentList.Add("-nologo");
        using var process = Process.Start(build)!;
        var log = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromMinutes(3));
        Assert.True(process.ExitCode == 0, "Building the benchmark failed: " + log.Result);
        return Path.Combine(project, "bin", "Debug", "net10.0", "AzureCompliance.Bench.dll");
    }
}
