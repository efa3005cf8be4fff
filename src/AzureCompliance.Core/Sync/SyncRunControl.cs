using System;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// The run's lifetime, shared by its stages: one cancellation, the first fatal error (which stops everything), and
    /// the count of work still under way (the packer, then one per message) that tells when the run is done.
    /// </summary>
    internal sealed class SyncRunControl : IDisposable
    {
        private readonly CancellationTokenSource _cancellation;
        private readonly TaskCompletionSource<bool> _allDone = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private ComplianceException? _fatal;
        private int _outstanding = 1; // the packer itself, then one per message

        public SyncRunControl(CancellationToken cancellationToken) =>
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        public CancellationToken Token => _cancellation.Token;

        /// <summary>Completes when the packer and every message are done.</summary>
        public Task AllDone => _allDone.Task;

        public ComplianceException? Fatal => Volatile.Read(ref _fatal);

        public void ThrowIfFailed()
        {
            var fatal = Fatal;
            if (fatal != null)
            {
                throw fatal;
            }
        }

        /// <summary>The run fails: the first error is kept and everything stops.</summary>
        public void Fail(Exception exception)
        {
            var error = exception as ComplianceException ?? new ComplianceException("SyncFailed", ComplianceErrorCategory.NotSpecified,
                "Send-DeviceCompliance failed: " + exception.Message, null, null, exception);
            if (Interlocked.CompareExchange(ref _fatal, error, null) == null)
            {
                Cancel();
            }
        }

        public void Cancel()
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>One more piece of work (a message) is under way.</summary>
        public void Begin() => Interlocked.Increment(ref _outstanding);

        public void Done()
        {
            if (Interlocked.Decrement(ref _outstanding) == 0)
            {
                _allDone.TrySetResult(true);
            }
        }

        /// <summary>Nothing was started (the start failed or was stopped): there is nothing to wait for.</summary>
        public void NothingStarted() => _allDone.TrySetResult(true);

        public void Dispose() => _cancellation.Dispose();
    }
}
