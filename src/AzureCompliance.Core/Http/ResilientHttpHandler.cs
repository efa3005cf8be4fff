using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace AzureCompliance.Core.Http
{
    /// <summary>Observes the retries the handler makes (for verbose output and the adaptive upload limit).</summary>
    public interface IRetryObserver
    {
        void OnRetry(HttpRequestMessage request, int attempt, HttpStatusCode? status, TimeSpan delay, string reason);
    }

    /// <summary>
    /// Retries what the service asks to be retried: 429 and 503 (honouring Retry-After), 502/504, and, for requests
    /// that are safe to repeat, a connection that failed or was reset. Writes are repeatable here because every
    /// write the module sends is idempotent or answered before the service acted (429/503).
    /// </summary>
    public sealed class ResilientHttpHandler : DelegatingHandler
    {
        private readonly RetryPolicy _policy;
        private readonly IRetryObserver? _observer;
        [ThreadStatic] private static Random? _random;

        public ResilientHttpHandler(HttpMessageHandler inner, RetryPolicy policy, IRetryObserver? observer = null)
            : base(inner)
        {
            _policy = policy;
            _observer = observer;
        }

        private static Random Random => _random ??= new Random(Guid.NewGuid().GetHashCode());

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content == null ? null : await BufferedContent.FromAsync(request.Content).ConfigureAwait(false);
            var current = request;
            for (var attempt = 1; ; attempt++)
            {
                HttpResponseMessage response;
                try
                {
                    response = await base.SendAsync(current, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportFailure(ex, cancellationToken) && attempt < _policy.MaxAttempts && IsRepeatable(request))
                {
                    var wait = _policy.Backoff(attempt, Random);
                    _observer?.OnRetry(request, attempt, null, wait, "connection failed: " + ex.GetBaseException().Message);
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    current = Clone(request, body);
                    continue;
                }

                if (!IsRetryableStatus(response.StatusCode) || attempt >= _policy.MaxAttempts)
                {
                    return response;
                }

                var retryAfter = RetryAfter(response);
                if (retryAfter.HasValue && retryAfter.Value > _policy.MaxRetryAfter)
                {
                    return response;
                }

                var delay = retryAfter ?? _policy.Backoff(attempt, Random);
                _observer?.OnRetry(request, attempt, response.StatusCode, delay,
                    retryAfter.HasValue ? "Retry-After " + (int)retryAfter.Value.TotalSeconds + " s" : "backing off");
                response.Dispose();
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                current = Clone(request, body);
            }
        }

        internal static bool IsRetryableStatus(HttpStatusCode status) =>
            (int)status == 429 || status == HttpStatusCode.ServiceUnavailable ||
            status == HttpStatusCode.BadGateway || status == HttpStatusCode.GatewayTimeout;

        private static bool IsRepeatable(HttpRequestMessage request) =>
            request.Method != HttpMethod.Post || request.Headers.Contains(RepeatableHeader);

        /// <summary>A POST that may be sent again after a lost answer (e.g. $batch of reads) carries this marker.</summary>
        internal const string RepeatableHeader = "x-azurecompliance-repeatable";

        private static bool IsTransportFailure(Exception ex, CancellationToken cancellationToken)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            // A timeout of HttpClient surfaces as TaskCanceledException without our token cancelled.
            return ex is HttpRequestException || ex is IOException || ex is TaskCanceledException;
        }

        internal static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            if (header == null)
            {
                return null;
            }
            if (header.Delta.HasValue)
            {
                return header.Delta.Value;
            }
            if (header.Date.HasValue)
            {
                var wait = header.Date.Value - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }

        private static HttpRequestMessage Clone(HttpRequestMessage request, BufferedContent? body)
        {
            var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
            foreach (var header in request.Headers)
            {
                if (!string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
            clone.Content = body?.Create();
#if NETSTANDARD2_0
            foreach (var property in request.Properties)
            {
                clone.Properties[property.Key] = property.Value;
            }
#endif
            return clone;
        }

        /// <summary>A request body read once so it can be sent again.</summary>
        private sealed class BufferedContent
        {
            private readonly byte[] _bytes;
            private readonly HttpContentHeaders _headers;

            private BufferedContent(byte[] bytes, HttpContentHeaders headers)
            {
                _bytes = bytes;
                _headers = headers;
            }

            public static async Task<BufferedContent> FromAsync(HttpContent content)
            {
                var bytes = await content.ReadAsByteArrayAsync().ConfigureAwait(false);
                return new BufferedContent(bytes, content.Headers);
            }

            public HttpContent Create()
            {
                var content = new ByteArrayContent(_bytes);
                foreach (var header in _headers)
                {
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
                return content;
            }
        }
    }
}
