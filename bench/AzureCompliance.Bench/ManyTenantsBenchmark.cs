using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text.Json.Nodes;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Bench;

/// <summary>
/// "tenants" mode: N customer tenants × M devices synced at once from one process, through the engine's public API only
/// (ConnectionService, DeviceSyncRun), against a farm of emulated tenants in a child process (so the working set measured
/// is the engine's). Every tenant has the same message budget (its ceiling: budget × devices per message per window);
/// one tenant answers 30 % of its uploads with 429, one is down (503 on every upload). Prints per-tenant figures, the
/// unharmed tenants' aggregate throughput against the sum of their ceilings, and the peak working set. Asserts nothing.
/// </summary>
internal sealed class ManyTenantsBenchmark
{
    private const string Source = "bench-tenants";

    public int Tenants { get; set; } = 20;
    public int Devices { get; set; } = 5_000;
    public int Budget { get; set; } = 2;
    public int WindowMs { get; set; } = 1000;
    public int BatchSize { get; set; } = 100;
    public int LatencyMs { get; set; } = 20;
    public int ProcessingMs { get; set; } = 1000;

    private static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public Task<int> RunAsync() => WorkFolder.RunInAsync("azc-bench-tenants-", RunAsync);

    private async Task<int> RunAsync(string work)
    {
        var ceiling = Budget * 1000.0 / WindowMs * BatchSize;
        Console.WriteLine($"AzureCompliance many-tenants benchmark: {Tenants} tenants x {N(Devices)} devices in one process, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine($"Each tenant: budget {Budget} upload messages per {WindowMs} ms per app (429 + Retry-After beyond it), {BatchSize} devices per message = ceiling {N(ceiling)} devices/s; " +
                          $"{LatencyMs} ms added latency; messages processed {ProcessingMs} ms after upload. Tenant 02: 30 % of uploads answered 429. Tenant 03: down (every upload 503).");
        Console.WriteLine();

        await using var farm = await FarmProcess.StartAsync("--tenants", Tenants.ToString(CultureInfo.InvariantCulture), "--devices", Devices.ToString(CultureInfo.InvariantCulture),
            "--budget", Budget.ToString(CultureInfo.InvariantCulture), "--window-ms", WindowMs.ToString(CultureInfo.InvariantCulture),
            "--latency", LatencyMs.ToString(CultureInfo.InvariantCulture), "--processing-ms", ProcessingMs.ToString(CultureInfo.InvariantCulture),
            "--throttled-tenant", "1", "--outage-tenant", "2");
        var tenants = farm.Ready["tenants"]!.AsArray().Select(t => new TenantRun(t!)).ToList();

        foreach (var tenant in tenants)
        {
            tenant.Connection = await ConnectAsync(tenant);
            tenant.StatePath = Path.Combine(work, tenant.TenantId + ".db");
            PrepareState(tenant.StatePath);
        }

        using var memory = new WorkingSetSampler();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(tenants.Select(t => SyncAsync(t, clock)));
        var total = clock.Elapsed;
        var stats = await farm.SendAsync("stats");

        Console.WriteLine("tenant      fault   sent   confirmed failed  429s  uploaded in (run clock)  devices/s  of its ceiling  all confirmed at (common clock)");
        foreach (var (tenant, index) in tenants.Select((t, i) => (t, i)))
        {
            var tenantStats = stats.AsArray().First(s => s!["tenantId"]!.GetValue<string>() == tenant.TenantId)!;
            var s = tenant.Summary;
            var rate = s is null || tenant.UploadedInRun <= TimeSpan.Zero ? 0 : s.Sent / tenant.UploadedInRun.TotalSeconds;
            Console.WriteLine($"Customer {index + 1:00} {tenant.Fault,-7} {N(s?.Sent ?? 0),6} {N(s?.Confirmed ?? 0),9} {N(s?.Failed ?? 0),6} {N(tenantStats["throttled"]!.GetValue<int>()),5} " +
                              $"{N(tenant.UploadedInRun.TotalSeconds, "0.0"),21} s {N(rate),10} {N(rate / ceiling * 100, "0.0"),13} % {N(tenant.FinishedAt.TotalSeconds, "0.0"),13} s" +
                              (tenant.Error is null ? "" : "  FAILED: " + tenant.Error));
        }

        var unharmed = tenants.Where(t => t.Fault == "none").ToList();
        var unharmedSent = unharmed.Sum(t => t.Summary?.Sent ?? 0);
        var unharmedUploaded = unharmed.Max(t => t.UploadedAt);
        var aggregate = unharmedSent / unharmedUploaded.TotalSeconds;
        var ceilings = ceiling * unharmed.Count;
        var sumOfRates = unharmed.Sum(t => t.Summary is { } u && t.UploadedInRun > TimeSpan.Zero ? u.Sent / t.UploadedInRun.TotalSeconds : 0);
        var allSent = tenants.Sum(t => t.Summary?.Sent ?? 0);
        Console.WriteLine();
        Console.WriteLine($"Unharmed tenants ({unharmed.Count}): aggregate {N(sumOfRates)} devices/s (each run on its own clock, as in the single-tenant benchmark) = " +
                          $"{N(sumOfRates / ceilings * 100, "0.0")} % of the sum of their ceilings ({N(ceilings)} devices/s; target >= 90 %); " +
                          $"{unharmed.Count(t => t.Summary?.Confirmed == Devices)} of {unharmed.Count} confirmed every device.");
        Console.WriteLine($"   Wall clock from the common start ({Tenants} runs' set-up included): {N(unharmedSent)} devices uploaded in {N(unharmedUploaded.TotalSeconds, "0.0")} s = " +
                          $"{N(aggregate)} devices/s = {N(aggregate / ceilings * 100, "0.0")} % of the sum of the ceilings.");
        Console.WriteLine($"All {Tenants} tenants: {N(allSent)} devices uploaded, the last run ended after {N(total.TotalSeconds, "0.0")} s; " +
                          $"{unharmed.Sum(t => t.Summary?.Throttled ?? 0)} answers 429 to the unharmed tenants.");
        Console.WriteLine($"Peak working set of this process (the engine, {Tenants} runs at once): {N(memory.Peak / 1048576.0)} MB (target <= 600 MB); " +
                          $"managed heap peak {N(memory.PeakHeap / 1048576.0)} MB.");
        return 0;
    }

