using System;
using AzureCompliance.Core.Onboarding.Groups;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Policy
{
    /// <summary>What publishing a policy to Intune did: the partner policy and the groups it was (not) assigned to.</summary>
    public sealed class PolicyPublication
    {
        internal PolicyPublication(string intunePolicyId, IReadOnlyList<string> assignedGroupIds, string scope, string? notAssignedReason)
        {
            IntunePolicyId = intunePolicyId;
            AssignedGroupIds = assignedGroupIds;
            Scope = scope;
            NotAssignedReason = notAssignedReason;
        }

        public string IntunePolicyId { get; }
        public IReadOnlyList<string> AssignedGroupIds { get; }
        /// <summary>The recorded group scope in words ("All users", group names, or "none recorded").</summary>
        public string Scope { get; }
        /// <summary>Why the partner policy was not assigned (no scope recorded, or All users); null when it was assigned.</summary>
        public string? NotAssignedReason { get; }
    }

    /// <summary>
    /// The Intune side of compliance policies (PROTOCOL.md 3.3): creates (or finds, on 409) the partner compliance policy
    /// for the platform and assigns it to the groups of the recorded group scope.
    /// </summary>
    public static class CompliancePolicyService
    {
        /// <summary>
        /// Creates a policy: checks it against the store, publishes it to Intune, then stores it with its Intune id.
        /// Nothing is written anywhere when the local checks fail.
        /// </summary>
        public static async Task<CompliancePolicy> CreateAsync(ComplianceConnection connection, StateStore store, CompliancePolicy policy,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var source = connection.SourceName;
            CompliancePolicyStore.CheckCanAdd(store, source, policy);
            var publication = await PublishAsync(connection, store, policy, context, cancellationToken).ConfigureAwait(false);
            var toStore = policy.Clone();
            toStore.IntunePolicyId = publication.IntunePolicyId;
            return CompliancePolicyStore.Add(store, source, toStore, DateTimeOffset.UtcNow);
        }

        /// <summary>
        /// Makes sure Intune has the partner compliance policy for the policy's platform and assigns it to the recorded
        /// group scope. With no scope recorded, or the scope All users, nothing is assigned and a warning says so:
        /// the partner API assigns to group ids only; All users is assigned in the Intune admin center.
        /// </summary>
        public static async Task<PolicyPublication> PublishAsync(ComplianceConnection connection, StateStore store, CompliancePolicy policy,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (policy.Platform == DevicePlatform.Unknown)
            {
                throw PolicyErrors.InvalidPlatform(policy.Name, policy.Platform.ToString());
            }
            var source = connection.SourceName;
            var client = PartnerApiClient.For(connection);
            var platform = DevicePlatforms.ToPartnerName(policy.Platform);
            context.WriteVerbose($"Creating (or finding) the Intune partner compliance policy '{policy.Name}' for {platform}.");
            var created = await client.EnsureCompliancePolicyAsync(policy.Name,
                $"Partner-managed compliance of {platform} devices reported by the MDM instance '{source}' (AzureCompliance).",
                platform, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(created.Id))
            {
                throw new ComplianceException("PartnerPolicyWithoutId", ComplianceErrorCategory.InvalidData,
                    $"Intune answered without an id for the partner compliance policy '{policy.Name}' ({platform}).", policy.Name,
                    "Try again; if it persists, check the partner compliance policies in the Intune admin center.");
            }
            Partner.PartnerPolicyIds.Parse(created.Id); // never stored nor put into a URL unless it is a GUID
            context.WriteVerbose($"The Intune partner compliance policy for {platform} has the id {created.Id}.");

            var scope = GroupScope.Load(store, source);
            if (scope == null)
            {
                var reason = $"No group scope is recorded for source '{source}'.";
                context.WriteWarning($"The Intune partner compliance policy for {platform} ({created.Id}) was created but NOT assigned to any group: {reason} " +
                    "Record the scope with Set-ComplianceGroup (it assigns the partner compliance policies too), or run Set-CompliancePolicy -Name '" + policy.Name + "' -Publish after recording it; " +
                    "until it is assigned, Intune does not evaluate these devices with the partner's verdict.");
                return new PolicyPublication(created.Id, Array.Empty<string>(), "none recorded", reason);
            }
            List<string> groupIds;
            if (scope.AllUsers)
            {
                // All users, for the partner API, is the tenant's "All users" group (AllUsersGroup).
                var everyone = await AllUsersGroup.FindAsync(connection, cancellationToken).ConfigureAwait(false);
                if (everyone == null)
                {
                    context.WriteWarning(AllUsersGroup.Missing($"policy for {platform} ({created.Id})"));
                    return new PolicyPublication(created.Id, Array.Empty<string>(), scope.ToString(), $"The tenant has no group named '{AllUsersGroup.DisplayName}'.");
                }
                groupIds = new List<string> { everyone.Id };
            }
            else if (scope.Groups.Count == 0)
            {
                var reason = "The recorded group scope has no groups.";
                context.WriteWarning($"The Intune partner compliance policy for {platform} ({created.Id}) was created but NOT assigned: {reason} " +
                    "Record groups with Set-ComplianceGroup and run Set-CompliancePolicy -Name '" + policy.Name + "' -Publish.");
                return new PolicyPublication(created.Id, Array.Empty<string>(), scope.ToString(), reason);
            }
            else
            {
                groupIds = scope.Groups.Select(g => g.Id).ToList();
            }
            await client.AssignCompliancePolicyAsync(created.Id, groupIds, cancellationToken).ConfigureAwait(false);
            context.WriteVerbose($"Assigned the Intune partner compliance policy {created.Id} to {groupIds.Count} group(s): {scope}.");
            return new PolicyPublication(created.Id, groupIds, scope.ToString(), null);
        }

        /// <summary>Publishes a stored policy again (after a group scope change, or when its creation was interrupted) and records its Intune id.</summary>
        public static async Task<CompliancePolicy> RepublishAsync(ComplianceConnection connection, StateStore store, string name,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var source = connection.SourceName;
            var policy = CompliancePolicyStore.Get(store, source, name);
            var publication = await PublishAsync(connection, store, policy, context, cancellationToken).ConfigureAwait(false);
            if (policy.IntunePolicyId == publication.IntunePolicyId)
            {
                return policy;
            }
            policy.IntunePolicyId = publication.IntunePolicyId;
            return CompliancePolicyStore.Update(store, source, policy.Name, policy, DateTimeOffset.UtcNow);
        }
    }
}
