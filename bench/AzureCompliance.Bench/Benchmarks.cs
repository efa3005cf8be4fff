using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Bench;

/// <summary>The figures: engine vs budget ceiling, the naive way, a 1 % delta run, memory at 1M devices, evaluation rate.</summary>
internal sealed class Benchmarks
{
    public int Devices { get; set; } = 100_000;
    public int BatchSize { get; set; } = 100;
    public int Budget { get; set; } = 50;
    public int WindowMs { get; set; } = 1000;
    public int LatencyMs { get; set; } = 20;
    public int MaxConcurrency { get; set; } = 16;
    public int Million { get; set; } = 1_000_000;
    public TimeSpan NaiveTime { get; set; } = TimeSpan.FromSeconds(20);
    public bool DirectoryDevices { get; set; } = true;
    public int ProcessingMs { get; set; } = 1000;
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(60);

    private static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public Task<int> RunAsync() => WorkFolder.RunInAsync("azc-bench-", RunAsync);

    private async Task<int> RunAsync(string work)
    {
        var ceiling = Budget * 1000.0 / WindowMs * BatchSize;
        Console.WriteLine($"AzureCompliance sync benchmark: {Environment.ProcessorCount} cores, {RuntimeInfo()}");
        Console.WriteLine($"Emulator: {LatencyMs} ms added latency, budget {Budget} messages per {WindowMs} ms (429 + Retry-After beyond it), " +
                          $"{BatchSize} devices per message: ceiling {N(ceiling)} devices/s; messages processed {N(ProcessingMs)} ms after upload; tokens live {N(TokenLifetime.TotalSeconds)} s.");
        Console.WriteLine();

        await using var emulator = await EmulatorProcess.StartAsync(TokenLifetime);
        await emulator.SendAsync(new { cmd = "processing", ms = ProcessingMs });
        var owners = (await emulator.SendAsync(new { cmd = "users" }))["ids"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        if (DirectoryDevices)
        {
            await emulator.SendAsync(new { cmd = "devices", count = Devices });
        }
        var connection = await SyncDriver.ConnectAsync(emulator.AuthorityHost, emulator.GraphEndpoint);
        await emulator.SendAsync(new { cmd = "latency", ms = LatencyMs });
        await emulator.SendAsync(new { cmd = "budget", limit = Budget, windowMs = WindowMs });

        // 1. The engine, 100k devices.
        var state = Path.Combine(work, "engine.db");
        SyncDriver.PrepareState(state);
        await emulator.SendAsync(new { cmd = "clear-journal" });
        var samples = new List<(TimeSpan Elapsed, long Sent)>();
        DeviceSyncSummary first;
        long firstPeak, firstHeap;
        using (var peak = new PeakSampler())
        {
            first = await SyncDriver.SyncAsync(connection, Fleet.Generate(Devices, owners), Options(state),
                sample: s => { lock (samples) samples.Add((s.Elapsed, s.Sent)); });
            firstPeak = peak.Peak;
            firstHeap = peak.PeakHeap;
        }
        var stats = await emulator.SendAsync(new { cmd = "stats" });
        TimeSpan uploaded;
        lock (samples) uploaded = samples.Where(s => s.Sent >= first.Sent).Select(s => s.Elapsed).DefaultIfEmpty(first.Elapsed).Min();
        var uploadRate = first.Sent / uploaded.TotalSeconds;
        var rate = first.Sent / first.Elapsed.TotalSeconds;
        var requests = stats["requests"]!.GetValue<int>();
        var throttled = stats["throttled"]!.GetValue<int>();
        Console.WriteLine($"1. Engine, {N(Devices)} devices: all {N(first.Sent)} uploaded in {N(uploaded.TotalSeconds, "0.0")} s = {N(uploadRate)} devices/s, " +
                          $"{N(uploadRate / ceiling * 100, "0.0")} % of the {N(ceiling)} devices/s ceiling (target >= 90 %).");
        Console.WriteLine($"   All confirmed (Completed) after {N(first.Elapsed.TotalSeconds, "0.0")} s = {N(rate)} devices/s end to end " +
                          $"(the emulator processes each message after {N(ProcessingMs)} ms, one at a time); confirmed {N(first.Confirmed)}, failed {N(first.Failed)}.");
        Console.WriteLine($"   {N(requests)} requests to DataUploadMessages ({N(stats["uploads"]!.GetValue<int>())} uploads, {N(stats["statusReads"]!.GetValue<int>())} status reads): " +
                          $"{N(throttled)} answered 429 = {N(requests == 0 ? 0 : throttled * 100.0 / requests, "0.00")} % (target < 1 %); " +
                          $"{N(stats["tokenRequests"]!.GetValue<int>())} token requests (tokens live {N(TokenLifetime.TotalSeconds)} s); peak working set {N(firstPeak / 1048576.0)} MB (managed heap {N(firstHeap / 1048576.0)} MB).");

        // 2. The naive way: one device per message, one upload at a time (each PUT waits for the one before), on the same
        //    emulator. Status reads go alongside, so the 1 s processing of each message does not count against it.
        var naiveState = Path.Combine(work, "naive.db");
        SyncDriver.PrepareState(naiveState);
        using (var stop = new CancellationTokenSource(NaiveTime))
        {
            var watch = Stopwatch.StartNew();
            DeviceSyncSummary? naive = null;
            try
            {
                naive = await SyncDriver.SyncAsync(connection, Fleet.Generate(Devices, owners), new DeviceSyncOptions
                {
                    StatePath = naiveState,
                    BatchSize = 1,
                    MaxConcurrency = 1,
                }, null, stop.Token);
            }
            catch (OperationCanceledException)
            {
                // The sample ends here; what was confirmed is counted.
            }
            var seconds = watch.Elapsed.TotalSeconds;
            var confirmed = naive?.Confirmed ?? CountConfirmed(naiveState);
            var naiveRate = confirmed / seconds;
            Console.WriteLine($"2. Naive (one device per message, one upload at a time): a sample of {N(confirmed)} devices in {N(seconds, "0.0")} s = {N(naiveRate, "0.0")} devices/s; " +
                              $"extrapolated, {N(Devices)} devices would take {N(Devices / Math.Max(naiveRate, 0.001) / 60, "0")} min. The engine is {N(rate / Math.Max(naiveRate, 0.001), "0")}x faster (target >= 20x).");
        }

        // 3. A second run after changing 1 % of the devices.
        var second = await SyncDriver.SyncAsync(connection, Fleet.Generate(Devices, owners, generation: 1, changeEvery: 100), Options(state));
        Console.WriteLine($"3. Second run, 1 % of devices changed: sent {N(second.Sent)} of {N(second.Received)} received, unchanged {N(second.Unchanged)}, in {N(second.Elapsed.TotalSeconds, "0.0")} s: " +
                          $"{N(second.Sent * 100.0 / Math.Max(1, first.Sent), "0.00")} % of the first run's payloads (target <= 1.5 %).");

        // 4. Memory while streaming a million generated devices through the engine's public root, over HTTPS to the emulator
        //    (its own process: its memory does not count). The service's pace is lifted (no budget, latency or processing
        //    delay): the figure is the engine's memory and throughput, not the emulated service's.
        await emulator.SendAsync(new { cmd = "devices", count = Million });
        await emulator.SendAsync(new { cmd = "latency", ms = 0 });
        await emulator.SendAsync(new { cmd = "budget", limit = 1_000_000, windowMs = 1000 });
        await emulator.SendAsync(new { cmd = "processing", ms = 0 });
        await emulator.SendAsync(new { cmd = "clear-journal" });
        var millionState = Path.Combine(work, "million.db");
        SyncDriver.PrepareState(millionState);
        GC.Collect();
        var before = CurrentWorkingSet();
        using (var sampler = new PeakSampler())
        {
            var million = await SyncDriver.SyncAsync(connection, Fleet.Generate(Million, owners), Options(millionState));
            Console.WriteLine($"4. Streaming {N(Million)} generated devices (emulator over HTTPS, its pace lifted): sent {N(million.Sent)}, confirmed {N(million.Confirmed)} " +
                              $"in {N(million.Elapsed.TotalSeconds, "0.0")} s ({N(million.DevicesPerSecond)} devices/s, state file {N(new FileInfo(millionState).Length / 1048576.0)} MB); " +
                              $"peak working set {N(sampler.Peak / 1048576.0)} MB (before the run {N(before / 1048576.0)} MB), peak managed heap {N(sampler.PeakHeap / 1048576.0)} MB (target <= 400 MB).");
        }

        // 5. Policy evaluation on one core.
        var evaluator = SyncDriver.Evaluator();
        var sample = Fleet.Generate(100_000, owners).ToArray();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < sample.Length; i++) evaluator.Evaluate(sample[i], now);
        var evaluated = 0L;
        var compliant = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            for (var i = 0; i < sample.Length; i++)
            {
                if (evaluator.Evaluate(sample[i], now).IsCompliant) compliant++;
            }
            evaluated += sample.Length;
        }
        Console.WriteLine($"5. Policy evaluation: {N(evaluated / clock.Elapsed.TotalSeconds / 1e6, "0.00")} M devices/s on one thread ({N(compliant * 100.0 / evaluated, "0")} % compliant) (target >= 1 M/s).");
        return 0;
    }

    private DeviceSyncOptions Options(string state) => new()
    {
        StatePath = state,
        BatchSize = BatchSize,
        MaxConcurrency = MaxConcurrency,
    };

    private static long CountConfirmed(string statePath)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + statePath + ";Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM devices WHERE accepted_hash IS NOT NULL";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static long CurrentWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription + " " +
                                           System.Runtime.InteropServices.RuntimeInformation.OSDescription;

    /// <summary>Samples the working set every 50 ms.</summary>
    private sealed class PeakSampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;
        private long _peakHeap;

        public PeakSampler()
        {
            _timer = new Timer(_ => Sample(), null, 0, 50);
        }

        public long Peak => Interlocked.Read(ref _peak);
        public long PeakHeap => Interlocked.Read(ref _peakHeap);

        private void Sample()
        {
            var ws = CurrentWorkingSet();
            var heap = GC.GetTotalMemory(false);
            if (ws > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, ws);
            if (heap > Interlocked.Read(ref _peakHeap)) Interlocked.Exchange(ref _peakHeap, heap);
        }

        public void Dispose()
        {
            _timer.Dispose();
            Sample();
        }
    }
}
