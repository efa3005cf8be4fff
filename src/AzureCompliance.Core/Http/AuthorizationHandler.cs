using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Core.Http
{
    /// <summary>
    /// Puts the right bearer token on each request: the Graph token by default, the partner API token when the
    /// request says so (<see cref="ScopeProperty"/>). Tokens go only to hosts this connection trusts. A 401 is
    /// answered once with a freshly acquired token (PROTOCOL.md 3.6: a fresh token is sometimes rejected).
    /// It sits inside <see cref="ResilientHttpHandler"/>, so every retry asks for a current token.
    /// </summary>
    internal sealed class AuthorizationHandler : DelegatingHandler
    {
        internal const string ScopeProperty = "AzureCompliance.Scope";
        /// <summary>Set (true) by the retry handler when a partner call is repeated after a 5xx: the retry gets a fresh token.</summary>
        internal const string FreshTokenProperty = "AzureCompliance.FreshToken";

        private readonly TokenProvider _tokens;
        private readonly string _defaultScope;
        private readonly ConcurrentDictionary<string, bool> _trustedAuthorities = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);

        public AuthorizationHandler(HttpMessageHandler inner, TokenProvider tokens, string defaultScope, Uri graphEndpoint)
            : base(inner)
        {
            _tokens = tokens;
            _defaultScope = defaultScope;
            TrustAuthority(graphEndpoint);
        }

        /// <summary>Allows tokens to be sent to this scheme+host+port (e.g. a discovered partner endpoint).</summary>
        public void TrustAuthority(Uri uri) => _trustedAuthorities[uri.GetLeftPart(UriPartial.Authority)] = true;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri ?? throw new InvalidOperationException("A request without a URI.");
            if (!_trustedAuthorities.ContainsKey(uri.GetLeftPart(UriPartial.Authority)))
            {
                throw new InvalidOperationException($"Refusing to send a token to an untrusted host: {uri.GetLeftPart(UriPartial.Authority)}");
            }

            var scope = request.Properties.TryGetValue(ScopeProperty, out var value) && value is string s ? s : _defaultScope;
            var forceFresh = request.Properties.TryGetValue(FreshTokenProperty, out var freshValue) && freshValue is true;
            var token = await _tokens.GetTokenAsync(scope, forceRefresh: forceFresh, cancellationToken).ConfigureAwait(false);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }

            response.Dispose();
            var fresh = await _tokens.GetTokenAsync(scope, forceRefresh: true, cancellationToken).ConfigureAwait(false);
            var retry = await CloneAsync(request).ConfigureAwait(false);
            retry.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fresh.Value);
            return await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<HttpRequestMessage> CloneAsync(HttpRequestMessage request)
        {
            var clone = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
            foreach (var header in request.Headers)
            {
                clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            foreach (var property in request.Properties)
            {
                clone.Properties[property.Key] = property.Value;
            }
            if (request.Content != null)
            {
                var bytes = await request.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                clone.Content = new ByteArrayContent(bytes);
                foreach (var header in request.Content.Headers)
                {
                    clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
            return clone;
        }
    }
}