    private async Task SyncAsync(TenantRun tenant, Stopwatch clock)
    {
        var samples = new List<(TimeSpan At, TimeSpan RunElapsed, long Sent)>();
        try
        {
            var options = new DeviceSyncOptions { StatePath = tenant.StatePath, BatchSize = BatchSize };
            using var run = await DeviceSyncRun.StartAsync(tenant.Connection!, options, SilentOperationContext.Instance, CancellationToken.None);
            using var sampler = new Timer(_ => { var s = run.Snapshot(); lock (samples) samples.Add((clock.Elapsed, s.Elapsed, s.Sent)); }, null, 0, 50);
            foreach (var device in ManyTenantsFleet.Generate(Devices, tenant.Owners))
            {
                await run.PostAsync(new DeviceSyncInput(device), CancellationToken.None);
            }
            tenant.Summary = await run.CompleteAsync();
        }
        catch (ComplianceException ex)
        {
            tenant.Error = ex.ErrorId + ": " + ex.Message;
        }
        tenant.FinishedAt = clock.Elapsed;
        var sent = tenant.Summary?.Sent ?? 0;
        lock (samples)
        {
            tenant.UploadedAt = sent == 0 ? TimeSpan.Zero : samples.Where(s => s.Sent >= sent).Select(s => s.At).DefaultIfEmpty(tenant.FinishedAt).Min();
            // As the single-tenant benchmark measures it: on the run's own clock (from the run's start, after its setup).
            tenant.UploadedInRun = sent == 0 ? TimeSpan.Zero : samples.Where(s => s.Sent >= sent).Select(s => s.RunElapsed).DefaultIfEmpty(tenant.Summary!.Elapsed).Min();
        }
    }

