using System.Text.Json;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>The sync engine end to end over a state file and an in-memory partner API: delta, durability, failures.</summary>
public sealed class DeviceSyncRunTests : IDisposable
{
    private readonly SyncHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public void Skips_and_counts_devices_out_of_scope_without_policy_and_without_an_Entra_id()
    {
        var inScope = SyncHarness.UserGuid(1).ToString();
        _harness.Scope = new GroupScope(false, new[] { new ScopedGroup(Guid.NewGuid().ToString(), "Mobile users") });
        _harness.Members.Add(new(inScope, "ana@contoso.com"));
        var devices = new List<DeviceRecord>
        {
            new() { DeviceId = SyncHarness.DeviceGuid(1).ToString(), DeviceName = "iPhone", UserId = inScope, PlatformName = "iOS", OsVersion = "17", ClientVersion = "12", Jailbroken = false },
            new() { DeviceId = SyncHarness.DeviceGuid(2).ToString(), DeviceName = "Pixel", UserPrincipalName = "ANA@contoso.com", PlatformName = "Android", OsVersion = "14", ClientVersion = "9", Jailbroken = false },
            new() { DeviceId = SyncHarness.DeviceGuid(3).ToString(), UserId = SyncHarness.UserGuid(2).ToString(), PlatformName = "iOS", OsVersion = "17" },
            new() { DeviceId = SyncHarness.DeviceGuid(4).ToString(), UserPrincipalName = "bob@contoso.com", PlatformName = "iOS", OsVersion = "17" },
            new() { DeviceId = SyncHarness.DeviceGuid(5).ToString(), UserId = inScope, PlatformName = "macOS", OsVersion = "14" },
            new() { DeviceId = SyncHarness.DeviceGuid(6).ToString(), UserId = inScope, PlatformName = "Windows", OsVersion = "11" },
            new() { DeviceId = "", UserId = inScope, PlatformName = "iOS", DeviceName = "no id" },
            new() { DeviceId = "not-a-guid", UserId = inScope, PlatformName = "iOS" },
        };
        var outcome = _harness.Run(devices);
        var s = outcome.Summary!;
        Assert.Equal(8, s.Received);
        Assert.Equal(2, s.Sent);
        Assert.Equal(2, s.OutOfScope);
        Assert.Equal(2, s.NoPolicy); // macOS has no policy here; Windows is no platform at all
        Assert.Equal(2, s.Invalid);
        Assert.Equal(new[] { "DeviceIdMissing", "InvalidDeviceId" }, outcome.Errors.Select(e => e.ErrorId).OrderBy(e => e));
        // The user principal name resolves to the owner's object id from the scope's members.
        var entity = _harness.Service.Entities().First(e => e.GetProperty("DeviceId").GetString() == SyncHarness.DeviceGuid(2).ToString());
        Assert.Equal(inScope, entity.GetProperty("UserId").GetString());
        Assert.Equal(DeviceSyncOutcome.OutOfScope, outcome.Results.Single(r => r.DeviceId == SyncHarness.DeviceGuid(4).ToString()).Outcome);
    }

    [Fact]
    public void A_disabled_policy_uploads_nothing_for_its_platform()
    {
        _harness.Policies.Single(p => p.Platform == DevicePlatform.Android).Enabled = false;
        var outcome = _harness.Run(SyncHarness.Fleet(10));
        Assert.Equal(5, outcome.Summary!.Sent);
        Assert.Equal(5, outcome.Summary.NoPolicy);
        Assert.DoesNotContain(_harness.Service.Entities(), e => e.GetProperty("EntityType").GetInt32() == 1 && e.GetProperty("Os").GetString() == "Android");
    }

    [Fact]
    public void Retired_devices_go_as_notManaged_and_notCompliant_and_are_recorded_retired()
    {
        var fleet = SyncHarness.Fleet(4);
        _harness.Run(fleet);
        fleet[0].MdmState = "Retired";
        fleet[3].MdmState = "Wiped";
        var outcome = _harness.Run(fleet);
        Assert.Equal(2, outcome.Summary!.Sent);
        Assert.Equal(2, outcome.Summary.Retired);
        var last = JsonDocument.Parse(_harness.Service.Uploads.Last().Content).RootElement.EnumerateArray().ToList();
        Assert.Equal(4, last.Count);
        Assert.All(last.Where(e => e.GetProperty("EntityType").GetInt32() == 1), e => Assert.Equal("notManaged", e.GetProperty("DeviceManagementState").GetString()));
        Assert.All(last.Where(e => e.GetProperty("EntityType").GetInt32() == 4), e => Assert.Equal("notCompliant", e.GetProperty("complianceStatus").GetString()));
        Assert.False(_harness.Service.Devices[fleet[0].DeviceId!].IsManaged);
        Assert.False(_harness.Service.Devices[fleet[0].DeviceId!].IsCompliant);
        var rows = _harness.Rows();
        Assert.Equal(2, rows.Count(r => r.Retired));
        // Retired stays retired: nothing more to send.
        Assert.Equal(0, _harness.Run(fleet).Summary!.Sent);
    }

