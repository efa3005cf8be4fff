using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.Module.Tests;

/// <summary>Test-ComplianceTenant: one result per check, remedies, no writes, counts from paged membership.</summary>
[Collection(TenantCollection.Name)]
public sealed class OnboardingReadinessTests : OnboardingScenario
{
    public OnboardingReadinessTests(TenantFixture tenant) : base(tenant) { }

    private static readonly string[] CheckNames =
    {
        "Permissions", "Partner onboarded: Android", "Partner onboarded: iOS", "Partner state", "Partner tenant provisioned",
        "Group scope", "Users licensed", "Conditional Access", "Partner compliance policy",
    };

    private Dictionary<string, (string Result, string Detail, string Remedy)> Checks(ScriptResult result)
    {
        result.AssertNoErrors();
        return result.Output.ToDictionary(o => Text(o, "Name"), o => (Text(o, "Result"), Text(o, "Detail"), Text(o, "Remedy")));
    }

    [Fact]
    public void An_empty_tenant_fails_each_onboarding_check_with_the_cmdlet_to_run()
    {
        ResetOnboarding();
        var writes = Writes;
        var result = Run(Connect() + "Test-ComplianceTenant -StatePath $StatePath");
        var checks = Checks(result);
        Assert.Equal(CheckNames, result.Output.Select(o => Text(o, "Name")));
        Assert.Equal(writes, Writes);
        Assert.Equal("Pass", checks["Permissions"].Result);
        Assert.Equal("", checks["Permissions"].Remedy);
        Assert.Equal("Fail", checks["Partner onboarded: Android"].Result);
        Assert.Contains("Add-CompliancePartner", checks["Partner onboarded: Android"].Remedy);
        Assert.Equal("Fail", checks["Partner tenant provisioned"].Result);
        Assert.Equal("Fail", checks["Group scope"].Result);
        Assert.Contains("Set-ComplianceGroup", checks["Group scope"].Remedy);
        Assert.Equal("Warning", checks["Users licensed"].Result);
        Assert.Contains("New-CompliancePolicy", checks["Partner compliance policy"].Remedy);
        Assert.All(result.Progress.GroupBy(p => p.ActivityId), g => Assert.Equal(System.Management.Automation.ProgressRecordType.Completed, g.Last().RecordType));
    }

    [Fact]
    public void An_onboarded_tenant_passes_and_report_only_is_a_warning()
    {
        ResetOnboarding();
        var policy = "AzC test readiness " + Source;
        Run(Connect() +
            "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS | Out-Null; " +
            "Set-ComplianceGroup -Group 'IT Admins' -StatePath $StatePath | Out-Null; " +
            "New-ComplianceAccessPolicy -DisplayName $Policy -Group 'IT Admins' -ExcludeGroup 'Break Glass' | Out-Null",
            new() { ["Policy"] = policy }).AssertNoErrors();
        try
        {
            var checks = Checks(Run("Test-ComplianceTenant -StatePath $StatePath"));
            Assert.Equal("Pass", checks["Partner onboarded: Android"].Result);
            Assert.Equal("Pass", checks["Partner onboarded: iOS"].Result);
            Assert.Equal("Pass", checks["Partner tenant provisioned"].Result);
            Assert.Contains(Source, checks["Partner tenant provisioned"].Detail);
            Assert.Equal("Pass", checks["Group scope"].Result);
            Assert.Contains("IT Admins", checks["Group scope"].Detail);
            Assert.Equal("Warning", checks["Conditional Access"].Result);
            Assert.Contains("Report-only", checks["Conditional Access"].Detail);
            Assert.Contains("-State Enabled", checks["Conditional Access"].Remedy);

            var users = Server.Tenant.GetTransitiveMemberIds(Guid.Parse(GroupId(Server, DemoTenant.ItAdminsGroup))).Count(id => Server.Tenant.Users.Any(u => u.Id == id));
            Assert.Contains(users.ToString(), checks["Users licensed"].Detail);
        }
        finally
        {
            Run("Remove-ComplianceAccessPolicy -DisplayName $Policy -Confirm:$false", new() { ["Policy"] = policy });
        }
    }

    [Fact]
    public void Licence_counts_come_from_paged_membership_not_one_request_per_user()
    {
        ResetOnboarding();
        // A group of 1,250 users: with 100 members per page that is 13 pages, against 1,250 requests one user at a time.
        var groupId = Guid.NewGuid();
        var members = new List<Guid>();
        for (var i = 0; i < 1250; i++)
        {
            var user = new DirectoryUser
            {
                Id = Guid.NewGuid(),
                UserPrincipalName = $"azc.bulk{i:0000}.{groupId:N}@contoso.onmicrosoft.com",
                DisplayName = "Bulk user " + i,
                UsageLocation = "US",
                AccountEnabled = true,
            };
            Server.Tenant.AddUser(user);
            members.Add(user.Id);
        }
        var groupName = "AzC bulk " + groupId.ToString("N").Substring(0, 8);
        Server.Tenant.AddGroup(new DirectoryGroup { Id = groupId, DisplayName = groupName, SecurityEnabled = true, MemberIds = members });
        Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS | Out-Null; Set-ComplianceGroup -Group $Group -StatePath $StatePath | Out-Null",
            new() { ["Group"] = groupName }).AssertNoErrors();

        var mark = JournalMark;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var checks = Checks(Run("Test-ComplianceTenant -StatePath $StatePath"));
        watch.Stop();
        Assert.Equal("Fail", checks["Users licensed"].Result);
        Assert.Contains("1250 of 1250", checks["Users licensed"].Detail);
        Assert.Contains("azc.bulk", checks["Users licensed"].Detail);
        var requests = JournalSince(mark);
        Assert.DoesNotContain(requests, e => e.PathAndQuery.Contains("/users/azc.bulk", StringComparison.OrdinalIgnoreCase) ||
                                             members.Take(50).Any(m => e.PathAndQuery.Contains("/users/" + m, StringComparison.OrdinalIgnoreCase)));
        Assert.True(requests.Count < 60, "Test-ComplianceTenant sent " + requests.Count + " requests for 1,250 users in scope");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "took " + watch.Elapsed);
    }

    [Fact]
    public void Missing_permissions_fail_their_checks_without_ending_the_run()
    {
        var result = Run(ConnectReader + "Test-ComplianceTenant -StatePath $StatePath");
        var checks = Checks(result);
        Assert.Equal(CheckNames, result.Output.Select(o => Text(o, "Name")));
        Assert.Equal("Fail", checks["Permissions"].Result);
        Assert.Contains("DeviceManagementServiceConfig.ReadWrite.All", checks["Permissions"].Detail);
        Assert.Contains("Connect-ComplianceTenant", checks["Permissions"].Remedy);
        Assert.Equal("Fail", checks["Partner onboarded: iOS"].Result);
        Assert.Contains("DeviceManagementServiceConfig.ReadWrite.All", checks["Partner onboarded: iOS"].Detail);
        Assert.Equal("Fail", checks["Conditional Access"].Result);
        Assert.Contains("Policy.Read.All", checks["Conditional Access"].Detail);
    }
}
