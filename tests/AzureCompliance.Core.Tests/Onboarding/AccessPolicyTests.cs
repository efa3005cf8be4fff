using System.Text;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.ConditionalAccess;
using Microsoft.Graph.Models;
using Microsoft.Kiota.Serialization.Json;

namespace AzureCompliance.Core.Tests.Onboarding;

public sealed class AccessPolicyTests
{
    [Theory]
    [InlineData(ComplianceAccessPolicyState.Enabled, true, 0, true)]
    [InlineData(ComplianceAccessPolicyState.Enabled, true, 1, false)]
    [InlineData(ComplianceAccessPolicyState.Enabled, false, 0, false)]
    [InlineData(ComplianceAccessPolicyState.ReportOnly, true, 0, false)]
    [InlineData(ComplianceAccessPolicyState.Disabled, true, 0, false)]
    public void Only_enforced_for_all_users_with_nobody_excluded_is_a_lockout_risk(ComplianceAccessPolicyState state, bool allUsers, int exclusions, bool risky) =>
        Assert.Equal(risky, AccessPolicyLockout.IsRisky(state, allUsers, exclusions));

    [Fact]
    public void The_refusal_says_why_and_what_to_do()
    {
        var refusal = AccessPolicyLockout.Refusal("Require compliant devices", creating: true);
        Assert.Equal("AccessPolicyLockoutRisk", refusal.ErrorId);
        Assert.Equal(ComplianceErrorCategory.InvalidOperation, refusal.Category);
        Assert.Contains("lock every administrator out", refusal.Message);
        Assert.Contains("-ExcludeUser", refusal.RecommendedAction);
        Assert.Contains("-Force", refusal.RecommendedAction);
    }

    [Fact]
    public void Applications_are_office365_all_or_ids()
    {
        Assert.Equal(new[] { "Office365" }, AccessPolicyShape.ValidateApplications(null));
        Assert.Equal(new[] { "Office365", "All", "00000002-0000-0ff1-ce00-000000000000" },
            AccessPolicyShape.ValidateApplications(new[] { "office365", "ALL", "00000002-0000-0FF1-CE00-000000000000", "Office365" }));
        Assert.Equal("InvalidApplication", Assert.Throws<ComplianceException>(() => AccessPolicyShape.ValidateApplications(new[] { "Outlook" })).ErrorId);
    }

    [Fact]
    public void States_map_report_only_to_enabledForReportingButNotEnforced()
    {
        Assert.Equal(ConditionalAccessPolicyState.EnabledForReportingButNotEnforced, AccessPolicyShape.ToGraph(ComplianceAccessPolicyState.ReportOnly));
        Assert.Equal(ComplianceAccessPolicyState.ReportOnly, AccessPolicyShape.FromGraph(ConditionalAccessPolicyState.EnabledForReportingButNotEnforced));
        Assert.Equal(ComplianceAccessPolicyState.Enabled, AccessPolicyShape.FromGraph(ConditionalAccessPolicyState.Enabled));
        Assert.Equal(ComplianceAccessPolicyState.Disabled, AccessPolicyShape.FromGraph(ConditionalAccessPolicyState.Disabled));
    }

    [Fact]
    public void A_graph_policy_maps_with_names_and_its_lockout_risk()
    {
        var policy = new ConditionalAccessPolicy
        {
            Id = "p1",
            DisplayName = "Require compliant",
            State = ConditionalAccessPolicyState.Enabled,
            Conditions = new ConditionalAccessConditionSet
            {
                Users = new ConditionalAccessUsers { IncludeUsers = new List<string> { "All" }, ExcludeGroups = new List<string> { "g1" } },
                Platforms = new ConditionalAccessPlatforms { IncludePlatforms = new List<ConditionalAccessDevicePlatform?> { ConditionalAccessDevicePlatform.Android, ConditionalAccessDevicePlatform.IOS } },
                Applications = new ConditionalAccessApplications { IncludeApplications = new List<string> { "Office365" } },
            },
            GrantControls = new ConditionalAccessGrantControls { BuiltInControls = new List<ConditionalAccessGrantControl?> { ConditionalAccessGrantControl.CompliantDevice } },
        };
        var mapped = AccessPolicyShape.Map(policy, new Dictionary<string, string> { ["g1"] = "Break Glass" });
        Assert.True(mapped.RequiresCompliantDevice);
        Assert.True(mapped.AllUsers);
        Assert.Equal(new[] { "Android", "iOS" }, mapped.Platforms);
        Assert.Equal(new[] { "Break Glass" }, mapped.ExcludeGroups);
        Assert.False(mapped.LockoutRisk);
        Assert.Equal("All users except Break Glass", mapped.Scope);

        policy.Conditions.Users.ExcludeGroups = new List<string>();
        Assert.True(AccessPolicyShape.Map(policy, new Dictionary<string, string>()).LockoutRisk);
    }

    [Fact]
    public void The_created_policy_body_requires_a_compliant_device_with_graph_names()
    {
        var body = new ConditionalAccessPolicy
        {
            DisplayName = "x",
            State = AccessPolicyShape.ToGraph(ComplianceAccessPolicyState.ReportOnly),
            Conditions = new ConditionalAccessConditionSet
            {
                ClientAppTypes = new List<ConditionalAccessClientApp?> { ConditionalAccessClientApp.All },
                Platforms = new ConditionalAccessPlatforms { IncludePlatforms = new List<ConditionalAccessDevicePlatform?> { ConditionalAccessDevicePlatform.Android, ConditionalAccessDevicePlatform.IOS } },
            },
            GrantControls = new ConditionalAccessGrantControls { Operator = "OR", BuiltInControls = new List<ConditionalAccessGrantControl?> { ConditionalAccessGrantControl.CompliantDevice } },
        };
        var json = Serialize(body);
        Assert.Contains("\"state\":\"enabledForReportingButNotEnforced\"", json);
        Assert.Contains("\"includePlatforms\":[\"android\",\"iOS\"]", json);
        Assert.Contains("\"builtInControls\":[\"compliantDevice\"]", json);
        Assert.Contains("\"clientAppTypes\":[\"all\"]", json);
    }

    internal static string Serialize(Microsoft.Kiota.Abstractions.Serialization.IParsable value)
    {
        using var writer = new JsonSerializationWriter();
        writer.WriteObjectValue(null, value);
        using var stream = writer.GetSerializedContent();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
