using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>Add/Get/Remove-CompliancePartner against the emulated tenant (Graph complianceManagementPartners, partner API 3.1/3.2, the instance registry).</summary>
[Collection(TenantCollection.Name)]
public sealed class OnboardingPartnerTests : OnboardingScenario
{
    public OnboardingPartnerTests(TenantFixture tenant) : base(tenant) { }

    [Fact]
    public void Add_onboards_provisions_registers_and_a_second_run_changes_nothing()
    {
        ResetOnboarding();
        var mark = JournalMark;
        var first = Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers");
        first.AssertNoErrors();
        var partner = Assert.Single(first.Output);
        Assert.Equal("AzureCompliance.Core.Onboarding.Partners.CompliancePartner", partner.BaseObject.GetType().FullName);
        Assert.Equal("MobileIron", Text(partner, "DisplayName"));
        Assert.Equal(new[] { "Android", "iOS" }, Strings(partner, "Platforms"));
        Assert.Contains("Android: All users", Text(partner, "AssignmentSummary"));
        Assert.Contains("iOS: All users", Text(partner, "AssignmentSummary"));

        var made = JournalSince(mark);
        Assert.Contains(made, e => e.Method == "POST" && e.PathAndQuery.Contains("/deviceManagement/complianceManagementPartners", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(made, e => e.Method == "PUT" && e.PathAndQuery.Contains("PartnerTenants(guid'" + DemoTenant.TenantId + "')", StringComparison.OrdinalIgnoreCase) && e.StatusCode < 300);
        Assert.Contains(made, e => e.PathAndQuery.Contains("/organization/" + DemoTenant.TenantId + "/extensions", StringComparison.OrdinalIgnoreCase) && e.IsWrite);

        var writes = Writes;
        var second = Run("Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers -Verbose");
        second.AssertNoErrors();
        Assert.Equal(writes, Writes);
        Assert.Equal(new[] { "Android", "iOS" }, Strings(Assert.Single(second.Output), "Platforms"));
        Assert.Contains(second.Verbose, v => v.Message.Contains("nothing to change"));

        var shown = Run("Get-CompliancePartner -DisplayName Mobile* | Out-Host; Get-CompliancePartner 'MobileIron'");
        shown.AssertNoErrors();
        Assert.Contains("Assignments", shown.HostText);
        Assert.Contains("Android: All users", shown.HostText);
        Assert.Equal("MobileIron", Text(Assert.Single(shown.Output), "DisplayName"));

        var readiness = Run("Test-ComplianceTenant -StatePath $StatePath | Where-Object Name -eq 'Partner tenant provisioned'");
        readiness.AssertNoErrors();
        Assert.Equal("Pass", Text(Assert.Single(readiness.Output), "Result"));
    }

    [Fact]
    public void A_platform_held_by_another_partner_fails_alone_and_names_the_holder()
    {
        ResetOnboarding();
        Run(Connect() + "Add-CompliancePartner -DisplayName 'IBM MaaS360' -Platform iOS -AllUsers | Out-Null").AssertNoErrors();

        var result = Run("Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers");
        var error = ErrorWithId(result, "PlatformHeldByOtherPartner");
        Assert.Single(result.AllErrors());
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal("iOS", error.TargetObject?.ToString());
        AssertMentions(error, "IBM MaaS360", "Remove-CompliancePartner");
        var partner = Assert.Single(result.Output);
        Assert.Equal(new[] { "Android" }, Strings(partner, "Platforms"));

        var both = Run("Get-CompliancePartner | ForEach-Object { $_.DisplayName + '=' + ($_.Platforms -join '+') }");
        both.AssertNoErrors();
        Assert.Equal(new[] { "IBM MaaS360=iOS", "MobileIron=Android" }, both.Output.Select(o => o.ToString()).OrderBy(s => s));
    }

    [Fact]
    public void WhatIf_sends_no_write()
    {
        ResetOnboarding();
        Run(Connect()).AssertNoErrors();
        var writes = Writes;
        var result = Run("Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -Group $Pilot -WhatIf",
            new() { ["Pilot"] = MobilePilot });
        result.AssertNoErrors();
        Assert.Equal(writes, Writes);
        Assert.Empty(result.Output);
        Assert.Contains("Create the compliance partner and onboard Android (assigned to Mobile Pilot), iOS (assigned to Mobile Pilot)", result.HostText);
        Assert.Contains("Provision the partner tenant", result.HostText);
        Assert.Contains("Register the MDM instance", result.HostText);
        Assert.Empty(Run("Get-CompliancePartner").Output);
    }

    [Fact]
    public void Group_assignments_show_group_names()
    {
        ResetOnboarding();
        var result = Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android -Group $Groups | Out-Null; (Get-CompliancePartner).Assignments",
            new() { ["Groups"] = new object[] { SalesEmea, GroupId(Server, MobilePilot) } });
        result.AssertNoErrors();
        Assert.Equal(new[] { MobilePilot, SalesEmea }, result.Output.Select(a => Text(a, "GroupName")).OrderBy(n => n));
        Assert.All(result.Output, a => Assert.Equal("Android", Text(a, "Platform")));
        Assert.Contains(result.Output, a => Text(a, "GroupId") == GroupId(Server, SalesEmea));
    }

    [Fact]
    public void Remove_offboards_one_platform_then_the_partner_and_WhatIf_changes_nothing()
    {
        ResetOnboarding();
        Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null").AssertNoErrors();

        var writes = Writes;
        var whatIf = Run("Remove-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -WhatIf");
        whatIf.AssertNoErrors();
        Assert.Equal(writes, Writes);
        Assert.Contains("Offboard iOS", whatIf.HostText);

        var offboarded = Run("Remove-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -Confirm:$false -PassThru");
        offboarded.AssertNoErrors();
        Assert.Equal(new[] { "Android" }, Strings(Assert.Single(offboarded.Output), "Platforms"));

        var removed = Run("Get-CompliancePartner | Remove-CompliancePartner -Confirm:$false; Get-CompliancePartner");
        removed.AssertNoErrors();
        Assert.Empty(removed.Output);
    }

    [Fact]
    public void A_missing_permission_names_the_permission()
    {
        var result = Run(ConnectReader + "Get-CompliancePartner");
        var error = result.SingleError();
        Assert.StartsWith("PermissionDenied,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        AssertMentions(error, "DeviceManagementServiceConfig.ReadWrite.All");

        var add = Run("Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android -AllUsers").SingleError();
        Assert.StartsWith("PermissionDenied,", add.FullyQualifiedErrorId);
        AssertMentions(add, "DeviceManagementServiceConfig.ReadWrite.All");
    }
}
