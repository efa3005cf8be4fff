using System;

namespace AzureCompliance.Core.Http
{
    /// <summary>
    /// How patient the module is with a throttled or failing service. Throttling is normal at fleet scale, so the
    /// defaults wait rather than give up (the peers' most common complaint is retries that give up too soon).
    /// </summary>
    public sealed class RetryPolicy
    {
        public static RetryPolicy Default { get; } = new RetryPolicy();

        /// <summary>Attempts in all, the first included.</summary>
        public int MaxAttempts { get; set; } = 8;
        /// <summary>First pause when the service gives no Retry-After; doubles each time, with jitter.</summary>
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>A Retry-After longer than this is not waited for: the error is reported instead.</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

        public TimeSpan Backoff(int attempt, Random random)
        {
            var exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1));
            var capped = Math.Min(exponential, MaxDelay.TotalMilliseconds);
            // Full jitter on the upper half: concurrent workers do not come back in lock-step.
            var jittered = capped / 2 + random.NextDouble() * capped / 2;
            return TimeSpan.FromMilliseconds(jittered);
        }
    }
}
