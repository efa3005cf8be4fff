using System;
using System.Threading;

namespace AzureCompliance.Core.Sync
{
    /// <summary>The waits between status reads, and how long the service takes to process a message, as observed.</summary>
    internal sealed class PollDelays
    {
        private static readonly TimeSpan MinPollDelay = TimeSpan.FromMilliseconds(40);
        private static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(5);

        /// <summary>How long processing takes (moving average); the first status read waits this long.</summary>
        private long _processingTicks = TimeSpan.FromMilliseconds(250).Ticks;

        public TimeSpan ProcessingEstimate => TimeSpan.FromTicks(Interlocked.Read(ref _processingTicks));

        public static TimeSpan Next(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(MaxPollDelay.Ticks, delay.Ticks * 2));

        public static TimeSpan Clamp(TimeSpan delay) =>
            delay < MinPollDelay ? MinPollDelay : delay > MaxPollDelay ? MaxPollDelay : delay;

        /// <summary>
        /// Learns how long processing takes, so the first status read usually finds the message done (one read per
        /// message): done at the first read → the estimate creeps down; done later → it moves to between the last read
        /// that found it processing and the one that found it done.
        /// </summary>
        public void ObserveProcessing(bool doneAtFirstRead, TimeSpan lastProcessing, TimeSpan done)
        {
            var observed = doneAtFirstRead ? TimeSpan.FromTicks(done.Ticks * 9 / 10) : TimeSpan.FromTicks((lastProcessing.Ticks + done.Ticks) / 2);
            var current = Interlocked.Read(ref _processingTicks);
            Interlocked.Exchange(ref _processingTicks, Clamp(TimeSpan.FromTicks((current * 4 + observed.Ticks) / 5)).Ticks);
        }
    }
}
