using System;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace AzureCompliance.Core.State.Blob
{
    /// <summary>
    /// The run lock of state in Azure Storage: a 60 s lease on the snapshot blob, renewed every 20 s while the holder
    /// lives. A crashed holder stops renewing and the lease expires; a second holder waits for it, then refuses with
    /// StateInUse. When renewal fails past the lease's end (broken by someone, or storage unreachable), the lease counts
    /// as lost and every later journal write fails with StateLeaseLost, which stops the run.
    /// </summary>
    internal sealed class BlobLease : IDisposable
    {
        public static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);
        private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(2);

        private readonly BlobLeaseClient _client;
        private readonly string _display;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Task _renewal;
        private DateTimeOffset _validUntil;
        private string? _lost;

        private BlobLease(BlobLeaseClient client, string display)
        {
            _client = client;
            _display = display;
            _validUntil = DateTimeOffset.UtcNow + Duration;
            _renewal = Task.Run(RenewLoopAsync);
        }

        public string LeaseId => _client.LeaseId;

        public bool IsLost => Volatile.Read(ref _lost) != null;

        public void ThrowIfLost()
        {
            var why = Volatile.Read(ref _lost);
            if (why != null)
            {
                throw StorageErrors.LeaseLost(_display, why);
            }
        }

        /// <summary>Marks the lease lost (a conditional write found another holder's changes).</summary>
        public void MarkLost(string why) => Interlocked.CompareExchange(ref _lost, why, null);

        /// <summary>Takes the lease, waiting up to <paramref name="wait"/> for another holder's lease to end.</summary>
        public static async Task<BlobLease> AcquireAsync(BlockBlobClient blob, string display, TimeSpan wait, CancellationToken cancellationToken)
        {
            var client = blob.GetBlobLeaseClient(Guid.NewGuid().ToString());
            var deadline = DateTimeOffset.UtcNow + wait;
            while (true)
            {
                try
                {
                    await client.AcquireAsync(Duration, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return new BlobLease(client, display);
                }
                catch (RequestFailedException ex) when (ex.Status == 409 && DateTimeOffset.UtcNow < deadline)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 409)
                {
                    throw RunLock.InUse(display, wait);
                }
                catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
                {
                    throw StorageErrors.Unavailable(display, "locked", ex);
                }
            }
        }

        private async Task RenewLoopAsync()
        {
            var delay = RenewEvery;
            while (!_stop.IsCancellationRequested && !IsLost)
            {
                try
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                    var asked = DateTimeOffset.UtcNow;
                    await _client.RenewAsync(cancellationToken: _stop.Token).ConfigureAwait(false);
                    _validUntil = asked + Duration;
                    delay = RenewEvery;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
                {
                    MarkLost("it was broken or taken by another run");
                }
                catch (Exception ex)
                {
                    if (DateTimeOffset.UtcNow >= _validUntil - RetryEvery)
                    {
                        MarkLost("it could not be renewed: " + StorageErrors.Describe(ex));
                    }
                    delay = RetryEvery;
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _renewal.Wait();
            }
            catch (AggregateException)
            {
                // The loop ends on cancellation.
            }
            if (!IsLost)
            {
                try
                {
                    _client.Release();
                }
                catch (Exception)
                {
                    // Best effort: an unreleased lease expires on its own within a minute.
                }
            }
            _stop.Dispose();
        }
    }
}
