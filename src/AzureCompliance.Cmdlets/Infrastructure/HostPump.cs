using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>
    /// The pipeline thread's side of a long run: engine threads post writes here, and the pipeline thread runs them
    /// while it blocks on the queue waiting for a piece of work (no polling: the work's completion wakes it).
    /// </summary>
    internal sealed class HostPump : IDisposable
    {
        private static readonly Action Wake = () => { };
        private readonly BlockingCollection<Action> _queue = new BlockingCollection<Action>();

        /// <summary>Queues a write for the pipeline thread (from any thread).</summary>
        public void Post(Action action)
        {
            try
            {
                _queue.Add(action);
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is ObjectDisposedException)
            {
                // The command is over: a late message from a stopping run has nobody to go to.
            }
        }

        /// <summary>Runs queued writes until <paramref name="work"/> completes, then what is still queued. Call on the pipeline thread.</summary>
        public void Pump(Task work)
        {
            work.ContinueWith(_ => Post(Wake), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            while (!work.IsCompleted)
            {
                _queue.Take()();
            }
            RunQueued();
        }

        /// <summary>Runs what is queued now, without waiting.</summary>
        public void RunQueued()
        {
            while (_queue.TryTake(out var action))
            {
                action();
            }
        }

        public void Dispose()
        {
            _queue.CompleteAdding();
        }
    }
}
