using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Identity;
using AzureCompliance.TenantEmulator.Partner;
using AzureCompliance.TenantEmulator.Tenant;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests.Partner;

/// <summary>
/// An emulator of its own for the partner API tests: they change device compliance and partner state, which the
/// shared emulator's other tests must not see. Each test uses its own partner app id and its own devices.
/// </summary>
public sealed class PartnerFixture : IAsyncLifetime
{
    public EmulatorFixture Emulator { get; } = new();
    public EmulatorServer Server => Emulator.Server;

    public Task InitializeAsync() => Emulator.InitializeAsync();
    public Task DisposeAsync() => Emulator.DisposeAsync();

    /// <summary>Start-up behaviour, a short processing delay, no throttling rules.</summary>
    public void Reset()
    {
        Emulator.ResetBehaviour();
        Server.Settings.Partner.ProcessingDelay = TimeSpan.FromMilliseconds(200);
    }

    /// <summary>A manage API token (aud https://api.manage.microsoft.com/) for a partner app of its own.</summary>
    public string ManageToken(string appId, string? audience = DemoTenant.IntuneResource, Guid? tenantId = null, TimeSpan? lifetime = null, DateTimeOffset? issuedAt = null,
        IReadOnlyList<string>? roles = null) =>
        Server.Tokens.CreateAccessToken(new AccessTokenDescriptor
        {
            ClientId = appId,
            Audience = audience,
            TenantId = tenantId,
            Lifetime = lifetime,
            IssuedAt = issuedAt,
            Roles = roles ?? PartnerRoles,
        });

    /// <summary>The Intune API app roles a compliance partner holds.</summary>
    public static readonly IReadOnlyList<string> PartnerRoles = ["update_device_attributes", "manage_partner_compliance_policy"];

    /// <summary>
    /// A client for a new partner app, provisioned in the tenant unless told otherwise. Its devices' user (Alex Wilber) is
    /// eligible, as Intune requires: licensed for Intune, in a group its partner compliance policies (one per platform)
    /// are assigned to, with a compliance partner onboarded for each platform.
    /// </summary>
    public PartnerClient NewPartner(bool provisioned = true, bool eligible = true)
    {
        var appId = Guid.NewGuid().ToString();
        if (provisioned)
            Server.Tenant.SetPartnerTenantState(appId, PartnerProvisioning.Provisioned, "https://mdm.example.com/enroll", "https://mdm.example.com/remediate");
        if (eligible)
            MakeEligible(appId);
        return new PartnerClient(this, appId, ManageToken(appId));
    }

    private static readonly string[] CandidateGroups =
    [
        DemoTenant.MobilePilotGroupId, DemoTenant.CompliancePilotGroupId, DemoTenant.AllSalesGroupId, DemoTenant.SalesEmeaGroupId,
        DemoTenant.PilotWave2GroupId, DemoTenant.ItAdminsGroupId, DemoTenant.OBrienTeamGroupId,
    ];

    private void MakeEligible(string appId)
    {
        var tenant = Server.Tenant;
        var alex = Guid.Parse(DemoTenant.AlexWilberUserId);
        var group = CandidateGroups.Select(Guid.Parse).FirstOrDefault(g => tenant.IsTransitiveMember(g, alex));
        Assert.NotEqual(Guid.Empty, group);
        var user = tenant.FindUser(DemoTenant.AlexWilberUserId)!;
        if (!user.AssignedLicenses.Any(l => l.SkuId == Guid.Parse(DemoTenant.IntuneSkuId)))
            tenant.AssignLicenses(alex, [new AssignedLicense { SkuId = Guid.Parse(DemoTenant.IntuneSkuId) }], []);
        foreach (var (flag, assignments, platform) in TenantState.CompliancePartnerPlatforms)
        {
            var (policy, _) = tenant.AddPartnerCompliancePolicy(appId, $"{platform} test policy", null, platform);
            tenant.AssignPartnerCompliancePolicy(policy.Id, [group]);
            if (!tenant.CompliancePartners.Any(p => p[flag]?.GetValue<bool>() == true))
            {
                tenant.SaveCompliancePartner(new JsonObject
                {
                    ["id"] = Guid.NewGuid().ToString(),
                    ["displayName"] = $"Test partner {platform}",
                    ["partnerState"] = "enabled",
                    [flag] = true,
                    [assignments] = new JsonArray(),
                });
            }
        }
    }

    /// <summary>A new directory device (not managed, compliance unknown); returns its deviceId.</summary>
    public string AddDevice(string os = "iOS")
    {
        var device = new DirectoryDevice
        {
            Id = Guid.NewGuid(),
            DeviceId = Guid.NewGuid().ToString(),
            DisplayName = $"{os}-test-{Guid.NewGuid():N}"[..20],
            OperatingSystem = os,
            OperatingSystemVersion = "17.5",
            IsCompliant = null,
            IsManaged = false,
            TrustType = "Workplace",
        };
        Server.Tenant.AddDevice(device);
        return device.DeviceId;
    }
}

