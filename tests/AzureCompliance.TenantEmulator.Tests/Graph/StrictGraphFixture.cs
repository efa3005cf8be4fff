using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests.Graph;

/// <summary>An emulator with strict schema on (every body checked against the Graph CSDL), shared by the Graph endpoint tests.</summary>
public sealed class StrictGraphFixture : IAsyncLifetime
{
    public EmulatorFixture Emulator { get; } = new();
    private string? _token;
    private string? _readerToken;

    public EmulatorServer Server => Emulator.Server;

    public async Task InitializeAsync()
    {
        await Emulator.InitializeAsync(new EmulatorOptions { StrictSchema = true });
        if (!Server.IsStrictSchemaActive)
            throw new InvalidOperationException("Strict schema did not turn on: the Graph CSDL was not found.");
    }

    public Task DisposeAsync() => Emulator.DisposeAsync();

    public async Task<string> TokenAsync() => _token ??= await Emulator.GetTokenAsync();

    public async Task<string> ReaderTokenAsync() => _readerToken ??= await Emulator.GetTokenAsync(DemoTenant.ReaderClientId, DemoTenant.ReaderSecret);

    public async Task<(HttpResponseMessage Response, JsonNode? Body)> SendAsync(HttpMethod method, string url, JsonNode? body = null, string? token = null, IDictionary<string, string>? headers = null)
    {
        token ??= await TokenAsync();
        if (headers is null && !url.StartsWith("https://", StringComparison.Ordinal))
            return await Emulator.GraphAsync(method, url, token, body);
        using var request = new HttpRequestMessage(method, url.StartsWith("https://", StringComparison.Ordinal) ? url : $"{Server.GraphEndpoint}/v1.0/{url.TrimStart('/')}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        var response = await Emulator.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    public Task<(HttpResponseMessage Response, JsonNode? Body)> GetAsync(string url, string? token = null, IDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Get, url, null, token, headers);

    /// <summary>Follows @odata.nextLink whole until absent; returns every item and the number of pages.</summary>
    public async Task<(List<JsonObject> Items, int Pages)> GetAllAsync(string url)
    {
        var items = new List<JsonObject>();
        var pages = 0;
        string? next = url;
        while (next is not null)
        {
            var (response, body) = await GetAsync(next);
            Assert.True(response.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
            pages++;
            items.AddRange(body!["value"]!.AsArray().Select(v => v!.AsObject()));
            next = body["@odata.nextLink"]?.ToString();
        }
        return (items, pages);
    }

    public static void AssertError(HttpResponseMessage response, JsonNode? body, HttpStatusCode status, string? code = null, string? messageContains = null)
    {
        Assert.True(status == response.StatusCode, $"Expected {status}, got {(int)response.StatusCode}: {body?.ToJsonString()}");
        var error = body!["error"]!;
        if (code is not null)
            Assert.Equal(code, error["code"]!.ToString());
        if (messageContains is not null)
            Assert.Contains(messageContains, error["message"]!.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    public static void AssertOk(HttpResponseMessage response, JsonNode? body, HttpStatusCode status = HttpStatusCode.OK) =>
        Assert.True(status == response.StatusCode, $"Expected {status}, got {(int)response.StatusCode}: {body?.ToJsonString()}");

    /// <summary>Published limits off (tests that test them add them back).</summary>
    public void ResetBehaviour() => Emulator.ResetBehaviour();
}

[CollectionDefinition(Name)]
public sealed class StrictGraphCollection : ICollectionFixture<StrictGraphFixture>
{
    public const string Name = "StrictGraph";
}
