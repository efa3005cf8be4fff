using System.Net;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using Xunit;
using static AzureCompliance.TenantEmulator.Tests.Graph.StrictGraphFixture;

namespace AzureCompliance.TenantEmulator.Tests.Graph;

/// <summary>Compliance partners, Conditional Access and organization open extensions, over HTTP with strict schema on.</summary>
[Collection(StrictGraphCollection.Name)]
public sealed class PolicyEndpointTests
{
    private const string Partners = "deviceManagement/complianceManagementPartners";
    private const string Policies = "identity/conditionalAccess/policies";
    private readonly StrictGraphFixture _graph;

    public PolicyEndpointTests(StrictGraphFixture graph)
    {
        _graph = graph;
        graph.ResetBehaviour();
    }

    private static JsonObject Partner(string name, bool android = false, bool ios = false, JsonArray? iosAssignments = null) => new()
    {
        ["displayName"] = name,
        ["androidOnboarded"] = android,
        ["iosOnboarded"] = ios,
        ["macOsOnboarded"] = false,
        ["iosEnrollmentAssignments"] = iosAssignments ?? new JsonArray(),
    };

    private static JsonObject GroupTarget(string groupId) => new()
    {
        ["target"] = new JsonObject { ["@odata.type"] = "#microsoft.graph.groupAssignmentTarget", ["groupId"] = groupId },
    };

