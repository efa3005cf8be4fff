using System.Security;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Bench;

/// <summary>Runs the engine as Send-DeviceCompliance does, without PowerShell: connect, prepare a state file, stream devices.</summary>
internal static class SyncDriver
{
    public const string Source = "bench-core";

    public static async Task<ComplianceConnection> ConnectAsync(string authorityHost, string graphEndpoint)
    {
        var secret = new SecureString();
        foreach (var c in DemoTenant.AppSecret) secret.AppendChar(c);
        secret.MakeReadOnly();
        return await ConnectionService.ConnectAsync(new ConnectionRequest
        {
            AuthType = ComplianceAuthType.ClientSecret,
            TenantId = DemoTenant.TenantId,
            ClientId = DemoTenant.AppClientId,
            ClientSecret = secret,
            Environment = CloudEnvironment.Custom(new Uri(authorityHost), new Uri(graphEndpoint)),
            SourceName = Source,
        }, SilentOperationContext.Instance, CancellationToken.None);
    }

    /// <summary>A state file with an "All users" scope and the default iOS and Android policies.</summary>
    public static void PrepareState(string path)
    {
        using var store = StateStore.Open(path);
        if (GroupScope.Load(store, Source) == null)
        {
            GroupScope.Everyone.Save(store, Source);
        }
        var now = DateTimeOffset.UtcNow;
        foreach (var platform in new[] { DevicePlatform.iOS, DevicePlatform.Android })
        {
            if (CompliancePolicyStore.EnabledPolicy(store, Source, platform) == null)
            {
                CompliancePolicyStore.Add(store, Source, CompliancePolicy.CreateDefault(platform + " baseline", platform), now);
            }
        }
    }

    public static PolicyEvaluator Evaluator() => new(new[]
    {
        CompliancePolicy.CreateDefault("iOS baseline", DevicePlatform.iOS),
        CompliancePolicy.CreateDefault("Android baseline", DevicePlatform.Android),
    });

    /// <summary>One run through the engine's public root; what it reports goes to <paramref name="context"/> (none: discarded).</summary>
    public static async Task<DeviceSyncSummary> SyncAsync(ComplianceConnection connection, IEnumerable<DeviceRecord> devices, DeviceSyncOptions options,
        IOperationContext? context = null, CancellationToken cancellationToken = default, Action<DeviceSyncSummary>? sample = null)
    {
        using var run = await DeviceSyncRun.StartAsync(connection, options, context ?? SilentOperationContext.Instance, cancellationToken);
        using var trace = Environment.GetEnvironmentVariable("AZC_BENCH_TRACE") == "1"
            ? new Timer(_ =>
            {
                var s = run.Snapshot();
                var (c, r) = run.Limit;
                Console.Error.WriteLine($"  [{s.Elapsed.TotalSeconds,5:0.0}s] received {s.Received} sent {s.Sent} confirmed {s.Confirmed} messages {s.Messages} 429 {s.Throttled} | window {c} rate {r:0.0}");
            }, null, 1000, 1000)
            : null;
        using var sampler = sample == null ? null : new Timer(_ => sample(run.Snapshot()), null, 0, 50);
        foreach (var device in devices)
        {
            await run.PostAsync(new DeviceSyncInput(device), cancellationToken);
        }
        return await run.CompleteAsync();
    }
}
