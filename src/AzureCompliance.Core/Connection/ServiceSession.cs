using System;
using System.Net.Http;
using System.Threading.Tasks;
using AzureCompliance.Core.Http;
using Microsoft.Graph;
using Microsoft.Kiota.Abstractions.Authentication;

namespace AzureCompliance.Core.Connection
{
    /// <summary>
    /// The live half of a connection: tokens, the HTTP pipeline (retry outside, authorization inside) and the
    /// Graph client. Everything remote goes through <see cref="Http"/>, so throttling and token renewal are
    /// handled in one place.
    /// </summary>
    internal sealed class ServiceSession : IDisposable
    {
        private readonly AuthorizationHandler _authorization;
        private readonly Lazy<GraphServiceClient> _graph;

        public ServiceSession(CloudEnvironment environment, TokenProvider tokens, RetryPolicy retryPolicy)
        {
            Environment = environment;
            Tokens = tokens;
            RetryObserver = new RetryObserverHub();
            _authorization = new AuthorizationHandler(HttpTransport.CreateHandler(), tokens, environment.GraphScope, new Uri(environment.GraphEndpoint));
            Http = new HttpClient(new ResilientHttpHandler(_authorization, retryPolicy, RetryObserver))
            {
                Timeout = TimeSpan.FromSeconds(100),
            };
            // Partner data uploads and their status reads skip the retry handler: the sync engine's courier and its
            // adaptive limiter alone decide when a throttled (429) or refused (503) message goes again.
            UploadHttp = new HttpClient(_authorization, disposeHandler: false)
            {
                Timeout = TimeSpan.FromSeconds(100),
            };
            // Created on first use: Microsoft.Graph.dll is large and not needed to import the module.
            _graph = new Lazy<GraphServiceClient>(() =>
                new GraphServiceClient(Http, new AnonymousAuthenticationProvider(), environment.GraphEndpoint + "/v1.0"));
        }

        public CloudEnvironment Environment { get; }
        public TokenProvider Tokens { get; }
        public HttpClient Http { get; }
        /// <summary>Tokens, no retries: for the partner API's data upload messages only.</summary>
        public HttpClient UploadHttp { get; }
        public RetryObserverHub RetryObserver { get; }
        public GraphServiceClient Graph => _graph.Value;
        public string GraphRoot => Environment.GraphEndpoint + "/v1.0";

        /// <summary>Lets the partner API token go to a discovered partner endpoint's host.</summary>
        public void TrustPartnerEndpoint(Uri endpoint) => _authorization.TrustAuthority(endpoint);

        public Task CloseAsync() => Tokens.CloseAsync();

        public void Dispose()
        {
            UploadHttp.Dispose();
            Http.Dispose();
        }
    }

    /// <summary>Fans retry notices out to whoever listens now (verbose output of the running cmdlet, the upload limiter).</summary>
    internal sealed class RetryObserverHub : IRetryObserver
    {
        public event Action<HttpRequestMessage, int, System.Net.HttpStatusCode?, TimeSpan, string>? Retrying;

        public void OnRetry(HttpRequestMessage request, int attempt, System.Net.HttpStatusCode? status, TimeSpan delay, string reason)
        {
            Retrying?.Invoke(request, attempt, status, delay, reason);
        }
    }

    internal static class HttpTransport
    {
        private static readonly Lazy<HttpClient> SignInClient = new Lazy<HttpClient>(() => new HttpClient(CreateHandler()));

        /// <summary>The plain client MSAL uses for sign-in; shared so sockets are reused across connections.</summary>
        public static HttpClient ForSignIn => SignInClient.Value;

        /// <summary>Standard TLS validation against the system's (and the user's) trusted roots; no bypass exists.</summary>
        public static HttpMessageHandler CreateHandler()
        {
            var handler = new HttpClientHandler
            {
                AutomaticDecompression = System.Net.DecompressionMethods.GZip | System.Net.DecompressionMethods.Deflate,
            };
            try
            {
                handler.MaxConnectionsPerServer = 256;
            }
            catch (PlatformNotSupportedException)
            {
                // Older .NET Framework: ServicePointManager governs it.
            }
            return handler;
        }
    }
}
