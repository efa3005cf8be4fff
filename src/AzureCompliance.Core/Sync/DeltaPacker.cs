using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// The packing stage, on one dedicated thread: takes posted devices from a bounded queue (this is how the pipeline
    /// is held back when uploads are slower than the input), passes each through triage, compares chunks of them with
    /// the journal (one lookup per chunk), drops duplicates and what Entra already has, gives each changed device its
    /// LastUpdateTime, and hands full messages to the courier.
    /// </summary>
    internal sealed class DeltaPacker : IDisposable
    {
        private readonly string _tenantId;
        private readonly DeviceSyncOptions _options;
        private readonly DeviceTriage _triage;
        private readonly ISyncJournal _journal;
        private readonly MessageCourier _courier;
        private readonly SyncEventSink _sink;
        private readonly SyncRunControl _control;
        private readonly UpdateClock _updates;
        // Unbounded, with the bound kept by _room: a poster that finds the queue full awaits room without holding a thread
        // (many runs in one process would otherwise each block a pool thread and starve the uploads' continuations).
        private readonly BlockingCollection<DeviceSyncInput> _input = new BlockingCollection<DeviceSyncInput>();
        private readonly SemaphoreSlim _room;
        private readonly List<PackedDevice> _builder = new List<PackedDevice>();
        private readonly Dictionary<string, int> _builderIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly List<(PackedDevice Device, DeviceStateRow? Row)> _changed = new List<(PackedDevice, DeviceStateRow?)>();
        private readonly List<Diagnostics.ProposedChange> _changes = new List<Diagnostics.ProposedChange>();
        private readonly bool _whatIf;
        private Thread? _thread;

        public DeltaPacker(string tenantId, DeviceSyncOptions options, DeviceTriage triage, ISyncJournal journal, MessageCourier courier,
            SyncEventSink sink, SyncRunControl control, UpdateClock updates)
        {
            _tenantId = tenantId;
            _options = options;
            _triage = triage;
            _journal = journal;
            _courier = courier;
            _sink = sink;
            _control = control;
            _updates = updates;
            _whatIf = sink.Context.WhatIf;
            var capacity = Math.Max(256, options.BatchSize * 4);
            _room = new SemaphoreSlim(capacity, capacity);
        }

        public bool Started => _thread != null;

        private CancellationToken Token => _control.Token;

        public void Start()
        {
            _thread = new Thread(PackLoop) { IsBackground = true, Name = "AzureCompliance sync" };
            _thread.Start();
        }

        /// <summary>Queues one device; false when there was no room within the timeout.</summary>
        public bool TryPost(DeviceSyncInput input, int millisecondsTimeout, CancellationToken cancellationToken)
        {
            if (!_room.Wait(millisecondsTimeout, cancellationToken))
            {
                return false;
            }
            _input.Add(input); // room is taken: the add cannot block, and a cancellation here would lose the slot
            return true;
        }

        /// <summary>Queues one device once there is room, without holding a thread while it waits.</summary>
        public async Task PostAsync(DeviceSyncInput input, CancellationToken cancellationToken)
        {
            await _room.WaitAsync(cancellationToken).ConfigureAwait(false);
            _input.Add(input);
        }

        /// <summary>No more input: what is queued is packed and sent.</summary>
        public void CompleteAdding()
        {
            if (!_input.IsAddingCompleted)
            {
                _input.CompleteAdding();
            }
        }

        public void Join(TimeSpan timeout) => _thread?.Join(timeout);

        private void PackLoop()
        {
            var chunk = new List<PackedDevice>(_options.BatchSize);
            try
            {
                while (true)
                {
                    var idle = chunk.Count > 0 || _builder.Count > 0;
                    if (!_input.TryTake(out var item, idle ? (int)_options.IdleFlush.TotalMilliseconds : Timeout.Infinite, Token))
                    {
                        if (_input.IsCompleted)
                        {
                            break;
                        }
                        ProcessChunk(chunk);
                        Flush();
                        continue;
                    }
                    _room.Release();
                    Interlocked.Increment(ref _sink.Counters.Received);
                    var verdict = _triage.Judge(item);
                    _sink.Triaged(item, verdict);
                    if (verdict.Device != null)
                    {
                        chunk.Add(verdict.Device);
                        if (chunk.Count >= _courier.BatchSize || chunk.Count >= _options.BatchSize)
                        {
                            ProcessChunk(chunk);
                        }
                    }
                }
                ProcessChunk(chunk);
                Flush();
            }
            catch (OperationCanceledException)
            {
                // Stopped: what was recorded as sent is settled by the next run.
            }
            catch (ObjectDisposedException) when (Token.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                _control.Fail(ex);
            }
            finally
            {
                _control.Done();
            }
        }

        /// <summary>
        /// Compares a chunk of candidates with the journal (one query), asks the host about the changed ones (one request:
        /// -WhatIf says what would be sent, -Confirm asks) and adds the approved ones to the open message.
        /// </summary>
        private void ProcessChunk(List<PackedDevice> chunk)
        {
            if (chunk.Count == 0)
            {
                return;
            }
            // The same device twice in one chunk: the later record wins.
            var last = new Dictionary<string, int>(chunk.Count, StringComparer.Ordinal);
            for (var i = 0; i < chunk.Count; i++)
            {
                last[chunk[i].Key] = i;
            }
            var rows = _journal.LookupAsync(last.Keys).GetAwaiter().GetResult();
            _changed.Clear();
            _changes.Clear();
            for (var i = 0; i < chunk.Count; i++)
            {
                var device = chunk[i];
                device.Hash = ComplianceMessages.Hash(_tenantId, device);
                if (last[device.Key] != i)
                {
                    _sink.Unchanged(device, "A later record of the same device in this run replaces this one.");
                    continue;
                }
                rows.TryGetValue(device.Key, out var row);
                if (!_options.Force && row != null)
                {
                    if (row.SentMessage == null && row.AcceptedHash == device.Hash)
                    {
                        _sink.Unchanged(device, "Entra already has this.");
                        continue;
                    }
                    if (row.SentMessage != null && row.SentHash == device.Hash)
                    {
                        _sink.Unchanged(device, "Already sent and waiting for the service's confirmation (message " + row.SentMessage + ").");
                        continue;
                    }
                }
                _changed.Add((device, row));
                _changes.Add(new Diagnostics.ProposedChange(SyncEventSink.Describe(device), SendAction(device)));
            }
            chunk.Clear();
            if (_changed.Count == 0)
            {
                return;
            }
            // Confirm before any write: the host answers for the whole chunk at once.
            var approved = _sink.Context.ShouldProcess(_changes);
            for (var i = 0; i < _changed.Count; i++)
            {
                var (device, row) = _changed[i];
                if (_whatIf)
                {
                    _sink.WouldSend(device,
                        row?.AcceptedHash == null ? "Never confirmed by Entra." : row.AcceptedHash == device.Hash ? "Unchanged; sent because of -Force." : "Changed since Entra last confirmed it.");
                }
                else if (!approved[i])
                {
                    _sink.Declined(device);
                }
                else
                {
                    Pack(device, row?.LastUpdateMs ?? 0);
                }
            }
        }

        /// <summary>What the host is asked to approve for a device (the -WhatIf line's operation).</summary>
        private static string SendAction(PackedDevice device) =>
            device.IsRetired ? "Send as retired (remove its compliance data)"
            : device.IsCompliant ? "Send compliance: compliant" : "Send compliance: not compliant";

        /// <summary>Adds a changed device to the open message with its LastUpdateTime; a full message goes to the courier.</summary>
        private void Pack(PackedDevice device, long floor)
        {
            if (_builderIndex.TryGetValue(device.Key, out var index))
            {
                // Already in the open message (from an earlier chunk): replace it, later still.
                floor = Math.Max(floor, _builder[index].LastUpdateMs);
                _sink.Unchanged(_builder[index], "A later record of the same device in this run replaces this one.");
                device.LastUpdateMs = _updates.Next(floor);
                _builder[index] = device;
                return;
            }
            device.LastUpdateMs = _updates.Next(floor);
            _builderIndex[device.Key] = _builder.Count;
            _builder.Add(device);
            if (_builder.Count >= _courier.BatchSize)
            {
                Flush();
            }
        }

        /// <summary>Hands the open message to the courier.</summary>
        private void Flush()
        {
            if (_builder.Count == 0)
            {
                return;
            }
            var devices = _builder.ToArray();
            _builder.Clear();
            _builderIndex.Clear();
            _courier.Dispatch(devices);
        }

        public void Dispose() => _input.Dispose();
    }
}
