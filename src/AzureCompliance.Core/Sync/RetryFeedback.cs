using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Partner;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// Feeds the retries the HTTP handler makes for this run's uploads (429, 503) to the adaptive limiter and the
    /// counters: each request of the run is tagged (an <see cref="AsyncLocal{T}"/>) so the handler's retry events can be
    /// matched to the run and to the upload's lease.
    /// </summary>
    internal sealed class RetryFeedback : IDisposable
    {
        private static readonly AsyncLocal<RequestTag?> CurrentTag = new AsyncLocal<RequestTag?>();

        private readonly RetryObserverHub? _hub;
        private readonly AdaptiveLimiter _limiter;
        private readonly SyncEventSink _sink;

        public RetryFeedback(RetryObserverHub? hub, AdaptiveLimiter limiter, SyncEventSink sink)
        {
            _hub = hub;
            _limiter = limiter;
            _sink = sink;
            if (_hub != null)
            {
                _hub.Retrying += OnRetrying;
            }
        }

        /// <summary>The requests that follow on this flow belong to the run (and to the lease, for an upload).</summary>
        public void Tag(AdaptiveLimiter.Lease? lease, double startedAt) => CurrentTag.Value = new RequestTag(this, lease, startedAt);

        public static void Untag() => CurrentTag.Value = null;

        private void OnRetrying(HttpRequestMessage request, int attempt, HttpStatusCode? status, TimeSpan delay, string reason)
        {
            var tag = CurrentTag.Value;
            if (tag == null || !ReferenceEquals(tag.Owner, this) || !PartnerApiClient.IsDataUploadRequest(request))
            {
                return;
            }
            var code = (int?)status ?? 0;
            if (code == 429)
            {
                _sink.Throttled();
            }
            if (code == 429 || code == 503)
            {
                double? retryAfter = reason.StartsWith("Retry-After", StringComparison.Ordinal) ? delay.TotalSeconds : (double?)null;
                _limiter.OnCongestion(tag.StartedAt, code == 429, retryAfter);
                if (delay > TimeSpan.Zero) _limiter.OnRetryScheduled(_limiter.Now + delay.TotalSeconds);
                tag.Lease?.Park();
            }
        }

        public void Dispose()
        {
            if (_hub != null)
            {
                _hub.Retrying -= OnRetrying;
            }
        }

        private sealed class RequestTag
        {
            public RequestTag(RetryFeedback owner, AdaptiveLimiter.Lease? lease, double startedAt)
            {
                Owner = owner;
                Lease = lease;
                StartedAt = startedAt;
            }

            public RetryFeedback Owner { get; }
            public AdaptiveLimiter.Lease? Lease { get; }
            public double StartedAt { get; }
        }
    }
}
