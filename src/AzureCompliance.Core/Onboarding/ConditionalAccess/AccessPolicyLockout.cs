using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Onboarding.ConditionalAccess
{
    /// <summary>
    /// The lock-out rule: a policy that is enforced (Enabled), requires a compliant device of all users and excludes
    /// nobody also requires it of every administrator, whose consoles are rarely MDM-managed phones: one mistake and
    /// nobody can sign in to undo it. Such a policy is refused unless the caller insists (-Force).
    /// </summary>
    public static class AccessPolicyLockout
    {
        public static bool IsRisky(ComplianceAccessPolicyState state, bool allUsers, int exclusions) =>
            state == ComplianceAccessPolicyState.Enabled && allUsers && exclusions == 0;

        internal static ComplianceException Refusal(string displayName, bool creating) => new ComplianceException(
            "AccessPolicyLockoutRisk", ComplianceErrorCategory.InvalidOperation,
            $"Refusing to {(creating ? "create" : "switch")} the Conditional Access policy '{displayName}' {(creating ? "as" : "to")} Enabled for all users with nobody excluded: " +
            "it would require a compliant device of every user, administrators and emergency (break-glass) accounts included, " +
            "and could lock every administrator out of the tenant.",
            displayName,
            "Exclude an emergency access account or group (-ExcludeUser / -ExcludeGroup), or keep the policy ReportOnly until its sign-in reports look right. " +
            "Use -Force only if you are sure.");
    }
}
