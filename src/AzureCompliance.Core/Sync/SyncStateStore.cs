using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.State;
using Microsoft.Data.Sqlite;

namespace AzureCompliance.Core.Sync
{
    /// <summary>What the state knows of one device.</summary>
    internal sealed class DeviceStateRow
    {
        public DeviceStateRow(string key, string? acceptedHash, string? sentHash, string? sentMessage, long lastUpdateMs, bool retired)
        {
            Key = key;
            AcceptedHash = acceptedHash;
            SentHash = sentHash;
            SentMessage = sentMessage;
            LastUpdateMs = lastUpdateMs;
            Retired = retired;
        }

        public string Key { get; }
        /// <summary>Hash of the content the service last confirmed (Completed), or null.</summary>
        public string? AcceptedHash { get; }
        /// <summary>Hash of the content last recorded as sent, while its message is unconfirmed.</summary>
        public string? SentHash { get; }
        /// <summary>The unconfirmed message carrying the device, or null.</summary>
        public string? SentMessage { get; }
        /// <summary>The last LastUpdateTime sent for the device (Unix ms), 0 if never.</summary>
        public long LastUpdateMs { get; }
        public bool Retired { get; }
    }

    /// <summary>A message recorded as sent and not yet confirmed (by this run or an earlier one).</summary>
    internal sealed class PendingMessage
    {
        public PendingMessage(string messageId, int devices, int retired)
        {
            MessageId = messageId;
            Devices = devices;
            RetiredDevices = retired;
        }

        public string MessageId { get; }
        public int Devices { get; }
        public int RetiredDevices { get; }
    }

    /// <summary>
    /// The devices table of the state store, for one source, as the sync engine uses it. Per device:
    /// <code>
    ///   (nothing) --record sent--> sent_hash=H, sent_message=M      (committed BEFORE M is uploaded)
    ///   sent(M)   --M Completed--> accepted_hash=H, sent_message=NULL (one transaction per batch of confirmations)
    ///   sent(M)   --M Failed / unknown--> sent_hash=NULL, sent_message=NULL (accepted_hash unchanged: sent again)
    ///   sent(M)   --recorded again in M2--> sent_message=M2 (a later LastUpdateTime; M's confirmation no longer applies)
    /// </code>
    /// A device is unchanged when its content hash equals accepted_hash. A run killed at any moment leaves at worst
    /// devices in sent(M); the next run asks the service about M first. Every operation runs on one thread with one
    /// connection, in order; writes that queue up while a commit is in progress share the next transaction (group
    /// commit), so confirmations cost one fsync per batch, not per device or per message.
    /// </summary>
    internal sealed class SyncStateStore : ISyncJournal
    {
        private const int MaxBatch = 256;
        private const int LookupChunk = 200;

        private readonly StateStore _store;
        private readonly string _source;
        private readonly BlockingCollection<Operation> _queue = new BlockingCollection<Operation>();
        private readonly Thread _thread;
        private readonly Dictionary<int, SqliteCommand> _lookups = new Dictionary<int, SqliteCommand>();
        private SqliteCommand? _upsert;
        private SqliteCommand? _accept;
        private SqliteCommand? _release;
        private SqliteCommand? _rename;
        private long _commits;

        public SyncStateStore(StateStore store, string source)
        {
            _store = store;
            _source = source;
            _thread = new Thread(Loop) { IsBackground = true, Name = "AzureCompliance state" };
            _thread.Start();
        }

        public string Path => _store.Path;

        /// <summary>Transactions committed (for tests and the benchmark).</summary>
        public long Commits => Interlocked.Read(ref _commits);

        public Task<Dictionary<string, DeviceStateRow>> LookupAsync(IReadOnlyCollection<string> keys) =>
            Enqueue(false, (connection, transaction) =>
            {
                var rows = new Dictionary<string, DeviceStateRow>(keys.Count, StringComparer.Ordinal);
                var distinct = keys.Distinct(StringComparer.Ordinal).ToList();
                for (var offset = 0; offset < distinct.Count; offset += LookupChunk)
                {
                    var count = Math.Min(LookupChunk, distinct.Count - offset);
                    var command = LookupCommand(connection, count);
                    command.Transaction = transaction;
                    command.Parameters[0].Value = _source;
                    for (var i = 0; i < count; i++)
                    {
                        command.Parameters[i + 1].Value = distinct[offset + i];
                    }
                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        var key = reader.GetString(0).ToLowerInvariant();
                        rows[key] = new DeviceStateRow(key,
                            reader.IsDBNull(1) ? null : reader.GetString(1),
                            reader.IsDBNull(2) ? null : reader.GetString(2),
                            reader.IsDBNull(3) ? null : reader.GetString(3),
                            reader.IsDBNull(4) ? 0 : reader.GetInt64(4),
                            !reader.IsDBNull(5) && reader.GetInt64(5) != 0);
                    }
                }
                return rows;
            });

