using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Bench;

/// <summary>
/// kill -9 in the middle of a sync, then a second run: nothing lost, nothing confirmed sent again, Entra right.
/// The emulator and each sync run in their own processes; the first sync is killed (SIGKILL) once the service has
/// taken a number of uploads.
/// </summary>
internal static class KillNine
{
    public static async Task<int> RunAsync(int count, int batch, int killAfterUploads)
    {
        var work = Path.Combine(Path.GetTempPath(), "azc-kill9-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        var state = Path.Combine(work, "state.db");
        var uploaded = Path.Combine(work, "second-run-sent.txt");
        try
        {
            await using var emulator = await EmulatorProcess.StartAsync(TimeSpan.FromMinutes(10));
            await emulator.SendAsync(new { cmd = "devices", count });
            await emulator.SendAsync(new { cmd = "latency", ms = 5 });
            await emulator.SendAsync(new { cmd = "budget", limit = 40, windowMs = 1000 });
            SyncDriver.PrepareState(state);
            // A user Intune takes reports for (licensed, in the group the partner policies are assigned to).
            var owner = (await emulator.SendAsync(new { cmd = "users" }))["ids"]![0]!.GetValue<string>();
            string[] SyncArgs(string? sentFile) =>
                new[] { "sync", "--authority", emulator.AuthorityHost, "--graph", emulator.GraphEndpoint, "--state", state, "--owner", owner,
                        "--count", count.ToString(CultureInfo.InvariantCulture), "--batch", batch.ToString(CultureInfo.InvariantCulture) }
                    .Concat(sentFile == null ? Array.Empty<string>() : new[] { "--sent", sentFile }).ToArray();

            // First run, killed.
            var watch = Stopwatch.StartNew();
            using (var first = Self.Start(SyncArgs(null)))
            {
                while (true)
                {
                    var uploads = (await emulator.SendAsync(new { cmd = "stats" }))["uploadsAccepted"]!.GetValue<int>();
                    if (uploads >= killAfterUploads) break;
                    if (first.HasExited) throw new InvalidOperationException("The first sync ended before it could be killed: " + await first.StandardError.ReadToEndAsync());
                    if (watch.Elapsed > TimeSpan.FromSeconds(40)) throw new TimeoutException("The first sync made no progress.");
                    await Task.Delay(20);
                }
                first.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no flush, nothing
                first.WaitForExit();
                Console.WriteLine($"kill -9: the first sync (pid {first.Id}) killed after {N((await emulator.SendAsync(new { cmd = "stats" }))["uploadsAccepted"]!.GetValue<int>())} accepted uploads, {N(watch.Elapsed.TotalSeconds, "0.0")} s in.");
            }
            var (accepted, pending) = ReadState(state);
            Console.WriteLine($"kill -9: the state file then had {N(accepted.Count)} devices confirmed and {N(pending.Count)} recorded as sent, unconfirmed.");

            // Second run, to the end.
            using var second = Self.Start(SyncArgs(uploaded));
            var output = await second.StandardOutput.ReadToEndAsync();
            var errors = await second.StandardError.ReadToEndAsync();
            second.WaitForExit();
            if (second.ExitCode != 0) throw new InvalidOperationException("The second sync failed: " + errors + output);
            var summary = JsonNode.Parse(output.Split('\n').First(l => l.StartsWith("SUMMARY ", StringComparison.Ordinal))[8..])!;
            var sentAgain = File.ReadAllLines(uploaded).Select(l => l.Trim().ToLowerInvariant()).Where(l => l.Length > 0).ToHashSet();
            var resentConfirmed = sentAgain.Intersect(accepted).Count();
            Console.WriteLine($"kill -9: the second run recovered {summary["Recovered"]} devices the service had completed, sent {summary["Sent"]}, confirmed {summary["Confirmed"]}, failed {summary["Failed"]}.");

            // Entra's view of every device equals the policy's verdict.
            var entra = await emulator.SendAsync(new { cmd = "entra", count });
            var compliant = entra["compliant"]!.AsArray();
            var evaluator = SyncDriver.Evaluator();
            var owners = new[] { "00000000-0000-0000-0000-000000000001" };
            var now = DateTimeOffset.UtcNow;
            var wrong = 0;
            var checkIn = new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);
            for (var i = 0; i < count; i++)
            {
                var verdict = evaluator.Evaluate(Fleet.Make(i, owners, checkIn), now).IsCompliant;
                if (compliant[i]?.GetValue<bool>() != verdict) wrong++;
            }
            var (finalAccepted, finalPending) = ReadState(state);
            var ok = wrong == 0 && resentConfirmed == 0 && finalAccepted.Count == count && finalPending.Count == 0;
            Console.WriteLine($"kill -9: {N(count - wrong)} of {N(count)} devices right in Entra; {resentConfirmed} confirmed devices sent again; " +
                              $"{N(finalAccepted.Count)} confirmed in the state file. {(ok ? "PASS" : "FAIL")} ({N(watch.Elapsed.TotalSeconds, "0.0")} s)");
            return ok ? 0 : 1;
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }

    /// <summary>One sync of the generated fleet (the process the scenario kills). Prints SUMMARY {json} at the end.</summary>
    public static async Task<int> SyncAsync(string authority, string graph, string state, string owner, int count, int batch, string? sentFile)
    {
        var connection = await SyncDriver.ConnectAsync(authority, graph);
        var sent = new SentDevices();
        var summary = await SyncDriver.SyncAsync(connection, Fleet.Generate(count, new[] { owner }),
            new DeviceSyncOptions { StatePath = state, BatchSize = batch, MaxConcurrency = 4, PassThru = sentFile != null }, sent);
        if (sentFile != null)
        {
            File.WriteAllLines(sentFile, sent.DeviceIds);
        }
        Console.WriteLine("SUMMARY " + JsonSerializer.Serialize(summary));
        return 0;
    }

    /// <summary>The host side of the killed and the resumed sync: keeps the ids of devices that went to the service, prints errors.</summary>
    private sealed class SentDevices : IOperationContext
    {
        private readonly List<string> _ids = new();

        public IReadOnlyList<string> DeviceIds { get { lock (_ids) return _ids.ToArray(); } }

        public void WriteResult(object result)
        {
            if (result is DeviceSyncResult { Outcome: DeviceSyncOutcome.Confirmed or DeviceSyncOutcome.Failed or DeviceSyncOutcome.Pending } device)
            {
                lock (_ids) _ids.Add(device.DeviceId!);
            }
        }

        public void WriteError(ComplianceException error) => Console.Error.WriteLine(error.ErrorId + ": " + error.Message);
        public void WriteVerbose(string message) { }
        public void WriteDebug(string message) { }
        public void WriteWarning(string message) { }
        public void WriteHostMessage(string message) { }
        public void WriteProgress(OperationProgress progress) { }
        public bool WhatIf => false;
        public bool ShouldProcess(string target, string action) => true;
        public bool[] ShouldProcess(IReadOnlyList<ProposedChange> changes) => OperationContexts.Approve(changes);
    }

    private static (HashSet<string> Accepted, HashSet<string> Pending) ReadState(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + path + ";Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT device_id, accepted_hash IS NOT NULL, sent_message IS NOT NULL FROM devices";
        using var reader = command.ExecuteReader();
        var accepted = new HashSet<string>();
        var pending = new HashSet<string>();
        while (reader.Read())
        {
            var id = reader.GetString(0).ToLowerInvariant();
            if (reader.GetInt64(1) != 0 && reader.GetInt64(2) == 0) accepted.Add(id);
            if (reader.GetInt64(2) != 0) pending.Add(id);
        }
        return (accepted, pending);
    }

    private static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
}
