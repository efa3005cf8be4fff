using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>Set/Get-ComplianceGroup: partner assignments, the recorded scope, partner policy assignment, safe names, the ten-group limit, completion.</summary>
[Collection(TenantCollection.Name)]
public sealed class OnboardingGroupTests : OnboardingScenario
{
    public OnboardingGroupTests(TenantFixture tenant) : base(tenant) { }

    private void OnboardPartner() =>
        Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS | Out-Null").AssertNoErrors();

    [Fact]
    public void Two_groups_become_the_partner_assignments_and_the_recorded_scope_with_transitive_counts()
    {
        ResetOnboarding();
        OnboardPartner();
        var result = Run("Set-ComplianceGroup -Group 'All Sales', 'Mobile Pilot' -StatePath $StatePath");
        result.AssertNoErrors();
        var scope = Assert.Single(result.Output);
        Assert.Equal("All Sales, Mobile Pilot", Text(scope, "Scope"));
        Assert.Equal(new[] { "Android", "iOS" }, Strings(scope, "Platforms"));
        Assert.Equal("MobileIron", Text(scope, "PartnerName"));
        Assert.True(File.Exists(StatePath));

        var assignments = Run("(Get-CompliancePartner).Assignments | ForEach-Object { $_.Platform.ToString() + ':' + $_.GroupName }");
        assignments.AssertNoErrors();
        Assert.Equal(new[] { "Android:All Sales", "Android:Mobile Pilot", "iOS:All Sales", "iOS:Mobile Pilot" },
            assignments.Output.Select(o => o.ToString()).OrderBy(s => s, StringComparer.Ordinal));

        var groups = Run("Get-ComplianceGroup -StatePath $StatePath");
        groups.AssertNoErrors();
        Assert.Equal(2, groups.Output.Count);
        var allSales = groups.Output.Single(g => Text(g, "DisplayName") == DemoTenant.AllSalesGroup);
        // All Sales nests Sales EMEA: its users count through transitive membership.
        var expectedUsers = Server.Tenant.GetTransitiveMemberIds(Guid.Parse(GroupId(Server, DemoTenant.AllSalesGroup)))
            .Count(id => Server.Tenant.Users.Any(u => u.Id == id));
        Assert.Equal(expectedUsers, Convert.ToInt32(Prop(allSales, "UserCount")));
        Assert.Equal(1, Convert.ToInt32(Prop(allSales, "NestedGroupCount")));
        Assert.True((bool)Prop(allSales, "Exists")!);
        Assert.Empty(groups.Progress.Where(p => p.RecordType != ProgressRecordType.Completed).Select(p => p.ActivityId).Except(
            groups.Progress.Where(p => p.RecordType == ProgressRecordType.Completed).Select(p => p.ActivityId)));

        var writes = Writes;
        var again = Run("Set-ComplianceGroup -Group 'Mobile Pilot', 'All Sales' -StatePath $StatePath");
        again.AssertNoErrors();
        Assert.Equal(writes, Writes);
        Assert.Empty((System.Collections.IEnumerable)Prop(Assert.Single(again.Output), "Changes")!);
    }

    [Fact]
    public void Groups_come_from_the_pipeline_by_name_id_and_object()
    {
        ResetOnboarding();
        OnboardPartner();
        var result = Run("$pilot = [pscustomobject]@{ Id = $PilotId; DisplayName = 'Mobile Pilot' }; 'Sales EMEA', $AllSalesId, $pilot | Set-ComplianceGroup -Platform iOS -StatePath $StatePath",
            new() { ["PilotId"] = GroupId(Server, MobilePilot), ["AllSalesId"] = GroupId(Server, DemoTenant.AllSalesGroup) });
        result.AssertNoErrors();
        var scope = Assert.Single(result.Output);
        Assert.Equal(new[] { DemoTenant.AllSalesGroup, MobilePilot, SalesEmea }, Strings(scope, "Groups").OrderBy(s => s, StringComparer.Ordinal));
        Assert.Equal(new[] { "iOS" }, Strings(scope, "Platforms"));

        var piped = Run("Get-ComplianceGroup -StatePath $StatePath | Set-ComplianceGroup -StatePath $StatePath");
        piped.AssertNoErrors();
        Assert.Equal(3, Strings(Assert.Single(piped.Output), "Groups").Length);
    }

