using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.Partners;
using AzureCompliance.Core.Onboarding.Users;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using ComplianceManagementPartner = Microsoft.Graph.Models.ComplianceManagementPartner;
using GroupScope = AzureCompliance.Core.State.GroupScope;

namespace AzureCompliance.Core.Onboarding.Groups
{
    /// <summary>What Set-ComplianceGroup asks for.</summary>
    public sealed class GroupScopeRequest
    {
        public bool AllUsers { get; set; }
        public IReadOnlyList<DirectoryIdentity> Groups { get; set; } = Array.Empty<DirectoryIdentity>();
        /// <summary>The partner platforms to assign; null = every platform the partner is onboarded for.</summary>
        public IReadOnlyList<DevicePlatform>? Platforms { get; set; }
        /// <summary>The compliance partner; null = the only one onboarded.</summary>
        public string? PartnerName { get; set; }
        /// <summary>The state file; null = the per-user default.</summary>
        public string? StatePath { get; set; }
    }

    /// <summary>The outcome of Set-ComplianceGroup: the scope (null when nothing was or would be changed) and per-item problems.</summary>
    public sealed class GroupScopeResult
    {
        internal GroupScopeResult(ComplianceGroupScope? scope, IReadOnlyList<ComplianceException> errors)
        {
            Scope = scope;
            Errors = errors;
        }

        public ComplianceGroupScope? Scope { get; }
        public IReadOnlyList<ComplianceException> Errors { get; }
    }

    /// <summary>
    /// The group scope of an MDM instance: whose devices it reports. Set-ComplianceGroup applies it to the compliance
    /// partner's per-platform assignments and to the partner compliance policies, and records it (GroupScope in the
    /// state store) for device sync. At most ten groups; names resolve safely; nested groups count transitively.
    /// </summary>
    public static class ComplianceGroupService
    {
        internal const string PolicyAssignmentsSetting = "partnerPolicyAssignments";

