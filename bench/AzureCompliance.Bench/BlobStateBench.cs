using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Bench;

/// <summary>
/// State in Azure Blob Storage vs a local state file on the same run (dotnet run --project bench/AzureCompliance.Bench -c
/// Release -- blob): throughput ratio of the first run, and what a 1 % delta run writes to storage. Storage is Azurite
/// (build/azurite, installed by build.ps1 -Task Test or `npm ci` there), started on a free loopback port.
/// </summary>
internal sealed class BlobStateBench
{
    // Azurite's well-known development account (public, documented by Microsoft).
    private const string Account = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public int Devices { get; set; } = 100_000;
    public int BatchSize { get; set; } = 100;
    public int Budget { get; set; } = 50;
    public int WindowMs { get; set; } = 1000;
    public int LatencyMs { get; set; } = 20;
    public int ProcessingMs { get; set; } = 1000;

    private static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public async Task<int> RunAsync()
    {
        var azurite = Path.Combine(RepositoryRoot(), "build", "azurite", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(azurite))
        {
            Console.Error.WriteLine($"Azurite is not installed ({azurite}): run 'npm ci' in build/azurite (Node.js 20+).");
            return 2;
        }
        var work = Path.Combine(Path.GetTempPath(), "azc-blobbench-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        var port = FreePort();
        using var storage = Process.Start(new ProcessStartInfo(azurite, $"--blobHost 127.0.0.1 --blobPort {port} --location \"{Path.Combine(work, "azurite")}\" --skipApiVersionCheck --silent")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            await WaitForPortAsync(port);
            return await RunAsync(work, port);
        }
        finally
        {
            if (!storage.HasExited) storage.Kill(true);
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    private async Task<int> RunAsync(string work, int port)
    {
        var service = new BlobServiceClient(new Uri($"http://127.0.0.1:{port}/{Account}"), new StorageSharedKeyCredential(Account, AccountKey));
        var container = service.GetBlobContainerClient("state");
        await container.CreateIfNotExistsAsync();
        var sas = container.GenerateSasUri(BlobContainerSasPermissions.All, DateTimeOffset.UtcNow.AddDays(1)).Query;
        var blobUrl = $"http://127.0.0.1:{port}/{Account}/state/bench.db" + sas;
        var snapshot = container.GetBlobClient("bench.db");
        var journal = container.GetBlobClient("bench.db.journal");

        var ceiling = Budget * 1000.0 / WindowMs * BatchSize;
        Console.WriteLine($"AzureCompliance state benchmark, local file vs Azure Blob Storage (Azurite on loopback): {N(Devices)} devices, " +
                          $"{BatchSize} per message, budget {Budget} messages per {WindowMs} ms (ceiling {N(ceiling)} devices/s), {LatencyMs} ms added latency.");
        await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.FromMinutes(10));
        await emulator.SendAsync(new { cmd = "processing", ms = ProcessingMs });
        var owners = (await emulator.SendAsync(new { cmd = "users" }))["ids"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        await emulator.SendAsync(new { cmd = "devices", count = Devices });
        var connection = await SyncDriver.ConnectAsync(emulator.AuthorityHost, emulator.GraphEndpoint);
        await emulator.SendAsync(new { cmd = "latency", ms = LatencyMs });
        await emulator.SendAsync(new { cmd = "budget", limit = Budget, windowMs = WindowMs });

        var local = Path.Combine(work, "local.db");
        Prepare(local);
        Prepare(blobUrl);
        var localFirst = await SyncDriver.SyncAsync(connection, Fleet.Generate(Devices, owners), Options(local));
        var blobFirst = await SyncDriver.SyncAsync(connection, Fleet.Generate(Devices, owners), Options(blobUrl));
        var localRate = localFirst.Confirmed / localFirst.Elapsed.TotalSeconds;
        var blobRate = blobFirst.Confirmed / blobFirst.Elapsed.TotalSeconds;
        Console.WriteLine($"1. First run: local file {N(localRate)} devices/s ({N(localFirst.Confirmed)} confirmed in {N(localFirst.Elapsed.TotalSeconds, "0.0")} s), " +
                          $"blob {N(blobRate)} devices/s ({N(blobFirst.Confirmed)} in {N(blobFirst.Elapsed.TotalSeconds, "0.0")} s): ratio {N(blobRate / localRate, "0.00")} (target >= 0.9).");
        var snapshotBefore = (await snapshot.GetPropertiesAsync()).Value;
        var journalBefore = (await journal.GetPropertiesAsync()).Value;
        Console.WriteLine($"   Storage after the first run: snapshot {N(snapshotBefore.ContentLength / 1024.0)} KB, journal {N(journalBefore.ContentLength / 1024.0)} KB " +
                          $"({N(journalBefore.BlobCommittedBlockCount)} appends).");

        var localDelta = await SyncDriver.SyncAsync(connection, Fleet.Generate(Devices, owners, generation: 1, changeEvery: 100), Options(local));
        var blobDelta = await SyncDriver.SyncAsync(connection, Fleet.Generate(Devices, owners, generation: 1, changeEvery: 100), Options(blobUrl));
        var snapshotAfter = (await snapshot.GetPropertiesAsync()).Value;
        var journalAfter = (await journal.GetPropertiesAsync()).Value;
        var rewritten = snapshotAfter.ETag != snapshotBefore.ETag;
        var written = (journalAfter.ContentLength - (rewritten ? 0 : journalBefore.ContentLength)) + (rewritten ? snapshotAfter.ContentLength : 0);
        Console.WriteLine($"2. Delta run, 1 % changed: local sent {N(localDelta.Sent)}, blob sent {N(blobDelta.Sent)} of {N(blobDelta.Received)}; " +
                          $"storage written {N(written / 1024.0, "0.0")} KB = {N(written / Math.Max(1.0, blobDelta.Sent))} bytes per changed device " +
                          $"(snapshot {(rewritten ? "rewritten" : "not rewritten")}; {N(journalAfter.BlobCommittedBlockCount - (rewritten ? 0 : journalBefore.BlobCommittedBlockCount))} appends); " +
                          $"a whole snapshot is {N(snapshotAfter.ContentLength / 1024.0)} KB.");
        return 0;
    }

    private DeviceSyncOptions Options(string state) => new() { StatePath = state, BatchSize = BatchSize, MaxConcurrency = 16 };

    /// <summary>An "All users" scope and the default iOS and Android policies, written through the state workspace.</summary>
    private static void Prepare(string location)
    {
        using var store = StateWorkspace.For(location).Open();
        GroupScope.Everyone.Save(store, SyncDriver.Source);
        foreach (var platform in new[] { DevicePlatform.iOS, DevicePlatform.Android })
        {
            CompliancePolicyStore.Add(store, SyncDriver.Source, CompliancePolicy.CreateDefault(platform + " baseline", platform), DateTimeOffset.UtcNow);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory != null && !File.Exists(Path.Combine(directory.FullName, "AzureCompliance.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("The repository root (AzureCompliance.sln) was not found above " + AppContext.BaseDirectory);
    }
}