    private static async Task<ComplianceConnection> ConnectAsync(TenantRun tenant)
    {
        var secret = new SecureString();
        foreach (var c in DemoTenant.AppSecret) secret.AppendChar(c);
        secret.MakeReadOnly();
        return await ConnectionService.ConnectAsync(new ConnectionRequest
        {
            AuthType = ComplianceAuthType.ClientSecret,
            TenantId = tenant.TenantId,
            ClientId = DemoTenant.AppClientId,
            ClientSecret = secret,
            Environment = CloudEnvironment.Custom(new Uri(tenant.Authority), new Uri(tenant.Graph)),
            SourceName = Source,
        }, SilentOperationContext.Instance, CancellationToken.None);
    }

    /// <summary>A state with an "All users" scope and the default iOS and Android policies.</summary>
    private static void PrepareState(string path)
    {
        using var store = StateStore.Open(path);
        GroupScope.Everyone.Save(store, Source);
        foreach (var platform in new[] { DevicePlatform.iOS, DevicePlatform.Android })
        {
            CompliancePolicyStore.Add(store, Source, CompliancePolicy.CreateDefault(platform + " baseline", platform), DateTimeOffset.UtcNow);
        }
    }

    private sealed class TenantRun(JsonNode node)
    {
        public string TenantId { get; } = node["tenantId"]!.GetValue<string>();
        public string Authority { get; } = node["authority"]!.GetValue<string>();
        public string Graph { get; } = node["graph"]!.GetValue<string>();
        public string Fault { get; } = node["fault"]!.GetValue<string>();
        public IReadOnlyList<string> Owners { get; } = node["owners"]!.AsArray().Select(o => o!.GetValue<string>()).ToList();
        public ComplianceConnection? Connection { get; set; }
        public string StatePath { get; set; } = "";
        public DeviceSyncSummary? Summary { get; set; }
        public string? Error { get; set; }
        public TimeSpan UploadedAt { get; set; }
        public TimeSpan UploadedInRun { get; set; }
        public TimeSpan FinishedAt { get; set; }
    }

    /// <summary>This process's working set and managed heap, sampled every 50 ms; the peaks.</summary>
    private sealed class WorkingSetSampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peak, _peakHeap;

        public WorkingSetSampler() => _timer = new Timer(_ =>
        {
            InterlockedMax(ref _peak, Environment.WorkingSet);
            InterlockedMax(ref _peakHeap, GC.GetTotalMemory(false));
        }, null, 0, 50);

        public long Peak => Math.Max(Interlocked.Read(ref _peak), Environment.WorkingSet);
        public long PeakHeap => Interlocked.Read(ref _peakHeap);

        private static void InterlockedMax(ref long target, long value)
        {
            long seen;
            while (value > (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }

        public void Dispose() => _timer.Dispose();
    }
}

/// <summary>The tenant farm in a child process of this program ("serve-tenants"), driven by lines on its standard input.</summary>
internal sealed class FarmProcess : IAsyncDisposable
{
    private readonly Process _process;

    private FarmProcess(Process process, JsonNode ready)
    {
        _process = process;
        Ready = ready;
    }

    public JsonNode Ready { get; }

    public static async Task<FarmProcess> StartAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var entry = typeof(FarmProcess).Assembly.Location;
        // Running as "dotnet AzureCompliance.Bench.dll", not as its own executable. (Compare whole names: the apphost
        // "AzureCompliance.Bench" has no extension, and GetFileNameWithoutExtension would cut ".Bench".)
        var host = Path.GetFileName(Environment.ProcessPath!);
        if (host.Equals("dotnet", StringComparison.OrdinalIgnoreCase) || host.Equals("dotnet.exe", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(entry);
        }
        info.ArgumentList.Add("serve-tenants");
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + info.FileName);
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The tenant farm ended before it was ready.");
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                return new FarmProcess(process, JsonNode.Parse(line[6..])!);
            }
        }
    }

    public async Task<JsonNode> SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        return JsonNode.Parse(await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The tenant farm ended."))!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync("quit");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // Gone already.
        }
        if (!_process.WaitForExit(10_000))
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
