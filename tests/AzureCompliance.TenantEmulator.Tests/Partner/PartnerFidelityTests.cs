using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests.Partner;

/// <summary>Where the partner API refuses what a lenient emulator would accept (issue 8); sources in the emulator's README.</summary>
[Collection(PartnerCollection.Name)]
public sealed class PartnerFidelityTests
{
    private readonly PartnerFixture _fixture;

    public PartnerFidelityTests(PartnerFixture fixture)
    {
        _fixture = fixture;
        fixture.Reset();
    }

    private static JsonArray OneDevice(string deviceId, Action<JsonObject> change)
    {
        var entities = PartnerClient.Entities(PartnerClient.Device(deviceId, true, DateTimeOffset.UtcNow));
        change(entities[0]!.AsObject());
        return entities;
    }

    private async Task AssertRefusedAsync(JsonArray entities, string messageContains)
    {
        var partner = _fixture.NewPartner();
        var (response, body) = await partner.UploadAsync(Guid.NewGuid(), entities);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(messageContains, body!.ToJsonString());
    }

    [Fact]
    public Task A_property_in_other_casing_is_refused() =>
        AssertRefusedAsync(OneDevice(_fixture.AddDevice(), e => { var v = e["DeviceName"]!.DeepClone(); e.Remove("DeviceName"); e["deviceName"] = v; }), "DeviceName");

    [Fact]
    public Task EntityType_as_a_string_is_refused() =>
        AssertRefusedAsync(OneDevice(_fixture.AddDevice(), e => e["EntityType"] = "1"), "EntityType");

    [Theory]
    [InlineData("DeviceName")]
    [InlineData("Os")]
    [InlineData("OsVersion")]
    public Task An_empty_inventory_field_is_refused(string field) =>
        AssertRefusedAsync(OneDevice(_fixture.AddDevice(), e => e[field] = ""), field);

    [Fact]
    public async Task Provisioning_urls_are_https_or_left_out()
    {
        var partner = _fixture.NewPartner(provisioned: false);
        var url = $"{partner.TenantSync}/PartnerTenants(guid'{PartnerClient.TenantId}')?api-version=1.6";
        var (empty, _) = await partner.SendAsync(HttpMethod.Put, url, new JsonObject { ["Provisioned"] = 1, ["PartnerEnrollmentUrl"] = "", ["PartnerRemediationUrl"] = "" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        var (plain, _) = await partner.SendAsync(HttpMethod.Put, url, new JsonObject { ["Provisioned"] = 1, ["PartnerEnrollmentUrl"] = "http://mdm.example.com/enroll" });
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
        var (none, _) = await partner.SendAsync(HttpMethod.Put, url, new JsonObject { ["Provisioned"] = 1 });
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
    }

    [Fact]
    public async Task A_message_holds_at_most_a_hundred_devices_by_default()
    {
        Assert.Equal(100, _fixture.Server.Settings.Partner.MaxDevicesPerMessage);
        var partner = _fixture.NewPartner();
        var devices = Enumerable.Range(0, 101).Select(_ => PartnerClient.Device(Guid.NewGuid().ToString(), true, DateTimeOffset.UtcNow)).ToArray();
        var (response, body) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(devices));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Request_TooManyDevices", body!.ToJsonString());
    }

    [Fact]
    public async Task A_device_whose_user_no_partner_policy_targets_is_reported_and_not_applied()
    {
        var partner = _fixture.NewPartner(eligible: false);
        var device = _fixture.AddDevice();
        var messageId = Guid.NewGuid();
        var (response, _) = await partner.UploadAsync(messageId, PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var result = await partner.WaitForResultAsync(messageId);
        Assert.Equal("Failed", result["Status"]!.ToString());
        Assert.Equal("UserNotEligible", result["ErrorCode"]!.ToString());
        Assert.Contains(device, result["ErrorDetail"]!.ToString());
        Assert.Contains("not in a group assigned to a partner compliance policy", result["ErrorDetail"]!.ToString());
        Assert.Null(_fixture.Server.Tenant.FindDeviceByDeviceId(device)!.IsCompliant);

        var eligible = _fixture.NewPartner();
        var second = Guid.NewGuid();
        await eligible.UploadAsync(second, PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow)));
        Assert.Equal("Completed", (await eligible.WaitForResultAsync(second))["Status"]!.ToString());
        Assert.True(_fixture.Server.Tenant.FindDeviceByDeviceId(device)!.IsCompliant);
    }

    [Fact]
    public async Task UploadTime_is_UTC_with_Z()
    {
        var partner = _fixture.NewPartner();
        var messageId = Guid.NewGuid();
        var (response, body) = await partner.SendAsync(HttpMethod.Put, $"{partner.DeviceSync}/DataUploadMessages(guid'{messageId}')?api-version=1.2", new JsonObject
        {
            ["TenantId"] = PartnerClient.TenantId,
            ["UploadTime"] = DateTimeOffset.UtcNow.ToString("O"), // +00:00, not Z
            ["Content"] = PartnerClient.Entities(PartnerClient.Device(_fixture.AddDevice(), true, DateTimeOffset.UtcNow)).ToJsonString(),
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UploadTime", body!.ToJsonString());
    }
}

/// <summary>The Intune API app roles on partner calls (issue 8, point 2).</summary>
[Collection(PartnerCollection.Name)]
public sealed class PartnerPermissionTests
{
    private readonly PartnerFixture _fixture;

    public PartnerPermissionTests(PartnerFixture fixture)
    {
        _fixture = fixture;
        fixture.Reset();
    }

    [Fact]
    public async Task Uploads_and_provisioning_need_update_device_attributes()
    {
        var partner = _fixture.NewPartner(eligible: false);
        partner.Token = _fixture.ManageToken(partner.AppId, roles: ["manage_partner_compliance_policy"]);
        var (upload, uploadBody) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(PartnerClient.Device(_fixture.AddDevice(), true, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
        Assert.Contains("update_device_attributes", uploadBody!.ToJsonString());
        var (provision, _) = await partner.ProvisionAsync(1);
        Assert.Equal(HttpStatusCode.Forbidden, provision.StatusCode);
        var (policy, _) = await partner.CreatePolicyAsync("iOS", "Fidelity " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(HttpStatusCode.Created, policy.StatusCode);
    }

    [Fact]
    public async Task Partner_compliance_policies_need_manage_partner_compliance_policy()
    {
        var partner = _fixture.NewPartner();
        partner.Token = _fixture.ManageToken(partner.AppId, roles: ["update_device_attributes"]);
        var (create, body) = await partner.CreatePolicyAsync("Android");
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Contains("manage_partner_compliance_policy", body!.ToJsonString());
        var (list, _) = await partner.SendAsync(HttpMethod.Get, $"{partner.TenantSync}/PartnerCompliancePolicies?api-version=1.6");
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
    }

    [Fact]
    public async Task A_delegated_token_cannot_reach_the_partner_API()
    {
        var partner = _fixture.NewPartner();
        partner.Token = _fixture.Server.Tokens.CreateAccessToken(new AzureCompliance.TenantEmulator.Identity.AccessTokenDescriptor
        {
            ClientId = partner.AppId,
            Audience = DemoTenant.IntuneResource,
            Scopes = ["update_device_attributes"],
        });
        var (upload, _) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(PartnerClient.Device(_fixture.AddDevice(), true, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
    }
}
