using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>New/Get/Set/Remove-ComplianceAccessPolicy: compliant device required, report-only by default, the lock-out refusal, pacing.</summary>
[Collection(TenantCollection.Name)]
public sealed class OnboardingAccessPolicyTests : OnboardingScenario
{
    public OnboardingAccessPolicyTests(TenantFixture tenant) : base(tenant) { }

    private string Name(string what) => "AzC test " + what + " " + Source;

    private const string ConditionalAccessPath = "/identity/conditionalAccess/policies";

    [Fact]
    public void A_new_policy_is_report_only_and_requires_a_compliant_device()
    {
        var name = Name("report-only");
        var mark = JournalMark;
        var result = Run(Connect() + "New-ComplianceAccessPolicy -DisplayName $Name -Group 'Mobile Pilot', 'Sales EMEA' -ExcludeGroup 'Break Glass'", new() { ["Name"] = name });
        result.AssertNoErrors();
        var policy = Assert.Single(result.Output);
        Assert.Equal("ReportOnly", Text(policy, "State"));
        Assert.True((bool)Prop(policy, "RequiresCompliantDevice")!);
        Assert.Equal(new[] { "Android", "iOS" }, Strings(policy, "Platforms"));
        Assert.Equal(new[] { "Office365" }, Strings(policy, "Applications"));
        Assert.Equal(new[] { MobilePilot, SalesEmea }, Strings(policy, "IncludeGroups"));
        Assert.Equal(new[] { DemoTenant.BreakGlassGroup }, Strings(policy, "ExcludeGroups"));
        Assert.False((bool)Prop(policy, "AllUsers")!);
        Assert.Contains(JournalSince(mark), e => e.Method == "POST" && e.PathAndQuery.Contains(ConditionalAccessPath, StringComparison.OrdinalIgnoreCase) && e.StatusCode == 201);

        var got = Run("Get-ComplianceAccessPolicy -DisplayName $Name | Out-Host; Get-ComplianceAccessPolicy -DisplayName 'AzC test report-only*'", new() { ["Name"] = name });
        got.AssertNoErrors();
        Assert.Contains(got.Output, p => Text(p, "DisplayName") == name);
        Assert.Contains("ReportOnly", got.HostText);

        var twice = Run("New-ComplianceAccessPolicy -DisplayName $Name -Group 'Mobile Pilot' -ExcludeGroup 'Break Glass'", new() { ["Name"] = name });
        Assert.StartsWith("AccessPolicyExists,", twice.SingleError().FullyQualifiedErrorId);

        Run("Remove-ComplianceAccessPolicy -DisplayName $Name -Confirm:$false", new() { ["Name"] = name }).AssertNoErrors();
    }