        public static async Task<GroupScopeResult> SetAsync(ComplianceConnection connection, GroupScopeRequest request,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (request.AllUsers == (request.Groups.Count > 0))
            {
                throw new ComplianceException("GroupScopeMissing", ComplianceErrorCategory.InvalidArgument,
                    "Say whose devices to report: -AllUsers, or -Group with one to " + GroupScope.MaxGroups + " groups (not both).", null);
            }
            var distinctInputs = request.Groups.GroupBy(g => g.Key).Select(g => g.First()).ToList();
            CheckLimit(distinctInputs.Count, distinctInputs.Select(i => i.ToString()));

            // 1. Resolve every group before anything changes: an unknown or ambiguous name changes nothing.
            var errors = new List<ComplianceException>();
            var groups = new List<DirectoryGroup>();
            var index = 0;
            try
            {
                foreach (var identity in distinctInputs)
                {
                    context.WriteProgress(new OperationProgress(41, "Resolving groups", identity.ToString(), 100 * index++ / Math.Max(1, distinctInputs.Count)));
                    try
                    {
                        var group = await GroupDirectory.ResolveAsync(connection, identity, cancellationToken).ConfigureAwait(false);
                        if (!groups.Any(g => string.Equals(g.Id, group.Id, StringComparison.OrdinalIgnoreCase))) groups.Add(group);
                    }
                    catch (ComplianceException ex) when (ex.ErrorId == "GroupNotFound" || ex.ErrorId == "GroupNameAmbiguous")
                    {
                        errors.Add(ex);
                    }
                }
            }
            finally
            {
                context.WriteProgress(new OperationProgress(41, "Resolving groups", "Done", 100, completed: true));
            }
            if (errors.Count > 0)
            {
                context.WriteVerbose("The group scope was not changed: " + errors.Count + " group(s) could not be resolved.");
                return new GroupScopeResult(null, errors);
            }
            CheckLimit(groups.Count, groups.Select(g => g.DisplayName));

            // 2. The partner and its platforms.
            var partners = await CompliancePartnerService.ListAsync(connection, cancellationToken).ConfigureAwait(false);
            var partner = await InstancePartner.SelectAsync(connection, partners, request.PartnerName, cancellationToken).ConfigureAwait(false);
            if (partner.Platforms.Count == 0)
            {
                throw new ComplianceException("PartnerNotOnboarded", ComplianceErrorCategory.InvalidOperation,
                    $"The compliance partner '{partner.DisplayName}' is not onboarded for any platform.", partner.DisplayName,
                    $"Onboard it first: Add-CompliancePartner -DisplayName '{partner.DisplayName}' -Platform Android, iOS.");
            }
            var platforms = new List<DevicePlatform>();
            foreach (var platform in request.Platforms == null ? partner.Platforms : OnboardingPlatforms.Normalize(request.Platforms))
            {
                if (partner.IsOnboarded(platform))
                {
                    platforms.Add(platform);
                    continue;
                }
                errors.Add(new ComplianceException("PlatformNotOnboarded", ComplianceErrorCategory.InvalidOperation,
                    $"{platform} is not onboarded for the compliance partner '{partner.DisplayName}', so it has no assignments to set.", platform,
                    $"Onboard it first: Add-CompliancePartner -DisplayName '{partner.DisplayName}' -Platform {platform}."));
            }
            if (platforms.Count == 0)
            {
                return new GroupScopeResult(null, errors);
            }

            var targets = request.AllUsers
                ? new List<AssignmentTarget> { AssignmentTarget.Everyone }
                : groups.Select(g => AssignmentTarget.ForGroup(g.Id)).ToList();
            var scope = request.AllUsers ? GroupScope.Everyone : new GroupScope(false, groups.Select(g => new ScopedGroup(g.Id, g.DisplayName)));
            var changes = new List<string>();
            var declined = false;

            // 3. The partner's per-platform assignments.
            var body = new ComplianceManagementPartner();
            var changedPlatforms = platforms.Where(p => !AssignmentTarget.SameSet(partner.TargetsOf(p), targets)).ToList();
            foreach (var platform in changedPlatforms)
            {
                PartnerSnapshot.SetPlatform(body, platform, true, targets);
            }
            if (changedPlatforms.Count > 0)
            {
                var action = $"Assign {string.Join(", ", changedPlatforms)} to {scope}";
                if (context.ShouldProcess(partner.DisplayName, action))
                {
                    await CompliancePartnerService.PatchAsync(connection, partner, body, cancellationToken).ConfigureAwait(false);
                    changes.Add(action);
                }
                else
                {
                    declined = true;
                }
            }
            else
            {
                context.WriteVerbose($"'{partner.DisplayName}' already assigns {string.Join(", ", platforms)} to {scope}.");
            }

            // 4. The recorded scope (what device sync reads).
            var workspace = StateWorkspace.For(request.StatePath, connection);
            var statePath = workspace.Location;
            var source = connection.SourceName;
            StateStore? store = null;
            try
            {
                store = workspace.OpenExisting();
                var recorded = store == null ? null : GroupScope.Load(store, source);
                if (!SameScope(recorded, scope))
                {
                    var action = $"Record the group scope '{scope}' of MDM instance '{source}'";
                    if (context.ShouldProcess(statePath, action))
                    {
                        store ??= workspace.Open();
                        scope.Save(store, source);
                        changes.Add(action);
                    }
                    else
                    {
                        declined = true;
                    }
                }

                // 5. The partner compliance policies (PROTOCOL.md 3.3) follow the groups.
                var assigned = await AssignPartnerPoliciesAsync(connection, store, workspace, scope, platforms, changes, context, cancellationToken).ConfigureAwait(false);
                if (assigned == null)
                {
                    declined = true;
                }
                if (declined)
                {
                    return new GroupScopeResult(null, errors);
                }
                var members = groups.Select(g => new ComplianceGroup(g.Id, g.DisplayName, false, null, null, null, true, source)).ToList();
                if (request.AllUsers)
                {
                    members.Add(new ComplianceGroup(null, "All users", true, null, null, null, true, source));
                }
                return new GroupScopeResult(
                    new ComplianceGroupScope(request.AllUsers, members, partner.DisplayName, platforms, assigned ?? Array.Empty<string>(), statePath, source, changes),
                    errors);
            }
            finally
            {
                store?.Dispose();
            }
        }