[CollectionDefinition(Name)]
public sealed class PartnerCollection : ICollectionFixture<PartnerFixture>
{
    public const string Name = "Partner";
}

/// <summary>What a compliance partner sends (PROTOCOL.md 3), written from the protocol, not from the emulator.</summary>
public sealed class PartnerClient(PartnerFixture fixture, string appId, string token)
{
    public static readonly string TenantId = DemoTenant.TenantId;
    public static readonly string UserId = DemoTenant.AlexWilberUserId;

    public string AppId { get; } = appId;
    public string Token { get; set; } = token;

    public string TenantSync => fixture.Server.BaseAddress.GetLeftPart(UriPartial.Authority) + "/PartnerTenantDataSync";
    public string DeviceSync => fixture.Server.BaseAddress.GetLeftPart(UriPartial.Authority) + "/PartnerDeviceDataSync";

    public async Task<(HttpResponseMessage Response, JsonNode? Body)> SendAsync(HttpMethod method, string url, JsonNode? body = null, string? token = null, bool noToken = false)
    {
        using var request = new HttpRequestMessage(method, url);
        if (!noToken)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var response = await fixture.Emulator.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length > 0 ? JsonNode.Parse(text) : null);
    }

    public Task<(HttpResponseMessage Response, JsonNode? Body)> ProvisionAsync(int provisioned, string tenantId = DemoTenant.TenantId, string apiVersion = "1.6") =>
        SendAsync(HttpMethod.Put, $"{TenantSync}/PartnerTenants(guid'{tenantId}')?api-version={apiVersion}", new JsonObject
        {
            ["Provisioned"] = provisioned,
            ["PartnerEnrollmentUrl"] = "https://mdm.example.com/enrollment",
            ["PartnerRemediationUrl"] = "https://mdm.example.com/remediation",
        });

    public Task<(HttpResponseMessage Response, JsonNode? Body)> CreatePolicyAsync(string platform, string name = "Contoso MDM compliance") =>
        SendAsync(HttpMethod.Post, $"{TenantSync}/PartnerCompliancePolicies?api-version=1.6", new JsonObject
        {
            ["DisplayName"] = name,
            ["Description"] = "Compliance policy managed by the MDM",
            ["Platform"] = platform,
            ["PartnerManagedCompliance"] = true,
        });

    public Task<(HttpResponseMessage Response, JsonNode? Body)> UploadAsync(Guid messageId, JsonArray entities, string apiVersion = "1.2", string tenantId = DemoTenant.TenantId, bool contentAsString = true) =>
        SendAsync(HttpMethod.Put, $"{DeviceSync}/DataUploadMessages(guid'{messageId}')?api-version={apiVersion}", new JsonObject
        {
            ["TenantId"] = tenantId,
            ["UploadTime"] = DateTime.UtcNow.ToString("O"),
            ["Content"] = contentAsString ? entities.ToJsonString() : entities.DeepClone(),
        });

    public Task<(HttpResponseMessage Response, JsonNode? Body)> StatusAsync(Guid messageId) =>
        SendAsync(HttpMethod.Get, $"{DeviceSync}/DataUploadMessages(guid'{messageId}')?api-version=1.2");

    /// <summary>Polls the message's status until it is no longer Processing.</summary>
    public async Task<JsonNode> WaitForResultAsync(Guid messageId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var (response, body) = await StatusAsync(messageId);
            Assert.Equal(200, (int)response.StatusCode);
            if (body!["Status"]!.ToString() != "Processing" || DateTime.UtcNow > deadline)
                return body;
            await Task.Delay(50);
        }
    }

    /// <summary>The two entities of one device (EntityType 1 inventory and 4 compliance), as the newest protocol has them.</summary>
    public static JsonNode[] Device(string deviceId, bool? compliant, DateTimeOffset lastUpdate, bool managed = true)
    {
        var time = lastUpdate.UtcDateTime.ToString("O");
        var inventory = new JsonObject
        {
            ["EntityType"] = 1,
            ["TenantId"] = TenantId,
            ["DeviceManagementState"] = managed ? "managed" : "notManaged",
            ["DeviceId"] = deviceId,
            ["DeviceName"] = "iPhone",
            ["UserId"] = UserId,
            ["LastCheckInTime"] = time,
            ["LastUpdateTime"] = time,
            ["Os"] = "iOS",
            ["OsVersion"] = "17.5.1",
            ["EasIds"] = new JsonArray(),
            ["State"] = 0,
        };
        if (compliant is null)
            return [inventory];
        return
        [
            inventory,
            new JsonObject
            {
                ["EntityType"] = 4,
                ["TenantId"] = TenantId,
                ["DeviceId"] = deviceId,
                ["UserId"] = UserId,
                ["LastUpdateTime"] = time,
                ["complianceStatus"] = compliant.Value ? "compliant" : "notCompliant",
            },
        ];
    }

    public static JsonArray Entities(params JsonNode[][] devices) => new(devices.SelectMany(d => d).Select(n => n.DeepClone()).ToArray());
}