    [Fact]
    public void Enabled_for_all_users_with_nobody_excluded_is_refused_and_says_why()
    {
        var name = Name("lockout");
        Run(Connect()).AssertNoErrors();
        var writes = Writes;
        var mark = JournalMark;
        var result = Run("New-ComplianceAccessPolicy -DisplayName $Name -AllUsers -State Enabled", new() { ["Name"] = name });
        var error = result.SingleError();
        Assert.StartsWith("AccessPolicyLockoutRisk,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        AssertMentions(error, "lock every administrator out", "-ExcludeUser", "-ExcludeGroup", "-Force");
        Assert.Equal(writes, Writes);
        Assert.Empty(JournalSince(mark)); // refused before any request
        Assert.Empty(result.Output);

        var excluded = Run("New-ComplianceAccessPolicy -DisplayName $Name -AllUsers -State Enabled -ExcludeUser $BreakGlass",
            new() { ["Name"] = name, ["BreakGlass"] = DemoTenant.BreakGlassUser });
        excluded.AssertNoErrors();
        var policy = Assert.Single(excluded.Output);
        Assert.Equal("Enabled", Text(policy, "State"));
        Assert.Equal(new[] { DemoTenant.BreakGlassUser }, Strings(policy, "ExcludeUsers"));
        Assert.False((bool)Prop(policy, "LockoutRisk")!);

        // Removing the only exclusion of the enabled policy is the same risk: refused, nothing sent.
        writes = Writes;
        var cleared = Run("Get-ComplianceAccessPolicy -DisplayName $Name | Set-ComplianceAccessPolicy -ExcludeUser @()", new() { ["Name"] = name });
        Assert.StartsWith("AccessPolicyLockoutRisk,", cleared.SingleError().FullyQualifiedErrorId);
        Assert.Equal(writes, Writes);

        var forced = Run("Set-ComplianceAccessPolicy -DisplayName $Name -ExcludeUser @() -Force", new() { ["Name"] = name });
        forced.AssertNoErrors();
        Assert.Contains(forced.Warnings, w => w.Message.Contains("lock every administrator out"));
        Assert.True((bool)Prop(Assert.Single(forced.Output), "LockoutRisk")!);

        Run("Remove-ComplianceAccessPolicy -DisplayName $Name -Confirm:$false", new() { ["Name"] = name }).AssertNoErrors();
    }

    [Fact]
    public void Set_changes_state_and_scope_and_WhatIf_and_Remove_behave()
    {
        var name = Name("set");
        Run(Connect() + "New-ComplianceAccessPolicy -DisplayName $Name -Group 'Mobile Pilot' | Out-Null", new() { ["Name"] = name }).AssertNoErrors();

        var writes = Writes;
        var whatIf = Run("Get-ComplianceAccessPolicy -DisplayName $Name | Set-ComplianceAccessPolicy -State Enabled -WhatIf; Get-ComplianceAccessPolicy -DisplayName $Name | Remove-ComplianceAccessPolicy -WhatIf",
            new() { ["Name"] = name });
        whatIf.AssertNoErrors();
        Assert.Equal(writes, Writes);
        Assert.Contains("state ReportOnly -> Enabled", whatIf.HostText);
        Assert.Contains("Delete the Conditional Access policy", whatIf.HostText);

        var enabled = Run("Set-ComplianceAccessPolicy -DisplayName $Name -State Enabled -Group 'Mobile Pilot', 'Sales EMEA' -Platform iOS", new() { ["Name"] = name });
        enabled.AssertNoErrors();
        var policy = Assert.Single(enabled.Output);
        Assert.Equal("Enabled", Text(policy, "State"));
        Assert.Equal(new[] { MobilePilot, SalesEmea }, Strings(policy, "IncludeGroups"));
        Assert.Equal(new[] { "iOS" }, Strings(policy, "Platforms"));

        writes = Writes;
        var same = Run("Set-ComplianceAccessPolicy -DisplayName $Name -State Enabled", new() { ["Name"] = name });
        same.AssertNoErrors();
        Assert.Equal(writes, Writes);

        var removed = Run("Get-ComplianceAccessPolicy -DisplayName $Name | Remove-ComplianceAccessPolicy -Confirm:$false; Get-ComplianceAccessPolicy -DisplayName $Name", new() { ["Name"] = name });
        Assert.StartsWith("AccessPolicyNotFound,", removed.SingleError().FullyQualifiedErrorId);
        Assert.Empty(removed.Output);
    }

    [Fact]
    public void Conditional_access_requests_are_paced_at_one_per_second()
    {
        var name = Name("pacing");
        Run(Connect()).AssertNoErrors();
        var mark = JournalMark;
        var result = Run("New-ComplianceAccessPolicy -DisplayName $Name -Group 'Mobile Pilot' | Out-Null; Get-ComplianceAccessPolicy | Out-Null; " +
                         "Set-ComplianceAccessPolicy -DisplayName $Name -State Disabled | Out-Null; Remove-ComplianceAccessPolicy -DisplayName $Name -Confirm:$false",
            new() { ["Name"] = name });
        result.AssertNoErrors();
        var calls = JournalSince(mark).Where(e => e.PathAndQuery.Contains(ConditionalAccessPath, StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(calls.Count >= 6, "expected at least six Conditional Access requests, saw " + calls.Count);
        Assert.DoesNotContain(calls, c => c.StatusCode == 429);
        for (var i = 1; i < calls.Count; i++)
        {
            var gap = calls[i].Time - calls[i - 1].Time;
            Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"requests {i - 1} and {i} were {gap.TotalMilliseconds:0} ms apart");
        }
    }

    [Fact]
    public void Throttling_without_retry_after_is_backed_off_on_its_own()
    {
        var name = Name("throttled");
        Run(Connect()).AssertNoErrors();
        // Another app of the tenant spends the tenant's second: the emulator answers 429 without Retry-After.
        Server.Settings.ForceStatus("/v1.0" + ConditionalAccessPath, 429, count: 2);
        try
        {
            var result = Run("New-ComplianceAccessPolicy -DisplayName $Name -Group 'Mobile Pilot' -Verbose", new() { ["Name"] = name });
            result.AssertNoErrors();
            Assert.Single(result.Output);
            Assert.Contains(result.Verbose, v => v.Message.Contains("Conditional Access answered 429"));
        }
        finally
        {
            Server.Settings.Reset();
            Run("Get-ComplianceAccessPolicy -DisplayName $Name | Remove-ComplianceAccessPolicy -Confirm:$false", new() { ["Name"] = name });
        }
    }

    [Fact]
    public void A_missing_permission_names_the_permission()
    {
        var result = Run(ConnectReader + "Get-ComplianceAccessPolicy");
        var error = result.SingleError();
        Assert.StartsWith("PermissionDenied,", error.FullyQualifiedErrorId);
        AssertMentions(error, "Policy.Read.All");
    }
}
