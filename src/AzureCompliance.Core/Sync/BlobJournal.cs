using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.State;
using AzureCompliance.Core.State.Blob;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// The sync journal of state in Azure Storage: every write (sent, accepted, released, renamed) is appended to the journal
    /// blob before it is applied to the local copy and before its task completes, so a run killed at any moment leaves in
    /// storage everything it reported durable; the next run replays snapshot + journal (<see cref="Replay"/>) and asks the
    /// service about what was sent and not confirmed. Reads are served by the local copy. One JSON line per write.
    /// </summary>
    internal sealed class BlobJournal : ISyncJournal
    {
        private readonly SyncStateStore _local;
        private readonly JournalAppender _appender;
        private readonly string _source;

        public BlobJournal(SyncStateStore local, JournalAppender appender, string source)
        {
            _local = local;
            _appender = appender;
            _source = source;
        }

        public string Path => _local.Path;

        public Task<Dictionary<string, DeviceStateRow>> LookupAsync(IReadOnlyCollection<string> keys) => _local.LookupAsync(keys);

        public Task<IReadOnlyList<PendingMessage>> PendingMessagesAsync() => _local.PendingMessagesAsync();

        public async Task RecordSentAsync(string messageId, IReadOnlyList<PackedDevice> devices, DateTimeOffset at)
        {
            await _appender.AppendAsync(Record("sent", messageId, at, w =>
            {
                w.WriteStartArray("d");
                foreach (var device in devices)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(device.Key);
                    w.WriteStringValue(device.Hash);
                    w.WriteBooleanValue(device.IsCompliant);
                    w.WriteBooleanValue(device.IsRetired);
                    w.WriteNumberValue(device.LastUpdateMs);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            })).ConfigureAwait(false);
            await _local.RecordSentAsync(messageId, devices, at).ConfigureAwait(false);
        }

        public async Task<int> AcceptAsync(string messageId, DateTimeOffset at, IReadOnlyCollection<string>? except = null)
        {
            await _appender.AppendAsync(Record("accept", messageId, at, w =>
            {
                if (except == null || except.Count == 0) return;
                w.WriteStartArray("x");
                foreach (var key in except) w.WriteStringValue(key);
                w.WriteEndArray();
            })).ConfigureAwait(false);
            return await _local.AcceptAsync(messageId, at, except).ConfigureAwait(false);
        }

        public async Task<int> ReleaseAsync(string messageId)
        {
            await _appender.AppendAsync(Record("release", messageId, DateTimeOffset.UtcNow, null)).ConfigureAwait(false);
            return await _local.ReleaseAsync(messageId).ConfigureAwait(false);
        }

        public async Task<int> RenameMessageAsync(string from, string to)
        {
            await _appender.AppendAsync(Record("rename", from, DateTimeOffset.UtcNow, w => w.WriteString("to", to))).ConfigureAwait(false);
            return await _local.RenameMessageAsync(from, to).ConfigureAwait(false);
        }

        public void Complete() => _local.Complete();

        public void Dispose() => _local.Dispose();

        private byte[] Record(string operation, string messageId, DateTimeOffset at, Action<Utf8JsonWriter>? body)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("o", operation);
                w.WriteString("s", _source);
                w.WriteString("m", messageId);
                w.WriteNumber("t", at.ToUnixTimeMilliseconds());
                body?.Invoke(w);
                w.WriteEndObject();
            }
            buffer.WriteByte((byte)'\n');
            return buffer.ToArray();
        }

        /// <summary>Applies a journal (JSON lines) to the local copy, in order, through the same writes a run makes.</summary>
        public static void Replay(StateStore store, byte[] journal)
        {
            var writers = new Dictionary<string, SyncStateStore>(StringComparer.Ordinal);
            try
            {
                foreach (var line in Encoding.UTF8.GetString(journal).Split('\n'))
                {
                    if (line.Length == 0) continue;
                    JsonDocument document;
                    try
                    {
                        document = JsonDocument.Parse(line);
                    }
                    catch (JsonException)
                    {
                        continue; // a torn last line: its write never completed, so no one was told it was durable
                    }
                    using (document)
                    {
                        var root = document.RootElement;
                        var source = root.GetProperty("s").GetString()!;
                        if (!writers.TryGetValue(source, out var writer))
                        {
                            writers[source] = writer = new SyncStateStore(store, source);
                        }
                        var message = root.GetProperty("m").GetString()!;
                        var at = DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("t").GetInt64());
                        switch (root.GetProperty("o").GetString())
                        {
                            case "sent":
                                var devices = new List<PackedDevice>();
                                foreach (var item in root.GetProperty("d").EnumerateArray())
                                {
                                    devices.Add(new PackedDevice(item[0].GetString()!, null, null, "", default(DevicePlatform), null, null,
                                        item[2].GetBoolean(), item[3].GetBoolean(), null, null) { Hash = item[1].GetString()!, LastUpdateMs = item[4].GetInt64() });
                                }
                                writer.RecordSentAsync(message, devices, at).GetAwaiter().GetResult();
                                break;
                            case "accept":
                                var except = new List<string>();
                                if (root.TryGetProperty("x", out var keys))
                                {
                                    foreach (var key in keys.EnumerateArray()) except.Add(key.GetString()!);
                                }
                                writer.AcceptAsync(message, at, except).GetAwaiter().GetResult();
                                break;
                            case "release":
                                writer.ReleaseAsync(message).GetAwaiter().GetResult();
                                break;
                            case "rename":
                                writer.RenameMessageAsync(message, root.GetProperty("to").GetString()!).GetAwaiter().GetResult();
                                break;
                        }
                    }
                }
            }
            finally
            {
                foreach (var writer in writers.Values) writer.Dispose();
            }
        }
    }
}
