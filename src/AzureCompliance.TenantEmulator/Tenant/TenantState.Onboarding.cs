using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Partner;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>A tenant set up in one step as an administrator would onboard an MDM (for tests and the benchmark).</summary>
public sealed partial class TenantState
{
    /// <summary>
    /// What Intune requires before it takes a partner's device reports (the emulator enforces it): the partner tenant
    /// provisioned for <paramref name="appClientId"/>; the users licensed for Intune in a group that a partner compliance
    /// policy of each platform is assigned to; a compliance partner named <paramref name="partnerName"/> onboarded for each
    /// platform. Returns those users' object ids (the fleet's owners).
    /// </summary>
    public IReadOnlyList<Guid> OnboardPartnerForLicensedUsers(string appClientId, string partnerName)
    {
        SetPartnerTenantState(appClientId, PartnerProvisioning.Provisioned);
        var plan = new Guid(DemoTenant.IntuneServicePlanId);
        var owners = Users.Where(u => u.AccountEnabled != false && u.AssignedLicenses.Any(l =>
                FindSubscribedSku(l.SkuId)?.ServicePlans.Any(p => p.ServicePlanId == plan && !l.DisabledPlans.Contains(plan)) == true))
            .Select(u => u.Id).ToList();
        var group = new DirectoryGroup { Id = Guid.NewGuid(), DisplayName = partnerName + " fleet owners", SecurityEnabled = true, MemberIds = owners.ToArray() };
        AddGroup(group);
        foreach (var (_, _, platform) in CompliancePartnerPlatforms)
        {
            var (policy, _) = AddPartnerCompliancePolicy(appClientId, platform + " fleet", null, platform);
            AssignPartnerCompliancePolicy(policy.Id, [.. policy.Assignments, group.Id]);
        }
        var partner = new JsonObject { ["id"] = Guid.NewGuid().ToString(), ["displayName"] = partnerName };
        foreach (var (flag, _, _) in CompliancePartnerPlatforms) partner[flag] = true;
        SaveCompliancePartner(partner);
        return owners;
    }
}
