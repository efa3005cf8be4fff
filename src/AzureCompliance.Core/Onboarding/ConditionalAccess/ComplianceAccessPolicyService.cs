using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Onboarding.ConditionalAccess
{
    /// <summary>
    /// Conditional Access policies that require a compliant device (Graph /identity/conditionalAccess/policies). Every
    /// call is paced per tenant (<see cref="ConditionalAccessPacing"/>). Enforcing a policy for all users with nobody
    /// excluded is refused unless forced (<see cref="AccessPolicyLockout"/>).
    /// </summary>
    public static class ComplianceAccessPolicyService
    {
        private const string WritePermission = PermissionCatalog.ConditionalAccessReadWrite;

        public static async Task<IReadOnlyList<ComplianceAccessPolicy>> GetAsync(ComplianceConnection connection, bool includeAll,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var raw = await AccessPolicyReader.ListRawAsync(connection, context, cancellationToken).ConfigureAwait(false);
            var selected = raw.Where(p => includeAll || AccessPolicyShape.RequiresCompliantDevice(p)).ToList();
            context.WriteVerbose($"The tenant has {raw.Count} Conditional Access policies; {raw.Count(AccessPolicyShape.RequiresCompliantDevice)} require a compliant device.");
            return await AccessPolicyReader.MapAsync(connection, selected, cancellationToken).ConfigureAwait(false);
        }

        public static async Task<ComplianceAccessPolicy?> NewAsync(ComplianceConnection connection, AccessPolicyDefinition definition, bool force,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(definition.DisplayName))
            {
                throw new ComplianceException("AccessPolicyNameMissing", ComplianceErrorCategory.InvalidArgument, "A policy needs a display name.", null);
            }
            var platforms = OnboardingPlatforms.Normalize(definition.Platforms);
            var applications = AccessPolicyShape.ValidateApplications(definition.Applications);
            if (definition.AllUsers == (definition.Groups.Count > 0))
            {
                throw new ComplianceException("AccessPolicyScopeMissing", ComplianceErrorCategory.InvalidArgument,
                    "Say whom the policy applies to: -AllUsers, or -Group with one or more groups (not both).", definition.DisplayName);
            }
            // The lock-out rule is checked before anything is sent.
            var exclusions = definition.ExcludeUsers.Count + definition.ExcludeGroups.Count;
            if (AccessPolicyLockout.IsRisky(definition.State, definition.AllUsers, exclusions))
            {
                if (!force)
                {
                    throw AccessPolicyLockout.Refusal(definition.DisplayName, creating: true);
                }
                context.WriteWarning($"Creating '{definition.DisplayName}' enforced for all users with nobody excluded (-Force): it can lock every administrator out of the tenant.");
            }

            var includeGroups = await AccessPolicyReader.ResolveGroupsAsync(connection, definition.Groups, cancellationToken).ConfigureAwait(false);
            var excludeGroups = await AccessPolicyReader.ResolveGroupsAsync(connection, definition.ExcludeGroups, cancellationToken).ConfigureAwait(false);
            var excludeUsers = await AccessPolicyReader.ResolveUsersAsync(connection, definition.ExcludeUsers, cancellationToken).ConfigureAwait(false);

            var existing = await AccessPolicyReader.ListRawAsync(connection, context, cancellationToken).ConfigureAwait(false);
            var same = existing.FirstOrDefault(p => string.Equals(p.DisplayName, definition.DisplayName, StringComparison.OrdinalIgnoreCase));
            if (same != null)
            {
                throw new ComplianceException("AccessPolicyExists", ComplianceErrorCategory.ResourceExists,
                    $"A Conditional Access policy named '{definition.DisplayName}' already exists ({same.Id}, {AccessPolicyShape.FromGraph(same.State)}).", definition.DisplayName,
                    "Change it with Set-ComplianceAccessPolicy, or choose another -DisplayName.");
            }

            var body = new ConditionalAccessPolicy
            {
                DisplayName = definition.DisplayName,
                State = AccessPolicyShape.ToGraph(definition.State),
                Conditions = new ConditionalAccessConditionSet
                {
                    ClientAppTypes = new List<ConditionalAccessClientApp?> { ConditionalAccessClientApp.All },
                    Applications = new ConditionalAccessApplications { IncludeApplications = applications.ToList() },
                    Users = new ConditionalAccessUsers
                    {
                        IncludeUsers = definition.AllUsers ? new List<string> { AccessPolicyShape.AllUsersValue } : new List<string>(),
                        IncludeGroups = includeGroups.Keys.ToList(),
                        ExcludeUsers = excludeUsers.Keys.ToList(),
                        ExcludeGroups = excludeGroups.Keys.ToList(),
                    },
                    Platforms = new ConditionalAccessPlatforms { IncludePlatforms = platforms.Select(AccessPolicyShape.ToGraph).ToList() },
                },
                GrantControls = new ConditionalAccessGrantControls
                {
                    Operator = "OR",
                    BuiltInControls = new List<ConditionalAccessGrantControl?> { ConditionalAccessGrantControl.CompliantDevice },
                },
            };

            var description = $"Create a Conditional Access policy ({definition.State}) requiring a compliant device on {string.Join(", ", platforms)} " +
                $"for {string.Join(", ", applications)}, applying to " +
                (definition.AllUsers ? "all users" : string.Join(", ", includeGroups.Values)) +
                (exclusions == 0 ? "" : ", excluding " + string.Join(", ", excludeUsers.Values.Concat(excludeGroups.Values)));
            if (!context.ShouldProcess(definition.DisplayName, description))
            {
                return null;
            }
            var created = await ConditionalAccessPacing.RunAsync(connection,
                () => GraphErrors.CallAsync(() => connection.Session.Graph.Identity.ConditionalAccess.Policies.PostAsync(body, cancellationToken: cancellationToken),
                    $"Creating the Conditional Access policy '{definition.DisplayName}'", WritePermission, connection.Permissions, definition.DisplayName),
                context, cancellationToken).ConfigureAwait(false);
            if (created == null)
            {
                throw new ComplianceException("AccessPolicyWithoutAnswer", ComplianceErrorCategory.InvalidData,
                    $"Graph created '{definition.DisplayName}' but answered without the policy.", definition.DisplayName);
            }
            var names = includeGroups.Concat(excludeGroups).Concat(excludeUsers).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
            return AccessPolicyShape.Map(created, names);
        }

        public static async Task<ComplianceAccessPolicy?> SetAsync(ComplianceConnection connection, string? id, string? displayName,
            AccessPolicyChange change, bool force, IOperationContext context, CancellationToken cancellationToken)
        {
            var policy = await AccessPolicyReader.FindAsync(connection, id, displayName, context, cancellationToken).ConfigureAwait(false);
            var name = policy.DisplayName ?? policy.Id!;
            var users = policy.Conditions?.Users ?? new ConditionalAccessUsers();
            var currentState = AccessPolicyShape.FromGraph(policy.State);
            var newState = change.State ?? currentState;

            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var includeUsers = (users.IncludeUsers ?? new List<string>()).ToList();
            var includeGroups = (users.IncludeGroups ?? new List<string>()).ToList();
            var excludeUsers = (users.ExcludeUsers ?? new List<string>()).ToList();
            var excludeGroups = (users.ExcludeGroups ?? new List<string>()).ToList();
            var excludeRoles = users.ExcludeRoles ?? new List<string>();
            var platforms = policy.Conditions?.Platforms?.IncludePlatforms?.ToList();
            var applications = policy.Conditions?.Applications?.IncludeApplications?.ToList() ?? new List<string>();
            var changes = new List<string>();
            var conditionsChanged = false;

            if (change.AllUsers && change.Groups != null && change.Groups.Count > 0)
            {
                throw new ComplianceException("ScopeConflict", ComplianceErrorCategory.InvalidArgument,
                    "Apply the policy to all users or to groups, not both.", name);
            }
            if (change.AllUsers && !includeUsers.Contains(AccessPolicyShape.AllUsersValue, StringComparer.OrdinalIgnoreCase))
            {
                includeUsers = new List<string> { AccessPolicyShape.AllUsersValue };
                includeGroups = new List<string>();
                changes.Add("apply to all users");
                conditionsChanged = true;
            }
            if (change.Groups != null && change.Groups.Count > 0)
            {
                var resolved = await AccessPolicyReader.ResolveGroupsAsync(connection, change.Groups, cancellationToken).ConfigureAwait(false);
                foreach (var pair in resolved) names[pair.Key] = pair.Value;
                var wanted = resolved.Keys.ToList();
                var withoutAll = includeUsers.Where(u => !string.Equals(u, AccessPolicyShape.AllUsersValue, StringComparison.OrdinalIgnoreCase)).ToList();
                if (!AccessPolicyShape.SameSet(wanted, includeGroups) || withoutAll.Count != includeUsers.Count)
                {
                    includeGroups = wanted;
                    includeUsers = withoutAll;
                    changes.Add("apply to " + string.Join(", ", resolved.Values));
                    conditionsChanged = true;
                }
            }
            if (change.ExcludeUsers != null)
            {
                var resolved = await AccessPolicyReader.ResolveUsersAsync(connection, change.ExcludeUsers, cancellationToken).ConfigureAwait(false);
                foreach (var pair in resolved) names[pair.Key] = pair.Value;
                if (!AccessPolicyShape.SameSet(resolved.Keys, excludeUsers))
                {
                    excludeUsers = resolved.Keys.ToList();
                    changes.Add(resolved.Count == 0 ? "exclude no user" : "exclude users " + string.Join(", ", resolved.Values));
                    conditionsChanged = true;
                }
            }
            if (change.ExcludeGroups != null)
            {
                var resolved = await AccessPolicyReader.ResolveGroupsAsync(connection, change.ExcludeGroups, cancellationToken).ConfigureAwait(false);
                foreach (var pair in resolved) names[pair.Key] = pair.Value;
                if (!AccessPolicyShape.SameSet(resolved.Keys, excludeGroups))
                {
                    excludeGroups = resolved.Keys.ToList();
                    changes.Add(resolved.Count == 0 ? "exclude no group" : "exclude groups " + string.Join(", ", resolved.Values));
                    conditionsChanged = true;
                }
            }
            if (change.Platforms != null)
            {
                var wanted = OnboardingPlatforms.Normalize(change.Platforms).Select(AccessPolicyShape.ToGraph).ToList();
                if (platforms == null || !AccessPolicyShape.SameSet(wanted.Select(p => p.ToString()), platforms.Select(p => p.ToString())))
                {
                    platforms = wanted;
                    changes.Add("platforms " + string.Join(", ", OnboardingPlatforms.Normalize(change.Platforms)));
                    conditionsChanged = true;
                }
            }
            if (change.Applications != null)
            {
                var wanted = AccessPolicyShape.ValidateApplications(change.Applications).ToList();
                if (!AccessPolicyShape.SameSet(wanted, applications))
                {
                    applications = wanted;
                    changes.Add("applications " + string.Join(", ", wanted));
                    conditionsChanged = true;
                }
            }
            if (newState != currentState)
            {
                changes.Insert(0, $"state {currentState} -> {newState}");
            }

            var allUsers = includeUsers.Contains(AccessPolicyShape.AllUsersValue, StringComparer.OrdinalIgnoreCase);
            if (AccessPolicyLockout.IsRisky(newState, allUsers, excludeUsers.Count + excludeGroups.Count + excludeRoles.Count) &&
                (changes.Count > 0))
            {
                if (!force)
                {
                    throw AccessPolicyLockout.Refusal(name, creating: false);
                }
                context.WriteWarning($"'{name}' is now enforced for all users with nobody excluded (-Force): it can lock every administrator out of the tenant.");
            }

            if (changes.Count == 0)
            {
                context.WriteVerbose($"'{name}' already is as asked: nothing to change.");
                return await AccessPolicyReader.MapOneAsync(connection, policy, cancellationToken).ConfigureAwait(false);
            }

            var body = new ConditionalAccessPolicy();
            if (newState != currentState)
            {
                body.State = AccessPolicyShape.ToGraph(newState);
            }
            if (conditionsChanged)
            {
                var current = policy.Conditions ?? new ConditionalAccessConditionSet();
                body.Conditions = new ConditionalAccessConditionSet
                {
                    ClientAppTypes = current.ClientAppTypes?.Count > 0 ? current.ClientAppTypes.ToList() : new List<ConditionalAccessClientApp?> { ConditionalAccessClientApp.All },
                    Applications = new ConditionalAccessApplications
                    {
                        IncludeApplications = applications,
                        ExcludeApplications = current.Applications?.ExcludeApplications?.ToList() ?? new List<string>(),
                    },
                    Users = new ConditionalAccessUsers
                    {
                        IncludeUsers = includeUsers,
                        IncludeGroups = includeGroups,
                        IncludeRoles = users.IncludeRoles?.ToList() ?? new List<string>(),
                        ExcludeUsers = excludeUsers,
                        ExcludeGroups = excludeGroups,
                        ExcludeRoles = excludeRoles.ToList(),
                    },
                    Platforms = platforms == null ? null : new ConditionalAccessPlatforms
                    {
                        IncludePlatforms = platforms,
                        ExcludePlatforms = current.Platforms?.ExcludePlatforms?.ToList() ?? new List<ConditionalAccessDevicePlatform?>(),
                    },
                };
            }
            if (!context.ShouldProcess(name, "Update the Conditional Access policy: " + string.Join("; ", changes)))
            {
                return null;
            }
            await ConditionalAccessPacing.RunAsync(connection,
                () => GraphErrors.CallAsync(() => connection.Session.Graph.Identity.ConditionalAccess.Policies[policy.Id].PatchAsync(body, cancellationToken: cancellationToken),
                    $"Updating the Conditional Access policy '{name}'", WritePermission, connection.Permissions, name),
                context, cancellationToken).ConfigureAwait(false);
            var after = await AccessPolicyReader.GetRawAsync(connection, policy.Id!, context, cancellationToken).ConfigureAwait(false);
            return await AccessPolicyReader.MapOneAsync(connection, after, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Deletes a policy. Returns false when the caller declined (-WhatIf / -Confirm).</summary>
        public static async Task<bool> RemoveAsync(ComplianceConnection connection, string? id, string? displayName,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var policy = await AccessPolicyReader.FindAsync(connection, id, displayName, context, cancellationToken).ConfigureAwait(false);
            var name = policy.DisplayName ?? policy.Id!;
            if (!context.ShouldProcess(name, $"Delete the Conditional Access policy ({AccessPolicyShape.FromGraph(policy.State)}, {policy.Id})"))
            {
                return false;
            }
            await ConditionalAccessPacing.RunAsync(connection,
                () => GraphErrors.CallAsync(() => connection.Session.Graph.Identity.ConditionalAccess.Policies[policy.Id].DeleteAsync(cancellationToken: cancellationToken),
                    $"Deleting the Conditional Access policy '{name}'", WritePermission, connection.Permissions, name),
                context, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }
}
