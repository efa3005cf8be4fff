using System;
using System.Threading;

namespace AzureCompliance.Core.Sync
{
    /// <summary>A run's counters; every stage adds to them with <see cref="Interlocked"/>, the summary reads them.</summary>
    internal sealed class SyncCounters
    {
        public long Received, Evaluated, OutOfScope, NoPolicy, Invalid, Unchanged, Sent, Confirmed, Failed, Retired, Pending, Recovered, Messages, Throttled;

        public DeviceSyncSummary ToSummary(string tenantId, TimeSpan elapsed, bool whatIf, string statePath, bool stopped)
        {
            var sent = Interlocked.Read(ref Sent);
            return new DeviceSyncSummary
            {
                TenantId = tenantId,
                Received = Interlocked.Read(ref Received),
                Evaluated = Interlocked.Read(ref Evaluated),
                OutOfScope = Interlocked.Read(ref OutOfScope),
                NoPolicy = Interlocked.Read(ref NoPolicy),
                Invalid = Interlocked.Read(ref Invalid),
                Unchanged = Interlocked.Read(ref Unchanged),
                Sent = sent,
                Confirmed = Interlocked.Read(ref Confirmed),
                Failed = Interlocked.Read(ref Failed),
                Retired = Interlocked.Read(ref Retired),
                Pending = Interlocked.Read(ref Pending),
                Recovered = Interlocked.Read(ref Recovered),
                Messages = Interlocked.Read(ref Messages),
                Throttled = Interlocked.Read(ref Throttled),
                Elapsed = elapsed,
                DevicesPerSecond = whatIf || elapsed.TotalSeconds <= 0 ? 0 : Math.Round(sent / elapsed.TotalSeconds, 1),
                WhatIf = whatIf,
                Stopped = stopped,
                StatePath = statePath,
            };
        }
    }
}
