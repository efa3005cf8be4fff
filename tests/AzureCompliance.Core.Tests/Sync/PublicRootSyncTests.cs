using System.Text.Json.Nodes;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.Registry;
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
        _owners = server.Tenant.OnboardPartnerForLicensedUsers(DemoTenant.AppClientId, "Test MDM").Select(id => id.ToString()).ToList();
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
    public async Task Sends_every_device_once_then_nothing_and_Force_sends_all_again()
    {
        var fleet = Fleet(60);
        var context = new RecordingRunContext();
        var first = await SyncAsync(fleet, context, batchSize: 10);
        Assert.Empty(context.Errors);
        Assert.Equal(60, first.Received);
        Assert.Equal(60, first.Sent);
        Assert.Equal(60, first.Confirmed);
        Assert.Equal(6, first.Messages);
        Assert.All(Rows(), r => Assert.True(r.Accepted != null && r.Message == null));
        // Entra's view is the policy's verdict, device by device.
        var evaluator = new PolicyEvaluator(new[]
        {
            CompliancePolicy.CreateDefault("iOS baseline", DevicePlatform.iOS),
            CompliancePolicy.CreateDefault("Android baseline", DevicePlatform.Android),
        });
        foreach (var device in fleet)
        {
            Assert.Equal(evaluator.Evaluate(device, DateTimeOffset.UtcNow).IsCompliant, Tenant.FindDeviceByDeviceId(device.DeviceId!)!.IsCompliant);
        }
        // Only what the run asked the host about was sent, and the results came through the same channel.
        Assert.Equal(60, context.Asked.Count);
        Assert.Equal(60, context.Results.Count(r => r.Outcome == DeviceSyncOutcome.Confirmed));

        var messages = Tenant.PartnerStatistics.MessagesReceived;
        var second = await SyncAsync(fleet, new RecordingRunContext());
        Assert.Equal(0, second.Sent);
        Assert.Equal(60, second.Unchanged);
        Assert.Equal(messages, Tenant.PartnerStatistics.MessagesReceived);

        var forced = await SyncAsync(fleet, new RecordingRunContext(), force: true);
        Assert.Equal(60, forced.Sent);
        Assert.Equal(60, forced.Confirmed);
    }

    [Fact]
    public async Task Only_changed_devices_go_again_and_every_upload_of_a_device_is_later_than_the_one_before()
    {
        var fleet = Fleet(100);
        await SyncAsync(fleet, new RecordingRunContext());
        var before = Rows().ToDictionary(r => r.Id, r => r.LastUpdate);
        for (var i = 0; i < fleet.Count; i += 20)
        {
            fleet[i].OsVersion = fleet[i].Platform == DevicePlatform.iOS ? "18.0" : "15";
            fleet[i].LastCheckIn = DateTimeOffset.UtcNow; // a timestamp alone is no change
        }
        fleet[1].LastCheckIn = DateTimeOffset.UtcNow.AddMinutes(-1);
        var payloads = Tenant.PartnerStatistics.DevicesReceived;
        var second = await SyncAsync(fleet, new RecordingRunContext());
        Assert.Equal(5, second.Sent);
        Assert.Equal(95, second.Unchanged);
        Assert.Equal(payloads + 5, Tenant.PartnerStatistics.DevicesReceived);
        Assert.All(Rows(), row => Assert.True(row.LastUpdate >= before[row.Id]));
        Assert.Equal(5, Rows().Count(r => r.LastUpdate > before[r.Id]));
    }

    [Fact]
    public async Task LastUpdateTime_increases_even_when_the_clock_does_not()
    {
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var fleet = Fleet(3);
        await SyncAsync(fleet, new RecordingRunContext(), clock: () => now);
        var first = fleet.ToDictionary(d => d.DeviceId!, d => Tenant.FindPartnerDevice(d.DeviceId!)!.LastUpdateTime!.Value);
        await SyncAsync(fleet, new RecordingRunContext(), force: true, clock: () => now);
        foreach (var device in fleet)
        {
            var record = Tenant.FindPartnerDevice(device.DeviceId!)!;
            Assert.Equal(2, record.AppliedCount); // the later upload was applied, not ignored as stale
            Assert.True(record.LastUpdateTime > first[device.DeviceId!]);
        }
    }

    [Fact]
    public async Task A_device_without_name_or_OS_version_is_a_per_item_error_and_is_not_sent()
    {
        var fleet = Fleet(4);
        fleet[1].DeviceName = null;
        fleet[2].OsVersion = " ";
        var context = new RecordingRunContext();
        var summary = await SyncAsync(fleet, context);
        Assert.Equal(2, summary.Sent);
        Assert.Equal(2, summary.Invalid);
        Assert.All(context.Errors, e => Assert.Equal("DeviceInventoryIncomplete", e.ErrorId));
        Assert.Contains(context.Errors, e => e.Message.Contains("DeviceName"));
        Assert.Contains(context.Errors, e => e.Message.Contains("OsVersion"));
        Assert.Null(Tenant.FindPartnerDevice(fleet[1].DeviceId!));
        Assert.Null(Tenant.FindPartnerDevice(fleet[2].DeviceId!));
        Assert.NotNull(Tenant.FindPartnerDevice(fleet[0].DeviceId!));
    }

    [Fact]
    public async Task Devices_the_service_names_as_not_processed_fail_and_the_rest_of_their_message_is_confirmed()
    {
        var fleet = Fleet(40, unregistered: i => i == 3 || i == 17);
        var context = new RecordingRunContext();
        var summary = await SyncAsync(fleet, context, batchSize: 40);
        Assert.Equal(38, summary.Confirmed);
        Assert.Equal(2, summary.Failed);
        Assert.Equal(1, summary.Messages); // no split needed: the status named them
        Assert.Equal(new[] { fleet[3].DeviceId, fleet[17].DeviceId }.Order(), context.Errors.Select(e => ((DeviceRecord)e.Target!).DeviceId).Order());
        Assert.All(context.Errors, e => Assert.Contains("DeviceNotFound", e.Message));
        var rows = Rows();
        Assert.Equal(38, rows.Count(r => r.Accepted != null));
        Assert.Equal(0, rows.Count(r => r.Message != null));

        // A message of unknown devices only fails as a whole, without a split.
        var others = Fleet(60, unregistered: i => i >= 40).Skip(40).ToList();
        var second = await SyncAsync(others, new RecordingRunContext(), batchSize: 20);
        Assert.Equal(20, second.Failed);
        Assert.Equal(0, second.Confirmed);
        Assert.Equal(1, second.Messages);
    }

    [Fact]
    public async Task A_devices_per_message_limit_is_found_and_later_messages_keep_under_it()
    {
        _tenant.Server.Settings.Partner.MaxDevicesPerMessage = 25;
        var context = new RecordingRunContext();
        var summary = await SyncAsync(Fleet(600), context, batchSize: 100, configure: o => { o.MaxConcurrency = 1; o.MaxMessagesInFlight = 2; });
        Assert.Equal(600, summary.Confirmed);
        Assert.Equal(0, summary.Failed);
        var sizes = Tenant.PartnerMessages.OrderBy(m => m.ReceivedAt).Select(m => m.DeviceCount).ToList();
        Assert.All(sizes.Skip(sizes.Count / 2), size => Assert.True(size <= 25, string.Join(",", sizes)));
        Assert.Contains(context.Messages, m => m.Contains("at most 25 devices"));
    }

    [Fact]
    public async Task A_message_recorded_but_never_uploaded_is_sent_again_by_the_next_run()
    {
        var fleet = Fleet(30);
        await SyncAsync(fleet.Take(15), new RecordingRunContext());
        // The crash: devices recorded as sent in a message the service never saw, nothing confirmed.
        Execute("UPDATE devices SET sent_message = 'b7a5d5a0-0000-4000-8000-00000000dead', sent_hash = accepted_hash, accepted_hash = NULL");
        var second = await SyncAsync(fleet, new RecordingRunContext());
        Assert.Equal(30, second.Sent);
        Assert.Equal(30, second.Confirmed);
        Assert.Equal(0, second.Recovered);
        Assert.All(Rows(), r => Assert.True(r.Accepted != null && r.Message == null));
    }

    [Fact]
    public async Task A_pending_message_the_service_completed_is_accepted_without_sending_again()
    {
        var fleet = Fleet(30);
        await SyncAsync(fleet, new RecordingRunContext());
        var message = Tenant.PartnerMessages.Single().MessageId;
        // The crash: the upload went through, the run died before it read the status.
        Execute($"UPDATE devices SET sent_message = '{message}', sent_hash = accepted_hash, accepted_hash = NULL");
        var second = await SyncAsync(fleet, new RecordingRunContext());
        Assert.Equal(0, second.Sent);
        Assert.Equal(30, second.Recovered);
        Assert.Equal(30, second.Unchanged);
        Assert.Single(Tenant.PartnerMessages);
    }

    [Fact]
    public async Task Skips_and_counts_devices_out_of_scope_without_policy_and_without_an_Entra_id()
    {
        var inScope = _owners[0];
        var outside = _owners[1];
        var upn = Tenant.Users.Single(u => u.Id.ToString() == inScope).UserPrincipalName;
        var group = new DirectoryGroup { Id = Guid.NewGuid(), DisplayName = "Mobile users", SecurityEnabled = true, MemberIds = new[] { Guid.Parse(inScope) } };
        Tenant.AddGroup(group);
        using (var store = StateStore.Open(StatePath))
        {
            new GroupScope(false, new[] { new ScopedGroup(group.Id.ToString(), group.DisplayName!) }).Save(store, Source);
        }
        var fleet = Fleet(4);
        fleet[1].UserId = null;
        fleet[1].UserPrincipalName = upn.ToUpperInvariant();
        fleet[2].UserId = outside;
        fleet[3].UserId = null;
        fleet[3].UserPrincipalName = "bob@contoso.com";
        var devices = new List<DeviceRecord>(fleet)
        {
            new() { DeviceId = Guid.NewGuid().ToString(), UserId = inScope, PlatformName = "macOS", OsVersion = "14" },
            new() { DeviceId = Guid.NewGuid().ToString(), UserId = inScope, PlatformName = "Windows", OsVersion = "11" },
            new() { DeviceId = "", UserId = inScope, PlatformName = "iOS", DeviceName = "no id" },
            new() { DeviceId = "not-a-guid", UserId = inScope, PlatformName = "iOS" },
        };
        var context = new RecordingRunContext();
        var s = await SyncAsync(devices, context);
        Assert.Equal(8, s.Received);
        Assert.Equal(2, s.Sent);
        Assert.Equal(2, s.Confirmed);
        Assert.Equal(2, s.OutOfScope);
        Assert.Equal(2, s.NoPolicy); // macOS has no policy here; Windows is no platform at all
        Assert.Equal(2, s.Invalid);
        Assert.Equal(new[] { "DeviceIdMissing", "InvalidDeviceId" }, context.Errors.Select(e => e.ErrorId).OrderBy(e => e));
        // The user principal name resolves to the owner's object id from the scope's members.
        Assert.Equal(inScope, context.Results.Single(r => r.DeviceId == fleet[1].DeviceId && r.Outcome == DeviceSyncOutcome.Confirmed).UserId);
        Assert.Equal(DeviceSyncOutcome.OutOfScope, context.Results.Single(r => r.DeviceId == fleet[3].DeviceId).Outcome);
        Assert.Null(Tenant.FindPartnerDevice(fleet[2].DeviceId!));
    }

    [Fact]
    public async Task A_disabled_policy_uploads_nothing_for_its_platform()
    {
        using (var store = StateStore.Open(StatePath))
        {
            CompliancePolicyStore.SetEnabled(store, Source, "Android baseline", false, DateTimeOffset.UtcNow);
        }
        var fleet = Fleet(10);
        var summary = await SyncAsync(fleet, new RecordingRunContext());
        Assert.Equal(5, summary.Sent);
        Assert.Equal(5, summary.NoPolicy);
        Assert.All(fleet.Where(d => d.Platform == DevicePlatform.Android), d => Assert.Null(Tenant.FindPartnerDevice(d.DeviceId!)));
    }

    [Fact]
    public async Task Retired_devices_go_as_notManaged_and_notCompliant_and_are_recorded_retired()
    {
        var fleet = Fleet(4);
        await SyncAsync(fleet, new RecordingRunContext());
        fleet[0].MdmState = "Retired";
        fleet[3].MdmState = "Wiped";
        var summary = await SyncAsync(fleet, new RecordingRunContext());
        Assert.Equal(2, summary.Sent);
        Assert.Equal(2, summary.Retired);
        Assert.Equal(2, Tenant.PartnerMessages.OrderBy(m => m.ReceivedAt).Last().DeviceCount);
        foreach (var retired in new[] { fleet[0], fleet[3] })
        {
            var device = Tenant.FindDeviceByDeviceId(retired.DeviceId!)!;
            Assert.False(device.IsManaged);
            Assert.False(device.IsCompliant);
        }
        Assert.Equal(2, Rows().Count(r => r.Retired));
        // Retired stays retired: nothing more to send.
        Assert.Equal(0, (await SyncAsync(fleet, new RecordingRunContext())).Sent);
    }

    [Fact]
    public async Task A_run_stopped_midway_resumes_with_nothing_lost_and_nothing_confirmed_sent_again()
    {
        var fleet = Fleet(2000);
        using var stop = new CancellationTokenSource();
        var uploads = 0;
        _tenant.Server.Settings.AddFaultRule(new AzureCompliance.TenantEmulator.Hosting.FaultRule
        {
            Name = "stop-at-the-eighth-upload",
            Match = (method, path) =>
            {
                if (IsUpload(method, path) && Interlocked.Increment(ref uploads) == 8) stop.Cancel(); // Ctrl+C while uploads are under way
                return false;
            },
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            SyncAsync(fleet, new RecordingRunContext(), batchSize: 100, configure: o => o.MaxConcurrency = 2, cancellationToken: stop.Token));
        _tenant.Server.Settings.RemoveFaultRule("stop-at-the-eighth-upload");
        var reachedBefore = fleet.Count(d => Tenant.FindPartnerDevice(d.DeviceId!) != null);
        Assert.InRange(reachedBefore, 1, fleet.Count - 1);

        var second = await SyncAsync(fleet, new RecordingRunContext());
        // Everything is confirmed now, and every device reached the service exactly once over both runs.
        Assert.Equal(2000, Rows().Count(r => r.Accepted != null));
        Assert.All(fleet, d => Assert.Equal(1, Tenant.FindPartnerDevice(d.DeviceId!)!.ReceivedCount));
        Assert.Equal(2000 - reachedBefore, second.Sent);
    }

    [Fact]
    public async Task Lost_uploads_are_retried_and_a_service_that_stays_down_stops_the_run()
    {
        var uploads = 0;
        _tenant.Server.Settings.AddFaultRule(new AzureCompliance.TenantEmulator.Hosting.FaultRule
        {
            Name = "first-uploads-lost",
            Match = (method, path) => IsUpload(method, path) && Interlocked.Increment(ref uploads) <= 2, // a message survives two losses
            ConnectionResetProbability = 1,
        });
        var fleet = Fleet(200);
        var recovered = await SyncAsync(fleet, new RecordingRunContext(), batchSize: 50);
        Assert.Equal(200, recovered.Confirmed);

        _tenant.Server.Settings.AddFaultRule(new AzureCompliance.TenantEmulator.Hosting.FaultRule
        {
            Name = "service-down",
            Match = IsUpload,
            ConnectionResetProbability = 1,
        });
        var context = new RecordingRunContext();
        var error = await Assert.ThrowsAsync<AzureCompliance.Core.Diagnostics.ComplianceException>(() =>
            SyncAsync(fleet, context, batchSize: 50, force: true, configure: o => o.MaxConcurrency = 1));
        Assert.Equal("ServiceUnavailable", error.ErrorId);
        Assert.True(context.Errors.Count >= 50 && context.Errors.All(e => e.ErrorId == "DeviceUploadFailed"));
    }

    [Fact]
    public async Task The_state_records_a_message_before_it_is_uploaded()
    {
        long? recordedAtFirstUpload = null;
        _tenant.Server.Settings.AddFaultRule(new AzureCompliance.TenantEmulator.Hosting.FaultRule
        {
            Name = "look-at-the-state",
            Match = (method, path) =>
            {
                if (IsUpload(method, path) && recordedAtFirstUpload == null)
                {
                    // A second reader of the state file (WAL) as the upload arrives.
                    recordedAtFirstUpload = Rows().Count(r => r.Message != null && r.Accepted == null);
                }
                return false;
            },
        });
        await SyncAsync(Fleet(10), new RecordingRunContext());
        Assert.Equal(10, recordedAtFirstUpload);
    }

    [Fact]
    public async Task Throttled_uploads_are_waited_out_by_the_engine_itself_and_go_again_until_confirmed()
    {
        var uploads = 0;
        // Every other upload of the first ten is answered 429: nothing below the engine retries them.
        _tenant.Server.Settings.AddFaultRule(new AzureCompliance.TenantEmulator.Hosting.FaultRule
        {
            Name = "throttle-some",
            Match = (method, path) => IsUpload(method, path) && Interlocked.Increment(ref uploads) is var n && n <= 10 && n % 2 == 1,
            TooManyRequestsProbability = 1,
            RetryAfter = TimeSpan.FromSeconds(1),
        });
        var context = new RecordingRunContext();
        var summary = await SyncAsync(Fleet(500), context, batchSize: 50, configure: o => o.MaxConcurrency = 2);
        Assert.Equal(500, summary.Confirmed);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(5, summary.Throttled);
        Assert.Empty(context.Errors);
        Assert.All(Rows(), r => Assert.NotNull(r.Accepted));
    }

    [Fact]
    public async Task The_heartbeat_is_recorded_after_a_run_that_sent_and_not_after_one_that_sent_nothing()
    {
        await InstanceRegistry.RegisterAsync(_connection, CancellationToken.None);
        var fleet = Fleet(20);
        await SyncAsync(fleet, new RecordingRunContext());
        var first = (await InstanceRegistry.GetAsync(_connection, CancellationToken.None)).Single(i => i.Name == Source).LastSyncOn;
        Assert.NotNull(first);
        var again = await SyncAsync(fleet, new RecordingRunContext());
        Assert.Equal(0, again.Sent);
        Assert.Equal(first, (await InstanceRegistry.GetAsync(_connection, CancellationToken.None)).Single(i => i.Name == Source).LastSyncOn);
    }

    [Fact]
    public async Task A_heartbeat_that_fails_is_a_warning_and_the_run_still_succeeds()
    {
        await InstanceRegistry.RegisterAsync(_connection, CancellationToken.None);
        var fleet = Fleet(5);
        // The registry refuses (403) once the devices are uploaded.
        const string organization = "/v1.0/organization";
        var uploads = 0;
        _tenant.Server.Settings.AddFaultRule(new AzureCompliance.TenantEmulator.Hosting.FaultRule
        {
            Name = "registry-refuses",
            Match = (method, path) =>
            {
                if (IsUpload(method, path) && Interlocked.Increment(ref uploads) == 1) _tenant.Server.Settings.ForceStatus(organization, 403, count: 10);
                return false;
            },
        });
        var context = new RecordingRunContext();
        var summary = await SyncAsync(fleet, context);
        Assert.Equal(5, summary.Confirmed);
        Assert.Contains(context.Messages, m => m.StartsWith("WARNING: The devices were sent, but this MDM instance's last sync could not be recorded", StringComparison.Ordinal));
    }

    private static bool IsUpload(string method, string path) =>
        string.Equals(method, "PUT", StringComparison.OrdinalIgnoreCase) && path.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase);

    [Fact]
    public async Task Messages_still_processing_are_followed_until_they_complete()
    {
        // The service takes far longer to process than the engine's first status read waits (250 ms at the start).
        _tenant.Server.Settings.Partner.ProcessingDelay = TimeSpan.FromSeconds(3);
        var summary = await SyncAsync(Fleet(50), new RecordingRunContext());
        Assert.Equal(50, summary.Confirmed);
        Assert.Equal(0, summary.Pending);
        var statusReads = _tenant.Server.Journal.Count(e => e.Method == "GET" && e.PathAndQuery.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase));
        Assert.True(statusReads >= 2, $"{statusReads} status reads");
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

    private TenantState Tenant => _tenant.Server.Tenant;

    private async Task<DeviceSyncSummary> SyncAsync(IEnumerable<DeviceRecord> devices, RecordingRunContext context, int batchSize = 100, bool force = false,
        Func<DateTimeOffset>? clock = null, Action<DeviceSyncOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new DeviceSyncOptions { StatePath = StatePath, PassThru = true, BatchSize = batchSize, Force = force, Clock = clock, IdleFlush = TimeSpan.FromMilliseconds(50) };
        configure?.Invoke(options);
        using var run = await DeviceSyncRun.StartAsync(_connection, options, context, cancellationToken);
        foreach (var device in devices)
        {
            await run.PostAsync(new DeviceSyncInput(device), cancellationToken);
        }
        return await run.CompleteAsync();
    }

    /// <summary>The state file's devices table, read as any SQLite client reads it.</summary>
    private List<(string Id, string? Accepted, string? Message, long LastUpdate, bool Retired)> Rows()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={StatePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT device_id, accepted_hash, sent_message, COALESCE(last_update, 0), retired FROM devices WHERE source = $s ORDER BY device_id";
        command.Parameters.AddWithValue("$s", Source);
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string?, string?, long, bool)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4) != 0));
        }
        return rows;
    }

    /// <summary>Changes the state file behind the engine's back, as a crash would have left it.</summary>
    private void Execute(string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={StatePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Devices owned by users Intune takes reports for, registered in the emulator's directory (except those
    /// <paramref name="unregistered"/> picks: the service does not know them).
    /// </summary>
    private List<DeviceRecord> Fleet(int count, Func<int, bool>? unregistered = null)
    {
        var devices = new List<DeviceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var ios = i % 2 == 0;
            var deviceId = new Guid(i, 0x7007, 0x4a4a, 0x80, 0, 0, 0, 0, 0, 0, 3);
            if (unregistered?.Invoke(i) != true && _tenant.Server.Tenant.FindDeviceByDeviceId(deviceId.ToString()) == null)
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
}
