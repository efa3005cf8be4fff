using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Http;

namespace AzureCompliance.Core.Tests;

public sealed class HttpHandlerTests
{
    /// <summary>Answers each request with the next scripted outcome and records what it received.</summary>
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Queue<Func<HttpRequestMessage, HttpResponseMessage>> _answers;
        public readonly List<(HttpMethod Method, string? Auth, string? Body)> Received = new();

        public ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) => _answers = new(answers);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content == null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Received.Add((request.Method, request.Headers.Authorization?.Parameter, body));
            return _answers.Dequeue()(request);
        }
    }

    private sealed class Observer : IRetryObserver
    {
        public readonly List<(HttpStatusCode? Status, TimeSpan Delay)> Retries = new();
        public void OnRetry(HttpRequestMessage request, int attempt, HttpStatusCode? status, TimeSpan delay, string reason) => Retries.Add((status, delay));
    }

    private static HttpResponseMessage Status(int code, int? retryAfterSeconds = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)code);
        if (retryAfterSeconds.HasValue) response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(retryAfterSeconds.Value));
        return response;
    }

    private static readonly RetryPolicy Fast = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5), MaxAttempts = 4 };

    [Fact]
    public async Task Throttled_and_unavailable_answers_are_retried_with_the_same_body()
    {
        var inner = new ScriptedHandler(_ => Status(429, 0), _ => Status(503), _ => Status(200));
        var observer = new Observer();
        using var client = new HttpClient(new ResilientHttpHandler(inner, Fast, observer));
        var response = await client.PutAsync("https://example.test/x", new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, inner.Received.Count);
        Assert.All(inner.Received, r => Assert.Equal("{\"a\":1}", r.Body));
        Assert.Equal(new HttpStatusCode?[] { (HttpStatusCode)429, HttpStatusCode.ServiceUnavailable }, observer.Retries.Select(r => r.Status));
        Assert.Equal(TimeSpan.Zero, observer.Retries[0].Delay);
    }

    [Fact]
    public async Task Gives_the_last_answer_back_after_the_last_attempt()
    {
        var inner = new ScriptedHandler(_ => Status(503), _ => Status(503), _ => Status(503), _ => Status(503));
        using var client = new HttpClient(new ResilientHttpHandler(inner, Fast));
        var response = await client.GetAsync("https://example.test/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(4, inner.Received.Count);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_limit_is_not_waited_for()
    {
        var inner = new ScriptedHandler(_ => Status(429, 3600));
        using var client = new HttpClient(new ResilientHttpHandler(inner, Fast));
        var response = await client.GetAsync("https://example.test/x");
        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Single(inner.Received);
    }

    [Fact]
    public async Task A_reset_connection_is_retried_for_a_put_but_not_for_a_plain_post()
    {
        var put = new ScriptedHandler(_ => throw new HttpRequestException("reset"), _ => Status(200));
        using (var client = new HttpClient(new ResilientHttpHandler(put, Fast)))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("https://example.test/x", new StringContent("b"))).StatusCode);
        }

        var post = new ScriptedHandler(_ => throw new HttpRequestException("reset"), _ => Status(200));
        using (var client = new HttpClient(new ResilientHttpHandler(post, Fast)))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("https://example.test/x", new StringContent("b")));
        }
        Assert.Single(post.Received);
    }

    [Fact]
    public async Task Cancellation_stops_waiting_at_once()
    {
        var inner = new ScriptedHandler(_ => Status(429, 60), _ => Status(200));
        using var client = new HttpClient(new ResilientHttpHandler(inner, RetryPolicy.Default));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("https://example.test/x", cancellation.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    private sealed class SequenceSource : ITokenSource
    {
        public int Calls;
        public Task<AccessToken> AcquireAsync(string scope, bool forceRefresh, CancellationToken cancellationToken) =>
            Task.FromResult(new AccessToken(scope + "-token-" + Interlocked.Increment(ref Calls), DateTimeOffset.UtcNow.AddHours(1)));
        public Task ClearAsync() => Task.CompletedTask;
    }

    [Fact]
    public async Task A_401_is_answered_once_with_a_fresh_token()
    {
        var inner = new ScriptedHandler(_ => Status(401), _ => Status(200));
        var tokens = new TokenProvider(new SequenceSource());
        using var client = new HttpClient(new AuthorizationHandler(inner, tokens, "graph", new Uri("https://graph.test")));
        var response = await client.PostAsync("https://graph.test/v1.0/x", new StringContent("body"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new[] { "graph-token-1", "graph-token-2" }, inner.Received.Select(r => r.Auth));
        Assert.Equal("body", inner.Received[1].Body);
    }

    [Fact]
    public async Task The_request_chooses_its_scope_and_tokens_go_only_to_trusted_hosts()
    {
        var inner = new ScriptedHandler(_ => Status(200));
        var handler = new AuthorizationHandler(inner, new TokenProvider(new SequenceSource()), "graph", new Uri("https://graph.test"));
        using var client = new HttpClient(handler);

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetAsync("https://elsewhere.test/steal"));
        Assert.Empty(inner.Received);

        handler.TrustAuthority(new Uri("https://partner.test/TenantDataSync"));
        var request = new HttpRequestMessage(HttpMethod.Get, "https://partner.test/x");
#pragma warning disable CS0618 // Properties is what netstandard2.0 has; it maps to Options here.
        request.Properties[AuthorizationHandler.ScopeProperty] = "partner";
#pragma warning restore CS0618
        await client.SendAsync(request);
        Assert.Equal("partner-token-1", inner.Received.Single().Auth);
    }

    // Issue 8, point 6: retries that cannot duplicate.

    [Fact]
    public async Task A_post_that_timed_out_at_the_gateway_is_not_sent_again()
    {
        foreach (var code in new[] { 502, 504 })
        {
            var inner = new ScriptedHandler(_ => Status(code), _ => Status(201));
            using var client = new HttpClient(new ResilientHttpHandler(inner, Fast));
            var response = await client.PostAsync("https://example.test/identity/conditionalAccess/policies", new StringContent("{}"));
            Assert.Equal(code, (int)response.StatusCode);
            Assert.Single(inner.Received);
        }
    }

    [Fact]
    public async Task A_post_the_service_refused_before_acting_is_sent_again()
    {
        var inner = new ScriptedHandler(_ => Status(429, 0), _ => Status(503), _ => Status(201));
        using var client = new HttpClient(new ResilientHttpHandler(inner, Fast));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("https://example.test/x", new StringContent("{}"))).StatusCode);
        Assert.Equal(3, inner.Received.Count);
    }

    [Fact]
    public async Task A_post_whose_connection_never_opened_is_sent_again()
    {
        var inner = new ScriptedHandler(
            _ => throw new HttpRequestException("refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)),
            _ => Status(201));
        using var client = new HttpClient(new ResilientHttpHandler(inner, Fast));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("https://example.test/x", new StringContent("{}"))).StatusCode);
        Assert.Equal(2, inner.Received.Count);
    }

    [Fact]
    public async Task A_partner_call_is_retried_once_on_500_with_a_fresh_token_and_Graph_is_not()
    {
        var inner = new ScriptedHandler(_ => Status(500), _ => Status(200));
        var authorization = new AuthorizationHandler(inner, new TokenProvider(new SequenceSource()), "graph", new Uri("https://graph.test"));
        authorization.TrustAuthority(new Uri("https://partner.test"));
        using var client = new HttpClient(new ResilientHttpHandler(authorization, Fast));
        var request = new HttpRequestMessage(HttpMethod.Put, "https://partner.test/DataUploadMessages(guid'1')") { Content = new StringContent("{}") };
#pragma warning disable CS0618
        request.Properties[AuthorizationHandler.ScopeProperty] = "partner";
#pragma warning restore CS0618
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
        Assert.Equal(new[] { "partner-token-1", "partner-token-2" }, inner.Received.Select(r => r.Auth));

        var twice = new ScriptedHandler(_ => Status(500), _ => Status(500), _ => Status(200));
        var partnerAgain = new AuthorizationHandler(twice, new TokenProvider(new SequenceSource()), "graph", new Uri("https://graph.test"));
        partnerAgain.TrustAuthority(new Uri("https://partner.test"));
        using var once = new HttpClient(new ResilientHttpHandler(partnerAgain, Fast));
        var second = new HttpRequestMessage(HttpMethod.Get, "https://partner.test/x");
#pragma warning disable CS0618
        second.Properties[AuthorizationHandler.ScopeProperty] = "partner";
#pragma warning restore CS0618
        Assert.Equal(HttpStatusCode.InternalServerError, (await once.SendAsync(second)).StatusCode);
        Assert.Equal(2, twice.Received.Count);

        var graph = new ScriptedHandler(_ => Status(500), _ => Status(200));
        using var graphClient = new HttpClient(new ResilientHttpHandler(graph, Fast));
        Assert.Equal(HttpStatusCode.InternalServerError, (await graphClient.GetAsync("https://graph.test/v1.0/x")).StatusCode);
        Assert.Single(graph.Received);
    }
}
