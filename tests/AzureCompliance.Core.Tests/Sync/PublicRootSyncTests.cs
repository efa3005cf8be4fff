using System.Text.Json.Nodes;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;
using AzureCompliance.Core.Tests.Fidelity;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>
/// The sync engine started as every host starts it, through the public root (<see cref="DeviceSyncRun.StartAsync(ComplianceConnection, DeviceSyncOptions, AzureCompliance.Core.Diagnostics.IOperationContext, CancellationToken)"/>),
/// over HTTPS against the emulator, with the test playing the host's end of the channel: results, errors and the
/// ShouldProcess answers (-WhatIf, -Confirm).
/// </summary>
public sealed class PublicRootSyncTests : IAsyncLifetime
{
    private const string Source = "public-root";
    private readonly EmulatedTenant _tenant = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "azc-root-" + Guid.NewGuid().ToString("n"));
    private ComplianceConnection _connection = null!;
    private IReadOnlyList<string> _owners = Array.Empty<string>();

    private string StatePath => Path.Combine(_directory, "state.db");

    public async Task InitializeAsync()
    {
        await _tenant.InitializeAsync();
        var server = _tenant.Server;
        server.Settings.Partner.ProcessingDelay = TimeSpan.Zero;
        server.Tenant.SetPartnerTenantState(DemoTenant.AppClientId, AzureCompliance.TenantEmulator.Partner.PartnerProvisioning.Provisioned);
        _owners = MakeOwnersEligible(server.Tenant);
        _connection = await _tenant.ConnectAsync(Source);
        Directory.CreateDirectory(_directory);
        using var store = StateStore.Open(StatePath);
        GroupScope.Everyone.Save(store, Source);
        foreach (var platform in new[] { DevicePlatform.iOS, DevicePlatform.Android })
        {
            CompliancePolicyStore.Add(store, Source, CompliancePolicy.CreateDefault(platform + " baseline", platform), DateTimeOffset.UtcNow);
        }
    }

    public async Task DisposeAsync()
    {
        await ConnectionService.DisconnectAsync(_connection);
        await _tenant.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_run_sends_and_confirms_every_device_and_the_next_sends_only_what_changed()
    {
        var fleet = Fleet(60);
        var context = new RecordingRunContext();
        var first = await SyncAsync(fleet, context);
        Assert.Empty(context.Errors);
        Assert.Equal(60, first.Sent);
        Assert.Equal(60, first.Confirmed);
        var evaluator = new PolicyEvaluator(new[]
        {
            CompliancePolicy.CreateDefault("iOS baseline", DevicePlatform.iOS),
            CompliancePolicy.CreateDefault("Android baseline", DevicePlatform.Android),
        });
        foreach (var device in fleet)
        {
            Assert.Equal(evaluator.Evaluate(device, DateTimeOffset.UtcNow).IsCompliant, _tenant.Server.Tenant.FindDeviceByDeviceId(device.DeviceId!)!.IsCompliant);
        }
        // Only what the run asked the host about was sent, and the results came through the same channel.
        Assert.Equal(60, context.Asked.Count);
        Assert.Equal(60, context.Results.Count(r => r.Outcome == DeviceSyncOutcome.Confirmed));

        fleet[7].OsVersion = fleet[7].Platform == DevicePlatform.iOS ? "18.2" : "15";
        var second = await SyncAsync(fleet, new RecordingRunContext());
        Assert.Equal(1, second.Sent);
        Assert.Equal(59, second.Unchanged);
    }

    [Fact]
    public async Task WhatIf_asks_once_per_device_it_would_send_and_writes_nothing_at_all()
    {
        var fleet = Fleet(20);
        await SyncAsync(fleet.Take(10), new RecordingRunContext());
        var writes = _tenant.Server.Journal.WriteCount;
        var messages = _tenant.Server.Tenant.PartnerStatistics.MessagesReceived;
        var state = await File.ReadAllBytesAsync(StatePath);

        var preview = new RecordingRunContext { WhatIf = true };
        var summary = await SyncAsync(fleet, preview);

        Assert.True(summary.WhatIf);
        Assert.Equal(10, summary.Sent);
        Assert.Equal(10, summary.Unchanged);
        Assert.Equal(fleet.Skip(10).Select(d => $"Device '{d.DeviceName}' ({d.DeviceId})").OrderBy(t => t), preview.Asked.Select(c => c.Target).OrderBy(t => t));
        Assert.Equal(10, preview.Results.Count(r => r.Outcome == DeviceSyncOutcome.WouldSend));
        Assert.Equal(writes, _tenant.Server.Journal.WriteCount);
        Assert.Equal(messages, _tenant.Server.Tenant.PartnerStatistics.MessagesReceived);
        Assert.Equal(state, await File.ReadAllBytesAsync(StatePath));
    }

    [Fact]
    public async Task Devices_the_host_declines_never_reach_the_service_and_the_rest_go()
    {
        var fleet = Fleet(30);
        var declined = fleet.Where((_, i) => i % 3 == 0).Select(d => d.DeviceId!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var context = new RecordingRunContext { Answer = change => !declined.Any(id => change.Target.Contains(id, StringComparison.OrdinalIgnoreCase)) };
        var summary = await SyncAsync(fleet, context, batchSize: 10);
        Assert.Equal(20, summary.Sent);
        Assert.Equal(20, summary.Confirmed);
        Assert.Equal(30, context.Asked.Count);
        Assert.True(context.Requests < context.Asked.Count, "the engine asks about a chunk of devices in one request");
        Assert.Equal(declined.Order(), context.Results.Where(r => r.Outcome == DeviceSyncOutcome.NotSent).Select(r => r.DeviceId!).Order());
        Assert.All(declined, id => Assert.Null(_tenant.Server.Tenant.FindPartnerDevice(id)));
        // Declined devices were not recorded either: the next run offers them again.
        var again = new RecordingRunContext();
        Assert.Equal(10, (await SyncAsync(fleet, again)).Sent);
    }

    private async Task<DeviceSyncSummary> SyncAsync(IEnumerable<DeviceRecord> devices, RecordingRunContext context, int batchSize = 100)
    {
        var options = new DeviceSyncOptions { StatePath = StatePath, PassThru = true, BatchSize = batchSize, IdleFlush = TimeSpan.FromMilliseconds(50) };
        using var run = await DeviceSyncRun.StartAsync(_connection, options, context, CancellationToken.None);
        foreach (var device in devices)
        {
            await run.PostAsync(new DeviceSyncInput(device), CancellationToken.None);
        }
        return await run.CompleteAsync();
    }

    /// <summary>Devices registered in the emulator's directory, owned by users Intune takes reports for.</summary>
    private List<DeviceRecord> Fleet(int count)
    {
        var devices = new List<DeviceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var ios = i % 2 == 0;
            var deviceId = new Guid(i, 0x7007, 0x4a4a, 0x80, 0, 0, 0, 0, 0, 0, 3);
            if (_tenant.Server.Tenant.FindDeviceByDeviceId(deviceId.ToString()) == null)
            {
                _tenant.Server.Tenant.AddDevice(new DirectoryDevice
                {
                    Id = new Guid(i, 0x7007, 0x4b4b, 0x80, 0, 0, 0, 0, 0, 0, 4),
                    DeviceId = deviceId.ToString(),
                    DisplayName = "Device-" + i,
                    OperatingSystem = ios ? "iOS" : "Android",
                    TrustType = "Workplace",
                    RegistrationDateTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                });
            }
            devices.Add(new DeviceRecord
            {
                DeviceId = deviceId.ToString(),
                DeviceName = (ios ? "iPhone-" : "Pixel-") + i,
                UserId = _owners[i % _owners.Count],
                PlatformName = ios ? "iOS" : "Android",
                OsVersion = ios ? (i % 4 == 0 ? "11.4" : "17.1.2") : (i % 4 == 1 ? "7.1" : "14"),
                ClientVersion = ios ? "12.1" : "9.0",
                LastCheckIn = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero).AddMinutes(i),
                MdmState = "Active",
            });
        }
        return devices;
    }

    /// <summary>
    /// What Intune requires before it takes a partner's reports, set up as an administrator would: the owners are the
    /// users licensed for Intune, in a group a partner compliance policy of each platform is assigned to, with a
    /// compliance partner onboarded for each platform.
    /// </summary>
    private static IReadOnlyList<string> MakeOwnersEligible(TenantState tenant)
    {
        var plan = new Guid(DemoTenant.IntuneServicePlanId);
        var owners = tenant.Users.Where(u => u.AccountEnabled != false && u.AssignedLicenses.Any(l =>
                tenant.FindSubscribedSku(l.SkuId)?.ServicePlans.Any(p => p.ServicePlanId == plan && !l.DisabledPlans.Contains(plan)) == true))
            .Select(u => u.Id).ToList();
        var group = new DirectoryGroup { Id = Guid.NewGuid(), DisplayName = "Fleet owners", SecurityEnabled = true, MemberIds = owners.ToArray() };
        tenant.AddGroup(group);
        foreach (var (_, _, platform) in TenantState.CompliancePartnerPlatforms)
        {
            var (policy, _) = tenant.AddPartnerCompliancePolicy(DemoTenant.AppClientId, platform + " fleet", null, platform);
            tenant.AssignPartnerCompliancePolicy(policy.Id, [.. policy.Assignments, group.Id]);
        }
        var partner = new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["displayName"] = "Test MDM" };
        foreach (var (flag, _, _) in TenantState.CompliancePartnerPlatforms) partner[flag] = true;
        tenant.SaveCompliancePartner(partner);
        return owners.Select(id => id.ToString()).ToList();
    }
}
