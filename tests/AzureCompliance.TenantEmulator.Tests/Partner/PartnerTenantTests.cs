using System.Net;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Partner;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests.Partner;

/// <summary>PUT PartnerTenants (provisioning) and the bearer token checks of the partner API.</summary>
[Collection(PartnerCollection.Name)]
public sealed class PartnerTenantTests
{
    private readonly PartnerFixture _fixture;

    public PartnerTenantTests(PartnerFixture fixture)
    {
        _fixture = fixture;
        fixture.Reset();
    }

    [Fact]
    public async Task Provisioning_answers_as_Fleet_observed_and_is_kept_per_partner_app()
    {
        var partner = _fixture.NewPartner(provisioned: false);

        var (response, body) = await partner.ProvisionAsync(1);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(Guid.TryParse(body!["Key"]!.ToString(), out _));
        Assert.Equal(DemoTenant.TenantId, body["ContextId"]!.ToString());
        Assert.Equal(1, body["Provisioned"]!.GetValue<int>());
        Assert.Equal(200, body["HttpStatusCode"]!.GetValue<int>());
        Assert.Null(body["ErrorDetail"]);
        Assert.True(body.AsObject().ContainsKey("ErrorDetail"));
        var state = _fixture.Server.Tenant.PartnerTenantState(partner.AppId)!;
        Assert.Equal(PartnerProvisioning.Provisioned, state.Provisioned);
        Assert.Equal("https://mdm.example.com/enrollment", state.PartnerEnrollmentUrl);
        Assert.Null(_fixture.Server.Tenant.PartnerTenantState(Guid.NewGuid().ToString()));

        var (again, againBody) = await partner.ProvisionAsync(2);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2, againBody!["Provisioned"]!.GetValue<int>());
        Assert.Equal(body["Key"]!.ToString(), againBody["Key"]!.ToString());
        Assert.Equal(PartnerProvisioning.Deprovisioned, _fixture.Server.Tenant.PartnerTenantState(partner.AppId)!.Provisioned);
    }

    [Fact]
    public async Task Deprovisioned_or_never_provisioned_partner_cannot_upload()
    {
        var device = _fixture.AddDevice();
        var partner = _fixture.NewPartner(provisioned: false);

        var (never, neverBody) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.Forbidden, never.StatusCode);
        Assert.Equal("Partner_TenantNotProvisioned", neverBody!["odata.error"]!["code"]!.ToString());

        await partner.ProvisionAsync(1);
        var (ok, _) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);

        await partner.ProvisionAsync(2);
        var (refused, refusedBody) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("deprovisioned", refusedBody!["odata.error"]!["message"]!["value"]!.ToString());
    }

    [Fact]
    public async Task Another_tenant_in_the_url_or_body_is_forbidden()
    {
        var partner = _fixture.NewPartner();
        var other = Guid.NewGuid().ToString();

        var (url, urlBody) = await partner.ProvisionAsync(1, tenantId: other);
        var (upload, _) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(PartnerClient.Device(_fixture.AddDevice(), true, DateTimeOffset.UtcNow)), tenantId: other);

        Assert.Equal(HttpStatusCode.Forbidden, url.StatusCode);
        Assert.Equal("Authorization_RequestDenied", urlBody!["odata.error"]!["code"]!.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
    }

    [Fact]
    public async Task Bad_provisioning_requests_are_400()
    {
        var partner = _fixture.NewPartner(provisioned: false);

        var (noVersion, noVersionBody) = await partner.SendAsync(HttpMethod.Put, $"{partner.TenantSync}/PartnerTenants(guid'{DemoTenant.TenantId}')", new JsonObject { ["Provisioned"] = 1 });
        var (badValue, _) = await partner.SendAsync(HttpMethod.Put, $"{partner.TenantSync}/PartnerTenants(guid'{DemoTenant.TenantId}')?api-version=1.6", new JsonObject { ["Provisioned"] = 3 });
        var (badKey, _) = await partner.SendAsync(HttpMethod.Put, $"{partner.TenantSync}/PartnerTenants(guid'contoso')?api-version=1.6", new JsonObject { ["Provisioned"] = 1 });
        var (get, _) = await partner.SendAsync(HttpMethod.Get, $"{partner.TenantSync}/PartnerTenants(guid'{DemoTenant.TenantId}')?api-version=1.6");
        var (unknown, _) = await partner.SendAsync(HttpMethod.Get, $"{partner.TenantSync}/Nothing?api-version=1.6");

        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
        Assert.Contains("api-version", noVersionBody!["odata.error"]!["message"]!["value"]!.ToString());
        Assert.Equal("en-US", noVersionBody["odata.error"]!["message"]!["lang"]!.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, badValue.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Null(_fixture.Server.Tenant.PartnerTenantState(partner.AppId));
    }

    [Fact]
    public async Task A_token_from_the_token_endpoint_for_the_manage_resource_works()
    {
        var token = await _fixture.Emulator.GetTokenAsync(scope: "https://api.manage.microsoft.com//.default");
        var partner = new PartnerClient(_fixture, DemoTenant.AppClientId, token);

        var (response, body) = await partner.SendAsync(HttpMethod.Get, $"{partner.TenantSync}/PartnerCompliancePolicies?api-version=1.6");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(body!["value"]);
    }

    [Fact]
    public async Task Missing_or_wrong_tokens_get_401_with_a_challenge()
    {
        var partner = _fixture.NewPartner();
        var url = $"{partner.TenantSync}/PartnerCompliancePolicies?api-version=1.6";
        var appId = partner.AppId;

        var (none, noneBody) = await partner.SendAsync(HttpMethod.Get, url, noToken: true);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("authorization_uri=", none.Headers.WwwAuthenticate.Single().Parameter);
        Assert.Equal("Authentication_MissingOrMalformed", noneBody!["odata.error"]!["code"]!.ToString());

        var graphToken = await _fixture.Emulator.GetTokenAsync();
        var (graph, graphBody) = await partner.SendAsync(HttpMethod.Get, url, token: graphToken);
        Assert.Equal(HttpStatusCode.Unauthorized, graph.StatusCode);
        Assert.Contains("audience", graphBody!["odata.error"]!["message"]!["value"]!.ToString());
        Assert.Contains("error=\"invalid_token\"", graph.Headers.WwwAuthenticate.Single().Parameter);

        var expired = _fixture.ManageToken(appId, issuedAt: DateTimeOffset.UtcNow.AddHours(-2), lifetime: TimeSpan.FromMinutes(30));
        var (old, oldBody) = await partner.SendAsync(HttpMethod.Get, url, token: expired);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal("Authentication_ExpiredToken", oldBody!["odata.error"]!["code"]!.ToString());

        var foreign = _fixture.ManageToken(appId, tenantId: Guid.NewGuid());
        Assert.Equal(HttpStatusCode.Unauthorized, (await partner.SendAsync(HttpMethod.Get, url, token: foreign)).Response.StatusCode);

        var (deviceSync, _) = await partner.SendAsync(HttpMethod.Get, $"{partner.DeviceSync}/DataUploadMessages(guid'{Guid.NewGuid()}')?api-version=1.2", token: graphToken);
        Assert.Equal(HttpStatusCode.Unauthorized, deviceSync.StatusCode);

        var noSlash = _fixture.ManageToken(appId, audience: "https://api.manage.microsoft.com");
        Assert.Equal(HttpStatusCode.OK, (await partner.SendAsync(HttpMethod.Get, url, token: noSlash)).Response.StatusCode);
    }
}
