using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;

namespace AzureCompliance.Core.Sync
{
    /// <summary>Reads the status of upload messages, a bounded number at a time.</summary>
    internal sealed class StatusReader
    {
        private readonly IDataUploadService _service;
        private readonly SemaphoreSlim _gate;
        private readonly RetryFeedback _feedback;
        private readonly AdaptiveLimiter _limiter;
        private readonly SyncEventSink _sink;
        private readonly CancellationToken _token;

        public StatusReader(IDataUploadService service, int concurrency, RetryFeedback feedback, AdaptiveLimiter limiter, SyncEventSink sink, CancellationToken token)
        {
            _service = service;
            _gate = new SemaphoreSlim(concurrency);
            _feedback = feedback;
            _limiter = limiter;
            _sink = sink;
            _token = token;
        }

        /// <summary>The message's status, or null when the service does not know it.</summary>
        public async Task<UploadStatus?> ReadAsync(string messageId)
        {
            await _gate.WaitAsync(_token).ConfigureAwait(false);
            _feedback.Tag(null, _limiter.Now);
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
                if (ReferenceEquals(ex, raw))
                {
                    throw;
                }
                throw ex;
            }
            finally
            {
                RetryFeedback.Untag();
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