        /// <summary>The recorded scope of this instance, with transitive member counts read page by page.</summary>
        public static async Task<IReadOnlyList<ComplianceGroup>> GetAsync(ComplianceConnection connection, string? statePath,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var workspace = StateWorkspace.For(statePath, connection);
            var path = workspace.Location;
            var source = connection.SourceName;
            var scope = LoadScope(workspace, source);
            if (scope == null)
            {
                context.WriteVerbose($"No group scope is recorded for MDM instance '{source}' in {path}. Set one with Set-ComplianceGroup.");
                return Array.Empty<ComplianceGroup>();
            }

            const int activity = 42;
            var result = new List<ComplianceGroup>();
            try
            {
                if (scope.AllUsers)
                {
                    context.WriteProgress(new OperationProgress(activity, "Counting users in scope", "All users"));
                    var users = 0;
                    await UserDirectory.ForEachUserAsync(connection, new[] { "id" }, _ => users++, cancellationToken).ConfigureAwait(false);
                    result.Add(new ComplianceGroup(null, "All users", true, users, null, null, true, source));
                    return result;
                }
                for (var i = 0; i < scope.Groups.Count; i++)
                {
                    var recorded = scope.Groups[i];
                    context.WriteProgress(new OperationProgress(activity, "Counting group members", recorded.DisplayName, 100 * i / scope.Groups.Count));
                    var group = await GroupDirectory.GetByIdAsync(connection, recorded.Id, cancellationToken).ConfigureAwait(false);
                    if (group == null)
                    {
                        context.WriteWarning($"The group '{recorded.DisplayName}' ({recorded.Id}) of the scope no longer exists. Run Set-ComplianceGroup to choose the groups again.");
                        result.Add(new ComplianceGroup(recorded.Id, recorded.DisplayName, false, null, null, null, false, source));
                        continue;
                    }
                    var counts = await GroupDirectory.CountMembersAsync(connection, group.Id, cancellationToken).ConfigureAwait(false);
                    result.Add(new ComplianceGroup(group.Id, group.DisplayName, false, counts.Users, counts.Groups, counts.Devices, true, source));
                }
                return result;
            }
            finally
            {
                context.WriteProgress(new OperationProgress(activity, "Counting group members", "Done", 100, completed: true));
            }
        }

        /// <summary>Group names for argument completion.</summary>
        public static Task<IReadOnlyList<string>> SuggestNamesAsync(ComplianceConnection connection, string prefix, int max, CancellationToken cancellationToken) =>
            GroupDirectory.SuggestNamesAsync(connection, prefix ?? "", max, cancellationToken);

        internal static GroupScope? LoadScope(StateWorkspace workspace, string source)
        {
            using var store = workspace.OpenForReading();
            return store == null ? null : GroupScope.Load(store, source);
        }

        internal static void CheckLimit(int count, IEnumerable<string> names)
        {
            if (count > GroupScope.MaxGroups)
            {
                throw new ComplianceException("GroupLimitExceeded", ComplianceErrorCategory.LimitsExceeded,
                    $"A group scope holds at most {GroupScope.MaxGroups} groups (the limit MDM partners such as MaaS360 document); {count} were given: " +
                    string.Join(", ", names) + ". Nothing was changed.", count,
                    $"Choose at most {GroupScope.MaxGroups} groups, e.g. a parent group that nests the others (membership counts transitively), or use -AllUsers.");
            }
        }

        private static bool SameScope(GroupScope? recorded, GroupScope wanted) =>
            recorded != null && recorded.AllUsers == wanted.AllUsers &&
            new HashSet<string>(recorded.Groups.Select(g => g.Id), StringComparer.OrdinalIgnoreCase).SetEquals(wanted.Groups.Select(g => g.Id));

