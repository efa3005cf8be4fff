using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Tenant;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

public sealed class TenantStateTests
{
    private static readonly TenantState Demo = TenantState.Load();

    [Fact]
    public void Demo_tenant_has_the_documented_shape()
    {
        Assert.Equal(Guid.Parse(DemoTenant.TenantId), Demo.TenantId);
        Assert.Equal(DemoTenant.Domain, Demo.DefaultDomain);
        Assert.True(Demo.IsTenant(DemoTenant.CustomDomain));
        Assert.True(Demo.IsTenant("CONTOSO.ONMICROSOFT.COM"));
        Assert.False(Demo.IsTenant("fabrikam.com"));
        Assert.InRange(Demo.Users.Count, 25, 40);
        Assert.InRange(Demo.Devices.Count, 15, 25);
        Assert.Contains(Demo.Users, u => u.UsageLocation is null);
        Assert.Equal(DemoTenant.DeviceCodeUser, Demo.DeviceCodeUser.UserPrincipalName);
        Assert.Equal(2, Demo.Groups.Count(g => g.DisplayName == DemoTenant.FieldStaffGroup));
        Assert.Single(Demo.Groups, g => g.DisplayName == DemoTenant.OBrienTeamGroup);
        var breakGlass = Demo.Groups.Single(g => g.DisplayName == DemoTenant.BreakGlassGroup);
        Assert.Equal(Demo.FindUser(DemoTenant.BreakGlassUser)!.Id, Assert.Single(breakGlass.MemberIds));
        Assert.All(Demo.Devices, d => Assert.NotEmpty(d.RegisteredOwnerIds));
    }

    [Fact]
    public void Nested_groups_resolve_transitively()
    {
        var allSales = Demo.Groups.Single(g => g.DisplayName == DemoTenant.AllSalesGroup);
        var emea = Demo.Groups.Single(g => g.DisplayName == DemoTenant.SalesEmeaGroup);

        var members = Demo.GetTransitiveMemberIds(allSales.Id);

        Assert.Contains(emea.Id, members);
        Assert.All(emea.MemberIds, m => Assert.Contains(m, members));
    }

    [Fact]
    public void Licences_come_direct_through_bundles_or_not_at_all()
    {
        var intunePlan = Guid.Parse(DemoTenant.IntuneServicePlanId);
        var skus = Demo.SubscribedSkus;
        var carriesIntune = skus.Where(s => s.ServicePlans.Any(p => p.ServicePlanId == intunePlan)).Select(s => s.SkuId).ToHashSet();
        var intune = skus.Single(s => s.SkuPartNumber == "INTUNE_A");

        Assert.Equal(Guid.Parse(DemoTenant.IntuneSkuId), intune.SkuId);
        Assert.True(intune.PrepaidUnits.Enabled > intune.ConsumedUnits);
        Assert.Contains(skus, s => s.SkuPartNumber == "EXCHANGESTANDARD" && !carriesIntune.Contains(s.SkuId));
        Assert.Contains(Demo.Users, u => u.AssignedLicenses.Any(l => l.SkuId == intune.SkuId));
        Assert.Contains(Demo.Users, u => u.AssignedLicenses.Any(l => carriesIntune.Contains(l.SkuId) && l.SkuId != intune.SkuId));
        Assert.Contains(Demo.Users, u => u.AssignedLicenses.Count == 0);
    }

    [Fact]
    public async Task A_fixture_file_replaces_the_demo_tenant()
    {
        using var stream = typeof(EmulatorServer).Assembly.GetManifestResourceStream("AzureCompliance.TenantEmulator.DemoTenant.json")!;
        var fixture = JsonNode.Parse(stream)!.AsObject();
        fixture["organization"]!["displayName"] = "Fabrikam";
        var path = Path.Combine(Path.GetTempPath(), $"fixture-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, fixture.ToJsonString());
        try
        {
            await using var server = await EmulatorServer.StartAsync(new EmulatorOptions { FixturePath = path });
            Assert.Equal("Fabrikam", server.Tenant.DisplayName);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
