using AzureCompliance.Core.Configuration;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Core.Tests.Configuration;

/// <summary>The configuration model read from parsed nodes: defaults, and refusals that name the file and line.</summary>
public sealed class ConfigurationReaderTests
{
    private static ConfigurationScalar S(object? value, int line = 0) => new(value, line);

    private static ConfigurationList L(int line, params ConfigurationNode[] items) => new(items, line);

    private static ConfigurationTable T(int line, params (string Key, ConfigurationNode Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<string, ConfigurationNode>(e.Key, e.Value)), line);

    private static ComplianceException Refusal(ConfigurationNode root) =>
        Assert.Throws<ComplianceException>(() => ConfigurationReader.Read(root, "tenant.psd1"));

    [Fact]
    public void Left_out_rules_take_the_platform_defaults_and_an_access_policy_is_report_only()
    {
        var root = T(1,
            ("CompliancePolicies", L(2, T(3, ("Name", S("iOS baseline")), ("Platform", S("ios")), ("RequirePasscode", S(true))))),
            ("AccessPolicies", L(4, T(5, ("DisplayName", S("Require compliant")), ("Groups", S("Mobile Pilot"))))));
        var configuration = ConfigurationReader.Read(root, "tenant.psd1");

        var policy = Assert.Single(configuration.CompliancePolicies!);
        Assert.Equal(DevicePlatform.iOS, policy.Platform);
        Assert.True(policy.Enabled);
        Assert.Equal(new Version(12, 0), policy.MinimumOsVersion);
        Assert.True(policy.BlockJailbroken);
        Assert.True(policy.RequirePasscode);
        Assert.Null(policy.MaximumCheckInAge);
        var access = Assert.Single(configuration.AccessPolicies!);
        Assert.Equal(ComplianceAccessPolicyState.ReportOnly, access.State);
        Assert.Equal(new[] { DevicePlatform.Android, DevicePlatform.iOS }, access.Platforms);
        Assert.Equal(new[] { "Mobile Pilot" }, access.Groups);
        Assert.Null(configuration.Partner);
        Assert.Null(configuration.GroupScope);
    }

    [Fact]
    public void A_scope_group_may_be_a_name_an_id_or_both()
    {
        var id = Guid.NewGuid().ToString();
        var groupList = L(3, S("Mobile Pilot", 4), S(id, 5), T(6, ("DisplayName", S("All Sales")), ("Id", S(id))));
        var root = T(1, ("GroupScope", T(2, ("Groups", groupList))));
        var groups = ConfigurationReader.Read(root, "tenant.psd1").GroupScope!.Groups;
        Assert.Equal(("Mobile Pilot", (string?)null, 4), (groups[0].DisplayName, groups[0].Id, groups[0].Line));
        Assert.Equal(((string?)null, id, 5), (groups[1].DisplayName, groups[1].Id, groups[1].Line));
        Assert.Equal(("All Sales", id, 6), (groups[2].DisplayName, groups[2].Id, groups[2].Line));
    }

    [Fact]
    public void An_unknown_setting_is_refused_naming_its_line_and_the_known_ones()
    {
        var error = Refusal(T(1, ("Partner", T(2, ("DisplayName", S("MobileIron", 3)), ("Platform", S("iOS", 4))))));
        Assert.Equal("ConfigurationInvalid", error.ErrorId);
        Assert.StartsWith("tenant.psd1, line 4: 'Platform' is not a setting here", error.Message);
        Assert.Contains("DisplayName, Platforms", error.Message);
    }

    [Fact]
    public void An_unknown_platform_is_refused_naming_its_line()
    {
        var error = Refusal(T(1, ("Partner", T(2, ("DisplayName", S("MobileIron")), ("Platforms", L(3, S("Android", 3), S("Windows", 4)))))));
        Assert.StartsWith("tenant.psd1, line 4: 'Windows' is not a platform", error.Message);
    }

    [Fact]
    public void A_scope_of_all_users_and_groups_at_once_is_refused()
    {
        var error = Refusal(T(1, ("GroupScope", T(7, ("AllUsers", S(true)), ("Groups", L(8, S("Mobile Pilot", 9)))))));
        Assert.StartsWith("tenant.psd1, line 7:", error.Message);
    }

    [Fact]
    public void A_text_where_a_boolean_belongs_is_refused()
    {
        var error = Refusal(T(1, ("Licensing", T(2, ("AssignMissingLicenses", S("yes", 3))))));
        Assert.StartsWith("tenant.psd1, line 3: AssignMissingLicenses must be $true or $false", error.Message);
    }

    [Fact]
    public void Another_schema_version_is_refused()
    {
        var error = Refusal(T(1, ("SchemaVersion", S(2, 2))));
        Assert.Contains("SchemaVersion 2 is not supported", error.Message);
    }

    [Fact]
    public void An_unknown_application_is_refused_naming_the_policy_line()
    {
        var error = Refusal(T(1, ("AccessPolicies", L(2, T(3, ("DisplayName", S("P")), ("AllUsers", S(true)), ("Applications", L(4, S("Teams", 4))))))));
        Assert.StartsWith("tenant.psd1, line 4:", error.Message);
        Assert.Contains("'Teams'", error.Message);
    }

    [Fact]
    public void Two_enabled_policies_for_one_platform_are_refused_naming_both_lines()
    {
        var error = Refusal(T(1, ("CompliancePolicies", L(2,
            T(3, ("Name", S("iOS baseline")), ("Platform", S("iOS"))),
            T(4, ("Name", S("iOS strict")), ("Platform", S("iOS")))))));
        Assert.StartsWith("tenant.psd1, line 4: 'iOS strict' and 'iOS baseline' (line 3) are both enabled for iOS", error.Message);
    }
}
