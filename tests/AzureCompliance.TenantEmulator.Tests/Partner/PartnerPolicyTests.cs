using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests.Partner;

/// <summary>Partner compliance policies: create, 409, list, assign.</summary>
[Collection(PartnerCollection.Name)]
public sealed class PartnerPolicyTests
{
    private readonly PartnerFixture _fixture;

    public PartnerPolicyTests(PartnerFixture fixture)
    {
        _fixture = fixture;
        fixture.Reset();
    }

    [Fact]
    public async Task Create_answers_201_with_the_policy()
    {
        var partner = _fixture.NewPartner(eligible: false);

        var (response, body) = await partner.CreatePolicyAsync("iOS");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = Guid.Parse(body!["Id"]!.ToString());
        Assert.Equal("Contoso MDM compliance", body["DisplayName"]!.ToString());
        Assert.Equal("Compliance policy managed by the MDM", body["Description"]!.ToString());
        Assert.Equal("iOS", body["Platform"]!.ToString());
        Assert.True(body["PartnerManagedCompliance"]!.GetValue<bool>());
        Assert.True(Guid.TryParse(body["PartnerPolicyId"]!.ToString(), out _));
        Assert.NotNull(body["odata.metadata"]);
        Assert.EndsWith($"PartnerCompliancePolicies(guid'{id}')", response.Headers.Location!.ToString());
        var stored = Assert.Single(_fixture.Server.Tenant.PartnerCompliancePoliciesOf(partner.AppId));
        Assert.Equal(id, stored.Id);
        Assert.Empty(stored.Assignments);
    }

    [Fact]
    public async Task A_second_policy_for_the_same_platform_is_409_and_the_list_gives_the_existing_one()
    {
        var partner = _fixture.NewPartner(eligible: false);
        var (_, created) = await partner.CreatePolicyAsync("macOS", "Fleet compliance policy");

        var (same, sameBody) = await partner.CreatePolicyAsync("macOS", "Fleet compliance policy");
        var (renamed, _) = await partner.CreatePolicyAsync("MACOS", "Another name");
        var (android, _) = await partner.CreatePolicyAsync("Android");
        var (list, listBody) = await partner.SendAsync(HttpMethod.Get, $"{partner.TenantSync}/PartnerCompliancePolicies?api-version=1.6");
        var otherPartner = _fixture.NewPartner(eligible: false);
        var (otherList, otherBody) = await otherPartner.SendAsync(HttpMethod.Get, $"{partner.TenantSync}/PartnerCompliancePolicies?api-version=1.6");
        var (otherCreate, _) = await otherPartner.CreatePolicyAsync("macOS");

        Assert.Equal(HttpStatusCode.Conflict, same.StatusCode);
        Assert.Equal("Request_Conflict", sameBody!["odata.error"]!["code"]!.ToString());
        Assert.Equal(HttpStatusCode.Conflict, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.Created, android.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var values = listBody!["value"]!.AsArray();
        Assert.Equal(2, values.Count);
        Assert.Equal(created!["Id"]!.ToString(), values.Single(v => v!["Platform"]!.ToString() == "macOS")!["Id"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, otherList.StatusCode);
        Assert.Empty(otherBody!["value"]!.AsArray());
        Assert.Equal(HttpStatusCode.Created, otherCreate.StatusCode);
    }

    [Theory]
    [InlineData("Windows", true)]
    [InlineData(null, true)]
    [InlineData("iOS", false)]
    public async Task Invalid_policies_are_400(string? platform, bool managed)
    {
        var partner = _fixture.NewPartner(eligible: false);
        var (response, _) = await partner.SendAsync(HttpMethod.Post, $"{partner.TenantSync}/PartnerCompliancePolicies?api-version=1.6", new JsonObject
        {
            ["DisplayName"] = "x",
            ["Platform"] = platform,
            ["PartnerManagedCompliance"] = managed,
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Assign_sets_the_groups_and_answers_as_Fleet_observed()
    {
        var partner = _fixture.NewPartner(eligible: false);
        var (_, created) = await partner.CreatePolicyAsync("Android");
        var id = created!["Id"]!.ToString();
        var url = $"{partner.TenantSync}/PartnerCompliancePolicies(guid'{id}')/Assign?api-version=1.6";

        var (response, body) = await partner.SendAsync(HttpMethod.Post, url, new JsonObject
        {
            ["assignments"] = new JsonArray(DemoTenant.AllSalesGroupId, DemoTenant.MobilePilotGroupId),
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var value = JsonNode.Parse(body!["value"]!.GetValue<string>())!;
        Assert.Equal([DemoTenant.AllSalesGroupId, DemoTenant.MobilePilotGroupId], value["assignments"]!.AsArray().Select(a => a!.ToString()));
        var policy = _fixture.Server.Tenant.FindPartnerCompliancePolicy(Guid.Parse(id))!;
        Assert.Equal([Guid.Parse(DemoTenant.AllSalesGroupId), Guid.Parse(DemoTenant.MobilePilotGroupId)], policy.Assignments);

        var (unknownGroup, unknownBody) = await partner.SendAsync(HttpMethod.Post, url, new JsonObject { ["assignments"] = new JsonArray(Guid.NewGuid().ToString()) });
        Assert.Equal(HttpStatusCode.BadRequest, unknownGroup.StatusCode);
        Assert.Contains("does not exist", unknownBody!["odata.error"]!["message"]!["value"]!.ToString());
        Assert.Equal(2, _fixture.Server.Tenant.FindPartnerCompliancePolicy(Guid.Parse(id))!.Assignments.Count);

        var (notGuid, _) = await partner.SendAsync(HttpMethod.Post, url, new JsonObject { ["assignments"] = new JsonArray("All Sales") });
        Assert.Equal(HttpStatusCode.BadRequest, notGuid.StatusCode);

        var (unknownPolicy, unknownPolicyBody) = await partner.SendAsync(HttpMethod.Post,
            $"{partner.TenantSync}/PartnerCompliancePolicies(guid'{Guid.NewGuid()}')/Assign?api-version=1.6",
            new JsonObject { ["assignments"] = new JsonArray(DemoTenant.AllSalesGroupId) });
        Assert.Equal(HttpStatusCode.NotFound, unknownPolicy.StatusCode);
        Assert.Equal("Request_ResourceNotFound", unknownPolicyBody!["odata.error"]!["code"]!.ToString());

        var stranger = _fixture.NewPartner(eligible: false);
        var (foreignPolicy, _) = await stranger.SendAsync(HttpMethod.Post, url, new JsonObject { ["assignments"] = new JsonArray(DemoTenant.AllSalesGroupId) });
        Assert.Equal(HttpStatusCode.NotFound, foreignPolicy.StatusCode);
    }
}
