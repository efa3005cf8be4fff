using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>One emulator on a free port for a test collection; its TLS certificate is trusted for this user first.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public EmulatorServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public Task InitializeAsync() => InitializeAsync(new EmulatorOptions());

    public async Task InitializeAsync(EmulatorOptions options)
    {
        Server = await EmulatorServer.StartAsync(options);
        EmulatorServer.TrustCertificate(Server.ServerCertificate);
        Http = new HttpClient { BaseAddress = Server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Back to the start-up behaviour, minus the published throttling limits (tests add the rules they test).</summary>
    public void ResetBehaviour()
    {
        Server.Settings.Reset();
        Server.Settings.ClearThrottleRules();
        Server.Settings.DeviceCodePollingInterval = TimeSpan.FromSeconds(1);
    }

    /// <summary>A Graph token for a client, fetched with the client credentials grant over HTTP.</summary>
    public async Task<string> GetTokenAsync(string clientId = DemoTenant.AppClientId, string secret = DemoTenant.AppSecret, string? scope = null)
    {
        using var response = await Http.PostAsync($"/{DemoTenant.TenantId}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
            ["scope"] = scope ?? $"{Server.GraphEndpoint}/.default",
        }));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return body["access_token"]?.ToString() ?? throw new InvalidOperationException(body.ToJsonString());
    }

    public async Task<(HttpResponseMessage Response, JsonNode? Body)> GraphAsync(HttpMethod method, string relativeUrl, string? token, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, $"{Server.GraphEndpoint}/v1.0/{relativeUrl.TrimStart('/')}");
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    public Task<(HttpResponseMessage Response, JsonNode? Body)> GetAsync(string relativeUrl, string? token) => GraphAsync(HttpMethod.Get, relativeUrl, token);
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Emulator";
}
