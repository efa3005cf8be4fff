using System;
using System.Threading;

namespace AzureCompliance.Core.Sync
{
    /// <summary>LastUpdateTime for uploads: now, but always after the device's previous upload, and strictly increasing in the run.</summary>
    internal sealed class UpdateClock
    {
        private readonly Func<DateTimeOffset> _clock;
        private long _lastUpdateMs;

        public UpdateClock(Func<DateTimeOffset> clock) => _clock = clock;

        public DateTimeOffset Now => _clock();

        public long Next(long previous)
        {
            var now = _clock().ToUnixTimeMilliseconds();
            var value = Math.Max(now, previous + 1);
            // Strictly increasing across the run as well, so a device re-sent in the same millisecond still moves forward.
            while (true)
            {
                var last = Interlocked.Read(ref _lastUpdateMs);
                var next = Math.Max(value, last);
                if (Interlocked.CompareExchange(ref _lastUpdateMs, next, last) == last)
                {
                    return next;
                }
            }
        }
    }
}
