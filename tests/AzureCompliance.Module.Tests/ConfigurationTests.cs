using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>
/// Set-ComplianceConfiguration against the in-process emulator, where its request journal counts every write: -WhatIf
/// sends none, a second run sends none, a refused file sends none. (tests/Acceptance/Configuration.Tests.ps1 covers the
/// rest in a real pwsh.)
/// </summary>
[Collection(TenantCollection.Name)]
public sealed class ConfigurationTests : OnboardingScenario
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "azc-configuration-" + Guid.NewGuid().ToString("N") + ".psd1");

    public ConfigurationTests(TenantFixture tenant) : base(tenant) { }

    public override void Dispose()
    {
        File.Delete(_file);
        base.Dispose();
    }

    private const string Configuration = """
        @{
            SchemaVersion = 1
            Partner = @{ DisplayName = 'MobileIron'; Platforms = @('Android', 'iOS') }
            GroupScope = @{ AllUsers = $false; Groups = @( @{ DisplayName = 'Mobile Pilot' }, 'All Sales' ) }
            Licensing = @{ AssignMissingLicenses = $false }
            CompliancePolicies = @(
                @{ Name = 'iOS baseline'; Platform = 'iOS'; MinimumOsVersion = '16.0' }
            )
            AccessPolicies = @(
                @{ DisplayName = 'AzC test configuration'; State = 'ReportOnly'; Groups = @('Mobile Pilot'); ExcludeGroups = @('Break Glass') }
            )
        }
        """;

    private ScriptResult Apply(string extra = "") =>
        Run(Connect() + "Set-ComplianceConfiguration -Path $File -StatePath $StatePath -PassThru " + extra, new() { ["File"] = _file });

    [Fact]
    public void WhatIf_lists_every_difference_and_sends_no_write()
    {
        ResetOnboarding();
        File.WriteAllText(_file, Configuration);
        var writes = Writes;
        var result = Run(Connect() + "Set-ComplianceConfiguration -Path $File -StatePath $StatePath -WhatIf; (Compare-ComplianceConfiguration -Path $File -StatePath $StatePath).Count",
            new() { ["File"] = _file });
        result.AssertNoErrors();
        Assert.Equal(writes, Writes);
        Assert.False(File.Exists(StatePath), "-WhatIf must not create the state file");
        // Partner + registration, scope, policy, access policy: each is still a difference afterwards.
        Assert.Equal(5, Convert.ToInt32(result.Output.Last().BaseObject));
    }

    [Fact]
    public void A_second_run_sends_no_write_and_finds_no_difference()
    {
        ResetOnboarding();
        File.WriteAllText(_file, Configuration);
        var first = Apply();
        first.AssertNoErrors();
        Assert.Equal(5, first.Output.Count);
        Assert.Contains(JournalSince(0), e => e.Method == "POST" && e.PathAndQuery.Contains("/conditionalAccess/policies", StringComparison.OrdinalIgnoreCase));

        var writes = Writes;
        var second = Apply();
        second.AssertNoErrors();
        Assert.Empty(second.Output);
        Assert.Equal(writes, Writes);
    }

    [Fact]
    public void An_eleventh_group_is_refused_naming_its_line_before_any_request_that_writes()
    {
        ResetOnboarding();
        var groups = string.Join("\n", new[] { "All Sales", "Sales EMEA", "Mobile Pilot", "IT Admins", "Break Glass", "O''Brien Team", "G7", "G8", "G9", "G10", "G11" }
            .Select(g => "        '" + g + "'"));
        File.WriteAllText(_file, "@{\n    Partner = @{ DisplayName = 'MobileIron'; Platforms = @('Android') }\n    GroupScope = @{\n        Groups = @(\n" + groups + "\n        )\n    }\n}\n");
        var writes = Writes;
        var result = Apply();
        var error = ErrorWithId(result, "ConfigurationGroupLimitExceeded");
        AssertMentions(error, Path.GetFileName(_file) + ", line 15", "G11");
        Assert.Equal(writes, Writes);
    }

    [Fact]
    public void A_platform_held_by_another_partner_is_refused_naming_its_line_and_nothing_is_written()
    {
        ResetOnboarding();
        Run(Connect() + "Add-CompliancePartner -DisplayName 'IBM MaaS360' -Platform iOS -AllUsers | Out-Null").AssertNoErrors();
        File.WriteAllText(_file, Configuration);
        var writes = Writes;
        var result = Apply();
        var error = ErrorWithId(result, "ConfigurationPlatformHeldByOtherPartner");
        AssertMentions(error, Path.GetFileName(_file) + ", line 3", "IBM MaaS360");
        Assert.Equal(writes, Writes);
    }
}
