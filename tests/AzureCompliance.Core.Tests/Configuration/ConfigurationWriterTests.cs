using AzureCompliance.Core.Configuration;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Core.Tests.Configuration;

/// <summary>The .psd1 text: fixed order, sorted lists, quotes doubled, \n line ends, so that an unchanged setup exports identically.</summary>
public sealed class ConfigurationWriterTests
{
    private static ComplianceConfiguration Sample(bool reversed)
    {
        var groups = new List<ScopeGroupConfiguration> { new("Mobile Pilot", "9f5c4c11-30b0-56aa-a46a-f811f0ce184a", 0), new("O'Brien Team", "c07ede16-152e-52af-8e5f-340cc0fb1f8c", 0) };
        var policies = new List<PolicyConfiguration>
        {
            new() { Name = "iOS baseline", Platform = DevicePlatform.iOS, MinimumOsVersion = new Version(16, 0), MaximumCheckInAge = TimeSpan.FromDays(7) },
            new() { Name = "Android baseline", Platform = DevicePlatform.Android, Enabled = false },
        };
        if (reversed)
        {
            groups.Reverse();
            policies.Reverse();
        }
        return new ComplianceConfiguration
        {
            Partner = new PartnerConfiguration { DisplayName = "MobileIron", Platforms = { DevicePlatform.Android, DevicePlatform.iOS } },
            GroupScope = new ScopeConfiguration { Groups = groups },
            Licensing = new LicensingConfiguration(),
            CompliancePolicies = policies,
            AccessPolicies = new List<AccessPolicyConfiguration>
            {
                new() { DisplayName = "Require compliant", State = ComplianceAccessPolicyState.Enabled, Groups = { "Mobile Pilot" }, ExcludeGroups = { "Break Glass" } },
            },
        };
    }

    [Fact]
    public void The_same_setup_in_another_order_gives_the_same_text()
    {
        Assert.Equal(ConfigurationWriter.Write(Sample(false), "header"), ConfigurationWriter.Write(Sample(true), "header"));
    }

    [Fact]
    public void Writes_quoted_literals_in_a_fixed_layout()
    {
        var text = ConfigurationWriter.Write(Sample(false), "AzureCompliance configuration\nsecond line");
        Assert.DoesNotContain("\r", text);
        Assert.StartsWith("# AzureCompliance configuration\n# second line\n@{\n    SchemaVersion = 1\n", text);
        Assert.Contains("            @{ DisplayName = 'O''Brien Team'; Id = 'c07ede16-152e-52af-8e5f-340cc0fb1f8c' }\n", text);
        Assert.True(text.IndexOf("'Android baseline'", StringComparison.Ordinal) < text.IndexOf("'iOS baseline'", StringComparison.Ordinal), "policies by platform, then name");
        Assert.Contains("            MaximumCheckInAgeHours = 168\n", text);
        Assert.Contains("            MinimumClientVersion = $null\n", text);
        Assert.Contains("            State = 'Enabled'\n", text);
        Assert.Contains("            ExcludeGroups = @('Break Glass')\n", text);
        Assert.EndsWith("}\n", text);
    }

    [Fact]
    public void A_quote_of_any_kind_is_doubled()
    {
        Assert.Equal("'it''s \u2019\u2019quoted\u2018\u2018'", ConfigurationWriter.Quote("it's \u2019quoted\u2018"));
    }
}