        /// <summary>
        /// Assigns the partner compliance policies of the scoped platforms to the scope's groups. Only this instance's policies
        /// when the state store records their Intune ids; otherwise every partner policy of those platforms. An assignment
        /// already made (recorded in the state store) is not sent again. Returns null when the caller declined a change.
        /// </summary>
        private static async Task<IReadOnlyList<string>?> AssignPartnerPoliciesAsync(ComplianceConnection connection, StateStore? store, StateWorkspace workspace,
            GroupScope scope, IReadOnlyList<DevicePlatform> platforms, List<string> changes, IOperationContext context, CancellationToken cancellationToken)
        {
            var client = PartnerApiClient.For(connection);
            IReadOnlyList<PartnerPolicyInfo> policies;
            try
            {
                policies = await client.ListCompliancePoliciesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ComplianceException ex)
            {
                // The partner assignments and the scope stand; the policies can be assigned later (Set-CompliancePolicy -Publish).
                context.WriteWarning("The partner compliance policies could not be listed, so none was assigned: " + ex.Message);
                return Array.Empty<string>();
            }
            var source = connection.SourceName;
            var ours = store == null
                ? new HashSet<string>(StringComparer.OrdinalIgnoreCase)
                : new HashSet<string>(CompliancePolicyStore.List(store, source).Select(p => p.IntunePolicyId).Where(id => !string.IsNullOrEmpty(id)).Select(id => id!), StringComparer.OrdinalIgnoreCase);
            var candidates = policies
                .Where(p => !string.IsNullOrEmpty(p.Id))
                .Where(p => OnboardingPlatforms.Parse(p.Platform) is DevicePlatform platform && platforms.Contains(platform))
                .Where(p => ours.Count == 0 || ours.Contains(p.Id))
                .ToList();
            if (candidates.Count == 0)
            {
                context.WriteVerbose("No partner compliance policy exists yet for " + string.Join(", ", platforms) + ": nothing to assign.");
                return Array.Empty<string>();
            }
            List<string> groupIds;
            if (scope.AllUsers)
            {
                // All users, for the partner API, is the tenant's "All users" group (AllUsersGroup).
                var everyone = await AllUsersGroup.FindAsync(connection, cancellationToken).ConfigureAwait(false);
                if (everyone == null)
                {
                    context.WriteWarning(AllUsersGroup.Missing((candidates.Count == 1 ? "policy " : "policies ") +
                        string.Join(", ", candidates.Select(p => "'" + p.DisplayName + "'"))));
                    return Array.Empty<string>();
                }
                groupIds = new List<string> { everyone.Id };
            }
            else
            {
                groupIds = scope.Groups.Select(g => g.Id).ToList();
            }
            var recorded = ReadAssignments(store, source);
            var assigned = new List<string>();
            var declined = false;
            foreach (var policy in candidates)
            {
                var label = string.IsNullOrEmpty(policy.DisplayName) ? policy.Id : policy.DisplayName;
                if (recorded.TryGetValue(policy.Id, out var before) && new HashSet<string>(before, StringComparer.OrdinalIgnoreCase).SetEquals(groupIds))
                {
                    assigned.Add(label);
                    continue;
                }
                var action = $"Assign the partner compliance policy ({policy.Platform}) to {scope}";
                if (!context.ShouldProcess(label, action))
                {
                    declined = true;
                    continue;
                }
                await client.AssignCompliancePolicyAsync(policy.Id, groupIds, cancellationToken).ConfigureAwait(false);
                recorded[policy.Id] = groupIds;
                assigned.Add(label);
                changes.Add(action + ": " + label);
            }
            if (assigned.Count > 0 && !declined)
            {
                using var writable = store == null ? workspace.Open() : null;
                (store ?? writable!).SetSetting(source, PolicyAssignmentsSetting, JsonSerializer.Serialize(recorded));
            }
            return declined ? null : assigned;
        }

        private static Dictionary<string, List<string>> ReadAssignments(StateStore? store, string source)
        {
            var json = store?.GetSetting(source, PolicyAssignmentsSetting);
            if (json == null)
            {
                return new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            }
            try
            {
                var read = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(json);
                return new Dictionary<string, List<string>>(read ?? new Dictionary<string, List<string>>(), StringComparer.OrdinalIgnoreCase);
            }
            catch (JsonException)
            {
                return new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            }
        }
    }
}
