using System.Globalization;
using AzureCompliance.Bench;

// dotnet run --project bench/AzureCompliance.Bench -c Release [-- options]
//   (no mode)  the benchmark: prints the figures
//   kill9      kill -9 a sync in the middle, run again, check that nothing was lost or confirmed twice
//   serve      (internal) the emulator child process
//   sync       (internal) one sync run, the process kill9 kills
var mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "bench";
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
int IntOption(string name, int fallback) => Option(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

switch (mode)
{
    case "serve":
        return await EmulatorChild.RunAsync(args);
    case "tenants": // many tenants at once: ManyTenantsBenchmark.cs
        return await new ManyTenantsBenchmark { Tenants = IntOption("--tenants", 20), Devices = IntOption("--devices", 5_000), Budget = IntOption("--budget", 2) }.RunAsync();
    case "serve-tenants":
        return await TenantFarmChild.RunAsync(args);
    case "sync":
        return await KillNine.SyncAsync(Option("--authority")!, Option("--graph")!, Option("--state")!, Option("--owner")!, IntOption("--count", 3000), IntOption("--batch", 50), Option("--sent"));
    case "kill9":
        return await KillNine.RunAsync(IntOption("--devices", 3000), IntOption("--batch", 50), IntOption("--kill-after", 15));
    case "bench":
        return await new Benchmarks
        {
            Devices = IntOption("--devices", 100_000),
            BatchSize = IntOption("--batch", 100),
            Budget = IntOption("--budget", 50),
            WindowMs = IntOption("--window-ms", 1000),
            LatencyMs = IntOption("--latency", 20),
            MaxConcurrency = IntOption("--max-concurrency", 16),
            Million = IntOption("--million", 1_000_000),
            NaiveTime = TimeSpan.FromSeconds(IntOption("--naive-seconds", 20)),
            DirectoryDevices = Option("--directory-devices") != "false",
            ProcessingMs = IntOption("--processing-ms", 1000),
            TokenLifetime = TimeSpan.FromSeconds(IntOption("--token-seconds", 20)),
        }.RunAsync();
    default:
        Console.Error.WriteLine("Usage: AzureCompliance.Bench [kill9] [--devices N] [--batch N] [--budget N] [--window-ms N] [--latency MS] [--million N] [--naive-seconds S]");
        return 2;
}
