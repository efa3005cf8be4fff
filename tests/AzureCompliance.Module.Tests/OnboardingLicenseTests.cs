using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>Get/Add-ComplianceLicense: the Intune plan through standalone and bundle SKUs, per-user errors, usageLocation only when asked.</summary>
[Collection(TenantCollection.Name)]
public sealed class OnboardingLicenseTests : OnboardingScenario
{
    public OnboardingLicenseTests(TenantFixture tenant) : base(tenant) { }

    private static readonly Guid IntunePlan = Guid.Parse(DemoTenant.IntuneServicePlanId);

    /// <summary>Left without Intune by every scenario, so Get-ComplianceLicense can show an unlicensed user.</summary>
    private const string KeptUnlicensed = "nestor.wilke@contoso.onmicrosoft.com";

    private bool HasIntune(string userPrincipalName)
    {
        var user = Server.Tenant.Users.Single(u => string.Equals(u.UserPrincipalName, userPrincipalName, StringComparison.OrdinalIgnoreCase));
        return user.AssignedLicenses.Any(l => !l.DisabledPlans.Contains(IntunePlan) &&
            Server.Tenant.SubscribedSkus.Any(s => s.SkuId == l.SkuId && s.ServicePlans.Any(p => p.ServicePlanId == IntunePlan)));
    }

    /// <summary>Users of the demo tenant without Intune, with or without a usage location, not touched by other scenarios yet.</summary>
    private List<string> Unlicensed(bool withUsageLocation) =>
        Server.Tenant.Users
            .Where(u => u.AccountEnabled != false && !HasIntune(u.UserPrincipalName) && string.IsNullOrEmpty(u.UsageLocation) != withUsageLocation)
            .Where(u => !u.UserPrincipalName.StartsWith("breakglass", StringComparison.OrdinalIgnoreCase) && !u.UserPrincipalName.StartsWith("azc", StringComparison.OrdinalIgnoreCase))
            .Where(u => !string.Equals(u.UserPrincipalName, KeptUnlicensed, StringComparison.OrdinalIgnoreCase))
            .Select(u => u.UserPrincipalName).ToList();

