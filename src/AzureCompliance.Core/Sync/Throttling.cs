using System;
using AzureCompliance.Core.Http;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// How the courier waits out a 429 (budget spent) or 503 (overloaded) from the partner API. Nothing below the
    /// engine retries these for uploads, so these waits and the adaptive limiter are the only ones.
    /// </summary>
    internal static class Throttling
    {
        private static readonly Random Jitter = new Random();

        public static bool IsCongestion(int status) => status == 429 || status == 503;

        /// <summary>A Retry-After beyond the module's patience is not waited for: the message counts as failed instead.</summary>
        public static bool MayWait(TimeSpan? retryAfter) => !retryAfter.HasValue || retryAfter.Value <= RetryPolicy.Default.MaxRetryAfter;

        /// <summary>The service's Retry-After, or a jittered exponential back-off for the n-th such answer.</summary>
        public static TimeSpan Wait(TimeSpan? retryAfter, int answer)
        {
            if (retryAfter.HasValue)
            {
                return retryAfter.Value;
            }
            lock (Jitter)
            {
                return RetryPolicy.Default.Backoff(answer, Jitter);
            }
        }

        /// <summary>The planned delay, made at least as long as the service asked.</summary>
        public static TimeSpan Longer(TimeSpan delay, TimeSpan? retryAfter) =>
            retryAfter.HasValue && retryAfter.Value > delay ? retryAfter.Value : delay;
    }
}
