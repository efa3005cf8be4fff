using System.Text.Json.Nodes;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.Partners;

namespace AzureCompliance.Core.Tests.Fidelity;

/// <summary>Adding a compliance partner where Graph refuses to create one (issue 8, point 1).</summary>
public sealed class AddPartnerTests : IClassFixture<EmulatedTenant>
{
    private readonly EmulatedTenant _tenant;

    public AddPartnerTests(EmulatedTenant tenant) => _tenant = tenant;

    /// <summary>What the admin center leaves behind when the admin adds a partner: a record with no platform onboarded.</summary>
    private void AddPartnerInAdminCenter(string name) => _tenant.Server.Tenant.SaveCompliancePartner(new JsonObject
    {
        ["id"] = Guid.NewGuid().ToString(),
        ["lastHeartbeatDateTime"] = "0001-01-01T00:00:00Z",
        ["partnerState"] = "unknown",
        ["displayName"] = name,
        ["macOsOnboarded"] = false,
        ["androidOnboarded"] = false,
        ["iosOnboarded"] = false,
        ["macOsEnrollmentAssignments"] = new JsonArray(),
        ["androidEnrollmentAssignments"] = new JsonArray(),
        ["iosEnrollmentAssignments"] = new JsonArray(),
    });

    [Fact]
    public async Task A_refused_creation_says_where_to_add_the_partner_and_a_rerun_then_finishes_the_job()
    {
        _tenant.Server.Settings.RefuseCompliancePartnerCreation = true;
        try
        {
            var connection = await _tenant.ConnectAsync("partner-add");
            var request = new AddPartnerRequest("Fidelity MDM", new[] { DevicePlatform.macOS }) { AllUsers = true };

            var refused = await Assert.ThrowsAsync<ComplianceException>(() => CompliancePartnerService.AddAsync(connection, request, SilentOperationContext.Instance, default));
            Assert.Equal("PartnerCreationRefused", refused.ErrorId);
            Assert.Contains("Tenant administration > Connectors and tokens > Partner compliance management > Add compliance partner", refused.RecommendedAction);
            Assert.Contains("run Add-CompliancePartner again", refused.RecommendedAction);
            Assert.DoesNotContain(_tenant.Server.Tenant.CompliancePartners, p => p["displayName"]?.ToString() == "Fidelity MDM");

            AddPartnerInAdminCenter("Fidelity MDM");
            var result = await CompliancePartnerService.AddAsync(connection, request, SilentOperationContext.Instance, default);
            Assert.Empty(result.Errors);
            var partner = Assert.Single(_tenant.Server.Tenant.CompliancePartners, p => p["displayName"]?.ToString() == "Fidelity MDM");
            Assert.True(partner["macOsOnboarded"]!.GetValue<bool>());
            Assert.NotEmpty(partner["macOsEnrollmentAssignments"]!.AsArray());
        }
        finally
        {
            _tenant.Server.Settings.RefuseCompliancePartnerCreation = false;
        }
    }

    [Fact]
    public async Task Where_creation_works_a_missing_partner_is_created_once_and_found_by_name_after()
    {
        var connection = await _tenant.ConnectAsync("partner-create");
        var request = new AddPartnerRequest("Created MDM", new[] { DevicePlatform.Android }) { AllUsers = true };
        await CompliancePartnerService.AddAsync(connection, request, SilentOperationContext.Instance, default);
        await CompliancePartnerService.AddAsync(connection, request, SilentOperationContext.Instance, default);
        Assert.Single(_tenant.Server.Tenant.CompliancePartners, p => p["displayName"]?.ToString() == "Created MDM");
    }
}
