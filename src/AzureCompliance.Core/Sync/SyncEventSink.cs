using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// Where every stage reports: it counts what happened to each device and writes what the host should see (results
    /// with -PassThru, per-device errors, messages) to the run's <see cref="IOperationContext"/> as it happens.
    /// </summary>
    internal sealed class SyncEventSink
    {
        private readonly IOperationContext _context;
        private readonly bool _passThru;

        public SyncEventSink(IOperationContext context, bool passThru)
        {
            _context = context;
            _passThru = passThru;
        }

        public SyncCounters Counters { get; } = new SyncCounters();

        /// <summary>The host's channel, for the stages that ask it something (e.g. ShouldProcess).</summary>
        public IOperationContext Context => _context;

        private void Result(DeviceSyncResult result) => _context.WriteResult(result);

        public void Verbose(string text) => _context.WriteVerbose(text);

        public void Warning(string text) => _context.WriteWarning(text);

        /// <summary>Counts a device triage did not pass (and the ones it did, as evaluated), reporting the former.</summary>
        public void Triaged(DeviceSyncInput input, in TriageVerdict verdict)
        {
            var device = input.Device;
            switch (verdict.Outcome)
            {
                case DeviceSyncOutcome.Invalid:
                    Interlocked.Increment(ref Counters.Invalid);
                    _context.WriteError(verdict.Error!);
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
                Result(new DeviceSyncResult(device.DeviceId, device.DeviceName, device.UserPrincipalName, device.UserId,
                    device.Platform, verdict.IsCompliant, device.IsRetired, verdict.Outcome, null, verdict.Detail, verdict.PolicyName));
            }
        }

        public void Unchanged(PackedDevice device, string detail)
        {
            Interlocked.Increment(ref Counters.Unchanged);
            if (_passThru)
            {
                Result(device.ToResult(DeviceSyncOutcome.Unchanged, null, detail));
            }
        }

        /// <summary>-WhatIf: the device would be sent (the host already said so when the engine asked it).</summary>
        public void WouldSend(PackedDevice device, string detail)
        {
            Interlocked.Increment(ref Counters.Sent);
            if (_passThru)
            {
                Result(device.ToResult(DeviceSyncOutcome.WouldSend, null, detail));
            }
        }

        /// <summary>-Confirm: the host declined to send the device.</summary>
        public void Declined(PackedDevice device)
        {
            if (_passThru)
            {
                Result(device.ToResult(DeviceSyncOutcome.NotSent, null, "Not sent: declined at the confirmation prompt."));
            }
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
                    Result(device.ToResult(DeviceSyncOutcome.Confirmed, messageId, null));
                }
            }
        }

        /// <summary>Counts and reports devices as failed (their state is released by the caller).</summary>
        public void Failed(string messageId, IEnumerable<PackedDevice> devices, string why, ComplianceErrorCategory category)
        {
            foreach (var device in devices)
            {
                Interlocked.Increment(ref Counters.Failed);
                _context.WriteError(new ComplianceException("DeviceUploadFailed", category,
                    $"{Describe(device)}: {why}", device.Target,
                    "The next Send-DeviceCompliance run sends it again; if it keeps failing, check the device's data (ids, user) and that it is registered in Entra."));
                if (_passThru)
                {
                    Result(device.ToResult(DeviceSyncOutcome.Failed, messageId, why));
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
                    Result(device.ToResult(DeviceSyncOutcome.Pending, messageId, why));
                }
            }
        }

        public static string Describe(DeviceRecord device) =>
            string.IsNullOrWhiteSpace(device.DeviceName) ? "Device " + (device.DeviceId ?? device.Source ?? "(no id)") : $"Device '{device.DeviceName}' ({device.DeviceId ?? "no id"})";

        public static string Describe(PackedDevice device) =>
            string.IsNullOrWhiteSpace(device.DeviceName) ? "Device " + device.DeviceId : $"Device '{device.DeviceName}' ({device.DeviceId})";
    }
}
