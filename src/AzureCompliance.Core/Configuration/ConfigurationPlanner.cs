using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.ConditionalAccess;
using AzureCompliance.Core.Onboarding.Groups;
using AzureCompliance.Core.Onboarding.Licensing;
using AzureCompliance.Core.Onboarding.Partners;
using AzureCompliance.Core.Onboarding.Users;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.Registry;
using AzureCompliance.Core.State;
using GroupScope = AzureCompliance.Core.State.GroupScope;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>How a configuration is compared and applied.</summary>
    public sealed class ConfigurationOptions
    {
        /// <summary>The file's name as the messages show it.</summary>
        public string File { get; set; } = "configuration";
        /// <summary>The state file; null = the per-user default.</summary>
        public string? StatePath { get; set; }
        /// <summary>Allows an enforced all-users policy with nobody excluded, and offboarding while other instances are registered.</summary>
        public bool Force { get; set; }
    }

    /// <summary>
    /// Reads the tenant and the state, checks the file against them (every refusal names the file's line, and comes
    /// before any write) and works out the differences. Reads only; <see cref="ConfigurationApplier"/> writes.
    /// </summary>
    public static class ConfigurationPlanner
    {
        public static async Task<ConfigurationPlan> PlanAsync(ComplianceConnection connection, ComplianceConfiguration desired, ConfigurationOptions options,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var file = options.File;
            var workspace = StateWorkspace.For(options.StatePath, connection);
            var statePath = workspace.Location;
            var source = connection.SourceName;

            // 1. Everything the checks and the comparison need, read before anything is judged.
            var partners = await CompliancePartnerService.ListAsync(connection, cancellationToken).ConfigureAwait(false);
            var instances = await InstanceRegistry.GetAsync(connection, cancellationToken).ConfigureAwait(false);
            GroupScope? recordedScope;
            LicensingConfiguration recordedLicensing;
            IReadOnlyList<CompliancePolicy> storedPolicies;
            using (var store = workspace.OpenForReading())
            {
                recordedScope = store == null ? null : GroupScope.Load(store, source);
                recordedLicensing = LicensingIntent.Load(store, source);
                storedPolicies = store == null ? Array.Empty<CompliancePolicy>() : CompliancePolicyStore.List(store, source);
            }

            // 2. The checks, in file order; the first refusal ends the plan.
            var partner = CheckPartner(desired.Partner, partners, instances, connection, options);
            var scopeGroups = await ResolveScopeAsync(connection, desired.GroupScope, file, cancellationToken).ConfigureAwait(false);
            if (desired.GroupScope != null && desired.Partner == null && partners.All(p => p.Platforms.Count == 0))
            {
                throw ConfigurationReader.Invalid(file, desired.GroupScope.Line, "A group scope assigns the compliance partner's platforms, but the tenant has no onboarded partner and the file has no Partner section.",
                    "Add a Partner section: Partner = @{ DisplayName = '<MDM name>'; Platforms = @('Android', 'iOS') }.", "ConfigurationPartnerMissing", ComplianceErrorCategory.InvalidOperation);
            }
            var accessPolicies = desired.AccessPolicies == null
                ? Array.Empty<ComplianceAccessPolicy>()
                : await ComplianceAccessPolicyService.GetAsync(connection, true, context, cancellationToken).ConfigureAwait(false);
            await CheckAccessPoliciesAsync(connection, desired.AccessPolicies, file, options.Force, cancellationToken).ConfigureAwait(false);

            // 3. The differences, as steps that call the existing services.
            var steps = new List<ConfigurationStep>();
            var builder = new ConfigurationSteps(connection, file, workspace, options.Force, steps);
            if (desired.Partner != null)
            {
                builder.Partner(desired.Partner, partner, instances.Any(i => string.Equals(i.Name, source, StringComparison.OrdinalIgnoreCase)), desired.GroupScope, scopeGroups);
            }
            if (desired.GroupScope != null)
            {
                var current = partner ?? (partners.Count > 0 ? TrySelect(partners) : null);
                builder.Scope(desired.GroupScope, scopeGroups, recordedScope, current, desired.Partner?.DisplayName);
            }
            if (desired.Licensing != null)
            {
                LicenseSummary? summary = null;
                if (desired.Licensing.AssignMissingLicenses && (desired.GroupScope != null || recordedScope != null))
                {
                    var scope = desired.GroupScope != null
                        ? (desired.GroupScope.AllUsers ? GroupScope.Everyone : new GroupScope(false, scopeGroups.Select(g => new ScopedGroup(g.Id!, g.Name ?? g.Id!))))
                        : recordedScope!;
                    summary = await ComplianceLicenseService.SummarizeAsync(connection, scope, 5, cancellationToken).ConfigureAwait(false);
                }
                builder.Licensing(desired.Licensing, recordedLicensing, summary, desired.GroupScope, scopeGroups, recordedScope);
            }
            if (desired.CompliancePolicies != null)
            {
                builder.Policies(desired.CompliancePolicies, storedPolicies);
            }
            if (desired.AccessPolicies != null)
            {
                builder.AccessPolicies(desired.AccessPolicies, accessPolicies);
            }
            var plan = new ConfigurationPlan(steps);
            context.WriteVerbose(plan.IsEmpty
                ? $"The tenant and the state of '{source}' already match {file}: nothing to change."
                : $"{plan.Changes.Count} difference(s) between {file} and the tenant.");
            return plan;
        }

        private static PartnerSnapshot? TrySelect(IReadOnlyList<PartnerSnapshot> partners)
        {
            try
            {
                return CompliancePartnerService.Select(partners, null);
            }
            catch (ComplianceException)
            {
                return null;
            }
        }

        private static PartnerSnapshot? CheckPartner(PartnerConfiguration? desired, IReadOnlyList<PartnerSnapshot> partners, IReadOnlyList<MdmInstance> instances,
            ComplianceConnection connection, ConfigurationOptions options)
        {
            if (desired == null) return null;
            var ours = partners.FirstOrDefault(p => string.Equals(p.DisplayName, desired.DisplayName, StringComparison.OrdinalIgnoreCase));
            foreach (var platform in desired.Platforms)
            {
                var holder = partners.FirstOrDefault(p => !ReferenceEquals(p, ours) && p.IsOnboarded(platform));
                if (holder != null)
                {
                    throw ConfigurationReader.Invalid(options.File, desired.PlatformsLine,
                        $"{platform} is onboarded by the compliance partner '{holder.DisplayName}'; Intune allows one compliance partner per platform, so '{desired.DisplayName}' cannot have it. Nothing was changed.",
                        $"Offboard {platform} from '{holder.DisplayName}' first (Remove-CompliancePartner -DisplayName '{holder.DisplayName}' -Platform {platform}), or remove {platform} from the file.",
                        "ConfigurationPlatformHeldByOtherPartner", ComplianceErrorCategory.ResourceExists);
                }
            }
            var offboarded = ours?.Platforms.Where(p => !desired.Platforms.Contains(p)).ToList() ?? new List<Devices.DevicePlatform>();
            var others = instances.Where(i => !string.Equals(i.Name, connection.SourceName, StringComparison.OrdinalIgnoreCase)).Select(i => "'" + i.Name + "'").ToList();
            if (offboarded.Count > 0 && others.Count > 0 && !options.Force)
            {
                throw ConfigurationReader.Invalid(options.File, desired.PlatformsLine,
                    $"The file offboards {string.Join(", ", offboarded)} from '{desired.DisplayName}', but other MDM instances share this tenant ({string.Join(", ", others)}): " +
                    "their devices would stop being reported compliant too. Nothing was changed.",
                    "Keep the platforms in the file, or use -Force if every instance should lose them.", "ConfigurationOtherInstances", ComplianceErrorCategory.InvalidOperation);
            }
            return ours;
        }

        /// <summary>The scope's groups, each found by its id (when it exists in this tenant) or else by its name.</summary>
        private static async Task<List<DirectoryIdentity>> ResolveScopeAsync(ComplianceConnection connection, ScopeConfiguration? scope, string file,
            CancellationToken cancellationToken)
        {
            var resolved = new List<DirectoryIdentity>();
            if (scope == null || scope.AllUsers) return resolved;
            if (scope.Groups.Count > GroupScope.MaxGroups)
            {
                var eleventh = scope.Groups[GroupScope.MaxGroups];
                throw ConfigurationReader.Invalid(file, eleventh.Line,
                    $"'{eleventh}' is group {GroupScope.MaxGroups + 1} of the scope; a group scope holds at most {GroupScope.MaxGroups} groups. Nothing was changed.",
                    $"Keep at most {GroupScope.MaxGroups} groups, e.g. a parent group that nests the others (membership counts transitively), or AllUsers = $true.",
                    "ConfigurationGroupLimitExceeded", ComplianceErrorCategory.LimitsExceeded);
            }
            foreach (var group in scope.Groups)
            {
                try
                {
                    var found = await GroupDirectory.ResolveAsync(connection, new DirectoryIdentity(group.Id, group.DisplayName), cancellationToken).ConfigureAwait(false);
                    if (!resolved.Any(r => string.Equals(r.Id, found.Id, StringComparison.OrdinalIgnoreCase)))
                    {
                        resolved.Add(new DirectoryIdentity(found.Id, found.DisplayName));
                    }
                }
                catch (ComplianceException ex) when (ex.ErrorId == "GroupNotFound" || ex.ErrorId == "GroupNameAmbiguous")
                {
                    throw ConfigurationReader.Invalid(file, group.Line, ex.Message + " Nothing was changed.", ex.RecommendedAction,
                        "Configuration" + ex.ErrorId, ex.Category);
                }
            }
            return resolved;
        }

        private static async Task CheckAccessPoliciesAsync(ComplianceConnection connection, IReadOnlyList<AccessPolicyConfiguration>? policies, string file, bool force,
            CancellationToken cancellationToken)
        {
            foreach (var policy in policies ?? Array.Empty<AccessPolicyConfiguration>())
            {
                if (!force && AccessPolicyLockout.IsRisky(policy.State, policy.AllUsers, policy.ExcludeUsers.Count + policy.ExcludeGroups.Count))
                {
                    var refusal = AccessPolicyLockout.Refusal(policy.DisplayName, creating: false);
                    throw ConfigurationReader.Invalid(file, policy.Line, refusal.Message + " Nothing was changed.",
                        "Add an emergency access account or group to ExcludeUsers / ExcludeGroups, or keep State = 'ReportOnly'. Use -Force only if you are sure.",
                        "ConfigurationAccessPolicyLockoutRisk", ComplianceErrorCategory.InvalidOperation);
                }
                foreach (var name in policy.Groups.Concat(policy.ExcludeGroups))
                {
                    try
                    {
                        await GroupDirectory.ResolveAsync(connection, DirectoryIdentity.FromText(name), cancellationToken).ConfigureAwait(false);
                    }
                    catch (ComplianceException ex) when (ex.ErrorId == "GroupNotFound" || ex.ErrorId == "GroupNameAmbiguous")
                    {
                        throw ConfigurationReader.Invalid(file, policy.Line, $"The Conditional Access policy '{policy.DisplayName}': {ex.Message} Nothing was changed.",
                            ex.RecommendedAction, "Configuration" + ex.ErrorId, ex.Category);
                    }
                }
                foreach (var user in policy.ExcludeUsers)
                {
                    try
                    {
                        await UserDirectory.ResolveAsync(connection, DirectoryIdentity.FromText(user), UserDirectory.IdentityFields, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ComplianceException ex) when (ex.ErrorId == "UserNotFound")
                    {
                        throw ConfigurationReader.Invalid(file, policy.Line, $"The Conditional Access policy '{policy.DisplayName}': {ex.Message} Nothing was changed.",
                            ex.RecommendedAction, "ConfigurationUserNotFound", ex.Category);
                    }
                }
            }
        }
    }
}
