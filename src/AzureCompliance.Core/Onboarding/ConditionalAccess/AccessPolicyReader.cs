using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using AzureCompliance.Core.Onboarding.Groups;
using AzureCompliance.Core.Onboarding.Users;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Onboarding.ConditionalAccess
{
    /// <summary>
    /// Reads Conditional Access policies from Graph (/identity/conditionalAccess/policies), each call paced per tenant
    /// (<see cref="ConditionalAccessPacing"/>): the list, one policy by id or by display name, and the names of the users
    /// and groups they mention.
    /// </summary>
    internal static class AccessPolicyReader
    {
        private const string ReadPermission = PermissionCatalog.PolicyRead;

        /// <summary>Policies that require a compliant device, without name resolution (for checks and warnings).</summary>
        internal static async Task<IReadOnlyList<ComplianceAccessPolicy>> RequiringCompliantDeviceAsync(ComplianceConnection connection,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var raw = await ListRawAsync(connection, context, cancellationToken).ConfigureAwait(false);
            var empty = new Dictionary<string, string>();
            return raw.Where(AccessPolicyShape.RequiresCompliantDevice).Select(p => AccessPolicyShape.Map(p, empty)).ToList();
        }

        /// <summary>Enabled policies requiring a compliant device on any of the platforms (or on every platform).</summary>
        internal static async Task<IReadOnlyList<ComplianceAccessPolicy>> EnforcedForPlatformsAsync(ComplianceConnection connection,
            IReadOnlyList<DevicePlatform> platforms, IOperationContext context, CancellationToken cancellationToken)
        {
            var policies = await RequiringCompliantDeviceAsync(connection, context, cancellationToken).ConfigureAwait(false);
            return policies.Where(p => p.State == ComplianceAccessPolicyState.Enabled && AccessPolicyShape.AppliesTo(p, platforms)).ToList();
        }

        internal static async Task<ConditionalAccessPolicy> FindAsync(ComplianceConnection connection, string? id, string? displayName,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (!string.IsNullOrWhiteSpace(id))
            {
                return await GetRawAsync(connection, id!, context, cancellationToken).ConfigureAwait(false);
            }
            var all = await ListRawAsync(connection, context, cancellationToken).ConfigureAwait(false);
            var matches = all.Where(p => string.Equals(p.DisplayName, displayName, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 1)
            {
                return matches[0];
            }
            if (matches.Count > 1)
            {
                throw new ComplianceException("AccessPolicyNameAmbiguous", ComplianceErrorCategory.InvalidArgument,
                    $"{matches.Count} Conditional Access policies are named '{displayName}': {string.Join(", ", matches.Select(m => m.Id))}.", displayName,
                    "Pass the policy's -Id.");
            }
            var requiring = all.Where(AccessPolicyShape.RequiresCompliantDevice).Select(p => "'" + p.DisplayName + "'").ToList();
            throw new ComplianceException("AccessPolicyNotFound", ComplianceErrorCategory.ObjectNotFound,
                $"No Conditional Access policy is named '{displayName}'." +
                (requiring.Count == 0 ? " No policy requires a compliant device yet." : " Policies requiring a compliant device: " + string.Join(", ", requiring) + "."),
                displayName, "Check the name with Get-ComplianceAccessPolicy.");
        }

        internal static async Task<ConditionalAccessPolicy> GetRawAsync(ComplianceConnection connection, string id, IOperationContext context, CancellationToken cancellationToken)
        {
            try
            {
                var policy = await ConditionalAccessPacing.RunAsync(connection,
                    () => GraphErrors.CallAsync(() => connection.Session.Graph.Identity.ConditionalAccess.Policies[id].GetAsync(cancellationToken: cancellationToken),
                        "Reading the Conditional Access policy " + id, ReadPermission, connection.Permissions, id),
                    context, cancellationToken).ConfigureAwait(false);
                if (policy?.Id != null) return policy;
            }
            catch (ComplianceServiceException ex) when (ex.StatusCode == 404)
            {
            }
            throw new ComplianceException("AccessPolicyNotFound", ComplianceErrorCategory.ObjectNotFound,
                $"No Conditional Access policy has the id {id}.", id, "Check the id with Get-ComplianceAccessPolicy.");
        }

        internal static async Task<IReadOnlyList<ConditionalAccessPolicy>> ListRawAsync(ComplianceConnection connection, IOperationContext context, CancellationToken cancellationToken)
        {
            var collection = connection.Session.Graph.Identity.ConditionalAccess.Policies;
            const string operation = "Reading the Conditional Access policies";
            var policies = new List<ConditionalAccessPolicy>();
            await GraphPager.ForEachPageAsync(connection.Session,
                token => ConditionalAccessPacing.RunAsync(connection,
                    () => GraphErrors.CallAsync(() => collection.GetAsync(cancellationToken: token), operation, ReadPermission, connection.Permissions),
                    context, token),
                (next, token) => ConditionalAccessPacing.RunAsync(connection,
                    () => GraphErrors.CallAsync(() => collection.WithUrl(next).GetAsync(cancellationToken: token), operation, ReadPermission, connection.Permissions),
                    context, token),
                page => policies.AddRange((page.Value ?? new List<ConditionalAccessPolicy>()).Where(p => p.Id != null)),
                cancellationToken).ConfigureAwait(false);
            return policies;
        }

        internal static async Task<IReadOnlyList<ComplianceAccessPolicy>> MapAsync(ComplianceConnection connection, IReadOnlyList<ConditionalAccessPolicy> policies, CancellationToken cancellationToken)
        {
            var groupIds = policies.SelectMany(p => (p.Conditions?.Users?.IncludeGroups ?? new List<string>()).Concat(p.Conditions?.Users?.ExcludeGroups ?? new List<string>()));
            var userIds = policies.SelectMany(p => (p.Conditions?.Users?.IncludeUsers ?? new List<string>()).Concat(p.Conditions?.Users?.ExcludeUsers ?? new List<string>()));
            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in await GroupDirectory.NamesAsync(connection, groupIds, cancellationToken).ConfigureAwait(false)) names[pair.Key] = pair.Value;
            foreach (var pair in await UserDirectory.NamesAsync(connection, userIds, cancellationToken).ConfigureAwait(false)) names[pair.Key] = pair.Value;
            return policies.Select(p => AccessPolicyShape.Map(p, names)).ToList();
        }

        internal static async Task<ComplianceAccessPolicy> MapOneAsync(ComplianceConnection connection, ConditionalAccessPolicy policy, CancellationToken cancellationToken) =>
            (await MapAsync(connection, new[] { policy }, cancellationToken).ConfigureAwait(false))[0];

        internal static async Task<IReadOnlyDictionary<string, string>> ResolveGroupsAsync(ComplianceConnection connection, IReadOnlyList<DirectoryIdentity> identities, CancellationToken cancellationToken)
        {
            var resolved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var identity in identities)
            {
                var group = await GroupDirectory.ResolveAsync(connection, identity, cancellationToken).ConfigureAwait(false);
                resolved[group.Id] = group.DisplayName;
            }
            return resolved;
        }

        internal static async Task<IReadOnlyDictionary<string, string>> ResolveUsersAsync(ComplianceConnection connection, IReadOnlyList<DirectoryIdentity> identities, CancellationToken cancellationToken)
        {
            var resolved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var identity in identities)
            {
                var user = await UserDirectory.ResolveAsync(connection, identity, UserDirectory.IdentityFields, cancellationToken).ConfigureAwait(false);
                resolved[user.Id!] = user.UserPrincipalName ?? user.Id!;
            }
            return resolved;
        }
    }
}
