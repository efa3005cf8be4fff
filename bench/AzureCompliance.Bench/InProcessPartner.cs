using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Bench;

/// <summary>
/// The partner API as a stand-in in this process: every message is taken and reported Completed at once. Used only for
/// the million-device memory figure, where the emulator's per-device directory lookup (linear in the number of devices)
/// would take hours; everything else is the engine's real code (evaluation, delta, state file, packing, limiter).
/// </summary>
internal sealed class InProcessPartner : IDataUploadService
{
    private long _messages;
    private long _bytes;

    public long Messages => Interlocked.Read(ref _messages);
    public long Bytes => Interlocked.Read(ref _bytes);

    public Task<string> UploadAsync(Guid messageId, ArraySegment<byte> content, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _messages);
        Interlocked.Add(ref _bytes, content.Count);
        return Task.FromResult(messageId.ToString());
    }

    public Task<UploadStatus?> GetStatusAsync(string messageId, CancellationToken cancellationToken) =>
        Task.FromResult<UploadStatus?>(new UploadStatus("Completed", null, null));

    public static async Task<DeviceSyncSummary> SyncAsync(string statePath, IEnumerable<AzureCompliance.Core.Devices.DeviceRecord> devices, DeviceSyncOptions options)
    {
        var store = StateStore.Open(statePath);
        var setup = new SyncSetup("6f1c4e2a-8d3b-4c5e-9a7f-0b2d4e6f8a10", SyncDriver.Source, store, null, PolicyEvaluator.Load(store, SyncDriver.Source),
            ScopeMembership.FromMembers(GroupScope.Everyone, Array.Empty<KeyValuePair<string, string>>()), new InProcessPartner());
        using var run = await DeviceSyncRun.StartAsync(setup, options, SilentOperationContext.Instance, CancellationToken.None);
        foreach (var device in devices)
        {
            await run.PostAsync(new DeviceSyncInput(device), CancellationToken.None);
        }
        return await run.CompleteAsync();
    }
}
