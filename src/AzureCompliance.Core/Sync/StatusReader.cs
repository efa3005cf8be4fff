using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// Reads the status of upload messages, a bounded number at a time. Nothing below retries a read: a 429/503 feeds
    /// the limiter and goes back to the caller, who decides when to read again.
    /// </summary>
    internal sealed class StatusReader
    {
        private readonly IDataUploadService _service;
        private readonly SemaphoreSlim _gate;
        private readonly AdaptiveLimiter _limiter;
        private readonly SyncEventSink _sink;
        private readonly CancellationToken _token;

        public StatusReader(IDataUploadService service, int concurrency, AdaptiveLimiter limiter, SyncEventSink sink, CancellationToken token)
        {
            _service = service;
            _gate = new SemaphoreSlim(concurrency);
            _limiter = limiter;
            _sink = sink;
            _token = token;
        }

        /// <summary>The message's status, or null when the service does not know it.</summary>
        public async Task<UploadStatus?> ReadAsync(string messageId)
        {
            await _gate.WaitAsync(_token).ConfigureAwait(false);
            var startedAt = _limiter.Now;
            try
            {
                return await _service.GetStatusAsync(messageId, _token).ConfigureAwait(false);
            }
            catch (System.Exception raw) when (!_token.IsCancellationRequested && ServiceFailures.IsServiceFailure(raw))
            {
                var ex = ServiceFailures.AsServiceFailure(raw, "Reading an upload's status");
                if (ex.StatusCode == 429)
                {
                    _sink.Throttled();
                }
                if (Throttling.IsCongestion(ex.StatusCode))
                {
                    // Status reads count against the same budget: the limiter slows the uploads down for them too.
                    _limiter.OnCongestion(startedAt, ex.StatusCode == 429, ex.RetryAfter?.TotalSeconds);
                }
                if (ReferenceEquals(ex, raw))
                {
                    throw;
                }
                throw ex;
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>After an upload without a usable answer: does the service know the message?</summary>
        public async Task<bool> ArrivedAsync(string messageId)
        {
            try
            {
                var status = await ReadAsync(messageId).ConfigureAwait(false);
                return status != null;
            }
            catch (ComplianceServiceException)
            {
                return false;
            }
        }
    }
}