    [Fact]
    public void The_eleventh_group_is_refused_and_nothing_changes()
    {
        ResetOnboarding();
        OnboardPartner();
        var names = new[] { "All Sales", "Sales EMEA", "Mobile Pilot", "IT Admins", "Break Glass", "O'Brien Team", "G7", "G8", "G9", "G10", "G11" };
        var writes = Writes;
        var mark = JournalMark;
        var result = Run("Set-ComplianceGroup -Group $Names -StatePath $StatePath", new() { ["Names"] = names });
        var error = result.SingleError();
        Assert.StartsWith("GroupLimitExceeded,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
        AssertMentions(error, "at most 10 groups", "G11", "Nothing was changed");
        Assert.Equal(writes, Writes);
        Assert.Empty(JournalSince(mark));
        Assert.False(File.Exists(StatePath));
        Assert.Empty(result.Output);
    }

    [Fact]
    public void A_quote_in_a_group_name_is_resolved_safely()
    {
        ResetOnboarding();
        OnboardPartner();
        var mark = JournalMark;
        var result = Run("Set-ComplianceGroup -Group \"O'Brien Team\" -StatePath $StatePath");
        result.AssertNoErrors();
        Assert.Equal(new[] { DemoTenant.OBrienTeamGroup }, Strings(Assert.Single(result.Output), "Groups"));
        var lookup = JournalSince(mark).First(e => e.PathAndQuery.Contains("/groups?", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("O%27%27Brien", lookup.PathAndQuery.Replace("''", "%27%27"), StringComparison.OrdinalIgnoreCase);

        // A name crafted to widen the filter finds nothing: it stays one literal.
        var injected = Run("Set-ComplianceGroup -Group \"x' or displayName eq 'IT Admins\" -StatePath $StatePath");
        Assert.StartsWith("GroupNotFound,", injected.SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void An_ambiguous_name_lists_both_groups_and_changes_nothing()
    {
        ResetOnboarding();
        OnboardPartner();
        var writes = Writes;
        var result = Run("Set-ComplianceGroup -Group 'Field Staff', 'Mobile Pilot' -StatePath $StatePath");
        var error = result.SingleError();
        Assert.StartsWith("GroupNameAmbiguous,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        foreach (var group in Server.Tenant.Groups.Where(g => g.DisplayName == DemoTenant.FieldStaffGroup))
        {
            AssertMentions(error, group.Id.ToString());
        }
        Assert.Equal(writes, Writes);
        Assert.False(File.Exists(StatePath));
        Assert.Empty(result.Output);
    }

    [Fact]
    public void An_unknown_name_lists_similar_names()
    {
        ResetOnboarding();
        OnboardPartner();
        var result = Run("Set-ComplianceGroup -Group 'Sales Europe' -StatePath $StatePath");
        var error = result.SingleError();
        Assert.StartsWith("GroupNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        AssertMentions(error, "'Sales Europe'", "'Sales EMEA'");
    }

    [Fact]
    public void WhatIf_sends_no_write_and_records_nothing()
    {
        ResetOnboarding();
        OnboardPartner();
        var writes = Writes;
        var result = Run("Set-ComplianceGroup -Group 'Sales EMEA' -StatePath $StatePath -WhatIf");
        result.AssertNoErrors();
        Assert.Equal(writes, Writes);
        Assert.False(File.Exists(StatePath));
        Assert.Empty(result.Output);
        Assert.Contains("Assign Android, iOS to Sales EMEA", result.HostText);
        Assert.Contains("Record the group scope", result.HostText);
    }

    [Fact]
    public void All_users_and_a_platform_the_partner_lacks()
    {
        ResetOnboarding();
        Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android | Out-Null").AssertNoErrors();
        var result = Run("Set-ComplianceGroup -AllUsers -Platform Android, macOS -StatePath $StatePath");
        var error = ErrorWithId(result, "PlatformNotOnboarded");
        Assert.Equal("macOS", error.TargetObject?.ToString());
        var scope = Assert.Single(result.Output);
        Assert.Equal("All users", Text(scope, "Scope"));
        Assert.Equal(new[] { "Android" }, Strings(scope, "Platforms"));
        var all = Run("Get-ComplianceGroup -StatePath $StatePath");
        all.AssertNoErrors();
        var everyone = Assert.Single(all.Output);
        Assert.True((bool)Prop(everyone, "AllUsers")!);
        Assert.Equal(Server.Tenant.Users.Count, Convert.ToInt32(Prop(everyone, "UserCount")));

        // The All users entry piped back means -AllUsers.
        var again = Run("Get-ComplianceGroup -StatePath $StatePath | Set-ComplianceGroup -Platform Android -StatePath $StatePath");
        again.AssertNoErrors();
        Assert.Equal("All users", Text(Assert.Single(again.Output), "Scope"));
    }

    [Fact]
    public void Partner_compliance_policies_are_assigned_to_the_groups()
    {
        ResetOnboarding();
        OnboardPartner();
        Run("Set-ComplianceGroup -Group 'Mobile Pilot' -StatePath $StatePath | Out-Null").AssertNoErrors();
        // A partner compliance policy (PROTOCOL.md 3.3) made by the policy cmdlets of the sync issue.
        Run("New-CompliancePolicy -Name 'AzC test iOS' -Platform iOS -StatePath $StatePath | Out-Null").AssertNoErrors();

        var mark = JournalMark;
        var result = Run("Set-ComplianceGroup -Group 'Mobile Pilot', 'Sales EMEA' -StatePath $StatePath");
        result.AssertNoErrors();
        Assert.Contains("AzC test iOS", Strings(Assert.Single(result.Output), "AssignedPolicies"));
        Assert.Contains(JournalSince(mark), e => e.Method == "POST" && e.PathAndQuery.Contains("/PartnerCompliancePolicies(guid'", StringComparison.OrdinalIgnoreCase)
            && e.PathAndQuery.Contains("/Assign", StringComparison.OrdinalIgnoreCase) && e.StatusCode < 300);

        var writes = Writes;
        Run("Set-ComplianceGroup -Group 'Mobile Pilot', 'Sales EMEA' -StatePath $StatePath | Out-Null").AssertNoErrors();
        Assert.Equal(writes, Writes);
    }

    [Fact]
    public void Group_names_and_platforms_complete()
    {
        Run(Connect()).AssertNoErrors();
        string[] Complete(string line)
        {
            var result = Run("(TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object { $_.CompletionText }",
                new() { ["Line"] = line });
            result.AssertNoErrors();
            return result.Output.Select(o => o.ToString()).ToArray();
        }
        Assert.Contains("'Sales EMEA'", Complete("Set-ComplianceGroup -Group Sal"));
        Assert.Contains("'O''Brien Team'", Complete("Set-ComplianceGroup -Group O"));
        Assert.Contains("'Mobile Pilot'", Complete("New-ComplianceAccessPolicy -DisplayName x -Group 'Mob"));
        Assert.Equal(new[] { "iOS" }, Complete("Add-CompliancePartner -DisplayName x -Platform i"));
        Assert.Equal(new[] { "Android", "iOS", "macOS" }, Complete("Test-ComplianceTenant -Platform "));
    }
}
