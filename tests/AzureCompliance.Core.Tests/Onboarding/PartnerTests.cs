using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.Partners;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Tests.Onboarding;

public sealed class PartnerTests
{
    private static PartnerSnapshot Partner(string name, params DevicePlatform[] onboarded) =>
        PartnerSnapshot.FromGraph(new ComplianceManagementPartner
        {
            Id = Guid.NewGuid().ToString(),
            DisplayName = name,
            AndroidOnboarded = onboarded.Contains(DevicePlatform.Android),
            IosOnboarded = onboarded.Contains(DevicePlatform.iOS),
            MacOsOnboarded = onboarded.Contains(DevicePlatform.macOS),
            PartnerState = DeviceManagementPartnerTenantState.Enabled,
            LastHeartbeatDateTime = DateTimeOffset.MinValue,
            IosEnrollmentAssignments = new List<ComplianceManagementPartnerAssignment>
            {
                new() { Target = new GroupAssignmentTarget { GroupId = "g1" } },
                new() { Target = new GroupAssignmentTarget { GroupId = "G1" } },
                new() { Target = new AllLicensedUsersAssignmentTarget() },
            },
        });

    [Fact]
    public void A_graph_partner_reads_platform_by_platform()
    {
        var partner = Partner("MobileIron", DevicePlatform.iOS, DevicePlatform.macOS);
        Assert.Equal(new[] { DevicePlatform.iOS, DevicePlatform.macOS }, partner.Platforms);
        Assert.Null(partner.LastHeartbeat);
        Assert.Equal(2, partner.TargetsOf(DevicePlatform.iOS).Count); // g1 once (ids compare case-insensitively), all users once
        Assert.Empty(partner.TargetsOf(DevicePlatform.Android));
        var shown = partner.ToPublic(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["g1"] = "Sales EMEA" });
        Assert.Equal(CompliancePartnerState.Enabled, shown.State);
        Assert.Contains("iOS: Sales EMEA, All users", shown.AssignmentSummary);
        Assert.Contains("macOS: (nobody assigned)", shown.AssignmentSummary);
    }

    [Fact]
    public void Assignment_sets_compare_regardless_of_order()
    {
        var a = new[] { AssignmentTarget.ForGroup("a"), AssignmentTarget.ForGroup("b") };
        var b = new[] { AssignmentTarget.ForGroup("B"), AssignmentTarget.ForGroup("A") };
        Assert.True(AssignmentTarget.SameSet(a, b));
        Assert.False(AssignmentTarget.SameSet(a, new[] { AssignmentTarget.Everyone }));
        Assert.Equal(AssignmentTarget.Everyone, AssignmentTarget.FromGraph(AssignmentTarget.Everyone.ToGraph()));
        Assert.Equal(AssignmentTarget.ForGroup("x"), AssignmentTarget.FromGraph(AssignmentTarget.ForGroup("x").ToGraph()));
    }

    [Fact]
    public void A_patch_carries_only_the_platforms_that_change()
    {
        var body = new ComplianceManagementPartner();
        PartnerSnapshot.SetPlatform(body, DevicePlatform.iOS, true, new[] { AssignmentTarget.ForGroup("g1") });
        var json = AccessPolicyTests.Serialize(body);
        Assert.Contains("\"iosOnboarded\":true", json);
        Assert.Contains("\"iosEnrollmentAssignments\":[{", json);
        Assert.Contains("\"@odata.type\":\"#microsoft.graph.groupAssignmentTarget\"", json);
        Assert.Contains("\"groupId\":\"g1\"", json);
        Assert.DoesNotContain("android", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("macOs", json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_partner_is_the_named_one_or_the_only_onboarded_one()
    {
        var mobileIron = Partner("MobileIron", DevicePlatform.iOS);
        var idle = Partner("Idle");
        Assert.Same(mobileIron, CompliancePartnerService.Select(new[] { idle, mobileIron }, null));
        Assert.Same(idle, CompliancePartnerService.Select(new[] { idle, mobileIron }, "idle"));
        Assert.Same(idle, CompliancePartnerService.Select(new[] { idle }, null));

        var missing = Assert.Throws<ComplianceException>(() => CompliancePartnerService.Select(new[] { mobileIron }, "MaaS360"));
        Assert.Equal("PartnerNotFound", missing.ErrorId);
        Assert.Contains("'MobileIron' (iOS)", missing.Message);
        Assert.Equal("PartnerNotFound", Assert.Throws<ComplianceException>(() => CompliancePartnerService.Select(Array.Empty<PartnerSnapshot>(), null)).ErrorId);

        var ambiguous = Assert.Throws<ComplianceException>(() =>
            CompliancePartnerService.Select(new[] { mobileIron, Partner("MaaS360", DevicePlatform.Android) }, null));
        Assert.Equal("PartnerAmbiguous", ambiguous.ErrorId);
        Assert.Contains("-PartnerName", ambiguous.RecommendedAction);
    }
}