    [Fact]
    public void A_failed_message_is_split_until_the_bad_device_fails_alone_and_the_others_are_confirmed()
    {
        var fleet = SyncHarness.Fleet(64);
        _harness.Service.PoisonDevices.Add(fleet[37].DeviceId!);
        var outcome = _harness.Run(fleet, o => o.BatchSize = 64);
        Assert.Equal(63, outcome.Summary!.Confirmed);
        Assert.Equal(1, outcome.Summary.Failed);
        var error = Assert.Single(outcome.Errors);
        Assert.Equal("DeviceUploadFailed", error.ErrorId);
        Assert.Same(fleet[37], error.Target);
        Assert.Contains("InvalidDevice", error.Message);
        var row = _harness.Rows().Single(r => r.Id == fleet[37].DeviceId!.ToLowerInvariant());
        Assert.Null(row.Accepted);
        Assert.Null(row.Message);
        // The next run sends only the device that failed.
        _harness.Service.PoisonDevices.Clear();
        var next = _harness.Run(fleet);
        Assert.Equal(1, next.Summary!.Sent);
        Assert.Equal(1, next.Summary.Confirmed);
    }

    [Fact]
    public void Messages_still_processing_are_followed_until_they_complete()
    {
        _harness.Service.ProcessingReads = 2;
        var outcome = _harness.Run(SyncHarness.Fleet(50));
        Assert.Equal(50, outcome.Summary!.Confirmed);
        Assert.True(_harness.Service.StatusReads >= 3);
    }

    [Fact]
    public void A_run_stopped_midway_resumes_with_nothing_lost_and_nothing_confirmed_sent_again()
    {
        var fleet = SyncHarness.Fleet(2000);
        using var stop = new CancellationTokenSource();
        _harness.Service.BeforeUpload = n => { if (n == 8) stop.Cancel(); };
        var first = _harness.Run(fleet, o => { o.BatchSize = 100; o.MaxConcurrency = 2; }, stop.Token);
        Assert.IsAssignableFrom<OperationCanceledException>(first.Failure);
        _harness.Service.BeforeUpload = null;
        var confirmedBefore = _harness.Rows().Count(r => r.Accepted != null);
        var uploadedBefore = _harness.Service.Uploads.SelectMany(u => JsonDocument.Parse(u.Content).RootElement.EnumerateArray())
            .Select(e => e.GetProperty("DeviceId").GetString()).ToHashSet();

        var countBefore = _harness.Service.Uploads.Count;
        var second = _harness.Run(fleet);
        Assert.Null(second.Failure);
        // Everything is confirmed now ...
        Assert.All(_harness.Rows(), r => Assert.NotNull(r.Accepted));
        Assert.Equal(2000, _harness.Rows().Count);
        // ... and nothing that reached the service in the first run went again.
        var secondUploads = _harness.Service.Uploads.Skip(countBefore)
            .SelectMany(u => JsonDocument.Parse(u.Content).RootElement.EnumerateArray()).Select(e => e.GetProperty("DeviceId").GetString()).ToHashSet();
        Assert.Empty(secondUploads.Intersect(uploadedBefore));
        Assert.Equal(2000 - uploadedBefore.Count, second.Summary!.Sent);
        Assert.True(second.Summary.Recovered + confirmedBefore >= uploadedBefore.Count);
    }

