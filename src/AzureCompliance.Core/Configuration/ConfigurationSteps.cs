using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.ConditionalAccess;
using AzureCompliance.Core.Onboarding.Groups;
using AzureCompliance.Core.Onboarding.Licensing;
using AzureCompliance.Core.Onboarding.Partners;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using GroupScope = AzureCompliance.Core.State.GroupScope;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>
    /// Compares each section of the file with what the tenant and the state hold, and turns each differing item into a
    /// step that calls the service the matching cmdlet uses (so the same rules and the same requests apply).
    /// </summary>
    internal sealed class ConfigurationSteps
    {
        private const int PartnerOrder = 10, OffboardOrder = 15, ScopeOrder = 20, LicensingOrder = 30;
        private const int PolicyRemoveOrder = 40, PolicyDisableOrder = 41, PolicyChangeOrder = 42, PolicyAddOrder = 43;
        private const int AccessOrder = 50, AccessEnforceOrder = 51;

        private readonly ComplianceConnection _connection;
        private readonly string _file;
        private readonly StateWorkspace _workspace;
        private readonly bool _force;
        private readonly List<ConfigurationStep> _steps;

        public ConfigurationSteps(ComplianceConnection connection, string file, StateWorkspace workspace, bool force, List<ConfigurationStep> steps)
        {
            _connection = connection;
            _file = file;
            _workspace = workspace;
            _force = force;
            _steps = steps;
        }

        public void Partner(PartnerConfiguration desired, PartnerSnapshot? current, bool registered, ScopeConfiguration? scope, IReadOnlyList<DirectoryIdentity> scopeGroups)
        {
            var name = desired.DisplayName;
            var missing = desired.Platforms.Where(p => current?.IsOnboarded(p) != true).ToList();
            var extra = current?.Platforms.Where(p => !desired.Platforms.Contains(p)).ToList() ?? new List<DevicePlatform>();
            var changes = new List<ComplianceConfigurationChange>();
            if (current == null)
            {
                changes.Add(Change(ConfigurationArea.Partner, name, ConfigurationAction.Add, null, null, Join(desired.Platforms), desired.Line));
            }
            else if (missing.Count > 0)
            {
                changes.Add(Change(ConfigurationArea.Partner, name, ConfigurationAction.Change, "Platforms", Join(current.Platforms),
                    Join(current.Platforms.Where(p => !extra.Contains(p)).Concat(missing).OrderBy(p => p)), desired.PlatformsLine));
            }
            if (!registered)
            {
                changes.Add(Change(ConfigurationArea.Partner, name, ConfigurationAction.Add, "Instance", null,
                    $"'{_connection.SourceName}' registered, partner tenant provisioned", desired.Line));
            }
            if (changes.Count > 0)
            {
                var platforms = current == null ? desired.Platforms : (missing.Count > 0 ? missing : desired.Platforms);
                _steps.Add(new ConfigurationStep(PartnerOrder, name, changes, async (context, token) =>
                {
                    var request = new AddPartnerRequest(name, platforms)
                    {
                        AllUsers = scope?.AllUsers == true,
                        Groups = scope != null && !scope.AllUsers ? scopeGroups : null,
                    };
                    var result = await CompliancePartnerService.AddAsync(_connection, request, context, token).ConfigureAwait(false);
                    ThrowFirst(result.Errors);
                }));
            }
            if (current != null && extra.Count > 0)
            {
                var change = Change(ConfigurationArea.Partner, name, ConfigurationAction.Remove, "Platforms", Join(extra), null, desired.PlatformsLine);
                _steps.Add(new ConfigurationStep(OffboardOrder, name, new[] { change }, async (context, token) =>
                {
                    var result = await CompliancePartnerService.RemoveAsync(_connection, name, extra, context, token).ConfigureAwait(false);
                    ThrowFirst(result.Errors);
                }));
            }
        }

        public void Scope(ScopeConfiguration desired, IReadOnlyList<DirectoryIdentity> groups, GroupScope? recorded, PartnerSnapshot? partner, string? partnerName)
        {
            var wanted = desired.AllUsers ? "All users" : string.Join(", ", groups.Select(g => g.Name ?? g.Id).OrderBy(n => n, StringComparer.OrdinalIgnoreCase));
            var changes = new List<ComplianceConfigurationChange>();
            var recordedText = recorded == null ? null
                : recorded.AllUsers ? "All users" : string.Join(", ", recorded.Groups.Select(g => g.DisplayName).OrderBy(n => n, StringComparer.OrdinalIgnoreCase));
            var sameRecord = recorded != null && recorded.AllUsers == desired.AllUsers &&
                new HashSet<string>(recorded.Groups.Select(g => g.Id), StringComparer.OrdinalIgnoreCase).SetEquals(groups.Select(g => g.Id!));
            if (!sameRecord)
            {
                changes.Add(Change(ConfigurationArea.GroupScope, _connection.SourceName, recorded == null ? ConfigurationAction.Add : ConfigurationAction.Change,
                    "Groups", recordedText, wanted, desired.GroupsLine));
            }
            if (partner != null && (partnerName == null || string.Equals(partner.DisplayName, partnerName, StringComparison.OrdinalIgnoreCase)))
            {
                var targets = desired.AllUsers ? new List<AssignmentTarget> { AssignmentTarget.Everyone } : groups.Select(g => AssignmentTarget.ForGroup(g.Id!)).ToList();
                var differing = partner.Platforms.Where(p => !AssignmentTarget.SameSet(partner.TargetsOf(p), targets)).ToList();
                if (differing.Count > 0)
                {
                    changes.Add(Change(ConfigurationArea.GroupScope, _connection.SourceName, ConfigurationAction.Change, "PartnerAssignments",
                        string.Join("; ", differing.Select(p => p + ": " + Describe(partner.TargetsOf(p)))), Join(differing) + ": " + wanted, desired.GroupsLine));
                }
            }
            if (changes.Count == 0) return;
            _steps.Add(new ConfigurationStep(ScopeOrder, "Group scope of " + _connection.SourceName, changes, async (context, token) =>
            {
                var request = new GroupScopeRequest { AllUsers = desired.AllUsers, Groups = groups, PartnerName = partnerName, StatePath = _workspace.Address };
                var result = await ComplianceGroupService.SetAsync(_connection, request, context, token).ConfigureAwait(false);
                ThrowFirst(result.Errors);
            }));
        }

        public void Licensing(LicensingConfiguration desired, LicensingConfiguration recorded, LicenseSummary? summary, ScopeConfiguration? scope,
            IReadOnlyList<DirectoryIdentity> scopeGroups, GroupScope? recordedScope)
        {
            var item = "Intune licences";
            if (!LicensingIntent.Same(desired, recorded))
            {
                var change = Change(ConfigurationArea.Licensing, item, ConfigurationAction.Change, "Intent", Intent(recorded), Intent(desired), desired.Line);
                _steps.Add(new ConfigurationStep(LicensingOrder, item, new[] { change }, (context, token) =>
                {
                    using var store = _workspace.Open();
                    LicensingIntent.Save(store, _connection.SourceName, desired);
                    return System.Threading.Tasks.Task.CompletedTask;
                }));
            }
            if (summary == null || summary.Unlicensed == 0) return;
            var names = string.Join(", ", summary.FirstUnlicensed) + (summary.Unlicensed > summary.FirstUnlicensed.Count ? ", ..." : "");
            var assign = Change(ConfigurationArea.Licensing, item, ConfigurationAction.Add, "UsersInScope",
                $"{summary.Unlicensed} of {summary.Users} user(s) unlicensed ({names})", "every user in scope licensed", desired.Line);
            var query = scope != null
                ? new LicenseQuery { AllUsers = scope.AllUsers, Groups = scope.AllUsers ? Array.Empty<DirectoryIdentity>() : scopeGroups }
                : new LicenseQuery { AllUsers = recordedScope!.AllUsers, Groups = recordedScope.Groups.Select(g => new DirectoryIdentity(g.Id, g.DisplayName)).ToList() };
            _steps.Add(new ConfigurationStep(LicensingOrder, item, new[] { assign }, async (context, token) =>
            {
                var report = await ComplianceLicenseService.AddAsync(_connection, query, desired.SkuId, desired.UsageLocation, context, token).ConfigureAwait(false);
                ThrowFirst(report.Errors);
            }));
        }

        public void Policies(IReadOnlyList<PolicyConfiguration> desired, IReadOnlyList<CompliancePolicy> stored)
        {
            var source = _connection.SourceName;
            foreach (var policy in stored.Where(s => !desired.Any(d => Same(d.Name, s.Name))))
            {
                var change = Change(ConfigurationArea.CompliancePolicy, policy.Name, ConfigurationAction.Remove, null, Rules(ConfigurationExporter.FromStored(policy)), null, 0);
                var name = policy.Name;
                _steps.Add(new ConfigurationStep(PolicyRemoveOrder, name, new[] { change }, (context, token) =>
                {
                    using var store = _workspace.Open();
                    CompliancePolicyStore.Remove(store, source, name);
                    return System.Threading.Tasks.Task.CompletedTask;
                }));
            }
            foreach (var wanted in desired)
            {
                var current = stored.FirstOrDefault(s => Same(s.Name, wanted.Name));
                if (current == null)
                {
                    var change = Change(ConfigurationArea.CompliancePolicy, wanted.Name, ConfigurationAction.Add, null, null, Rules(wanted), wanted.Line);
                    _steps.Add(new ConfigurationStep(PolicyAddOrder, wanted.Name, new[] { change }, async (context, token) =>
                    {
                        using var store = _workspace.Open();
                        await CompliancePolicyService.CreateAsync(_connection, store, ToStored(wanted, null), context, token).ConfigureAwait(false);
                    }));
                    continue;
                }
                var have = ConfigurationExporter.FromStored(current);
                var changes = new List<ComplianceConfigurationChange>();
                void Compare(string property, object? before, object? after)
                {
                    var old = Show(before);
                    var now = Show(after);
                    if (!string.Equals(old, now, StringComparison.Ordinal))
                    {
                        changes.Add(Change(ConfigurationArea.CompliancePolicy, wanted.Name, ConfigurationAction.Change, property, old, now, wanted.Line));
                    }
                }
                Compare("Name", have.Name, wanted.Name);
                Compare("Platform", have.Platform, wanted.Platform);
                Compare("Enabled", have.Enabled, wanted.Enabled);
                Compare("MinimumOsVersion", have.MinimumOsVersion, wanted.MinimumOsVersion);
                Compare("MinimumClientVersion", have.MinimumClientVersion, wanted.MinimumClientVersion);
                Compare("BlockJailbroken", have.BlockJailbroken, wanted.BlockJailbroken);
                Compare("RequireEncryption", have.RequireEncryption, wanted.RequireEncryption);
                Compare("RequirePasscode", have.RequirePasscode, wanted.RequirePasscode);
                Compare("RequireEntraRegistration", have.RequireEntraRegistration, wanted.RequireEntraRegistration);
                Compare("MaximumCheckInAgeHours", Hours(have.MaximumCheckInAge), Hours(wanted.MaximumCheckInAge));
                if (changes.Count == 0) continue;
                var order = !wanted.Enabled ? PolicyDisableOrder : (!have.Enabled ? PolicyAddOrder : PolicyChangeOrder);
                var currentName = current.Name;
                var moved = have.Platform != wanted.Platform;
                _steps.Add(new ConfigurationStep(order, wanted.Name, changes, async (context, token) =>
                {
                    using var store = _workspace.Open();
                    var updated = CompliancePolicyStore.Update(store, source, currentName, ToStored(wanted, current), DateTimeOffset.UtcNow);
                    if (moved || updated.IntunePolicyId == null)
                    {
                        await CompliancePolicyService.RepublishAsync(_connection, store, updated.Name, context, token).ConfigureAwait(false);
                    }
                }));
            }
        }

        public void AccessPolicies(IReadOnlyList<AccessPolicyConfiguration> desired, IReadOnlyList<ComplianceAccessPolicy> existing)
        {
            foreach (var wanted in desired)
            {
                var order = wanted.State == ComplianceAccessPolicyState.Enabled ? AccessEnforceOrder : AccessOrder;
                var matches = existing.Where(p => Same(p.DisplayName, wanted.DisplayName)).ToList();
                if (matches.Count == 0)
                {
                    var change = Change(ConfigurationArea.AccessPolicy, wanted.DisplayName, ConfigurationAction.Add, null, null, Describe(wanted), wanted.Line);
                    _steps.Add(new ConfigurationStep(order, wanted.DisplayName, new[] { change }, async (context, token) =>
                    {
                        var definition = new AccessPolicyDefinition(wanted.DisplayName)
                        {
                            Platforms = wanted.Platforms,
                            Applications = wanted.Applications,
                            AllUsers = wanted.AllUsers,
                            Groups = wanted.Groups.Select(DirectoryIdentity.FromText).ToList(),
                            ExcludeUsers = wanted.ExcludeUsers.Select(DirectoryIdentity.FromText).ToList(),
                            ExcludeGroups = wanted.ExcludeGroups.Select(DirectoryIdentity.FromText).ToList(),
                            State = wanted.State,
                        };
                        await ComplianceAccessPolicyService.NewAsync(_connection, definition, _force, context, token).ConfigureAwait(false);
                    }));
                    continue;
                }
                if (matches.Count > 1)
                {
                    throw ConfigurationReader.Invalid(_file, wanted.Line, $"{matches.Count} Conditional Access policies are named '{wanted.DisplayName}' ({string.Join(", ", matches.Select(m => m.Id))}). Nothing was changed.",
                        "Rename or remove the duplicates (Get-ComplianceAccessPolicy -All), then apply the file again.", "ConfigurationAccessPolicyNameAmbiguous", ComplianceErrorCategory.InvalidArgument);
                }
                var have = ConfigurationExporter.FromTenant(matches[0]);
                var changes = new List<ComplianceConfigurationChange>();
                void Compare(string property, string before, string after)
                {
                    if (!string.Equals(before, after, StringComparison.OrdinalIgnoreCase))
                    {
                        changes.Add(Change(ConfigurationArea.AccessPolicy, wanted.DisplayName, ConfigurationAction.Change, property, before, after, wanted.Line));
                    }
                }
                Compare("State", have.State.ToString(), wanted.State.ToString());
                Compare("Platforms", Join(have.Platforms), Join(wanted.Platforms));
                Compare("Applications", Set(have.Applications), Set(wanted.Applications));
                Compare("AllUsers", Show(have.AllUsers), Show(wanted.AllUsers));
                Compare("Groups", Set(have.Groups), Set(wanted.Groups));
                Compare("ExcludeUsers", Set(have.ExcludeUsers), Set(wanted.ExcludeUsers));
                Compare("ExcludeGroups", Set(have.ExcludeGroups), Set(wanted.ExcludeGroups));
                if (changes.Count == 0) continue;
                var id = matches[0].Id;
                _steps.Add(new ConfigurationStep(order, wanted.DisplayName, changes, async (context, token) =>
                {
                    var change = new AccessPolicyChange
                    {
                        State = wanted.State,
                        AllUsers = wanted.AllUsers,
                        Groups = wanted.AllUsers ? null : wanted.Groups.Select(DirectoryIdentity.FromText).ToList(),
                        ExcludeUsers = wanted.ExcludeUsers.Select(DirectoryIdentity.FromText).ToList(),
                        ExcludeGroups = wanted.ExcludeGroups.Select(DirectoryIdentity.FromText).ToList(),
                        Platforms = wanted.Platforms,
                        Applications = wanted.Applications,
                    };
                    await ComplianceAccessPolicyService.SetAsync(_connection, id, null, change, _force, context, token).ConfigureAwait(false);
                }));
            }
        }

        private ComplianceConfigurationChange Change(ConfigurationArea area, string item, ConfigurationAction action, string? property, string? oldValue,
            string? newValue, int line) =>
            new ComplianceConfigurationChange(area, item, action, property, oldValue, newValue, ConfigurationReader.Location(_file, line));

        private CompliancePolicy ToStored(PolicyConfiguration wanted, CompliancePolicy? current)
        {
            var policy = current?.Clone() ?? new CompliancePolicy(wanted.Name, wanted.Platform);
            policy.Name = wanted.Name;
            policy.Platform = wanted.Platform;
            policy.Enabled = wanted.Enabled;
            policy.MinimumOsVersion = wanted.MinimumOsVersion;
            policy.MinimumClientVersion = wanted.MinimumClientVersion;
            policy.BlockJailbroken = wanted.BlockJailbroken;
            policy.RequireEncryption = wanted.RequireEncryption;
            policy.RequirePasscode = wanted.RequirePasscode;
            policy.RequireEntraRegistration = wanted.RequireEntraRegistration;
            policy.MaximumCheckInAge = wanted.MaximumCheckInAge;
            return policy;
        }

        private static void ThrowFirst(IReadOnlyList<ComplianceException> errors)
        {
            if (errors.Count > 0) throw errors[0];
        }

        private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

        private static string Join(IEnumerable<DevicePlatform> platforms) => string.Join(", ", platforms.Distinct().OrderBy(p => p));

        private static string Set(IEnumerable<string> values) => string.Join(", ", values.Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(v => v, StringComparer.OrdinalIgnoreCase));

        private static string Show(object? value) =>
            value == null ? "" : value is bool b ? (b ? "True" : "False") : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

        private static long? Hours(TimeSpan? age) => age is TimeSpan value ? (long)Math.Ceiling(value.TotalHours) : (long?)null;

        private static string Intent(LicensingConfiguration intent) =>
            intent.AssignMissingLicenses ? "assign missing licences" + (intent.SkuId is Guid sku ? " (SKU " + sku + ")" : "") : "assign nothing";

        private static string Describe(IReadOnlyList<AssignmentTarget> targets) =>
            targets.Count == 0 ? "nobody" : string.Join(", ", targets.Select(t => t.AllUsers ? "All users" : t.GroupId));

        private static string Rules(PolicyConfiguration policy) =>
            $"{policy.Platform}, {(policy.Enabled ? "enabled" : "disabled")}, OS >= {Show(policy.MinimumOsVersion ?? (object)"any")}, client >= {Show(policy.MinimumClientVersion ?? (object)"any")}, " +
            $"BlockJailbroken {policy.BlockJailbroken}, RequireEncryption {policy.RequireEncryption}, RequirePasscode {policy.RequirePasscode}, " +
            $"RequireEntraRegistration {policy.RequireEntraRegistration}, MaximumCheckInAgeHours {Hours(policy.MaximumCheckInAge) ?? 0}";

        private static string Describe(AccessPolicyConfiguration policy) =>
            $"{policy.State}, {Join(policy.Platforms)}, {Set(policy.Applications)}, " +
            (policy.AllUsers ? "All users" : Set(policy.Groups)) +
            (policy.ExcludeUsers.Count + policy.ExcludeGroups.Count == 0 ? "" : " except " + Set(policy.ExcludeUsers.Concat(policy.ExcludeGroups)));
    }
}
