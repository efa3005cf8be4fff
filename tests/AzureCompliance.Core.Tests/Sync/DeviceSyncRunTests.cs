using System.Text.Json;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>
/// The sync scenarios the emulator cannot produce as the service would (PublicRootSyncTests runs every other one
/// through the public root against the emulator): a message the service fails as a whole because of one device it does
/// not name, an upload answered 429 at every try, without waiting the service's whole seconds of Retry-After per
/// answer, and uploads held unanswered while the run's input queue fills. They run over an in-memory partner service
/// plugged in through the engine's internal seam.
/// </summary>
public sealed class DeviceSyncRunTests : IDisposable
{
    private readonly SyncHarness _harness = new();

    public void Dispose() => _harness.Dispose();

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
    public async Task Posting_into_a_full_input_queue_waits_without_holding_a_thread()
    {
        // Many runs in one process (an MSP's tenants) each waiting on a blocked pool thread starved the uploads'
        // continuations for a second and more on two cores.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.Service.UploadGate = held.Task;
        var fleet = SyncHarness.Fleet(2000);
        var context = new RecordingRunContext();
        using var run = await _harness.StartAsync(context, o => { o.BatchSize = 100; o.MaxMessagesInFlight = 2; });
        var pendingBefore = ThreadPool.PendingWorkItemCount;
        var posts = fleet.Select(d => run.PostAsync(new DeviceSyncInput(d), CancellationToken.None)).ToList();
        var waiting = posts.Count(p => !p.IsCompleted);
        // The queue holds 400 devices (4 messages), the packer a few messages of 100: the rest wait for room.
        Assert.InRange(waiting, 1000, 2000);
        // Blocking waits queue one work item per post (other tests running in parallel add a few, never hundreds).
        Assert.True(ThreadPool.PendingWorkItemCount - pendingBefore < waiting / 2,
            $"{waiting} posts wait and {ThreadPool.PendingWorkItemCount} work items are queued: the waits hold threads.");
        held.SetResult();
        await Task.WhenAll(posts);
        var summary = await run.CompleteAsync();
        Assert.Equal(2000, summary.Confirmed);
        Assert.Empty(context.Errors);
    }
}
