using System.Net;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>JSON batching: steps go through the whole pipeline, dependsOn, limits, and the journal's write count.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class BatchTests
{
    private readonly EmulatorFixture _fixture;

    public BatchTests(EmulatorFixture fixture)
    {
        _fixture = fixture;
        fixture.ResetBehaviour();
    }

    private EmulatorServer Server => _fixture.Server;

    private static JsonObject Step(string id, string url, string method = "GET", JsonNode? body = null, params string[] dependsOn)
    {
        var step = new JsonObject { ["id"] = id, ["method"] = method, ["url"] = url };
        if (body is not null)
        {
            step["body"] = body;
            step["headers"] = new JsonObject { ["Content-Type"] = "application/json" };
        }
        if (dependsOn.Length > 0)
            step["dependsOn"] = new JsonArray(dependsOn.Select(d => (JsonNode)d!).ToArray());
        return step;
    }

    private async Task<(HttpResponseMessage Response, JsonNode? Body)> BatchAsync(string token, params JsonObject[] steps) =>
        await _fixture.GraphAsync(HttpMethod.Post, "$batch", token, new JsonObject { ["requests"] = new JsonArray(steps) });

    private static JsonNode Response(JsonNode body, string id) => body["responses"]!.AsArray().Single(r => r!["id"]!.ToString() == id)!;

    [Fact]
    public async Task Steps_are_answered_one_by_one_inside_a_200()
    {
        var token = await _fixture.GetTokenAsync();

        var (response, body) = await BatchAsync(token,
            Step("1", "/organization?$select=id"),
            Step("2", $"servicePrincipals(appId='{DemoTenant.IntuneAppId}')"),
            Step("3", $"/organization/{Guid.NewGuid()}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(200, Response(body!, "1")["status"]!.GetValue<int>());
        Assert.Equal(DemoTenant.TenantId, Response(body!, "1")["body"]!["value"]![0]!["id"]!.ToString());
        Assert.Equal("Microsoft Intune", Response(body!, "2")["body"]!["displayName"]!.ToString());
        Assert.Equal(404, Response(body!, "3")["status"]!.GetValue<int>());
        Assert.Equal("Request_ResourceNotFound", Response(body!, "3")["body"]!["error"]!["code"]!.ToString());
    }

    [Fact]
    public async Task Throttled_step_is_a_429_inside_a_200_batch()
    {
        var token = await _fixture.GetTokenAsync();
        Server.Settings.AddThrottleRule(new ThrottleRule { Name = "org", PathPrefix = "/v1.0/organization", Limit = 1, Window = TimeSpan.FromMinutes(1) });

        var (response, body) = await BatchAsync(token, Step("a", "/organization"), Step("b", "/organization"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(200, Response(body!, "a")["status"]!.GetValue<int>());
        var throttled = Response(body!, "b");
        Assert.Equal(429, throttled["status"]!.GetValue<int>());
        Assert.Equal("TooManyRequests", throttled["body"]!["error"]!["code"]!.ToString());
        Assert.True(int.Parse(throttled["headers"]!["Retry-After"]!.ToString()) >= 1);
    }

    [Fact]
    public async Task Failed_dependency_gives_424()
    {
        var token = await _fixture.GetTokenAsync();

        var (_, body) = await BatchAsync(token,
            Step("1", $"/organization/{Guid.NewGuid()}"),
            Step("2", "/organization", dependsOn: "1"),
            Step("3", "/organization"),
            Step("4", "/organization", dependsOn: "3"));

        Assert.Equal(404, Response(body!, "1")["status"]!.GetValue<int>());
        Assert.Equal(424, Response(body!, "2")["status"]!.GetValue<int>());
        Assert.Equal(200, Response(body!, "4")["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Steps_are_authorized_one_by_one()
    {
        var reader = await _fixture.GetTokenAsync(DemoTenant.ReaderClientId, DemoTenant.ReaderSecret);

        var (_, body) = await BatchAsync(reader, Step("org", "/organization"), Step("sp", "/servicePrincipals"));

        Assert.Equal(200, Response(body!, "org")["status"]!.GetValue<int>());
        Assert.Equal(403, Response(body!, "sp")["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Oversized_or_ambiguous_batches_are_400()
    {
        var token = await _fixture.GetTokenAsync();

        var (tooMany, _) = await BatchAsync(token, Enumerable.Range(1, 21).Select(i => Step(i.ToString(), "/organization")).ToArray());
        var (duplicate, duplicateBody) = await BatchAsync(token, Step("1", "/organization"), Step("1", "/organization"));
        var (unauthenticated, _) = await _fixture.GraphAsync(HttpMethod.Post, "$batch", null, new JsonObject { ["requests"] = new JsonArray(Step("1", "/organization")) });

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Equal("BadRequest", duplicateBody!["error"]!["code"]!.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    [Fact]
    public async Task Journal_counts_write_steps_but_not_the_envelope_or_sign_in()
    {
        var token = await _fixture.GetTokenAsync();
        Server.Journal.Clear();

        await BatchAsync(token,
            Step("1", "/organization"),
            Step("2", $"/organization/{DemoTenant.TenantId}/extensions", "POST", new JsonObject { ["extensionName"] = "x" }),
            Step("3", $"/organization/{DemoTenant.TenantId}", "PATCH", new JsonObject { ["marketingNotificationEmails"] = new JsonArray() }));
        await _fixture.GraphAsync(HttpMethod.Delete, $"organization/{DemoTenant.TenantId}", token);
        await _fixture.GetTokenAsync();

        Assert.Equal(3, Server.Journal.WriteCount);
        var entries = Server.Journal.Entries;
        Assert.Contains(entries, e => e.IsBatchEnvelope && e.Method == "POST" && !e.IsWrite);
        Assert.Equal(3, entries.Count(e => e.IsBatchItem));
        Assert.Contains(entries, e => e.Area == RequestArea.SignIn && e.Method == "POST" && !e.IsWrite);
        Assert.Equal(1, Server.Journal.Count(e => e.Method == "DELETE" && e.PathAndQuery == $"/v1.0/organization/{DemoTenant.TenantId}"));
        Assert.All(entries.Where(e => e.Area == RequestArea.Graph), e => Assert.Equal(DemoTenant.AppClientId, e.ClientId));
    }

    [Fact]
    public async Task Step_without_content_type_is_refused()
    {
        var token = await _fixture.GetTokenAsync();
        var step = new JsonObject { ["id"] = "1", ["method"] = "POST", ["url"] = "/organization", ["body"] = new JsonObject() };

        var (_, body) = await BatchAsync(token, step);

        Assert.Equal(400, Response(body!, "1")["status"]!.GetValue<int>());
    }
}