    [Fact]
    public void Lost_uploads_are_retried_and_a_service_that_stays_down_stops_the_run()
    {
        var fleet = SyncHarness.Fleet(200);
        _harness.Service.DropUpload = n => n <= 2; // the first uploads are lost (connection reset): a message survives two losses
        var outcome = _harness.Run(fleet, o => { o.BatchSize = 50; o.MessageRetryPause = TimeSpan.FromMilliseconds(10); });
        Assert.Null(outcome.Failure);
        Assert.Equal(200, outcome.Summary!.Confirmed);

        var harness = new SyncHarness();
        try
        {
            harness.Service.DropUpload = _ => true;
            var down = harness.Run(fleet, o => { o.BatchSize = 50; o.MaxConcurrency = 1; o.MessageRetryPause = TimeSpan.FromMilliseconds(10); });
            var error = Assert.IsAssignableFrom<AzureCompliance.Core.Diagnostics.ComplianceException>(down.Failure);
            Assert.Equal("ServiceUnavailable", error.ErrorId);
            Assert.True(down.Errors.Count >= 50 && down.Errors.All(e => e.ErrorId == "DeviceUploadFailed"));
            Assert.All(harness.Rows(), r => Assert.Null(r.Accepted));
        }
        finally
        {
            harness.Dispose();
        }
    }

    [Fact]
    public void The_state_records_a_message_before_it_is_uploaded()
    {
        var fleet = SyncHarness.Fleet(10);
        List<(string Id, string? Accepted, string? Sent, string? Message, long LastUpdate, bool Retired)>? seen = null;
        _harness.Service.BeforeUpload = _ =>
        {
            // A second reader of the state file (WAL) while the upload is about to happen.
            using var store = StateStore.Open(_harness.StatePath);
            using var command = store.Connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM devices WHERE sent_message IS NOT NULL AND accepted_hash IS NULL";
            seen = new() { ("count", Convert.ToInt64(command.ExecuteScalar()).ToString(), null, null, 0, false) };
        };
        _harness.Run(fleet);
        Assert.Equal("10", seen![0].Accepted);
    }

    [Fact]
    public void Throttled_uploads_are_waited_out_by_the_engine_itself_and_go_again_until_confirmed()
    {
        var fleet = SyncHarness.Fleet(500);
        // Every other upload of the first ten is answered 429: nothing below the engine retries them.
        _harness.Service.ThrottleUpload = n => n <= 10 && n % 2 == 1;
        var outcome = _harness.Run(fleet, o => { o.BatchSize = 50; o.MaxConcurrency = 2; });
        Assert.Null(outcome.Failure);
        Assert.Equal(500, outcome.Summary!.Confirmed);
        Assert.Equal(0, outcome.Summary.Failed);
        Assert.Equal(5, outcome.Summary.Throttled);
        Assert.Empty(outcome.Errors);
        Assert.All(_harness.Rows(), r => Assert.NotNull(r.Accepted));
    }

    [Fact]
    public void An_upload_throttled_at_every_answer_fails_its_devices_instead_of_waiting_forever()
    {
        var fleet = SyncHarness.Fleet(3);
        _harness.Service.ThrottleUpload = _ => true;
        var outcome = _harness.Run(fleet, o => { o.BatchSize = 3; o.MessageRetryPause = TimeSpan.FromMilliseconds(1); });
        Assert.Equal(3, outcome.Summary!.Failed);
        Assert.Equal(0, outcome.Summary.Confirmed);
        Assert.All(outcome.Errors, e => Assert.Equal("DeviceUploadFailed", e.ErrorId));
        Assert.Equal(3, outcome.Errors.Count);
    }

    [Fact]
    public void The_heartbeat_is_recorded_once_after_a_run_that_sent_and_not_after_one_that_sent_nothing()
    {
        var beats = 0;
        _harness.Heartbeat = _ => { Interlocked.Increment(ref beats); return Task.CompletedTask; };
        var fleet = SyncHarness.Fleet(20);
        Assert.Null(_harness.Run(fleet).Failure);
        Assert.Equal(1, beats);
        var again = _harness.Run(fleet);
        Assert.Equal(0, again.Summary!.Sent);
        Assert.Equal(1, beats);
    }

    [Fact]
    public void A_heartbeat_that_fails_is_a_warning_and_the_run_still_succeeds()
    {
        _harness.Heartbeat = _ => throw new ComplianceException("RegistryWriteFailed", ComplianceErrorCategory.PermissionDenied, "denied", null);
        var outcome = _harness.Run(SyncHarness.Fleet(5));
        Assert.Null(outcome.Failure);
        Assert.Equal(5, outcome.Summary!.Confirmed);
        Assert.Contains(outcome.Messages, m => m.StartsWith("WARNING: The devices were sent, but this MDM instance's last sync could not be recorded", StringComparison.Ordinal));
    }
}
