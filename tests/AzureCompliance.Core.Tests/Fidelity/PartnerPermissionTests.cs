using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.Readiness;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Sync;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.Core.Tests.Fidelity;

/// <summary>The Intune API app roles the partner API needs, and delegated sign-in (issue 8, point 2).</summary>
public sealed class PartnerPermissionTests : IClassFixture<EmulatedTenant>
{
    private readonly EmulatedTenant _tenant;

    public PartnerPermissionTests(EmulatedTenant tenant) => _tenant = tenant;

    [Fact]
    public async Task Connect_reads_the_Intune_API_roles_and_names_the_missing_ones()
    {
        var full = await _tenant.ConnectAsync();
        Assert.Contains(PermissionCatalog.UpdateDeviceAttributes, full.Permissions);
        Assert.Contains(PermissionCatalog.ManagePartnerCompliancePolicy, full.Permissions);
        Assert.Empty(full.MissingPermissions);

        var recorder = new WarningRecorder();
        var reader = await _tenant.ConnectAsync(clientId: DemoTenant.ReaderClientId, secret: DemoTenant.ReaderSecret, context: recorder);
        Assert.Contains(PermissionCatalog.UpdateDeviceAttributes, reader.MissingPermissions);
        Assert.Contains(PermissionCatalog.ManagePartnerCompliancePolicy, reader.MissingPermissions);
        Assert.Contains(recorder.Warnings, w => w.Contains("Microsoft Intune API: update_device_attributes") && w.Contains("manage_partner_compliance_policy"));

        var check = ReadinessService.CheckPermissions(reader);
        Assert.Equal(ReadinessResult.Fail, check.Result);
        Assert.Contains("update_device_attributes", check.Detail);
    }

    [Fact]
    public async Task The_granted_permissions_are_read_across_every_page_of_app_role_assignments()
    {
        var onePage = (await _tenant.ConnectAsync()).Permissions.OrderBy(p => p, StringComparer.Ordinal).ToList();
        var pageSize = _tenant.Server.Settings.PageSize;
        var before = _tenant.Server.Journal.Count(IsAssignmentRead);
        try
        {
            _tenant.Server.Settings.PageSize = 2;
            var paged = await _tenant.ConnectAsync();
            Assert.Equal(onePage, paged.Permissions.OrderBy(p => p, StringComparer.Ordinal).ToList());
            Assert.True(onePage.Count > 4, "the demo app holds enough permissions to need several pages of 2");
            Assert.True(_tenant.Server.Journal.Count(IsAssignmentRead) - before > 2, "the next links were followed");
        }
        finally
        {
            _tenant.Server.Settings.PageSize = pageSize;
        }

        static bool IsAssignmentRead(JournalEntry e) => e.Method == "GET" && e.PathAndQuery.Contains("/appRoleAssignments", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_update_device_attributes_the_partner_API_refuses_and_the_error_names_it()
    {
        var appId = DemoTenant.AppClientId;
        _tenant.Server.Tenant.RevokeAppRoles(appId, PermissionCatalog.UpdateDeviceAttributes);
        try
        {
            var recorder = new WarningRecorder();
            var connection = await _tenant.ConnectAsync(context: recorder);
            Assert.Equal(new[] { PermissionCatalog.UpdateDeviceAttributes }, connection.MissingPermissions);
            Assert.Contains(recorder.Warnings, w => w.Contains("update_device_attributes"));

            var error = await Assert.ThrowsAsync<ComplianceServiceException>(() => PartnerApiClient.For(connection).SetTenantProvisioningAsync(true, null, null, default));
            Assert.Equal(403, error.StatusCode);
        }
        finally
        {
            _tenant.Server.Tenant.GrantAppRoles(appId, PermissionCatalog.UpdateDeviceAttributes);
        }
    }

    [Fact]
    public async Task A_device_code_connection_is_told_and_refused_before_any_partner_call()
    {
        var recorder = new WarningRecorder();
        var connection = await _tenant.ConnectAsync(context: recorder, authType: ComplianceAuthType.DeviceCode);
        Assert.Contains(recorder.Warnings, w => w.Contains("cannot reach the Intune partner API"));
        Assert.DoesNotContain(PermissionCatalog.UpdateDeviceAttributes, connection.MissingPermissions);

        var refused = await Assert.ThrowsAsync<ComplianceException>(() => PartnerApiClient.For(connection).GetEndpointsAsync(default));
        Assert.Equal("PartnerApiNeedsApplicationSignIn", refused.ErrorId);
        var sync = await Assert.ThrowsAsync<ComplianceException>(() => DeviceSyncRun.StartAsync(connection, new DeviceSyncOptions { StatePath = Path.GetTempFileName() }, SilentOperationContext.Instance, default));
        Assert.Equal("PartnerApiNeedsApplicationSignIn", sync.ErrorId);
    }
}
