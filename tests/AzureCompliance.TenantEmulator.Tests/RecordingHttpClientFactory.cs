using System.Collections.Concurrent;
using Microsoft.Identity.Client;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>Gives MSAL an HttpClient that notes every request it sends, so tests can see exactly what MSAL puts on the wire.</summary>
public sealed class RecordingHttpClientFactory : IMsalHttpClientFactory
{
    private readonly HttpClient _client;

    public RecordingHttpClientFactory() => _client = new HttpClient(new Recorder(this) { InnerHandler = new HttpClientHandler() });

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public HttpClient GetHttpClient() => _client;

    public sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string? Body);

    private sealed class Recorder(RecordingHttpClientFactory owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
                .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
            owner.Requests.Enqueue(new RecordedRequest(request.Method, request.RequestUri!, headers, body));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
