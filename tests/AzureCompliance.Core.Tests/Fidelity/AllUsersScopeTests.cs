using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.Core.Tests.Fidelity;

/// <summary>"All users" and partner compliance policies, end to end against the emulator (issue 8, point 9).</summary>
public sealed class AllUsersScopeTests : IClassFixture<EmulatedTenant>, IDisposable
{
    private readonly EmulatedTenant _tenant;
    private readonly string _statePath = Path.Combine(Path.GetTempPath(), "azc-allusers-" + Guid.NewGuid().ToString("N") + ".db");

    public AllUsersScopeTests(EmulatedTenant tenant) => _tenant = tenant;

    public void Dispose()
    {
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_statePath) + "*")) File.Delete(file);
    }

    [Fact]
    public async Task All_users_assigns_the_partner_policy_to_the_All_users_group_and_uploads_apply()
    {
        _tenant.Server.Settings.Partner.ProcessingDelay = TimeSpan.Zero;
        var connection = await _tenant.ConnectAsync("all-users");
        var client = PartnerApiClient.For(connection);
        await client.SetTenantProvisioningAsync(true, null, null, default);
        var tenant = _tenant.Server.Tenant;
        var alex = Guid.Parse(DemoTenant.AlexWilberUserId);
        if (!tenant.FindUser(DemoTenant.AlexWilberUserId)!.AssignedLicenses.Any(l => l.SkuId == Guid.Parse(DemoTenant.IntuneSkuId)))
            tenant.AssignLicenses(alex, [new AssignedLicense { SkuId = Guid.Parse(DemoTenant.IntuneSkuId) }], []);
        if (!tenant.CompliancePartners.Any(p => p["macOsOnboarded"]?.GetValue<bool>() == true))
            tenant.SaveCompliancePartner(new System.Text.Json.Nodes.JsonObject { ["id"] = Guid.NewGuid().ToString(), ["displayName"] = "All users partner", ["macOsOnboarded"] = true });

        using var store = StateStore.Open(_statePath);
        GroupScope.Everyone.Save(store, connection.SourceName);
        var policy = CompliancePolicy.CreateDefault("All users macOS", DevicePlatform.macOS);

        // No "All users" group yet: nothing is assigned, and the warning says what to create.
        var recorder = new WarningRecorder();
        var unassigned = await CompliancePolicyService.PublishAsync(connection, store, policy, recorder, default);
        Assert.Empty(unassigned.AssignedGroupIds);
        Assert.Contains(recorder.Warnings, w => w.Contains("'All users'") && w.Contains("user.accountEnabled -eq true"));

        // The admin creates the group: publishing again assigns the policy to it, and Intune takes Alex's device.
        var everyone = new DirectoryGroup { Id = Guid.NewGuid(), DisplayName = "All users", SecurityEnabled = true, MemberIds = [alex] };
        tenant.AddGroup(everyone);
        var published = await CompliancePolicyService.PublishAsync(connection, store, policy, SilentOperationContext.Instance, default);
        Assert.Equal(new[] { everyone.Id.ToString() }, published.AssignedGroupIds);

        var device = new DirectoryDevice { Id = Guid.NewGuid(), DeviceId = Guid.NewGuid().ToString(), DisplayName = "mac", OperatingSystem = "macOS", OperatingSystemVersion = "14.5", TrustType = "Workplace" };
        tenant.AddDevice(device);
        var packed = new AzureCompliance.Core.Sync.PackedDevice(device.DeviceId, "Alex's Mac", null, DemoTenant.AlexWilberUserId, DevicePlatform.macOS, "14.5",
            DateTimeOffset.UtcNow, true, false, policy.Name, null) { LastUpdateMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        var messageId = await client.UploadMessageAsync(Guid.NewGuid(), AzureCompliance.Core.Sync.ComplianceMessages.BuildContentUtf8(connection.TenantId, new[] { packed }), default);
        UploadStatus? status = null;
        for (var i = 0; i < 200 && !(status?.IsCompleted == true || status?.IsFailed == true); i++)
        {
            await Task.Delay(50);
            status = await client.FindUploadStatusAsync(messageId, default);
        }
        Assert.True(status!.IsCompleted, status.ErrorDetail);
        Assert.True(tenant.FindDeviceByDeviceId(device.DeviceId)!.IsCompliant);
    }
}
