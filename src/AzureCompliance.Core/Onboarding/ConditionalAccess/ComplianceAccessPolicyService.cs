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
    /// <summary>What New-ComplianceAccessPolicy creates: a policy that grants access only from a compliant device.</summary>
    public sealed class AccessPolicyDefinition
    {
        public AccessPolicyDefinition(string displayName) => DisplayName = displayName;

        public string DisplayName { get; }
        public IReadOnlyList<DevicePlatform> Platforms { get; set; } = new[] { DevicePlatform.Android, DevicePlatform.iOS };
        /// <summary>Office365, All, or application ids.</summary>
        public IReadOnlyList<string> Applications { get; set; } = new[] { "Office365" };
        public bool AllUsers { get; set; }
        public IReadOnlyList<DirectoryIdentity> Groups { get; set; } = Array.Empty<DirectoryIdentity>();
        public IReadOnlyList<DirectoryIdentity> ExcludeUsers { get; set; } = Array.Empty<DirectoryIdentity>();
        public IReadOnlyList<DirectoryIdentity> ExcludeGroups { get; set; } = Array.Empty<DirectoryIdentity>();
        public ComplianceAccessPolicyState State { get; set; } = ComplianceAccessPolicyState.ReportOnly;
    }

    /// <summary>What Set-ComplianceAccessPolicy changes; null leaves that part as it is.</summary>
    public sealed class AccessPolicyChange
    {
        public ComplianceAccessPolicyState? State { get; set; }
        /// <summary>True: include all users (instead of groups).</summary>
        public bool AllUsers { get; set; }
        /// <summary>Include these groups (instead of all users).</summary>
        public IReadOnlyList<DirectoryIdentity>? Groups { get; set; }
        /// <summary>Replaces the excluded users (an empty list clears them).</summary>
        public IReadOnlyList<DirectoryIdentity>? ExcludeUsers { get; set; }
        /// <summary>Replaces the excluded groups (an empty list clears them).</summary>
        public IReadOnlyList<DirectoryIdentity>? ExcludeGroups { get; set; }
        public IReadOnlyList<DevicePlatform>? Platforms { get; set; }
        public IReadOnlyList<string>? Applications { get; set; }
    }

    /// <summary>
    /// Conditional Access policies that require a compliant device (Graph /identity/conditionalAccess/policies). Every
    /// call is paced per tenant (<see cref="ConditionalAccessPacing"/>). Enforcing a policy for all users with nobody
    /// excluded is refused unless forced (<see cref="AccessPolicyLockout"/>).
    /// </summary>
    public static class ComplianceAccessPolicyService
    {
        private const string ReadPermission = PermissionCatalog.PolicyRead;
        private const string WritePermission = PermissionCatalog.ConditionalAccessReadWrite;
        private const string AllUsersValue = "All";

        public static async Task<IReadOnlyList<ComplianceAccessPolicy>> GetAsync(ComplianceConnection connection, bool includeAll,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var raw = await ListRawAsync(connection, context, cancellationToken).ConfigureAwait(false);
            var selected = raw.Where(p => includeAll || RequiresCompliantDevice(p)).ToList();
            context.WriteVerbose($"The tenant has {raw.Count} Conditional Access policies; {raw.Count(RequiresCompliantDevice)} require a compliant device.");
            return await MapAsync(connection, selected, cancellationToken).ConfigureAwait(false);
        }

        public static async Task<ComplianceAccessPolicy?> NewAsync(ComplianceConnection connection, AccessPolicyDefinition definition, bool force,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(definition.DisplayName))
            {
                throw new ComplianceException("AccessPolicyNameMissing", ComplianceErrorCategory.InvalidArgument, "A policy needs a display name.", null);
            }
            var platforms = OnboardingPlatforms.Normalize(definition.Platforms);
            var applications = ValidateApplications(definition.Applications);
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

            var includeGroups = await ResolveGroupsAsync(connection, definition.Groups, cancellationToken).ConfigureAwait(false);
            var excludeGroups = await ResolveGroupsAsync(connection, definition.ExcludeGroups, cancellationToken).ConfigureAwait(false);
            var excludeUsers = await ResolveUsersAsync(connection, definition.ExcludeUsers, cancellationToken).ConfigureAwait(false);

            var existing = await ListRawAsync(connection, context, cancellationToken).ConfigureAwait(false);
            var same = existing.FirstOrDefault(p => string.Equals(p.DisplayName, definition.DisplayName, StringComparison.OrdinalIgnoreCase));
            if (same != null)
            {
                throw new ComplianceException("AccessPolicyExists", ComplianceErrorCategory.ResourceExists,
                    $"A Conditional Access policy named '{definition.DisplayName}' already exists ({same.Id}, {FromGraph(same.State)}).", definition.DisplayName,
                    "Change it with Set-ComplianceAccessPolicy, or choose another -DisplayName.");
            }

            var body = new ConditionalAccessPolicy
            {
                DisplayName = definition.DisplayName,
                State = ToGraph(definition.State),
                Conditions = new ConditionalAccessConditionSet
                {
                    ClientAppTypes = new List<ConditionalAccessClientApp?> { ConditionalAccessClientApp.All },
                    Applications = new ConditionalAccessApplications { IncludeApplications = applications.ToList() },
                    Users = new ConditionalAccessUsers
                    {
                        IncludeUsers = definition.AllUsers ? new List<string> { AllUsersValue } : new List<string>(),
                        IncludeGroups = includeGroups.Keys.ToList(),
                        ExcludeUsers = excludeUsers.Keys.ToList(),
                        ExcludeGroups = excludeGroups.Keys.ToList(),
                    },
                    Platforms = new ConditionalAccessPlatforms { IncludePlatforms = platforms.Select(ToGraph).ToList() },
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
            return Map(created, names);
        }

        public static async Task<ComplianceAccessPolicy?> SetAsync(ComplianceConnection connection, string? id, string? displayName,
            AccessPolicyChange change, bool force, IOperationContext context, CancellationToken cancellationToken)
        {
            var policy = await FindAsync(connection, id, displayName, context, cancellationToken).ConfigureAwait(false);
            var name = policy.DisplayName ?? policy.Id!;
            var users = policy.Conditions?.Users ?? new ConditionalAccessUsers();
            var currentState = FromGraph(policy.State);
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
            if (change.AllUsers && !includeUsers.Contains(AllUsersValue, StringComparer.OrdinalIgnoreCase))
            {
                includeUsers = new List<string> { AllUsersValue };
                includeGroups = new List<string>();
                changes.Add("apply to all users");
                conditionsChanged = true;
            }
            if (change.Groups != null && change.Groups.Count > 0)
            {
                var resolved = await ResolveGroupsAsync(connection, change.Groups, cancellationToken).ConfigureAwait(false);
                foreach (var pair in resolved) names[pair.Key] = pair.Value;
                var wanted = resolved.Keys.ToList();
                var withoutAll = includeUsers.Where(u => !string.Equals(u, AllUsersValue, StringComparison.OrdinalIgnoreCase)).ToList();
                if (!SameSet(wanted, includeGroups) || withoutAll.Count != includeUsers.Count)
                {
                    includeGroups = wanted;
                    includeUsers = withoutAll;
                    changes.Add("apply to " + string.Join(", ", resolved.Values));
                    conditionsChanged = true;
                }
            }
            if (change.ExcludeUsers != null)
            {
                var resolved = await ResolveUsersAsync(connection, change.ExcludeUsers, cancellationToken).ConfigureAwait(false);
                foreach (var pair in resolved) names[pair.Key] = pair.Value;
                if (!SameSet(resolved.Keys, excludeUsers))
                {
                    excludeUsers = resolved.Keys.ToList();
                    changes.Add(resolved.Count == 0 ? "exclude no user" : "exclude users " + string.Join(", ", resolved.Values));
                    conditionsChanged = true;
                }
            }
            if (change.ExcludeGroups != null)
            {
                var resolved = await ResolveGroupsAsync(connection, change.ExcludeGroups, cancellationToken).ConfigureAwait(false);
                foreach (var pair in resolved) names[pair.Key] = pair.Value;
                if (!SameSet(resolved.Keys, excludeGroups))
                {
                    excludeGroups = resolved.Keys.ToList();
                    changes.Add(resolved.Count == 0 ? "exclude no group" : "exclude groups " + string.Join(", ", resolved.Values));
                    conditionsChanged = true;
                }
            }
            if (change.Platforms != null)
            {
                var wanted = OnboardingPlatforms.Normalize(change.Platforms).Select(ToGraph).ToList();
                if (platforms == null || !SameSet(wanted.Select(p => p.ToString()), platforms.Select(p => p.ToString())))
                {
                    platforms = wanted;
                    changes.Add("platforms " + string.Join(", ", OnboardingPlatforms.Normalize(change.Platforms)));
                    conditionsChanged = true;
                }
            }
            if (change.Applications != null)
            {
                var wanted = ValidateApplications(change.Applications).ToList();
                if (!SameSet(wanted, applications))
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

            var allUsers = includeUsers.Contains(AllUsersValue, StringComparer.OrdinalIgnoreCase);
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
                return await MapOneAsync(connection, policy, cancellationToken).ConfigureAwait(false);
            }

            var body = new ConditionalAccessPolicy();
            if (newState != currentState)
            {
                body.State = ToGraph(newState);
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
            var after = await GetRawAsync(connection, policy.Id!, context, cancellationToken).ConfigureAwait(false);
            return await MapOneAsync(connection, after, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Deletes a policy. Returns false when the caller declined (-WhatIf / -Confirm).</summary>
        public static async Task<bool> RemoveAsync(ComplianceConnection connection, string? id, string? displayName,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var policy = await FindAsync(connection, id, displayName, context, cancellationToken).ConfigureAwait(false);
            var name = policy.DisplayName ?? policy.Id!;
            if (!context.ShouldProcess(name, $"Delete the Conditional Access policy ({FromGraph(policy.State)}, {policy.Id})"))
            {
                return false;
            }
            await ConditionalAccessPacing.RunAsync(connection,
                () => GraphErrors.CallAsync(() => connection.Session.Graph.Identity.ConditionalAccess.Policies[policy.Id].DeleteAsync(cancellationToken: cancellationToken),
                    $"Deleting the Conditional Access policy '{name}'", WritePermission, connection.Permissions, name),
                context, cancellationToken).ConfigureAwait(false);
            return true;
        }

        /// <summary>Policies that require a compliant device, without name resolution (for checks and warnings).</summary>
        internal static async Task<IReadOnlyList<ComplianceAccessPolicy>> RequiringCompliantDeviceAsync(ComplianceConnection connection,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var raw = await ListRawAsync(connection, context, cancellationToken).ConfigureAwait(false);
            var empty = new Dictionary<string, string>();
            return raw.Where(RequiresCompliantDevice).Select(p => Map(p, empty)).ToList();
        }

        /// <summary>Enabled policies requiring a compliant device on any of the platforms (or on every platform).</summary>
        internal static async Task<IReadOnlyList<ComplianceAccessPolicy>> EnforcedForPlatformsAsync(ComplianceConnection connection,
            IReadOnlyList<DevicePlatform> platforms, IOperationContext context, CancellationToken cancellationToken)
        {
            var policies = await RequiringCompliantDeviceAsync(connection, context, cancellationToken).ConfigureAwait(false);
            return policies.Where(p => p.State == ComplianceAccessPolicyState.Enabled && AppliesTo(p, platforms)).ToList();
        }

        internal static bool AppliesTo(ComplianceAccessPolicy policy, IReadOnlyList<DevicePlatform> platforms) =>
            policy.Platforms.Count == 0 ||
            policy.Platforms.Any(p => string.Equals(p, "All", StringComparison.OrdinalIgnoreCase) ||
                                      platforms.Any(platform => string.Equals(p, platform.ToString(), StringComparison.OrdinalIgnoreCase)));

        private static async Task<ConditionalAccessPolicy> FindAsync(ComplianceConnection connection, string? id, string? displayName,
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
            var requiring = all.Where(RequiresCompliantDevice).Select(p => "'" + p.DisplayName + "'").ToList();
            throw new ComplianceException("AccessPolicyNotFound", ComplianceErrorCategory.ObjectNotFound,
                $"No Conditional Access policy is named '{displayName}'." +
                (requiring.Count == 0 ? " No policy requires a compliant device yet." : " Policies requiring a compliant device: " + string.Join(", ", requiring) + "."),
                displayName, "Check the name with Get-ComplianceAccessPolicy.");
        }

        private static async Task<ConditionalAccessPolicy> GetRawAsync(ComplianceConnection connection, string id, IOperationContext context, CancellationToken cancellationToken)
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

        private static async Task<IReadOnlyList<ConditionalAccessPolicy>> ListRawAsync(ComplianceConnection connection, IOperationContext context, CancellationToken cancellationToken)
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

        private static async Task<IReadOnlyList<ComplianceAccessPolicy>> MapAsync(ComplianceConnection connection, IReadOnlyList<ConditionalAccessPolicy> policies, CancellationToken cancellationToken)
        {
            var groupIds = policies.SelectMany(p => (p.Conditions?.Users?.IncludeGroups ?? new List<string>()).Concat(p.Conditions?.Users?.ExcludeGroups ?? new List<string>()));
            var userIds = policies.SelectMany(p => (p.Conditions?.Users?.IncludeUsers ?? new List<string>()).Concat(p.Conditions?.Users?.ExcludeUsers ?? new List<string>()));
            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in await GroupDirectory.NamesAsync(connection, groupIds, cancellationToken).ConfigureAwait(false)) names[pair.Key] = pair.Value;
            foreach (var pair in await UserDirectory.NamesAsync(connection, userIds, cancellationToken).ConfigureAwait(false)) names[pair.Key] = pair.Value;
            return policies.Select(p => Map(p, names)).ToList();
        }

        private static async Task<ComplianceAccessPolicy> MapOneAsync(ComplianceConnection connection, ConditionalAccessPolicy policy, CancellationToken cancellationToken) =>
            (await MapAsync(connection, new[] { policy }, cancellationToken).ConfigureAwait(false))[0];

        internal static ComplianceAccessPolicy Map(ConditionalAccessPolicy policy, IReadOnlyDictionary<string, string> names)
        {
            var users = policy.Conditions?.Users;
            IReadOnlyList<string> List(List<string>? values) => (values ?? new List<string>()).ToList();
            IReadOnlyList<string> Named(IEnumerable<string> ids) => ids.Select(i => names.TryGetValue(i, out var n) ? n : i).ToList();
            var includeUsers = List(users?.IncludeUsers);
            var excludeUsers = List(users?.ExcludeUsers);
            var includeGroups = List(users?.IncludeGroups);
            var excludeGroups = List(users?.ExcludeGroups);
            return new ComplianceAccessPolicy(
                policy.Id ?? "",
                policy.DisplayName ?? "",
                FromGraph(policy.State),
                RequiresCompliantDevice(policy),
                (policy.Conditions?.Platforms?.IncludePlatforms ?? new List<ConditionalAccessDevicePlatform?>()).Where(p => p.HasValue).Select(p => PlatformName(p!.Value)).ToList(),
                List(policy.Conditions?.Applications?.IncludeApplications),
                includeUsers.Contains(AllUsersValue, StringComparer.OrdinalIgnoreCase),
                Named(includeUsers.Where(u => !string.Equals(u, AllUsersValue, StringComparison.OrdinalIgnoreCase))),
                Named(includeGroups),
                includeGroups,
                Named(excludeUsers),
                excludeUsers,
                Named(excludeGroups),
                excludeGroups,
                List(users?.ExcludeRoles),
                policy.CreatedDateTime,
                policy.ModifiedDateTime);
        }

        internal static bool RequiresCompliantDevice(ConditionalAccessPolicy policy) =>
            policy.GrantControls?.BuiltInControls?.Any(c => c == ConditionalAccessGrantControl.CompliantDevice) == true;

        internal static ComplianceAccessPolicyState FromGraph(ConditionalAccessPolicyState? state)
        {
            switch (state)
            {
                case ConditionalAccessPolicyState.Enabled: return ComplianceAccessPolicyState.Enabled;
                case ConditionalAccessPolicyState.Disabled: return ComplianceAccessPolicyState.Disabled;
                default: return ComplianceAccessPolicyState.ReportOnly;
            }
        }

        internal static ConditionalAccessPolicyState ToGraph(ComplianceAccessPolicyState state)
        {
            switch (state)
            {
                case ComplianceAccessPolicyState.Enabled: return ConditionalAccessPolicyState.Enabled;
                case ComplianceAccessPolicyState.Disabled: return ConditionalAccessPolicyState.Disabled;
                default: return ConditionalAccessPolicyState.EnabledForReportingButNotEnforced;
            }
        }

        private static ConditionalAccessDevicePlatform? ToGraph(DevicePlatform platform)
        {
            switch (platform)
            {
                case DevicePlatform.Android: return ConditionalAccessDevicePlatform.Android;
                case DevicePlatform.iOS: return ConditionalAccessDevicePlatform.IOS;
                default: return ConditionalAccessDevicePlatform.MacOS;
            }
        }

        private static string PlatformName(ConditionalAccessDevicePlatform platform)
        {
            switch (platform)
            {
                case ConditionalAccessDevicePlatform.Android: return "Android";
                case ConditionalAccessDevicePlatform.IOS: return "iOS";
                case ConditionalAccessDevicePlatform.MacOS: return "macOS";
                case ConditionalAccessDevicePlatform.All: return "All";
                default: return platform.ToString();
            }
        }

        internal static IReadOnlyList<string> ValidateApplications(IReadOnlyList<string>? applications)
        {
            var list = (applications ?? Array.Empty<string>()).Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).ToList();
            if (list.Count == 0)
            {
                list.Add("Office365");
            }
            var result = new List<string>();
            foreach (var application in list)
            {
                if (string.Equals(application, "Office365", StringComparison.OrdinalIgnoreCase)) result.Add("Office365");
                else if (string.Equals(application, "All", StringComparison.OrdinalIgnoreCase)) result.Add("All");
                else if (OData.IsGuid(application)) result.Add(application.ToLowerInvariant());
                else
                {
                    throw new ComplianceException("InvalidApplication", ComplianceErrorCategory.InvalidArgument,
                        $"'{application}' is not an application Conditional Access knows: use Office365, All, or an application (client) id.", application);
                }
            }
            return result.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }

        private static async Task<IReadOnlyDictionary<string, string>> ResolveGroupsAsync(ComplianceConnection connection, IReadOnlyList<DirectoryIdentity> identities, CancellationToken cancellationToken)
        {
            var resolved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var identity in identities)
            {
                var group = await GroupDirectory.ResolveAsync(connection, identity, cancellationToken).ConfigureAwait(false);
                resolved[group.Id] = group.DisplayName;
            }
            return resolved;
        }

        private static async Task<IReadOnlyDictionary<string, string>> ResolveUsersAsync(ComplianceConnection connection, IReadOnlyList<DirectoryIdentity> identities, CancellationToken cancellationToken)
        {
            var resolved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var identity in identities)
            {
                var user = await UserDirectory.ResolveAsync(connection, identity, UserDirectory.IdentityFields, cancellationToken).ConfigureAwait(false);
                resolved[user.Id!] = user.UserPrincipalName ?? user.Id!;
            }
            return resolved;
        }

        private static bool SameSet(IEnumerable<string> a, IEnumerable<string> b) =>
            new HashSet<string>(a, StringComparer.OrdinalIgnoreCase).SetEquals(b);
    }
}
