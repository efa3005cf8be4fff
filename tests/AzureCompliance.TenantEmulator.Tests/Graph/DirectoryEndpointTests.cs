using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static AzureCompliance.TenantEmulator.Tests.Graph.StrictGraphFixture;

namespace AzureCompliance.TenantEmulator.Tests.Graph;

/// <summary>Groups, users, devices, licences and service principal endpoints, over HTTP with strict schema on.</summary>
[Collection(StrictGraphCollection.Name)]
public sealed class DirectoryEndpointTests
{
    private readonly StrictGraphFixture _graph;

    public DirectoryEndpointTests(StrictGraphFixture graph)
    {
        _graph = graph;
        graph.ResetBehaviour();
    }

    [Fact]
    public async Task Group_filter_by_name_escapes_quotes_and_finds_duplicates()
    {
        var (response, body) = await _graph.GetAsync("groups?$filter=" + Uri.EscapeDataString("displayName eq 'O''Brien Team'") + "&$select=id,displayName");
        AssertOk(response, body);
        var group = Assert.Single(body!["value"]!.AsArray())!;
        Assert.Equal(DemoTenant.OBrienTeamGroupId, group["id"]!.ToString());
        Assert.Equal(2, group.AsObject().Count);

        (response, body) = await _graph.GetAsync("groups?$filter=" + Uri.EscapeDataString($"displayName eq '{DemoTenant.FieldStaffGroup}'"));
        Assert.Equal(2, body!["value"]!.AsArray().Count);

        (response, body) = await _graph.GetAsync("groups?$filter=" + Uri.EscapeDataString("startswith(displayName,'Sales')"));
        Assert.Equal(["Sales EMEA"], body!["value"]!.AsArray().Select(g => g!["displayName"]!.ToString()));

        (response, body) = await _graph.GetAsync("groups?$filter=" + Uri.EscapeDataString("displayName eq 'O'Brien Team'"));
        AssertError(response, body, HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task Group_count_needs_consistency_level()
    {
        var (response, body) = await _graph.GetAsync("groups?$count=true");
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest");

        (response, body) = await _graph.GetAsync("groups?$count=true&$top=2", headers: new Dictionary<string, string> { ["ConsistencyLevel"] = "eventual" });
        AssertOk(response, body);
        Assert.True(body!["@odata.count"]!.GetValue<int>() >= 10);
        Assert.Equal(2, body["value"]!.AsArray().Count);
        Assert.NotNull(body["@odata.nextLink"]);
    }

    [Fact]
    public async Task Get_group_and_unknown_ids()
    {
        var (response, body) = await _graph.GetAsync($"groups/{DemoTenant.CompliancePilotGroupId}");
        AssertOk(response, body);
        Assert.Equal(DemoTenant.CompliancePilotGroup, body!["displayName"]!.ToString());

        (response, body) = await _graph.GetAsync($"groups/{Guid.NewGuid()}");
        AssertError(response, body, HttpStatusCode.NotFound, "Request_ResourceNotFound");
        (response, body) = await _graph.GetAsync("groups/not-a-guid");
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [Fact]
    public async Task Members_are_direct_and_typed()
    {
        var (response, body) = await _graph.GetAsync($"groups/{DemoTenant.CompliancePilotGroupId}/members");
        AssertOk(response, body);
        var types = body!["value"]!.AsArray().Select(m => m!["@odata.type"]!.ToString()).ToList();
        Assert.Equal(["#microsoft.graph.group", "#microsoft.graph.group", "#microsoft.graph.user", "#microsoft.graph.device"], types);
        // $select-only properties stay out unless asked for.
        Assert.Null(body["value"]![2]!["assignedLicenses"]);
    }

    [Fact]
    public async Task Transitive_members_resolve_nested_groups_and_cast_to_users()
    {
        var (all, _) = await _graph.GetAllAsync($"groups/{DemoTenant.CompliancePilotGroupId}/transitiveMembers");
        var ids = all.Select(m => m["id"]!.ToString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains(DemoTenant.SalesEmeaGroupId, ids); // two levels down
        Assert.Contains(DemoTenant.IsaiahIPhoneObjectId, ids);
        Assert.Contains("1ad49d50-729d-57ad-b946-01dc7c7c5440", ids); // Diego, in Sales EMEA inside Pilot Wave 2

        var (users, pages) = await _graph.GetAllAsync($"groups/{DemoTenant.CompliancePilotGroupId}/transitiveMembers/microsoft.graph.user?$top=3&$select=id,userPrincipalName,usageLocation");
        Assert.True(pages > 1);
        Assert.All(users, u => Assert.Null(u["@odata.type"]));
        Assert.All(users, u => Assert.Equal(["id", "userPrincipalName", "usageLocation"], u.Select(p => p.Key)));
        // Mobile Pilot (6) + Isaiah + Pilot Wave 2 (Johanna, Joni) + Sales EMEA (5, Johanna already counted) = 13
        Assert.Equal(13, users.Count);
        Assert.DoesNotContain(users, u => u["id"]!.ToString() == DemoTenant.IsaiahIPhoneObjectId);

        var (response, body) = await _graph.GetAsync($"groups/{DemoTenant.CompliancePilotGroupId}/transitiveMembers/microsoft.graph.application");
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_UnsupportedQuery");
    }

    [Fact]
    public async Task Check_member_groups_is_transitive()
    {
        var (response, body) = await _graph.SendAsync(HttpMethod.Post, "users/1ad49d50-729d-57ad-b946-01dc7c7c5440/checkMemberGroups", new JsonObject
        {
            ["groupIds"] = new JsonArray(DemoTenant.CompliancePilotGroupId, DemoTenant.ItAdminsGroupId, DemoTenant.AllSalesGroupId),
        });
        AssertOk(response, body);
        Assert.Equal(new[] { DemoTenant.CompliancePilotGroupId, DemoTenant.AllSalesGroupId }.Order(), body!["value"]!.AsArray().Select(v => v!.ToString()).Order());

        (response, body) = await _graph.SendAsync(HttpMethod.Post, $"users/{DemoTenant.AdminUserId}/checkMemberGroups", new JsonObject { ["nothing"] = 1 });
        AssertError(response, body, HttpStatusCode.BadRequest);
        (response, body) = await _graph.SendAsync(HttpMethod.Post, $"users/{DemoTenant.AdminUserId}/checkMemberGroups",
            new JsonObject { ["groupIds"] = new JsonArray(Enumerable.Range(0, 21).Select(_ => (JsonNode)Guid.NewGuid().ToString()).ToArray()) });
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [Fact]
    public async Task Reader_app_is_denied_directory_reads()
    {
        var reader = await _graph.ReaderTokenAsync();
        foreach (var url in new[] { "groups", $"groups/{DemoTenant.AllSalesGroupId}/transitiveMembers", "users", "devices", "deviceManagement/complianceManagementPartners", "identity/conditionalAccess/policies" })
        {
            var (response, body) = await _graph.GetAsync(url, reader);
            AssertError(response, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        }
        // Organization.Read.All is enough for the SKUs.
        var (ok, skus) = await _graph.GetAsync("subscribedSkus", reader);
        AssertOk(ok, skus);
    }

    [Fact]
    public async Task Users_by_upn_and_select_only_properties()
    {
        var (response, body) = await _graph.GetAsync("users?$filter=" + Uri.EscapeDataString($"userPrincipalName eq '{DemoTenant.JoniShermanUser}'") + "&$select=id,usageLocation,assignedLicenses");
        AssertOk(response, body);
        var user = Assert.Single(body!["value"]!.AsArray())!;
        Assert.Equal(DemoTenant.JoniShermanUserId, user["id"]!.ToString());
        Assert.Null(user["usageLocation"]?.GetValue<string>());
        Assert.Empty(user["assignedLicenses"]!.AsArray());

        (response, body) = await _graph.GetAsync($"users/{DemoTenant.JoniShermanUser}");
        AssertOk(response, body);
        Assert.False(body!.AsObject().ContainsKey("usageLocation"));

        (response, body) = await _graph.GetAsync("users?$select=nonsense");
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest");
    }

    [Fact]
    public async Task Assign_license_validates_as_graph_does()
    {
        var writes = _graph.Server.Journal.WriteCount;
        var isaiah = DemoTenant.IsaiahLangerUserId;
        var (response, body) = await _graph.SendAsync(HttpMethod.Post, $"users/{isaiah}/assignLicense",
            new JsonObject { ["addLicenses"] = new JsonArray(new JsonObject { ["skuId"] = DemoTenant.IntuneSkuId, ["disabledPlans"] = new JsonArray() }) });
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest", "The missing parameters are: removeLicenses");

        (response, body) = await _graph.SendAsync(HttpMethod.Post, $"users/{isaiah}/assignLicense",
            new JsonObject { ["addLicenses"] = new JsonArray(new JsonObject { ["skuId"] = Guid.NewGuid().ToString(), ["disabledPlans"] = new JsonArray() }), ["removeLicenses"] = new JsonArray() });
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest", "does not correspond to a valid company License");

        // Joni has no usage location.
        (response, body) = await _graph.SendAsync(HttpMethod.Post, $"users/{DemoTenant.JoniShermanUserId}/assignLicense", Add(DemoTenant.IntuneSkuId));
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest", "invalid usage location");

        // EMS E5 has 5 units, all taken by the fixture? Count and fill it up to the brim first.
        var sku = await Sku(DemoTenant.EmsE5SkuId);
        var free = sku["prepaidUnits"]!["enabled"]!.GetValue<int>() - sku["consumedUnits"]!.GetValue<int>();
        var candidates = _graph.Server.Tenant.Users.Where(u => u.UsageLocation is not null && u.AssignedLicenses.Count == 0 && u.UserPrincipalName.EndsWith(DemoTenant.Domain, StringComparison.Ordinal)).Select(u => u.Id).ToList();
        for (var i = 0; i < free; i++)
        {
            (response, body) = await _graph.SendAsync(HttpMethod.Post, $"users/{candidates[i]}/assignLicense", Add(DemoTenant.EmsE5SkuId));
            AssertOk(response, body);
        }
        (response, body) = await _graph.SendAsync(HttpMethod.Post, $"users/{candidates[free]}/assignLicense", Add(DemoTenant.EmsE5SkuId));
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest", "does not have any available licenses");
        Assert.Equal(0, (await Sku(DemoTenant.EmsE5SkuId))["prepaidUnits"]!["enabled"]!.GetValue<int>() - (await Sku(DemoTenant.EmsE5SkuId))["consumedUnits"]!.GetValue<int>());

        // Details show the plans; removing frees the unit again.
        (response, body) = await _graph.GetAsync($"users/{candidates[0]}/licenseDetails");
        AssertOk(response, body);
        Assert.Contains(body!["value"]![0]!["servicePlans"]!.AsArray(), p => p!["servicePlanId"]!.ToString() == DemoTenant.IntuneServicePlanId);
        for (var i = 0; i < free; i++)
        {
            (response, body) = await _graph.SendAsync(HttpMethod.Post, $"users/{candidates[i]}/assignLicense",
                new JsonObject { ["addLicenses"] = new JsonArray(), ["removeLicenses"] = new JsonArray(DemoTenant.EmsE5SkuId) });
            AssertOk(response, body);
        }
        Assert.True(_graph.Server.Journal.WriteCount - writes >= 4 + 2 * free);

        static JsonObject Add(string skuId) => new()
        {
            ["addLicenses"] = new JsonArray(new JsonObject { ["skuId"] = skuId, ["disabledPlans"] = new JsonArray() }),
            ["removeLicenses"] = new JsonArray(),
        };
    }

    [Fact]
    public async Task Usage_location_can_be_patched_and_validated()
    {
        var user = _graph.Server.Tenant.Users.First(u => u.UserPrincipalName == "emily.braun@contoso.onmicrosoft.com");
        var (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"users/{user.Id}", new JsonObject { ["usageLocation"] = "usa" });
        AssertError(response, body, HttpStatusCode.BadRequest, "Request_BadRequest");
        (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"users/{user.Id}", new JsonObject { ["usageLocation"] = "NL" });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        (response, body) = await _graph.GetAsync($"users/{user.Id}?$select=usageLocation");
        Assert.Equal("NL", body!["usageLocation"]!.ToString());
    }

    private async Task<JsonNode> Sku(string skuId)
    {
        var (_, body) = await _graph.GetAsync("subscribedSkus");
        return body!["value"]!.AsArray().Single(s => s!["skuId"]!.ToString() == skuId)!;
    }

    [Fact]
    public async Task Devices_by_device_id_and_compliance_is_intunes()
    {
        var (response, body) = await _graph.GetAsync("devices?$filter=" + Uri.EscapeDataString($"deviceId eq '{DemoTenant.IsaiahIPhoneDeviceId}'") + "&$select=id,deviceId,isCompliant,isManaged");
        AssertOk(response, body);
        var device = Assert.Single(body!["value"]!.AsArray())!;
        Assert.Equal(DemoTenant.IsaiahIPhoneObjectId, device["id"]!.ToString());
        Assert.Null(device["isCompliant"]?.GetValue<bool>());

        (response, body) = await _graph.GetAsync("devices?$filter=" + Uri.EscapeDataString($"deviceId in ('{DemoTenant.IsaiahIPhoneDeviceId}','{DemoTenant.AdeleIPhoneDeviceId}')"));
        Assert.Equal(2, body!["value"]!.AsArray().Count);

        var (all, pages) = await _graph.GetAllAsync("devices?$top=5");
        Assert.Equal(_graph.Server.Tenant.Devices.Count, all.Count);
        Assert.True(pages >= 5);

        Assert.True(_graph.Server.Tenant.SetDeviceCompliance(DemoTenant.IsaiahIPhoneDeviceId, true, true, DateTimeOffset.UtcNow));
        Assert.False(_graph.Server.Tenant.SetDeviceCompliance(DemoTenant.IsaiahIPhoneDeviceId, false, null, DateTimeOffset.UtcNow.AddHours(-1)));
        (response, body) = await _graph.GetAsync($"devices/{DemoTenant.IsaiahIPhoneObjectId}");
        Assert.True(body!["isCompliant"]!.GetValue<bool>());
        Assert.True(body["isManaged"]!.GetValue<bool>());

        // The demo app lacks Device.ReadWrite.All; with it, compliance still cannot be written by an app.
        (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"devices/{DemoTenant.IsaiahIPhoneObjectId}", new JsonObject { ["isCompliant"] = false });
        AssertError(response, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        var token = _graph.Server.Tokens.CreateAccessToken(new Identity.AccessTokenDescriptor { ClientId = DemoTenant.AppClientId, Roles = ["Device.ReadWrite.All"] });
        (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"devices/{DemoTenant.IsaiahIPhoneObjectId}", new JsonObject { ["isManaged"] = false }, token);
        AssertError(response, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
        (response, body) = await _graph.SendAsync(HttpMethod.Patch, $"devices/{DemoTenant.IsaiahIPhoneObjectId}", new JsonObject { ["displayName"] = "iPhone-Isaiah" }, token);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Intune_service_principal_lists_the_partner_endpoints()
    {
        var (response, body) = await _graph.GetAsync("servicePrincipals?$filter=" + Uri.EscapeDataString($"appId eq '{DemoTenant.IntuneAppId}'"));
        var id = body!["value"]![0]!["id"]!.ToString();
        (response, body) = await _graph.GetAsync($"servicePrincipals/{id}/endpoints");
        AssertOk(response, body);
        var endpoints = body!["value"]!.AsArray().ToDictionary(e => e!["providerName"]!.ToString(), e => e!["uri"]!.ToString());
        var root = _graph.Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.Equal(root + "/PartnerTenantDataSync", endpoints["PartnerTenantDataSyncService"]);
        Assert.Equal(root + "/PartnerDeviceDataSync", endpoints["PartnerDeviceDataSyncService"]);

        (response, body) = await _graph.GetAsync($"servicePrincipals/{id}/endpoints", await _graph.ReaderTokenAsync());
        AssertError(response, body, HttpStatusCode.Forbidden, "Authorization_RequestDenied");
    }
}
