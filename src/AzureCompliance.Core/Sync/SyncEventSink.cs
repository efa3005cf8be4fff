using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// Where every stage reports: it counts what happened to each device and turns it into run events (results with
    /// -PassThru or -WhatIf, per-device errors, messages) that the host takes with <see cref="TryTake"/>.
    /// </summary>
    internal sealed class SyncEventSink
    {
        private readonly ConcurrentQueue<DeviceSyncEvent> _events = new ConcurrentQueue<DeviceSyncEvent>();
        private readonly bool _passThru;

        public SyncEventSink(bool passThru) => _passThru = passThru;

        public SyncCounters Counters { get; } = new SyncCounters();

        private volatile Action<DeviceSyncEvent>? _deliver;

        public bool TryTake(out DeviceSyncEvent item) => _events.TryDequeue(out item!);

        /// <summary>From now on events go straight to <paramref name="deliver"/> (the host's channel); what is queued goes first.</summary>
        public void DeliverTo(Action<DeviceSyncEvent> deliver)
        {
            _deliver = deliver;
            DrainTo(deliver);
        }

        public void Emit(DeviceSyncEvent item)
        {
            var deliver = _deliver;
            if (deliver != null)
            {
                deliver(item);
                return;
            }
            _events.Enqueue(item);
            deliver = _deliver;
            if (deliver != null)
            {
                DrainTo(deliver); // the host took over meanwhile: nothing stays behind in the queue
            }
        }

        private void DrainTo(Action<DeviceSyncEvent> deliver)
        {
            while (_events.TryDequeue(out var item))
            {
                deliver(item);
            }
        }

        public void Verbose(string text) => Emit(DeviceSyncEvent.ForVerbose(text));

        public void Warning(string text) => Emit(DeviceSyncEvent.ForWarning(text));

        /// <summary>Counts a device triage did not pass (and the ones it did, as evaluated), reporting the former.</summary>
        public void Triaged(DeviceSyncInput input, in TriageVerdict verdict)
        {
            var device = input.Device;
            switch (verdict.Outcome)
            {
                case DeviceSyncOutcome.Invalid:
                    Interlocked.Increment(ref Counters.Invalid);
                    Emit(DeviceSyncEvent.ForError(verdict.Error!));
                    break;
                case DeviceSyncOutcome.NoPolicy:
                    Interlocked.Increment(ref Counters.NoPolicy);
                    break;
                case DeviceSyncOutcome.OutOfScope:
                    Interlocked.Increment(ref Counters.Evaluated);
                    Interlocked.Increment(ref Counters.OutOfScope);
                    break;
                default:
                    Interlocked.Increment(ref Counters.Evaluated);
                    return;
            }
            if (_passThru)
            {
                Emit(DeviceSyncEvent.ForResult(new DeviceSyncResult(device.DeviceId, device.DeviceName, device.UserPrincipalName, device.UserId,
                    device.Platform, verdict.IsCompliant, device.IsRetired, verdict.Outcome, null, verdict.Detail, verdict.PolicyName)));
            }
        }

        public void Unchanged(PackedDevice device, string detail)
        {
            Interlocked.Increment(ref Counters.Unchanged);
            if (_passThru)
            {
                Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.Unchanged, null, detail)));
            }
        }

        /// <summary>-WhatIf: the device would be sent (reported whatever -PassThru says).</summary>
        public void WouldSend(PackedDevice device, string detail)
        {
            Interlocked.Increment(ref Counters.Sent);
            Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.WouldSend, null, detail)));
        }

        public void Uploaded(int devices)
        {
            Interlocked.Add(ref Counters.Sent, devices);
            Interlocked.Increment(ref Counters.Messages);
        }

        public void Throttled() => Interlocked.Increment(ref Counters.Throttled);

        public void Recovered(int devices) => Interlocked.Add(ref Counters.Recovered, devices);

        public void Confirmed(string messageId, IReadOnlyList<PackedDevice> devices)
        {
            Interlocked.Add(ref Counters.Confirmed, devices.Count);
            var retired = 0;
            foreach (var device in devices)
            {
                if (device.IsRetired) retired++;
            }
            Interlocked.Add(ref Counters.Retired, retired);
            if (_passThru)
            {
                foreach (var device in devices)
                {
                    Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.Confirmed, messageId, null)));
                }
            }
        }

        /// <summary>Counts and reports devices as failed (their state is released by the caller).</summary>
        public void Failed(string messageId, IEnumerable<PackedDevice> devices, string why, ComplianceErrorCategory category)
        {
            foreach (var device in devices)
            {
                Interlocked.Increment(ref Counters.Failed);
                Emit(DeviceSyncEvent.ForError(new ComplianceException("DeviceUploadFailed", category,
                    $"{Describe(device)}: {why}", device.Target,
                    "The next Send-DeviceCompliance run sends it again; if it keeps failing, check the device's data (ids, user) and that it is registered in Entra.")));
                if (_passThru)
                {
                    Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.Failed, messageId, why)));
                }
            }
        }

        public void LeftPending(string messageId, PackedDevice[] devices, string why)
        {
            Interlocked.Add(ref Counters.Pending, devices.Length);
            Verbose($"Message {messageId} ({devices.Length} devices) is left for the next run: {why}.");
            if (_passThru)
            {
                foreach (var device in devices)
                {
                    Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.Pending, messageId, why)));
                }
            }
        }

        public static string Describe(DeviceRecord device) =>
            string.IsNullOrWhiteSpace(device.DeviceName) ? "Device " + (device.DeviceId ?? device.Source ?? "(no id)") : $"Device '{device.DeviceName}' ({device.DeviceId ?? "no id"})";

        private static string Describe(PackedDevice device) =>
            string.IsNullOrWhiteSpace(device.DeviceName) ? "Device " + device.DeviceId : $"Device '{device.DeviceName}' ({device.DeviceId})";
    }
}