    [Fact]
    public async Task Compliance_partner_lifecycle_and_one_partner_per_platform()
    {
        var (response, body) = await _graph.SendAsync(HttpMethod.Post, Partners, Partner("Contoso MDM", android: true, ios: true,
            new JsonArray(GroupTarget(DemoTenant.MobilePilotGroupId), new JsonObject { ["target"] = new JsonObject { ["@odata.type"] = "#microsoft.graph.allLicensedUsersAssignmentTarget" } })));
        AssertOk(response, body, HttpStatusCode.Created);
        var id = body!["id"]!.ToString();
        Assert.Equal("unknown", body["partnerState"]!.ToString());
        Assert.Equal(2, body["iosEnrollmentAssignments"]!.AsArray().Count);
        Assert.NotNull(response.Headers.Location);

        try
        {
            // Another partner cannot take iOS while Contoso MDM holds it...
            (response, body) = await _graph.SendAsync(HttpMethod.Post, Partners, Partner("Fabrikam MDM", ios: true));
            AssertError(response, body, HttpStatusCode.Conflict, "Conflict", "Contoso MDM");
            // ...but may hold macOS.
            (response, body) = await _graph.SendAsync(HttpMethod.Post, Partners, Partner("Fabrikam MDM"));
            AssertOk(response, body, HttpStatusCode.Created);
            var other = body!["id"]!.ToString();
            (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"{Partners}/{other}", new JsonObject { ["macOsOnboarded"] = true });
            AssertOk(response, body);
            Assert.True(body!["macOsOnboarded"]!.GetValue<bool>());
            (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"{Partners}/{other}", new JsonObject { ["androidOnboarded"] = true });
            AssertError(response, body, HttpStatusCode.Conflict, "Conflict", "Android");
            (response, body) = await _graph.SendAsync(HttpMethod.Delete, $"{Partners}/{other}");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

            // Assignments need an existing group and a known target type.
            (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"{Partners}/{id}", new JsonObject { ["androidEnrollmentAssignments"] = new JsonArray(GroupTarget(Guid.NewGuid().ToString())) });
            AssertError(response, body, HttpStatusCode.BadRequest, messageContains: "does not exist");
            (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"{Partners}/{id}", new JsonObject
            {
                ["androidEnrollmentAssignments"] = new JsonArray(new JsonObject { ["target"] = new JsonObject { ["@odata.type"] = "#microsoft.graph.allDevicesAssignmentTarget" } }),
            });
            AssertError(response, body, HttpStatusCode.BadRequest);

            (response, body) = await _graph.GetAsync($"{Partners}/{id}");
            AssertOk(response, body);
            Assert.Equal(DemoTenant.MobilePilotGroupId, body!["iosEnrollmentAssignments"]![0]!["target"]!["groupId"]!.ToString());
            (response, body) = await _graph.GetAsync(Partners);
            Assert.Single(body!["value"]!.AsArray());

            // Read-only callers are denied writes.
            var readOnly = _graph.Server.Tokens.CreateAccessToken(new Identity.AccessTokenDescriptor { ClientId = DemoTenant.AppClientId, Roles = ["DeviceManagementServiceConfig.Read.All"] });
            (response, body) = await _graph.GetAsync(Partners, readOnly);
            AssertOk(response, body);
            (response, body) = await _graph.SendAsync(HttpMethod.Post, Partners, Partner("X"), readOnly);
            AssertError(response, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        }
        finally
        {
            await _graph.SendAsync(HttpMethod.Delete, $"{Partners}/{id}");
        }
        (response, body) = await _graph.GetAsync($"{Partners}/{id}");
        AssertError(response, body, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Intune_enrollment_writes_are_throttled()
    {
        _graph.Server.Settings.AddThrottleRule(ThrottleRule.IntuneEnrollmentWritesPerApp() with { Limit = 2 });
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            var (response, _) = await _graph.SendAsync(HttpMethod.Patch, $"{Partners}/{Guid.NewGuid()}", new JsonObject { ["displayName"] = "x" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                Assert.NotNull(response.Headers.RetryAfter);
        }
        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests], statuses);
    }

    private static JsonObject Policy(string name, string state = "enabledForReportingButNotEnforced") => new()
    {
        ["displayName"] = name,
        ["state"] = state,
        ["conditions"] = new JsonObject
        {
            ["clientAppTypes"] = new JsonArray("all"),
            ["applications"] = new JsonObject { ["includeApplications"] = new JsonArray("Office365") },
            ["users"] = new JsonObject
            {
                ["includeGroups"] = new JsonArray(DemoTenant.MobilePilotGroupId),
                ["excludeGroups"] = new JsonArray(DemoTenant.BreakGlassGroupId),
            },
            ["platforms"] = new JsonObject { ["includePlatforms"] = new JsonArray("android", "iOS") },
        },
        ["grantControls"] = new JsonObject { ["operator"] = "OR", ["builtInControls"] = new JsonArray("compliantDevice") },
    };

    [Fact]
    public async Task Conditional_access_policy_lifecycle()
    {
        var (response, body) = await _graph.SendAsync(HttpMethod.Post, Policies, Policy("Require compliant mobile devices"));
        AssertOk(response, body, HttpStatusCode.Created);
        var id = body!["id"]!.ToString();
        Assert.Empty(body["conditions"]!["users"]!["includeUsers"]!.AsArray());
        Assert.Equal(["android", "iOS"], body["conditions"]!["platforms"]!["includePlatforms"]!.AsArray().Select(p => p!.ToString()));

        (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"{Policies}/{id}", new JsonObject
        {
            ["state"] = "enabled",
            ["conditions"] = new JsonObject { ["users"] = new JsonObject { ["includeUsers"] = new JsonArray("All"), ["includeGroups"] = new JsonArray() } },
        });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        (response, body) = await _graph.GetAsync($"{Policies}/{id}");
        AssertOk(response, body);
        Assert.Equal("enabled", body!["state"]!.ToString());
        Assert.Equal("All", body["conditions"]!["users"]!["includeUsers"]![0]!.ToString());
        Assert.Equal(DemoTenant.BreakGlassGroupId, body["conditions"]!["users"]!["excludeGroups"]![0]!.ToString()); // merged, kept
        Assert.NotNull(body["modifiedDateTime"]);

        (response, body) = await _graph.GetAsync(Policies + "?$filter=" + Uri.EscapeDataString("displayName eq 'Require compliant mobile devices'"));
        Assert.Single(body!["value"]!.AsArray());

        (response, _) = await _graph.SendAsync(HttpMethod.Delete, $"{Policies}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        (response, body) = await _graph.GetAsync($"{Policies}/{id}");
        AssertError(response, body, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("no conditions")]
    [InlineData("empty conditions")]
    [InlineData("no users")]
    [InlineData("bad state")]
    [InlineData("unknown group")]
    [InlineData("no controls")]
    [InlineData("bad platform")]
    public async Task Conditional_access_validation(string problem)
    {
        var policy = Policy("Invalid");
        var conditions = policy["conditions"]!.AsObject();
        switch (problem)
        {
            case "no conditions": policy.Remove("conditions"); break;
            case "empty conditions": policy["conditions"] = new JsonObject(); break;
            case "no users": conditions.Remove("users"); break;
            case "bad state": policy["state"] = "on"; break;
            case "unknown group": conditions["users"]!["includeGroups"] = new JsonArray(Guid.NewGuid().ToString()); break;
            case "no controls": policy.Remove("grantControls"); break;
            case "bad platform": conditions["platforms"]!["includePlatforms"] = new JsonArray("amiga"); break;
        }
        var (response, body) = await _graph.SendAsync(HttpMethod.Post, Policies, policy);
        AssertError(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Conditional_access_permissions()
    {
        var reader = await _graph.ReaderTokenAsync();
        var (response, body) = await _graph.GetAsync(Policies, reader);
        AssertError(response, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        var writeOnly = _graph.Server.Tokens.CreateAccessToken(new Identity.AccessTokenDescriptor { ClientId = DemoTenant.AppClientId, Roles = ["Policy.ReadWrite.ConditionalAccess"] });
        (response, body) = await _graph.SendAsync(HttpMethod.Post, Policies, Policy("Write only"), writeOnly);
        AssertError(response, body, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Conditional_access_is_throttled_per_tenant_without_retry_after()
    {
        _graph.Server.Settings.AddThrottleRule(ThrottleRule.ConditionalAccess());
        var (first, _) = await _graph.GetAsync(Policies);
        var (second, body) = await _graph.GetAsync(Policies, await _graph.ReaderTokenAsync());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        AssertError(second, body, HttpStatusCode.TooManyRequests);
        Assert.Null(second.Headers.RetryAfter);
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var (third, _) = await _graph.GetAsync(Policies);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task Organization_open_extensions_limits_and_replace_semantics()
    {
        var org = $"organization/{DemoTenant.TenantId}/extensions";
        var names = new List<string>();
        try
        {
            var (response, body) = await _graph.SendAsync(HttpMethod.Post, org, Extension("com.contoso.compliance.instances", new JsonObject { ["instances"] = new JsonArray("core-1"), ["owner"] = "ops" }));
            AssertOk(response, body, HttpStatusCode.Created);
            names.Add("com.contoso.compliance.instances");
            Assert.Equal("#microsoft.graph.openTypeExtension", body!["@odata.type"]!.ToString());
            Assert.Equal("com.contoso.compliance.instances", body["id"]!.ToString());

            (response, body) = await _graph.SendAsync(HttpMethod.Post, org, Extension("com.contoso.compliance.instances", new JsonObject()));
            AssertError(response, body, HttpStatusCode.Conflict);

            (response, body) = await _graph.SendAsync(HttpMethod.Post, org, Extension("com.contoso.too.big", new JsonObject { ["blob"] = new string('x', 2100) }));
            AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest", "2 KB");

            (response, body) = await _graph.SendAsync(HttpMethod.Post, org, Extension("com.contoso.second", new JsonObject { ["n"] = 1 }));
            AssertOk(response, body, HttpStatusCode.Created);
            names.Add("com.contoso.second");
            (response, body) = await _graph.SendAsync(HttpMethod.Post, org, Extension("com.contoso.third", new JsonObject { ["n"] = 1 }));
            AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest", "per application is 2");

            // PATCH replaces the data: properties left out are gone.
            (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"{org}/com.contoso.compliance.instances",
                Extension("com.contoso.compliance.instances", new JsonObject { ["instances"] = new JsonArray("core-1", "core-2") }));
            AssertOk(response, body);
            (response, body) = await _graph.GetAsync($"{org}/com.contoso.compliance.instances");
            AssertOk(response, body);
            Assert.Equal(2, body!["instances"]!.AsArray().Count);
            Assert.Null(body["owner"]);

            (response, body) = await _graph.GetAsync(org, await _graph.ReaderTokenAsync());
            AssertOk(response, body);
            Assert.Equal(2, body!["value"]!.AsArray().Count);
            (response, body) = await _graph.SendAsync(HttpMethod.Delete, $"{org}/com.contoso.second", token: await _graph.ReaderTokenAsync());
            AssertError(response, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");

            (response, body) = await _graph.GetAsync($"organization/{Guid.NewGuid()}/extensions");
            AssertError(response, body, HttpStatusCode.NotFound);
        }
        finally
        {
            foreach (var name in names)
                await _graph.SendAsync(HttpMethod.Delete, $"{org}/{name}");
        }
        var (gone, goneBody) = await _graph.GetAsync($"{org}/com.contoso.second");
        AssertError(gone, goneBody, HttpStatusCode.NotFound);

        static JsonObject Extension(string name, JsonObject data)
        {
            var body = new JsonObject { ["@odata.type"] = "microsoft.graph.openTypeExtension", ["extensionName"] = name };
            foreach (var (key, value) in data)
                body[key] = value?.DeepClone();
            return body;
        }
    }
}