    [Fact]
    public void Skus_are_the_intune_capable_ones_with_their_free_units()
    {
        var result = Run(Connect() + "Get-ComplianceLicense");
        result.AssertNoErrors();
        var skus = result.Output.ToDictionary(o => Text(o, "SkuPartNumber"));
        Assert.Equal(new[] { "EMSPREMIUM", "INTUNE_A", "SPE_E3" }, skus.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.True((bool)Prop(skus["INTUNE_A"], "IsStandaloneIntune")!);
        foreach (var sku in Server.Tenant.SubscribedSkus.Where(s => skus.ContainsKey(s.SkuPartNumber)))
        {
            Assert.Equal(Math.Max(0, sku.PrepaidUnits.Enabled - sku.ConsumedUnits), Convert.ToInt32(Prop(skus[sku.SkuPartNumber], "Available")));
        }
        var shown = Run("Get-ComplianceLicense | Out-Host");
        Assert.Contains("Available", shown.HostText);
    }

    [Fact]
    public void Users_show_whether_and_through_which_sku_they_have_intune()
    {
        var result = Run(Connect() + "Get-ComplianceLicense -User 'adele.vance@contoso.onmicrosoft.com', 'lidia.holloway@contoso.onmicrosoft.com', 'nestor.wilke@contoso.onmicrosoft.com', 'nobody@contoso.onmicrosoft.com'");
        var error = result.SingleError();
        Assert.StartsWith("UserNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        var users = result.Output.ToDictionary(o => Text(o, "UserPrincipalName").Split('@')[0]);
        Assert.True((bool)Prop(users["adele.vance"], "IsLicensed")!);
        Assert.Equal(new[] { "SPE_E3" }, Strings(users["adele.vance"], "LicensedThrough"));
        Assert.Equal(new[] { "EMSPREMIUM" }, Strings(users["lidia.holloway"], "LicensedThrough"));
        Assert.False((bool)Prop(users["nestor.wilke"], "IsLicensed")!);
    }

    [Fact]
    public void Group_members_are_read_transitively_and_users_come_from_the_pipeline()
    {
        var result = Run(Connect() + "Get-ComplianceLicense -Group 'All Sales'");
        result.AssertNoErrors();
        var expected = Server.Tenant.GetTransitiveMemberIds(Guid.Parse(GroupId(Server, DemoTenant.AllSalesGroup)))
            .Where(id => Server.Tenant.Users.Any(u => u.Id == id)).Select(id => id.ToString()).OrderBy(i => i);
        Assert.Equal(expected, result.Output.Select(o => Text(o, "UserId")).OrderBy(i => i));

        var piped = Run("Get-ComplianceLicense -Group 'Sales EMEA' | Get-ComplianceLicense");
        piped.AssertNoErrors();
        Assert.Equal(Server.Tenant.GetTransitiveMemberIds(Guid.Parse(GroupId(Server, SalesEmea))).Count(id => Server.Tenant.Users.Any(u => u.Id == id)), piped.Output.Count);
    }

    [Fact]
    public void Add_licenses_who_lacks_it_skips_who_has_it_and_reports_per_user_errors()
    {
        var lacking = Unlicensed(withUsageLocation: true).First();
        var noLocation = Unlicensed(withUsageLocation: false).First();
        const string licensed = "adele.vance@contoso.onmicrosoft.com";
        var result = Run(Connect() + "Add-ComplianceLicense -User $Lacking, $NoLocation, $Licensed, 'ghost@contoso.onmicrosoft.com'",
            new() { ["Lacking"] = lacking, ["NoLocation"] = noLocation, ["Licensed"] = licensed });

        Assert.Equal(2, result.AllErrors().Count());
        var location = ErrorWithId(result, "UsageLocationMissing");
        Assert.Equal(ErrorCategory.InvalidData, location.CategoryInfo.Category);
        Assert.Equal(noLocation, location.TargetObject?.ToString());
        AssertMentions(location, "-UsageLocation");
        ErrorWithId(result, "UserNotFound");

        var outcomes = result.Output.ToDictionary(o => Text(o, "UserPrincipalName"), StringComparer.OrdinalIgnoreCase);
        Assert.Equal("Assigned INTUNE_A", Text(outcomes[lacking], "Action"));
        Assert.StartsWith("Already licensed (SPE_E3", Text(outcomes[licensed], "Action"));
        Assert.True(HasIntune(lacking));
        Assert.False(HasIntune(noLocation));
        Assert.True(string.IsNullOrEmpty(Server.Tenant.Users.Single(u => u.UserPrincipalName == noLocation).UsageLocation));
    }

    [Fact]
    public void The_usage_location_is_set_only_when_asked_and_only_where_missing()
    {
        var noLocation = Unlicensed(withUsageLocation: false).First();
        var withLocation = Unlicensed(withUsageLocation: true).First();
        var before = Server.Tenant.Users.Single(u => u.UserPrincipalName == withLocation).UsageLocation;
        var result = Run(Connect() + "Add-ComplianceLicense -User $NoLocation, $WithLocation -UsageLocation 'ie'",
            new() { ["NoLocation"] = noLocation, ["WithLocation"] = withLocation });
        result.AssertNoErrors();
        Assert.Equal("IE", Server.Tenant.Users.Single(u => u.UserPrincipalName == noLocation).UsageLocation);
        Assert.Equal(before, Server.Tenant.Users.Single(u => u.UserPrincipalName == withLocation).UsageLocation);
        Assert.True(HasIntune(noLocation));
        Assert.Contains("usage location set to IE", Text(result.Output.Single(o => Text(o, "UserPrincipalName") == noLocation), "Action"));
    }

    [Fact]
    public void When_the_sku_runs_out_the_remaining_users_get_errors_and_the_rest_proceed()
    {
        var ems = Server.Tenant.SubscribedSkus.Single(s => s.SkuId == Guid.Parse(DemoTenant.EmsE5SkuId));
        var free = Math.Max(0, ems.PrepaidUnits.Enabled - ems.ConsumedUnits);
        var users = Unlicensed(withUsageLocation: true).Take(free + 1).ToList();
        Assert.True(users.Count == free + 1, "the demo tenant needs " + (free + 1) + " unlicensed users with a usage location");

        var result = Run(Connect() + "Add-ComplianceLicense -User $Users -SkuId $Ems", new() { ["Users"] = users.ToArray(), ["Ems"] = ems.SkuId });
        var error = result.SingleError();
        Assert.StartsWith("NoFreeLicense,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
        AssertMentions(error, "EMSPREMIUM");
        Assert.Equal(free, result.Output.Count);
        Assert.All(result.Output, o => Assert.Equal("Assigned EMSPREMIUM", Text(o, "Action")));
    }

    [Fact]
    public void WhatIf_sends_no_write()
    {
        var lacking = Unlicensed(withUsageLocation: true).First();
        var noLocation = Unlicensed(withUsageLocation: false).First();
        Run(Connect()).AssertNoErrors();
        var writes = Writes;
        var result = Run("Add-ComplianceLicense -User $Lacking -WhatIf; Add-ComplianceLicense -User $NoLocation -UsageLocation US -WhatIf; Add-ComplianceLicense -Group 'Field Staff' -WhatIf",
            new() { ["Lacking"] = lacking, ["NoLocation"] = noLocation });
        Assert.Equal(writes, Writes);
        Assert.StartsWith("GroupNameAmbiguous,", result.SingleError().FullyQualifiedErrorId);
        Assert.Contains("Assign the licence ", result.HostText);
        Assert.Contains("Set the usage location to US and assign the licence", result.HostText);
        Assert.Empty(result.Output);
        Assert.False(HasIntune(lacking));
    }

    [Fact]
    public void A_missing_permission_names_the_permission()
    {
        var result = Run(ConnectReader + "Get-ComplianceLicense -User 'adele.vance@contoso.onmicrosoft.com'");
        var error = result.SingleError();
        Assert.StartsWith("PermissionDenied,", error.FullyQualifiedErrorId);
        AssertMentions(error, "User.Read.All");
    }
}
