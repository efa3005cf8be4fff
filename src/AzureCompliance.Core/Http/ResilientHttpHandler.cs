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
    /// Retries what the service asks to be retried, without ever repeating a write the service may have carried out:
    /// <list type="bullet">
    /// <item>429 and 503 (honouring Retry-After): the service did not act, so every request is retried.</item>
    /// <item>502/504 and a connection lost mid-request: retried only for requests that are safe to repeat (GET, PUT,
    /// PATCH, DELETE, and a POST marked <see cref="RepeatableProperty"/>). A 504 can come after the service created
    /// something (names of Conditional Access policies are not unique), so a plain POST is not sent again.</item>
    /// <item>A connection that could not be opened: nothing was sent, so every request is retried.</item>
    /// <item>Partner API requests (<see cref="AuthorizationHandler.ScopeProperty"/>): a 500 is retried once, and every
    /// retry after a 5xx asks for a fresh token (PROTOCOL.md 3.6, as Fleet's client does).</item>
    /// </list>
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
            var serverErrorRetried = false;
            for (var attempt = 1; ; attempt++)
            {
                HttpResponseMessage response;
                try
                {
                    response = await base.SendAsync(current, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransportFailure(ex, cancellationToken) && attempt < _policy.MaxAttempts && (IsRepeatable(request) || NeverSent(ex)))
                {
                    var wait = _policy.Backoff(attempt, Random);
                    _observer?.OnRetry(request, attempt, null, wait, "connection failed: " + ex.GetBaseException().Message);
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    current = Clone(request, body);
                    continue;
                }

                var code = (int)response.StatusCode;
                var partner = IsPartnerRequest(request);
                var retryable = code == 429 || code == 503
                    || ((code == 502 || code == 504) && IsRepeatable(request))
                    || (code == 500 && partner && !serverErrorRetried && IsRepeatable(request));
                if (!retryable || attempt >= _policy.MaxAttempts)
                {
                    return response;
                }
                serverErrorRetried |= code == 500;

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
                if (partner && code >= 500)
                {
#pragma warning disable CS0618 // HttpRequestMessage.Properties is the netstandard2.0 API.
                    current.Properties[AuthorizationHandler.FreshTokenProperty] = true;
#pragma warning restore CS0618
                }
            }
        }

        internal static bool IsRetryableStatus(HttpStatusCode status) =>
            (int)status == 429 || status == HttpStatusCode.ServiceUnavailable ||
            status == HttpStatusCode.BadGateway || status == HttpStatusCode.GatewayTimeout;

#pragma warning disable CS0618 // HttpRequestMessage.Properties is the netstandard2.0 API.
        private static bool IsRepeatable(HttpRequestMessage request) =>
            request.Method != HttpMethod.Post || request.Headers.Contains(RepeatableHeader) ||
            (request.Properties.TryGetValue(RepeatableProperty, out var marked) && marked is true);

        private static bool IsPartnerRequest(HttpRequestMessage request) => request.Properties.ContainsKey(AuthorizationHandler.ScopeProperty);
#pragma warning restore CS0618

        /// <summary>A POST that may be sent again after a lost answer (e.g. $batch of reads) carries this marker.</summary>
        internal const string RepeatableHeader = "x-azurecompliance-repeatable";

        /// <summary>Request property (true) for a POST that is safe to repeat: a read, or a write that cannot duplicate.</summary>
        internal const string RepeatableProperty = "AzureCompliance.Repeatable";

        /// <summary>
        /// True when the connection could not even be opened (refused, name not found, unreachable): the request never
        /// left, so repeating it cannot duplicate anything.
        /// </summary>
        internal static bool NeverSent(Exception ex)
        {
            for (var inner = ex; inner != null; inner = inner.InnerException)
            {
                if (inner is System.Net.Sockets.SocketException socket)
                {
                    switch (socket.SocketErrorCode)
                    {
                        case System.Net.Sockets.SocketError.ConnectionRefused:
                        case System.Net.Sockets.SocketError.HostNotFound:
                        case System.Net.Sockets.SocketError.HostUnreachable:
                        case System.Net.Sockets.SocketError.NetworkUnreachable:
                        case System.Net.Sockets.SocketError.TryAgain:
                        case System.Net.Sockets.SocketError.AddressNotAvailable:
                            return true;
                    }
                }
            }
            return false;
        }

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