        /// <summary>Records the devices of a message as sent, before it is uploaded.</summary>
        public Task RecordSentAsync(string messageId, IReadOnlyList<PackedDevice> devices, DateTimeOffset at) =>
            Enqueue(true, (connection, transaction) =>
            {
                var command = _upsert ??= Prepare(connection, @"
INSERT INTO devices (source, device_id, sent_hash, sent_message, sent_at, sent_compliant, sent_retired, last_update)
VALUES ($source, $id, $hash, $message, $at, $compliant, $retired, $update)
ON CONFLICT (source, device_id) DO UPDATE SET
    sent_hash = excluded.sent_hash, sent_message = excluded.sent_message, sent_at = excluded.sent_at,
    sent_compliant = excluded.sent_compliant, sent_retired = excluded.sent_retired, last_update = excluded.last_update",
                    "$source", "$id", "$hash", "$message", "$at", "$compliant", "$retired", "$update");
                command.Transaction = transaction;
                var time = Iso(at);
                foreach (var device in devices)
                {
                    command.Parameters[0].Value = _source;
                    command.Parameters[1].Value = device.Key;
                    command.Parameters[2].Value = device.Hash;
                    command.Parameters[3].Value = messageId;
                    command.Parameters[4].Value = time;
                    command.Parameters[5].Value = device.IsCompliant ? 1 : 0;
                    command.Parameters[6].Value = device.IsRetired ? 1 : 0;
                    command.Parameters[7].Value = device.LastUpdateMs;
                    command.ExecuteNonQuery();
                }
                return true;
            });

