using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Identity;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>Graph v1.0: authentication and permission failures in Graph's shape, the first endpoints, OData options and paging.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class GraphTests
{
    private readonly EmulatorFixture _fixture;

    public GraphTests(EmulatorFixture fixture)
    {
        _fixture = fixture;
        fixture.ResetBehaviour();
    }

    private EmulatorServer Server => _fixture.Server;

    private static void AssertGraphError(HttpResponseMessage response, JsonNode? body, HttpStatusCode status, string code, string? message = null)
    {
        Assert.Equal(status, response.StatusCode);
        var error = body!["error"]!;
        Assert.Equal(code, error["code"]!.ToString());
        if (message is not null)
            Assert.Equal(message, error["message"]!.ToString());
        var inner = error["innerError"]!;
        Assert.False(string.IsNullOrEmpty(inner["date"]?.ToString()));
        Assert.Equal(response.Headers.GetValues("request-id").Single(), inner["request-id"]!.ToString());
        Assert.False(string.IsNullOrEmpty(inner["client-request-id"]?.ToString()));
    }

    private static void AssertChallenge(HttpResponseMessage response)
    {
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("client_id=\"00000003-0000-0000-c000-000000000000\"", challenge.Parameter);
    }

    [Fact]
    public async Task Missing_token_is_401_with_a_challenge()
    {
        var (response, body) = await _fixture.GetAsync("organization", token: null);

        AssertGraphError(response, body, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken", "Access token is empty.");
        AssertChallenge(response);
    }

    [Fact]
    public async Task Malformed_expired_foreign_and_wrong_audience_tokens_are_401()
    {
        var expired = Server.Tokens.CreateAccessToken(new AccessTokenDescriptor
        {
            ClientId = DemoTenant.AppClientId,
            Roles = ["Organization.Read.All"],
            IssuedAt = DateTimeOffset.UtcNow.AddHours(-3),
        });
        var otherTenant = Server.Tokens.CreateAccessToken(new AccessTokenDescriptor
        {
            ClientId = DemoTenant.AppClientId,
            Roles = ["Organization.Read.All"],
            TenantId = Guid.NewGuid(),
        });
        var partnerToken = await _fixture.GetTokenAsync(scope: "https://api.manage.microsoft.com//.default");
        var genuine = await _fixture.GetTokenAsync();
        using var otherKey = RSA.Create(2048);
        var header = TestTokens.Header(genuine);
        var forged = TestTokens.Sign(header, TestTokens.Claims(genuine), otherKey);

        var cases = new (string Token, string Message)[]
        {
            ("garbage", "IDX14100: JWT is not well formed, there are no dots (.)."),
            ("a.b.c", "CompactToken parsing failed with error code: 80049217"),
            (expired, "Lifetime validation failed, the token is expired."),
            (otherTenant, "Access token validation failure. Invalid issuer."),
            (partnerToken, "Access token validation failure. Invalid audience."),
            (forged, "Access token validation failure. Invalid signature."),
        };
        foreach (var (token, message) in cases)
        {
            var (response, body) = await _fixture.GetAsync("organization", token);
            AssertGraphError(response, body, HttpStatusCode.Unauthorized, "InvalidAuthenticationToken");
            Assert.StartsWith(message, body!["error"]!["message"]!.ToString());
            AssertChallenge(response);
        }
    }

    [Fact]
    public async Task Missing_permission_is_403_Authorization_RequestDenied()
    {
        var reader = await _fixture.GetTokenAsync(DemoTenant.ReaderClientId, DemoTenant.ReaderSecret);

        var (allowed, _) = await _fixture.GetAsync("organization", reader);
        var (response, body) = await _fixture.GetAsync("servicePrincipals", reader);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        AssertGraphError(response, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    }

    [Fact]
    public async Task Client_request_id_is_echoed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Server.GraphEndpoint}/v1.0/organization");
        request.Headers.Add("client-request-id", "7e2b1c9a-0000-4000-8000-000000000001");
        using var response = await _fixture.Http.SendAsync(request);

        Assert.Equal("7e2b1c9a-0000-4000-8000-000000000001", response.Headers.GetValues("client-request-id").Single());
        Assert.Equal("7e2b1c9a-0000-4000-8000-000000000001", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["innerError"]!["client-request-id"]!.ToString());
    }

    [Fact]
    public async Task Organization_is_the_tenant()
    {
        var token = await _fixture.GetTokenAsync();

        var (list, listBody) = await _fixture.GetAsync("organization", token);
        var (single, singleBody) = await _fixture.GetAsync($"organization/{DemoTenant.TenantId}?$select=id,displayName", token);
        var (missing, missingBody) = await _fixture.GetAsync($"organization/{Guid.NewGuid()}", token);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal($"{Server.GraphEndpoint}/v1.0/$metadata#organization", listBody!["@odata.context"]!.ToString());
        var organization = Assert.Single(listBody["value"]!.AsArray())!;
        Assert.Equal("Contoso", organization["displayName"]!.ToString());
        Assert.Contains(organization["verifiedDomains"]!.AsArray(), d => d!["name"]!.ToString() == DemoTenant.CustomDomain);
        Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        Assert.Equal($"{Server.GraphEndpoint}/v1.0/$metadata#organization(id,displayName)/$entity", singleBody!["@odata.context"]!.ToString());
        Assert.Equal(["@odata.context", "id", "displayName"], singleBody.AsObject().Select(p => p.Key));
        AssertGraphError(missing, missingBody, HttpStatusCode.NotFound, "Request_ResourceNotFound");
    }

    [Fact]
    public async Task Service_principals_by_filter_by_alternate_key_and_by_id()
    {
        var token = await _fixture.GetTokenAsync();

        var (filtered, filteredBody) = await _fixture.GetAsync($"servicePrincipals?$filter=appId eq '{DemoTenant.IntuneAppId}'", token);
        var intune = Assert.Single(filteredBody!["value"]!.AsArray())!;
        var (byKey, byKeyBody) = await _fixture.GetAsync($"servicePrincipals(appId='{DemoTenant.GraphAppId}')", token);
        var graphSpId = byKeyBody!["id"]!.ToString();
        var (byId, byIdBody) = await _fixture.GetAsync($"servicePrincipals/{graphSpId}", token);
        var (badId, badIdBody) = await _fixture.GetAsync("servicePrincipals/not-a-guid", token);
        var (unknownKey, unknownKeyBody) = await _fixture.GetAsync($"servicePrincipals(appId='{Guid.NewGuid()}')", token);

        Assert.Equal(HttpStatusCode.OK, filtered.StatusCode);
        Assert.Equal("Microsoft Intune", intune["displayName"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, byKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byId.StatusCode);
        var roles = byIdBody!["appRoles"]!.AsArray();
        var role = roles.Single(r => r!["value"]!.ToString() == "Group.Read.All")!;
        Assert.Equal("5b567255-7703-4780-807c-7be8301ae99b", role["id"]!.ToString());
        Assert.Equal(["Application"], role["allowedMemberTypes"]!.AsArray().Select(t => t!.ToString()));
        AssertGraphError(badId, badIdBody, HttpStatusCode.BadRequest, "Request_BadRequest", "Invalid object identifier 'not-a-guid'.");
        AssertGraphError(unknownKey, unknownKeyBody, HttpStatusCode.NotFound, "Request_ResourceNotFound");
    }

    [Fact]
    public async Task App_role_assignments_are_the_granted_application_permissions()
    {
        var token = await _fixture.GetTokenAsync();
        var app = (await _fixture.GetAsync($"servicePrincipals?$filter=appId eq '{DemoTenant.AppClientId}'&$select=id", token)).Body!["value"]![0]!;
        var graph = (await _fixture.GetAsync($"servicePrincipals(appId='{DemoTenant.GraphAppId}')?$select=id,appRoles", token)).Body!;

        var (response, body) = await _fixture.GetAsync($"servicePrincipals/{app["id"]}/appRoleAssignments", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{Server.GraphEndpoint}/v1.0/$metadata#servicePrincipals('{app["id"]}')/appRoleAssignments", body!["@odata.context"]!.ToString());
        var all = body["value"]!.AsArray();
        Assert.Equal(12, all.Count);
        // Ten Microsoft Graph permissions and the two Intune API permissions a compliance partner needs.
        var assignments = all.Where(a => a!["resourceId"]!.ToString() == graph["id"]!.ToString()).ToList();
        Assert.Equal(10, assignments.Count);
        var intune = all.Where(a => a!["resourceDisplayName"]!.ToString() == "Microsoft Intune").ToList();
        Assert.Equal(2, intune.Count);
        var roleNames = assignments.Select(a => graph["appRoles"]!.AsArray().Single(r => r!["id"]!.ToString() == a!["appRoleId"]!.ToString())!["value"]!.ToString());
        Assert.Contains("DeviceManagementServiceConfig.ReadWrite.All", roleNames);
        Assert.All(assignments, a =>
        {
            Assert.Equal("Microsoft Graph", a!["resourceDisplayName"]!.ToString());
            Assert.Equal(app["id"]!.ToString(), a["principalId"]!.ToString());
            Assert.Equal("ServicePrincipal", a["principalType"]!.ToString());
        });
    }

    [Fact]
    public async Task Paging_follows_nextLink_with_an_opaque_skiptoken()
    {
        var token = await _fixture.GetTokenAsync();
        var total = Server.Tenant.ServicePrincipals.Count;
        Server.Settings.PageSize = 2;

        var seen = new List<string>();
        string? next = "servicePrincipals?$select=id,displayName";
        var pages = 0;
        while (next is not null)
        {
            var (response, body) = await _fixture.GetAsync(next.Replace($"{Server.GraphEndpoint}/v1.0/", ""), token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            seen.AddRange(body!["value"]!.AsArray().Select(v => v!["id"]!.ToString()));
            next = body["@odata.nextLink"]?.ToString();
            if (next is not null)
            {
                Assert.StartsWith($"{Server.GraphEndpoint}/v1.0/servicePrincipals?", next);
                Assert.Contains("$skiptoken=", next);
                Assert.Contains("$select=id%2CdisplayName", next);
            }
            pages++;
        }

        Assert.Equal(total, seen.Distinct().Count());
        Assert.Equal((total + 1) / 2, pages);
        var (top, topBody) = await _fixture.GetAsync("servicePrincipals?$top=5", token);
        Assert.Equal(5, topBody!["value"]!.AsArray().Count);
        var (tooBig, tooBigBody) = await _fixture.GetAsync("servicePrincipals?$top=1000", token);
        AssertGraphError(tooBig, tooBigBody, HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [Fact]
    public async Task Filter_count_and_select_follow_Graph_rules()
    {
        var token = await _fixture.GetTokenAsync();

        var (quoted, quotedBody) = await _fixture.GetAsync("servicePrincipals?$filter=displayName eq 'O''Brien Team'", token);
        var (startsWith, startsWithBody) = await _fixture.GetAsync("servicePrincipals?$filter=startswith(displayName,'contoso') and servicePrincipalType eq 'Application'", token);
        var (unsupported, unsupportedBody) = await _fixture.GetAsync("servicePrincipals?$filter=appDisplayName eq 'x'", token);
        var (unknown, unknownBody) = await _fixture.GetAsync("servicePrincipals?$filter=nope eq 'x'", token);
        var (syntax, syntaxBody) = await _fixture.GetAsync("servicePrincipals?$filter=displayName eq 'unterminated", token);
        var (badSelect, badSelectBody) = await _fixture.GetAsync("servicePrincipals?$select=id,nope", token);
        var (countWithout, countWithoutBody) = await _fixture.GetAsync("servicePrincipals?$count=true", token);

        Assert.Equal(HttpStatusCode.OK, quoted.StatusCode);
        Assert.Empty(quotedBody!["value"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, startsWith.StatusCode);
        Assert.Equal(["Contoso MDM Compliance", "Contoso Reader"], startsWithBody!["value"]!.AsArray().Select(v => v!["displayName"]!.ToString()).Order());
        AssertGraphError(unsupported, unsupportedBody, HttpStatusCode.BadRequest, "Request_UnsupportedQuery",
            "Unsupported or invalid query filter clause specified for property 'appDisplayName' of resource 'servicePrincipal'.");
        AssertGraphError(unknown, unknownBody, HttpStatusCode.BadRequest, "BadRequest", "Could not find a property named 'nope' on type 'microsoft.graph.servicePrincipal'.");
        AssertGraphError(syntax, syntaxBody, HttpStatusCode.BadRequest, "BadRequest");
        AssertGraphError(badSelect, badSelectBody, HttpStatusCode.BadRequest, "Request_BadRequest");
        AssertGraphError(countWithout, countWithoutBody, HttpStatusCode.BadRequest, "Request_BadRequest");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Server.GraphEndpoint}/v1.0/servicePrincipals?$count=true&$filter=servicePrincipalType ne 'Application'");
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("ConsistencyLevel", "eventual");
        using var counted = await _fixture.Http.SendAsync(request);
        var countedBody = JsonNode.Parse(await counted.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
        Assert.Equal(2, countedBody["@odata.count"]!.GetValue<int>());
    }

    [Fact]
    public void Endpoint_modules_are_discovered_by_reflection()
    {
        var modules = AzureCompliance.TenantEmulator.Graph.GraphRoutes.ModuleTypes().Select(t => t.Name).ToArray();

        Assert.Contains("OrganizationModule", modules);
        Assert.Contains("ServicePrincipalsModule", modules);
        Assert.Contains("BatchModule", modules);
    }

    [Fact]
    public async Task Unknown_segment_is_400_BadRequest()
    {
        var token = await _fixture.GetTokenAsync();

        var (response, body) = await _fixture.GetAsync("noSuchThing", token);

        AssertGraphError(response, body, HttpStatusCode.BadRequest, "BadRequest", "Resource not found for the segment 'noSuchThing'.");
    }
}
