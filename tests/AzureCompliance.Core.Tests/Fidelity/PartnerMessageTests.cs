using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Sync;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.Core.Tests.Fidelity;

/// <summary>The engine's data upload messages against the emulator's partner API (issue 8, points 5 and 8).</summary>
public sealed class PartnerMessageTests : IClassFixture<EmulatedTenant>
{
    private readonly EmulatedTenant _tenant;

    public PartnerMessageTests(EmulatedTenant tenant) => _tenant = tenant;

    private string AddDevice()
    {
        var device = new DirectoryDevice
        {
            Id = Guid.NewGuid(),
            DeviceId = Guid.NewGuid().ToString(),
            DisplayName = "fidelity-" + Guid.NewGuid().ToString("N")[..8],
            OperatingSystem = "iOS",
            OperatingSystemVersion = "17.5",
            TrustType = "Workplace",
        };
        _tenant.Server.Tenant.AddDevice(device);
        return device.DeviceId;
    }

    private static PackedDevice Packed(string deviceId, bool compliant, bool retired, DateTimeOffset when) =>
        new(deviceId, "Ana's iPhone", null, DemoTenant.AlexWilberUserId, DevicePlatform.iOS, "17.5", when, compliant, retired, "iOS baseline", null)
        {
            LastUpdateMs = when.ToUnixTimeMilliseconds(),
        };

    private static async Task<UploadStatus> UploadAsync(PartnerApiClient client, string tenantId, PackedDevice device)
    {
        var messageId = await client.UploadMessageAsync(Guid.NewGuid(), ComplianceMessages.BuildContentUtf8(tenantId, new[] { device }), default);
        for (var i = 0; i < 200; i++)
        {
            var status = await client.FindUploadStatusAsync(messageId, default);
            if (status != null && (status.IsCompleted || status.IsFailed))
                return status;
            await Task.Delay(50);
        }
        throw new TimeoutException("The message was not processed.");
    }

    [Fact]
    public async Task A_retired_device_is_neither_managed_nor_compliant_afterwards()
    {
        _tenant.Server.Settings.Partner.ProcessingDelay = TimeSpan.Zero;
        var connection = await _tenant.ConnectAsync();
        var client = PartnerApiClient.For(connection);
        await PartnerSetup.PrepareUploadsAsync(client, _tenant.Server);
        var deviceId = AddDevice();
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);

        Assert.True((await UploadAsync(client, connection.TenantId, Packed(deviceId, compliant: true, retired: false, start))).IsCompleted);
        Assert.True(_tenant.Server.Tenant.FindDeviceByDeviceId(deviceId)!.IsCompliant);

        var retired = await UploadAsync(client, connection.TenantId, Packed(deviceId, compliant: true, retired: true, start.AddSeconds(30)));
        Assert.True(retired.IsCompleted, retired.ErrorDetail);
        var device = _tenant.Server.Tenant.FindDeviceByDeviceId(deviceId)!;
        Assert.False(device.IsManaged);
        Assert.NotEqual(true, device.IsCompliant);
    }
}

public sealed class ProvisioningUrlTests
{
    [Fact]
    public void Provisioning_urls_must_be_https()
    {
        var error = Assert.Throws<AzureCompliance.Core.Diagnostics.ComplianceException>(() => PartnerApiClient.RequireHttps(new Uri("http://mdm.example.com/enroll"), "EnrollmentUrl"));
        Assert.Equal("InvalidPartnerUrl", error.ErrorId);
        Assert.Contains("-EnrollmentUrl", error.Message);
    }
}

/// <summary>What a tenant needs before Intune takes uploads for Alex Wilber's devices: the partner tenant provisioned, Alex
/// licensed for Intune and in a group a partner compliance policy of the platform is assigned to, the platform onboarded.</summary>
internal static class PartnerSetup
{
    public static async Task PrepareUploadsAsync(PartnerApiClient client, EmulatorServer server, string platform = "iOS")
    {
        await client.SetTenantProvisioningAsync(true, null, null, default);
        var tenant = server.Tenant;
        var alex = Guid.Parse(DemoTenant.AlexWilberUserId);
        if (!tenant.FindUser(DemoTenant.AlexWilberUserId)!.AssignedLicenses.Any(l => l.SkuId == Guid.Parse(DemoTenant.IntuneSkuId)))
            tenant.AssignLicenses(alex, [new AssignedLicense { SkuId = Guid.Parse(DemoTenant.IntuneSkuId) }], []);
        var groupId = Guid.NewGuid();
        tenant.AddGroup(new DirectoryGroup { Id = groupId, DisplayName = "Fidelity uploads " + groupId.ToString("N")[..6], SecurityEnabled = true, MemberIds = [alex] });
        var policy = await client.EnsureCompliancePolicyAsync("Fidelity " + platform, "test", platform, default);
        await client.AssignCompliancePolicyAsync(policy.Id, new[] { groupId.ToString() }, default);
        var flag = TenantState.CompliancePartnerPlatforms.First(p => p.Platform == platform).Flag;
        if (!tenant.CompliancePartners.Any(p => p[flag]?.GetValue<bool>() == true))
            tenant.SaveCompliancePartner(new System.Text.Json.Nodes.JsonObject { ["id"] = Guid.NewGuid().ToString(), ["displayName"] = "Fidelity partner", [flag] = true });
    }
}
