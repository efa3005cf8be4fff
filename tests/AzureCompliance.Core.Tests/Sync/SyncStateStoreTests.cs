using AzureCompliance.Core.Devices;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>The device state transitions: recorded as sent, confirmed, released, renamed; group commit.</summary>
public sealed class SyncStateStoreTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "azc-state-" + Guid.NewGuid().ToString("n") + ".db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            if (File.Exists(file)) File.Delete(file);
        }
    }

    private static PackedDevice Device(int i, string hash) =>
        new(SyncHarness.DeviceGuid(i).ToString().ToUpperInvariant(), "d" + i, null, SyncHarness.UserGuid(i).ToString(), DevicePlatform.iOS, "17", null,
            i % 2 == 0, false, "p", null) { Hash = hash, LastUpdateMs = 1000 + i };

    [Fact]
    public async Task A_device_goes_from_sent_to_accepted_or_back_to_unconfirmed()
    {
        using var store = StateStore.Open(_path);
        using var state = new SyncStateStore(store, "core-01");
        var devices = Enumerable.Range(0, 4).Select(i => Device(i, "h" + i)).ToArray();
        await state.RecordSentAsync("m1", devices.Take(2).ToList(), DateTimeOffset.UtcNow);
        await state.RecordSentAsync("m2", devices.Skip(2).ToList(), DateTimeOffset.UtcNow);

        var pending = await state.PendingMessagesAsync();
        Assert.Equal(new[] { "m1", "m2" }, pending.Select(p => p.MessageId).OrderBy(m => m));

        Assert.Equal(2, await state.AcceptAsync("m1", DateTimeOffset.UtcNow));
        Assert.Equal(2, await state.ReleaseAsync("m2"));
        // Keys are case-insensitive device ids.
        var rows = await state.LookupAsync(devices.Select(d => d.Key).ToList());
        Assert.Equal("h0", rows[devices[0].Key].AcceptedHash);
        Assert.Null(rows[devices[0].Key].SentMessage);
        Assert.Equal(1000, rows[devices[0].Key].LastUpdateMs);
        Assert.Null(rows[devices[2].Key].AcceptedHash);
        Assert.Null(rows[devices[2].Key].SentHash);
        Assert.Empty(await state.PendingMessagesAsync());

        // A device recorded again moves to the new message; the old message's confirmation no longer applies to it.
        await state.RecordSentAsync("m3", new[] { Device(0, "h0b") }, DateTimeOffset.UtcNow);
        Assert.Equal(1, await state.RenameMessageAsync("m3", "service-m3"));
        Assert.Equal(0, await state.AcceptAsync("m1", DateTimeOffset.UtcNow));
        Assert.Equal("service-m3", (await state.LookupAsync(new[] { devices[0].Key }))[devices[0].Key].SentMessage);
        Assert.Equal(1, await state.AcceptAsync("service-m3", DateTimeOffset.UtcNow));
        Assert.Equal("h0b", (await state.LookupAsync(new[] { devices[0].Key }))[devices[0].Key].AcceptedHash);
    }

    [Fact]
    public async Task Writes_queued_together_share_one_commit()
    {
        using var store = StateStore.Open(_path);
        using var state = new SyncStateStore(store, "core-01");
        var writes = Enumerable.Range(0, 200).Select(i => state.RecordSentAsync("m" + i, new[] { Device(i, "h") }, DateTimeOffset.UtcNow)).ToList();
        await Task.WhenAll(writes);
        Assert.InRange(state.Commits, 1, 100);
        Assert.Equal(200, (await state.PendingMessagesAsync()).Count);
    }

    [Fact]
    public async Task What_was_committed_survives_the_process_and_the_schema_is_migrated()
    {
        using (var store = StateStore.Open(_path))
        using (var state = new SyncStateStore(store, "core-01"))
        {
            await state.RecordSentAsync("m1", new[] { Device(1, "h1") }, DateTimeOffset.UtcNow);
        }
        using var reopened = StateStore.Open(_path);
        using var command = reopened.Connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        Assert.True(Convert.ToInt32(command.ExecuteScalar()) >= 2);
        using var again = new SyncStateStore(reopened, "core-01");
        Assert.Equal("m1", Assert.Single(await again.PendingMessagesAsync()).MessageId);
        // Another source's devices are its own.
        using var other = new SyncStateStore(reopened, "core-02");
        Assert.Empty(await other.PendingMessagesAsync());
    }
}
