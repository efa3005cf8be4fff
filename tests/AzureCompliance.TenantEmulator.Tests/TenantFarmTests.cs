using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>
/// Three tenants in one process (<see cref="TenantFarm"/>): each its own directory, sign-in and Graph, and its own
/// faults and throttle budget, as an MSP's customer tenants are; a token of one tenant opens nothing in another.
/// </summary>
public sealed class TenantFarmTests : IAsyncLifetime
{
    private TenantFarm _farm = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _farm = await TenantFarm.StartAsync(3);
        EmulatorServer.TrustCertificate(_farm[0].ServerCertificate);
        foreach (var server in _farm.Servers)
            server.Settings.ClearThrottleRules();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _farm.DisposeAsync();
    }

    [Fact]
    public void Each_tenant_has_its_own_id_name_and_domain()
    {
        var tenants = _farm.Servers.Select(s => s.Tenant).ToArray();

        Assert.Equal(3, tenants.Select(t => t.TenantId).Distinct().Count());
        Assert.Equal(TenantFarm.TenantIdOf(1), tenants[1].TenantId);
        Assert.Equal("Customer 02", tenants[1].DisplayName);
        Assert.Equal(["customer02.onmicrosoft.com"], tenants[1].VerifiedDomains);
        Assert.DoesNotContain(tenants, t => t.TenantId == Guid.Parse(DemoTenant.TenantId));
    }

    [Fact]
    public async Task A_tenant_signs_in_by_its_own_id_or_domain_and_Graph_shows_its_organization()
    {
        var server = _farm[2];
        var byId = await TokenAsync(server, server.Tenant.TenantId.ToString());
        var byDomain = await TokenAsync(server, "customer03.onmicrosoft.com");

        var (response, body) = await GraphAsync(server, "organization", byDomain);

        Assert.Equal(server.Tenant.TenantId.ToString(), TestTokens.Claims(byId)["tid"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Customer 03", body!["value"]![0]!["displayName"]!.ToString());
    }

    [Fact]
    public async Task Another_tenant_is_not_found_at_a_tenants_authority_and_its_token_is_refused()
    {
        var first = _farm[0];
        var second = _farm[1];
        using var wrongAuthority = await _http.PostAsync($"{second.AuthorityHost}/{first.Tenant.TenantId}/oauth2/v2.0/token", ClientCredentials(second));
        var firstToken = await TokenAsync(first, first.Tenant.TenantId.ToString());

        var (refused, error) = await GraphAsync(second, "organization", firstToken);

        Assert.Equal(HttpStatusCode.BadRequest, wrongAuthority.StatusCode);
        Assert.Contains("AADSTS90002", await wrongAuthority.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("InvalidAuthenticationToken", error!["error"]!["code"]!.ToString());
    }

    [Fact]
    public async Task Faults_and_throttling_of_one_tenant_leave_the_others_alone()
    {
        var outage = _farm[0];
        var throttled = _farm[1];
        var healthy = _farm[2];
        outage.Settings.AddFaultRule(new FaultRule { Name = "outage", PathPrefix = "/v1.0", ServiceUnavailableProbability = 1 });
        throttled.Settings.AddThrottleRule(new ThrottleRule { Name = "budget", PathPrefix = "/v1.0", Limit = 2, Window = TimeSpan.FromMinutes(5) });
        var tokens = new List<string>();
        foreach (var server in _farm.Servers)
            tokens.Add(await TokenAsync(server, server.Tenant.TenantId.ToString()));

        var outageStatus = (await GraphAsync(outage, "organization", tokens[0])).Response.StatusCode;
        var throttledStatuses = new List<HttpStatusCode>();
        var healthyStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            throttledStatuses.Add((await GraphAsync(throttled, "organization", tokens[1])).Response.StatusCode);
            healthyStatuses.Add((await GraphAsync(healthy, "organization", tokens[2])).Response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, outageStatus);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], throttledStatuses);
        Assert.All(healthyStatuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(4, healthy.Journal.Entries.Count(e => e.PathAndQuery.Contains("/organization", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_expired_secret_in_one_tenant_fails_only_that_tenants_sign_in()
    {
        const string Rotated = "customer-secret-expired";
        _farm[0].Tenant.AddClientSecret(DemoTenant.AppClientId, Rotated, DateTimeOffset.UtcNow.AddDays(-1));
        _farm[1].Tenant.AddClientSecret(DemoTenant.AppClientId, Rotated, DateTimeOffset.UtcNow.AddDays(30));

        using var expired = await _http.PostAsync($"{_farm[0].AuthorityHost}/{_farm[0].Tenant.TenantId}/oauth2/v2.0/token", ClientCredentials(_farm[0], Rotated));
        using var valid = await _http.PostAsync($"{_farm[1].AuthorityHost}/{_farm[1].Tenant.TenantId}/oauth2/v2.0/token", ClientCredentials(_farm[1], Rotated));

        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("AADSTS7000222", await expired.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    private static FormUrlEncodedContent ClientCredentials(EmulatorServer server, string secret = DemoTenant.AppSecret) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["client_id"] = DemoTenant.AppClientId,
        ["client_secret"] = secret,
        ["scope"] = $"{server.GraphEndpoint}/.default",
    });

    private async Task<string> TokenAsync(EmulatorServer server, string tenant)
    {
        using var response = await _http.PostAsync($"{server.AuthorityHost}/{tenant}/oauth2/v2.0/token", ClientCredentials(server));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return body["access_token"]?.ToString() ?? throw new InvalidOperationException(body.ToJsonString());
    }

    private async Task<(HttpResponseMessage Response, JsonNode? Body)> GraphAsync(EmulatorServer server, string relativeUrl, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{server.GraphEndpoint}/v1.0/{relativeUrl}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length > 0 ? JsonNode.Parse(text) : null);
    }
}
