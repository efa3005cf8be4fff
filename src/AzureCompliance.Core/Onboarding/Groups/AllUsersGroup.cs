using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Core.Onboarding.Groups
{
    /// <summary>
    /// What "All users" means for partner compliance policies. The partner API assigns a policy to group ids only
    /// (PROTOCOL.md 3.3) and Intune takes a device report only for a user in an assigned group, so an All-users scope
    /// needs a group that holds every user. Entra has none built in; the module uses the group named "All users" (the
    /// name Fleet's partner client looks for), which the admin creates once, typically as a dynamic security group with
    /// the rule (user.accountEnabled -eq true). See docs/service-notes.md.
    /// </summary>
    internal static class AllUsersGroup
    {
        public const string DisplayName = "All users";

        /// <summary>The tenant's "All users" group, or null when there is none (or the name is ambiguous).</summary>
        public static async Task<DirectoryGroup?> FindAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            var found = await GroupDirectory.FindByNameAsync(connection, DisplayName, cancellationToken).ConfigureAwait(false);
            return found.Count == 1 ? found.Single() : null;
        }

        /// <summary>The warning when the group is missing: what the admin gets, and the one step that completes it.</summary>
        public static string Missing(string policies) =>
            $"The partner compliance {policies}: NOT assigned for the All users scope, because the partner API assigns group ids only and the tenant has no " +
            $"single group named '{DisplayName}'. Until one is assigned, Intune refuses the device reports of every user (\"not in a group assigned to a partner compliance policy\"). " +
            $"Create a security group named '{DisplayName}' that holds every user (a dynamic group with the rule (user.accountEnabled -eq true) needs Entra ID P1), " +
            "then run Set-ComplianceGroup -AllUsers again (or Set-CompliancePolicy -Publish), or scope specific groups with Set-ComplianceGroup -Group.";
    }
}
