using System.Diagnostics;
using System.Net;
using AzureCompliance.TenantEmulator.Hosting;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>Latency, throttling, faults and forced responses from <see cref="EmulatorSettings"/>.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class BehaviourTests
{
    private readonly EmulatorFixture _fixture;

    public BehaviourTests(EmulatorFixture fixture)
    {
        _fixture = fixture;
        fixture.ResetBehaviour();
    }

    private EmulatorServer Server => _fixture.Server;

    [Fact]
    public async Task Throttling_answers_429_with_Retry_After_per_app()
    {
        var token = await _fixture.GetTokenAsync();
        var reader = await _fixture.GetTokenAsync(DemoTenant.ReaderClientId, DemoTenant.ReaderSecret);
        Server.Settings.AddThrottleRule(new ThrottleRule { Name = "org", PathPrefix = "/v1.0/organization", Limit = 2, Window = TimeSpan.FromSeconds(30) });

        var first = await _fixture.GetAsync("organization", token);
        var second = await _fixture.GetAsync("organization", token);
        var (third, thirdBody) = await _fixture.GetAsync("organization", token);
        var otherApp = await _fixture.GetAsync("organization", reader);

        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.Response.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("TooManyRequests", thirdBody!["error"]!["code"]!.ToString());
        Assert.InRange(third.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 30);
        Assert.Equal(HttpStatusCode.OK, otherApp.Response.StatusCode);
    }

    [Fact]
    public async Task Conditional_Access_limit_is_per_tenant_and_sends_no_Retry_After()
    {
        var token = await _fixture.GetTokenAsync();
        var reader = await _fixture.GetTokenAsync(DemoTenant.ReaderClientId, DemoTenant.ReaderSecret);
        Server.Settings.AddThrottleRule(ThrottleRule.ConditionalAccess());

        await _fixture.GetAsync("identity/conditionalAccess/policies", token);
        var (response, _) = await _fixture.GetAsync("identity/conditionalAccess/policies", reader);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Null(response.Headers.RetryAfter);
    }

    [Fact]
    public void Published_limits_are_on_by_default()
    {
        Server.Settings.Reset();

        Assert.Contains(Server.Settings.ThrottleRules, r => r.Name == "ConditionalAccess" && !r.SendRetryAfter);
        Assert.Contains(Server.Settings.ThrottleRules, r => r.Name == "IntuneEnrollmentWritesPerApp" && r.Limit == 100);
    }

    [Fact]
    public async Task Faults_give_503_429_or_a_reset_connection()
    {
        var token = await _fixture.GetTokenAsync();
        Server.Settings.SetRandomSeed(42);

        Server.Settings.AddFaultRule(new FaultRule { Name = "f", PathPrefix = "/v1.0/organization", ServiceUnavailableProbability = 1, RetryAfter = TimeSpan.FromSeconds(3) });
        var (unavailable, unavailableBody) = await _fixture.GetAsync("organization", token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), unavailable.Headers.RetryAfter!.Delta);
        Assert.Equal("serviceNotAvailable", unavailableBody!["error"]!["code"]!.ToString());

        Server.Settings.AddFaultRule(new FaultRule { Name = "f", PathPrefix = "/v1.0/organization", TooManyRequestsProbability = 1 });
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _fixture.GetAsync("organization", token)).Response.StatusCode);

        Server.Settings.AddFaultRule(new FaultRule { Name = "f", PathPrefix = "/v1.0/organization", ConnectionResetProbability = 1 });
        await Assert.ThrowsAsync<HttpRequestException>(() => _fixture.GetAsync("organization", token));

        Server.Settings.RemoveFaultRule("f");
        Assert.Equal(HttpStatusCode.OK, (await _fixture.GetAsync("organization", token)).Response.StatusCode);
    }

    [Fact]
    public async Task Seeded_faults_are_reproducible()
    {
        var token = await _fixture.GetTokenAsync();
        Server.Settings.AddFaultRule(new FaultRule { Name = "half", PathPrefix = "/v1.0/", ServiceUnavailableProbability = 0.5 });

        async Task<string> RunAsync()
        {
            Server.Settings.SetRandomSeed(7);
            var statuses = new List<int>();
            for (var i = 0; i < 12; i++)
                statuses.Add((int)(await _fixture.GetAsync("organization", token)).Response.StatusCode);
            return string.Join(",", statuses);
        }

        var first = await RunAsync();
        Assert.Equal(first, await RunAsync());
        Assert.Contains("503", first);
        Assert.Contains("200", first);
    }

    [Fact]
    public async Task Forced_status_applies_to_the_next_requests_only()
    {
        var token = await _fixture.GetTokenAsync();
        Server.Settings.ForceStatus("/v1.0/organization", 502, count: 2);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            statuses.Add((await _fixture.GetAsync("organization", token)).Response.StatusCode);

        Assert.Equal([HttpStatusCode.BadGateway, HttpStatusCode.BadGateway, HttpStatusCode.OK], statuses);
    }

    [Fact]
    public async Task Latency_is_added_to_service_requests_but_not_to_sign_in()
    {
        var token = await _fixture.GetTokenAsync();
        Server.Settings.Latency = TimeSpan.FromMilliseconds(300);

        var graph = Stopwatch.StartNew();
        await _fixture.GetAsync("organization", token);
        graph.Stop();
        var signIn = Stopwatch.StartNew();
        await _fixture.GetTokenAsync();
        signIn.Stop();

        Assert.True(graph.Elapsed >= TimeSpan.FromMilliseconds(290), graph.Elapsed.ToString());
        Assert.True(signIn.Elapsed < TimeSpan.FromMilliseconds(290), signIn.Elapsed.ToString());
    }
}