        /// <summary>
        /// The service confirmed the message: what it carried is now what Entra has. Devices in <paramref name="except"/>
        /// (keys) were not processed by the service: they become unconfirmed instead. Returns the devices confirmed.
        /// </summary>
        public Task<int> AcceptAsync(string messageId, DateTimeOffset at, IReadOnlyCollection<string>? except = null) =>
            Enqueue(true, (connection, transaction) =>
            {
                if (except != null && except.Count > 0)
                {
                    using var release = connection.CreateCommand();
                    release.Transaction = transaction;
                    release.CommandText = "UPDATE devices SET sent_hash = NULL, sent_message = NULL WHERE source = $source AND sent_message = $message AND device_id = $id";
                    var id = release.Parameters.Add(new SqliteParameter("$id", DBNull.Value));
                    release.Parameters.AddWithValue("$source", _source);
                    release.Parameters.AddWithValue("$message", messageId);
                    foreach (var key in except)
                    {
                        id.Value = key;
                        release.ExecuteNonQuery();
                    }
                }
                var command = _accept ??= Prepare(connection, @"
UPDATE devices SET accepted_hash = sent_hash, accepted_at = $at, compliant = sent_compliant,
    retired = COALESCE(sent_retired, 0), sent_message = NULL
WHERE source = $source AND sent_message = $message", "$at", "$source", "$message");
                command.Transaction = transaction;
                command.Parameters[0].Value = Iso(at);
                command.Parameters[1].Value = _source;
                command.Parameters[2].Value = messageId;
                return command.ExecuteNonQuery();
            });

        /// <summary>The message failed or never arrived: its devices are unconfirmed and will be sent again.</summary>
        public Task<int> ReleaseAsync(string messageId) =>
            Enqueue(true, (connection, transaction) =>
            {
                var command = _release ??= Prepare(connection,
                    "UPDATE devices SET sent_hash = NULL, sent_message = NULL WHERE source = $source AND sent_message = $message",
                    "$source", "$message");
                command.Transaction = transaction;
                command.Parameters[0].Value = _source;
                command.Parameters[1].Value = messageId;
                return command.ExecuteNonQuery();
            });

        /// <summary>The service answered with its own message id: follow that one from now on (also after a restart).</summary>
        public Task<int> RenameMessageAsync(string from, string to) =>
            Enqueue(true, (connection, transaction) =>
            {
                var command = _rename ??= Prepare(connection,
                    "UPDATE devices SET sent_message = $to WHERE source = $source AND sent_message = $from", "$to", "$source", "$from");
                command.Transaction = transaction;
                command.Parameters[0].Value = to;
                command.Parameters[1].Value = _source;
                command.Parameters[2].Value = from;
                return command.ExecuteNonQuery();
            });

        /// <summary>Messages recorded as sent and not confirmed, oldest first.</summary>
        public Task<IReadOnlyList<PendingMessage>> PendingMessagesAsync() =>
            Enqueue(false, (connection, transaction) =>
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = @"
SELECT sent_message, COUNT(*), SUM(COALESCE(sent_retired, 0)), MIN(sent_at) FROM devices
WHERE source = $source AND sent_message IS NOT NULL GROUP BY sent_message ORDER BY MIN(sent_at)";
                command.Parameters.AddWithValue("$source", _source);
                var list = new List<PendingMessage>();
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    list.Add(new PendingMessage(reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? 0 : reader.GetInt32(2)));
                }
                return (IReadOnlyList<PendingMessage>)list;
            });

        /// <summary>Waits for every queued operation and stops the writer thread. The store itself stays open.</summary>
        public void Complete()
        {
            if (!_queue.IsAddingCompleted)
            {
                _queue.CompleteAdding();
            }
            _thread.Join();
        }

        public void Dispose()
        {
            Complete();
            foreach (var command in _lookups.Values) command.Dispose();
            _upsert?.Dispose();
            _accept?.Dispose();
            _release?.Dispose();
            _rename?.Dispose();
            _queue.Dispose();
        }

        private Task<T> Enqueue<T>(bool write, Func<SqliteConnection, SqliteTransaction?, T> work)
        {
            var operation = new Operation<T>(write, work);
            try
            {
                _queue.Add(operation);
            }
            catch (InvalidOperationException)
            {
                return Task.FromException<T>(new ObjectDisposedException(nameof(SyncStateStore), "The run's state writer has stopped."));
            }
            return operation.Task;
        }

        private void Loop()
        {
            var batch = new List<Operation>(MaxBatch);
            foreach (var first in _queue.GetConsumingEnumerable())
            {
                batch.Clear();
                batch.Add(first);
                while (batch.Count < MaxBatch && _queue.TryTake(out var next))
                {
                    batch.Add(next);
                }
                Execute(batch);
            }
        }

        private void Execute(List<Operation> batch)
        {
            var connection = _store.Connection;
            var writes = batch.Any(o => o.IsWrite);
            SqliteTransaction? transaction = null;
            try
            {
                if (writes)
                {
                    transaction = connection.BeginTransaction();
                }
                foreach (var operation in batch)
                {
                    operation.Run(connection, transaction);
                }
                if (transaction != null)
                {
                    transaction.Commit();
                    Interlocked.Increment(ref _commits);
                }
            }
            catch (Exception ex)
            {
                try
                {
                    transaction?.Rollback();
                }
                catch (SqliteException)
                {
                    // The transaction is gone with the failure.
                }
                var error = ex as ComplianceException ?? new ComplianceException("StateWriteFailed", ComplianceErrorCategory.ResourceUnavailable,
                    $"The state file {_store.Path} could not be updated: {ex.Message}", _store.Path,
                    "Check the disk (space, permissions) and run again: nothing unconfirmed is lost, the next run sends it.", ex);
                foreach (var operation in batch)
                {
                    operation.Fail(error);
                }
                return;
            }
            finally
            {
                transaction?.Dispose();
            }
            foreach (var operation in batch)
            {
                operation.Succeed();
            }
        }

        private SqliteCommand LookupCommand(SqliteConnection connection, int count)
        {
            if (_lookups.TryGetValue(count, out var command))
            {
                return command;
            }
            var names = new string[count + 1];
            names[0] = "$source";
            var text = new StringBuilder("SELECT device_id, accepted_hash, sent_hash, sent_message, last_update, retired FROM devices WHERE source = $source AND device_id IN (");
            for (var i = 0; i < count; i++)
            {
                if (i > 0) text.Append(',');
                names[i + 1] = "$k" + i.ToString(CultureInfo.InvariantCulture);
                text.Append(names[i + 1]);
            }
            text.Append(')');
            command = Prepare(connection, text.ToString(), names);
            _lookups[count] = command;
            return command;
        }

        private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
            }
            return command;
        }

        private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        private abstract class Operation
        {
            protected Operation(bool isWrite) => IsWrite = isWrite;
            public bool IsWrite { get; }
            public abstract void Run(SqliteConnection connection, SqliteTransaction? transaction);
            public abstract void Succeed();
            public abstract void Fail(Exception exception);
        }

        private sealed class Operation<T> : Operation
        {
            private readonly Func<SqliteConnection, SqliteTransaction?, T> _work;
            private readonly TaskCompletionSource<T> _completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            private T _result = default!;

            public Operation(bool isWrite, Func<SqliteConnection, SqliteTransaction?, T> work) : base(isWrite) => _work = work;

            public Task<T> Task => _completion.Task;

            public override void Run(SqliteConnection connection, SqliteTransaction? transaction) => _result = _work(connection, transaction);

            public override void Succeed() => _completion.TrySetResult(_result);

            public override void Fail(Exception exception) => _completion.TrySetException(exception);
        }
    }
}
