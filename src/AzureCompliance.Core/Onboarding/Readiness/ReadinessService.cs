using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.ConditionalAccess;
using AzureCompliance.Core.Onboarding.Groups;
using AzureCompliance.Core.Onboarding.Licensing;
using AzureCompliance.Core.Onboarding.Partners;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.Registry;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Onboarding.Readiness
{
    /// <summary>What Test-ComplianceTenant checks.</summary>
    public sealed class ReadinessRequest
    {
        /// <summary>The platforms the partner must be onboarded for.</summary>
        public IReadOnlyList<DevicePlatform> Platforms { get; set; } = new[] { DevicePlatform.Android, DevicePlatform.iOS };
        public string? PartnerName { get; set; }
        public string? StatePath { get; set; }
        /// <summary>How many unlicensed users the licence check names.</summary>
        public int SampleSize { get; set; } = 5;
    }

    /// <summary>
    /// Test-ComplianceTenant: one result per check, each independent (a failing read makes that check Fail, not the run).
    /// Nothing is written. Licence counts come from paged membership (999 users per request), not one request per user.
    /// </summary>
    public static class ReadinessService
    {
        public static async Task<IReadOnlyList<ComplianceReadinessCheck>> TestAsync(ComplianceConnection connection, ReadinessRequest request,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var checks = new List<ComplianceReadinessCheck>();
            var platforms = OnboardingPlatforms.Normalize(request.Platforms);
            var statePath = Path.GetFullPath(string.IsNullOrWhiteSpace(request.StatePath) ? StateStore.DefaultPath : request.StatePath);
            const int activity = 45;
            var steps = 7;
            var step = 0;
            void Progress(string what) => context.WriteProgress(new OperationProgress(activity, "Testing the tenant's readiness", what, 100 * step++ / steps));

            try
            {
                Progress("Permissions");
                checks.Add(CheckPermissions(connection));

                Progress("Compliance partner");
                PartnerSnapshot? partner = null;
                IReadOnlyList<PartnerSnapshot> partners = Array.Empty<PartnerSnapshot>();
                var partnerProblem = await Guard(async () =>
                {
                    partners = await CompliancePartnerService.ListAsync(connection, cancellationToken).ConfigureAwait(false);
                    partner = await InstancePartner.SelectAsync(connection, partners, request.PartnerName, cancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
                checks.AddRange(CheckPlatforms(partner, partners, platforms, partnerProblem, request.PartnerName));
                checks.Add(CheckPartnerState(partner, partnerProblem));

                Progress("Partner tenant");
                checks.Add(await CheckPartnerTenantAsync(connection, cancellationToken).ConfigureAwait(false));

                Progress("Group scope");
                GroupScope? scope = null;
                var scopeProblem = await Guard(() =>
                {
                    scope = ComplianceGroupService.LoadScope(statePath, connection.SourceName);
                    return Task.CompletedTask;
                }).ConfigureAwait(false);
                checks.Add(CheckScope(connection, scope, scopeProblem, partner, statePath));

                Progress("Licences of the users in scope");
                checks.Add(await CheckLicencesAsync(connection, scope, request.SampleSize, cancellationToken).ConfigureAwait(false));

                Progress("Conditional Access");
                checks.Add(await CheckAccessPoliciesAsync(connection, platforms, context, cancellationToken).ConfigureAwait(false));

                Progress("Partner compliance policy");
                checks.Add(CheckCompliancePolicy(connection, statePath));
                return checks;
            }
            finally
            {
                context.WriteProgress(new OperationProgress(activity, "Testing the tenant's readiness", "Done", 100, completed: true));
            }
        }

        internal static ComplianceReadinessCheck CheckPermissions(ComplianceConnection connection)
        {
            var delegated = connection.AuthType == ComplianceAuthType.DeviceCode;
            if (connection.MissingPermissions.Count == 0 && !delegated)
            {
                return new ComplianceReadinessCheck(ReadinessCheckNames.Permissions, ReadinessResult.Pass,
                    "The app holds every Microsoft Graph and Microsoft Intune API permission the module needs (" + connection.Permissions.Count + " granted).");
            }
            var missing = PermissionCatalog.Required.Where(r => connection.MissingPermissions.Contains(r.Permission, StringComparer.OrdinalIgnoreCase)).ToList();
            var text = missing.Count == 0 ? "" : "The app lacks: " + PermissionCatalog.Describe(missing) + ". ";
            if (delegated)
            {
                text += ConnectionErrors.DelegatedPartnerApiMessage;
            }
            return new ComplianceReadinessCheck(ReadinessCheckNames.Permissions, ReadinessResult.Fail, text.Trim(),
                delegated
                    ? "Connect with an app (-ClientSecret, -CertificateThumbprint or -ManagedIdentity) that holds the Microsoft Intune API application permissions update_device_attributes and manage_partner_compliance_policy."
                    : "Grant these application permissions with admin consent (the Intune ones under API permissions > APIs my organization uses > Microsoft Intune API), then run Connect-ComplianceTenant again.");
        }

        internal static IEnumerable<ComplianceReadinessCheck> CheckPlatforms(PartnerSnapshot? partner, IReadOnlyList<PartnerSnapshot> partners,
            IReadOnlyList<DevicePlatform> platforms, ComplianceException? problem, string? partnerName)
        {
            var nameArgument = partner?.DisplayName ?? partnerName ?? "<MDM name>";
            foreach (var platform in platforms)
            {
                var name = ReadinessCheckNames.PartnerOnboardedPrefix + platform;
                var add = $"Add-CompliancePartner -DisplayName '{nameArgument}' -Platform {platform}";
                if (partner == null)
                {
                    yield return new ComplianceReadinessCheck(name, ReadinessResult.Fail, problem?.Message ?? "No compliance partner was found.",
                        problem?.RecommendedAction ?? add);
                    continue;
                }
                if (!partner.IsOnboarded(platform))
                {
                    var holder = partners.FirstOrDefault(p => !ReferenceEquals(p, partner) && p.IsOnboarded(platform));
                    yield return new ComplianceReadinessCheck(name, ReadinessResult.Fail,
                        holder == null
                            ? $"'{partner.DisplayName}' is not onboarded for {platform}."
                            : $"{platform} is onboarded by another compliance partner, '{holder.DisplayName}', not by '{partner.DisplayName}'.",
                        holder == null ? add : $"Remove-CompliancePartner -DisplayName '{holder.DisplayName}' -Platform {platform}; then {add}");
                    continue;
                }
                var targets = partner.TargetsOf(platform);
                yield return targets.Count == 0
                    ? new ComplianceReadinessCheck(name, ReadinessResult.Warning,
                        $"'{partner.DisplayName}' is onboarded for {platform} but assigned to nobody.", "Set-ComplianceGroup -AllUsers, or -Group <groups>")
                    : new ComplianceReadinessCheck(name, ReadinessResult.Pass,
                        $"'{partner.DisplayName}' is onboarded for {platform}, assigned to " +
                        (targets.Any(t => t.AllUsers) ? "all users" : targets.Count + " group(s)") + ".");
            }
        }

        internal static ComplianceReadinessCheck CheckPartnerState(PartnerSnapshot? partner, ComplianceException? problem)
        {
            const string name = ReadinessCheckNames.PartnerState;
            if (partner == null)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Fail, problem?.Message ?? "No compliance partner was found.",
                    problem?.RecommendedAction ?? "Add-CompliancePartner");
            }
            var heartbeat = partner.LastHeartbeat.HasValue ? "last heartbeat " + partner.LastHeartbeat.Value.ToString("u") : "no heartbeat yet";
            switch (partner.State)
            {
                case CompliancePartnerState.Enabled:
                    return new ComplianceReadinessCheck(name, ReadinessResult.Pass, $"'{partner.DisplayName}' is enabled; {heartbeat}.");
                case CompliancePartnerState.Unknown:
                case CompliancePartnerState.Unavailable:
                    return new ComplianceReadinessCheck(name, ReadinessResult.Warning,
                        $"'{partner.DisplayName}' is {partner.State.ToString().ToLowerInvariant()}; {heartbeat}. Intune enables the partner when it first hears from it.",
                        "Send device compliance from the MDM (the device sync), then check Get-CompliancePartner again.");
                default:
                    return new ComplianceReadinessCheck(name, ReadinessResult.Fail,
                        $"'{partner.DisplayName}' is {partner.State.ToString().ToLowerInvariant()}; {heartbeat}.",
                        "Check the partner in the Intune admin center (Tenant administration > Connectors and tokens > Partner compliance management); re-run Add-CompliancePartner.");
            }
        }

        private static async Task<ComplianceReadinessCheck> CheckPartnerTenantAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            const string name = ReadinessCheckNames.PartnerTenant;
            IReadOnlyList<MdmInstance> instances = Array.Empty<MdmInstance>();
            var problem = await Guard(async () =>
            {
                await PartnerApiClient.For(connection).GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
                instances = await InstanceRegistry.GetAsync(connection, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            if (problem != null)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Fail, problem.Message, problem.RecommendedAction ?? "Add-CompliancePartner");
            }
            var list = instances.Count == 0 ? "none" : string.Join(", ", instances.Select(i => i.Name));
            return instances.Any(i => string.Equals(i.Name, connection.SourceName, StringComparison.OrdinalIgnoreCase))
                ? new ComplianceReadinessCheck(name, ReadinessResult.Pass,
                    $"The Intune partner endpoints are published and this instance ('{connection.SourceName}') is registered. Registered instances: {list}.")
                : new ComplianceReadinessCheck(name, ReadinessResult.Fail,
                    $"This instance ('{connection.SourceName}') has not provisioned the partner tenant (registered instances: {list}).",
                    "Add-CompliancePartner -DisplayName <MDM name> -Platform Android, iOS");
        }

        private static ComplianceReadinessCheck CheckScope(ComplianceConnection connection, GroupScope? scope, ComplianceException? problem,
            PartnerSnapshot? partner, string statePath)
        {
            const string name = ReadinessCheckNames.GroupScope;
            if (problem != null)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Fail, problem.Message, problem.RecommendedAction);
            }
            if (scope == null)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Fail,
                    $"No group scope is recorded for '{connection.SourceName}' in {statePath}: device sync does not know whose devices to report.",
                    "Set-ComplianceGroup -AllUsers, or Set-ComplianceGroup -Group <up to 10 groups>");
            }
            if (partner != null)
            {
                var expected = scope.AllUsers
                    ? new List<AssignmentTarget> { AssignmentTarget.Everyone }
                    : scope.Groups.Select(g => AssignmentTarget.ForGroup(g.Id)).ToList();
                var differing = partner.Platforms.Where(p => !AssignmentTarget.SameSet(partner.TargetsOf(p), expected)).ToList();
                if (differing.Count > 0)
                {
                    return new ComplianceReadinessCheck(name, ReadinessResult.Warning,
                        $"The recorded scope is {scope}, but the partner's {string.Join(", ", differing)} assignments differ from it.",
                        scope.AllUsers ? "Set-ComplianceGroup -AllUsers" : "Set-ComplianceGroup -Group " + string.Join(", ", scope.Groups.Select(g => "'" + g.DisplayName.Replace("'", "''") + "'")));
                }
            }
            return new ComplianceReadinessCheck(name, ReadinessResult.Pass,
                scope.AllUsers ? "All users." : $"{scope.Groups.Count} group(s): {scope}.");
        }

        private static async Task<ComplianceReadinessCheck> CheckLicencesAsync(ComplianceConnection connection, GroupScope? scope, int sample, CancellationToken cancellationToken)
        {
            const string name = ReadinessCheckNames.UsersLicensed;
            if (scope == null)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Warning, "Not checked: no group scope is recorded.",
                    "Set-ComplianceGroup, then Test-ComplianceTenant again");
            }
            LicenseSummary? summary = null;
            var problem = await Guard(async () =>
                summary = await ComplianceLicenseService.SummarizeAsync(connection, scope, Math.Max(0, sample), cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            if (problem != null || summary == null)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Fail, problem?.Message ?? "The licences could not be read.", problem?.RecommendedAction);
            }
            var remedy = scope.AllUsers
                ? "Get-ComplianceLicense -AllUsers | Where-Object { -not $_.IsLicensed } | Add-ComplianceLicense"
                : "Add-ComplianceLicense -Group " + string.Join(", ", scope.Groups.Select(g => "'" + g.DisplayName.Replace("'", "''") + "'"));
            if (summary.Users == 0)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Warning, $"The scope ({scope}) holds no users.",
                    "Set-ComplianceGroup with groups that hold the MDM's users");
            }
            if (summary.Unlicensed == 0)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Pass, $"All {summary.Users} user(s) in scope have an Intune licence.");
            }
            var names = string.Join(", ", summary.FirstUnlicensed) + (summary.Unlicensed > summary.FirstUnlicensed.Count ? ", ..." : "");
            return new ComplianceReadinessCheck(name, summary.Licensed == 0 ? ReadinessResult.Fail : ReadinessResult.Warning,
                $"{summary.Unlicensed} of {summary.Users} user(s) in scope have no Intune licence: {names}. Their devices cannot be reported compliant.",
                remedy);
        }

        private static async Task<ComplianceReadinessCheck> CheckAccessPoliciesAsync(ComplianceConnection connection, IReadOnlyList<DevicePlatform> platforms,
            IOperationContext context, CancellationToken cancellationToken)
        {
            const string name = ReadinessCheckNames.ConditionalAccess;
            IReadOnlyList<ComplianceAccessPolicy> policies = Array.Empty<ComplianceAccessPolicy>();
            var problem = await Guard(async () =>
                policies = await AccessPolicyReader.RequiringCompliantDeviceAsync(connection, context, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            if (problem != null)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Fail, problem.Message, problem.RecommendedAction);
            }
            var relevant = policies.Where(p => AccessPolicyShape.AppliesTo(p, platforms)).ToList();
            if (relevant.Count == 0)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Fail,
                    "No Conditional Access policy requires a compliant device on " + string.Join(", ", platforms) + ".",
                    "New-ComplianceAccessPolicy -DisplayName 'Require compliant mobile devices' -Group <groups> -ExcludeGroup <emergency access group>");
            }
            string List(IEnumerable<ComplianceAccessPolicy> list) => string.Join(", ", list.Select(p => $"'{p.DisplayName}' ({p.State})"));
            var risky = relevant.Where(p => p.LockoutRisk).ToList();
            if (risky.Count > 0)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Warning,
                    $"{List(risky)} {(risky.Count == 1 ? "is" : "are")} enforced for all users with nobody excluded: an administrator without a compliant device is locked out.",
                    $"Set-ComplianceAccessPolicy -DisplayName '{risky[0].DisplayName.Replace("'", "''")}' -ExcludeGroup <emergency access group>");
            }
            var enabled = relevant.Where(p => p.State == ComplianceAccessPolicyState.Enabled).ToList();
            if (enabled.Count > 0)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Pass, "Enforced: " + List(enabled) + ".");
            }
            var reportOnly = relevant.Where(p => p.State == ComplianceAccessPolicyState.ReportOnly).ToList();
            return reportOnly.Count > 0
                ? new ComplianceReadinessCheck(name, ReadinessResult.Warning,
                    "Report-only, not enforced yet: " + List(reportOnly) + ". Sign-ins are logged as if it applied; nobody is blocked.",
                    $"Review the sign-in logs, then Set-ComplianceAccessPolicy -DisplayName '{reportOnly[0].DisplayName.Replace("'", "''")}' -State Enabled")
                : new ComplianceReadinessCheck(name, ReadinessResult.Warning, "Disabled: " + List(relevant) + ".",
                    $"Set-ComplianceAccessPolicy -DisplayName '{relevant[0].DisplayName.Replace("'", "''")}' -State ReportOnly");
        }

        private static ComplianceReadinessCheck CheckCompliancePolicy(ComplianceConnection connection, string statePath)
        {
            const string name = ReadinessCheckNames.CompliancePolicy;
            var source = connection.SourceName;
            try
            {
                if (File.Exists(statePath))
                {
                    using var store = StateStore.Open(statePath);
                    if (CompliancePolicyStore.HasEnabledPolicy(store, source))
                    {
                        var enabled = CompliancePolicyStore.List(store, source).Where(p => p.Enabled).Select(p => $"'{p.Name}' ({p.Platform})");
                        return new ComplianceReadinessCheck(name, ReadinessResult.Pass, $"Enabled for '{source}': {string.Join(", ", enabled)}.");
                    }
                }
            }
            catch (ComplianceException ex)
            {
                return new ComplianceReadinessCheck(name, ReadinessResult.Fail, ex.Message, ex.RecommendedAction);
            }
            return new ComplianceReadinessCheck(name, ReadinessResult.Warning,
                $"'{source}' has no enabled partner compliance policy in {statePath}: it reports no device's compliance yet.",
                "New-CompliancePolicy -Name <name> -Platform iOS (or Enable-CompliancePolicy)");
        }

        /// <summary>Runs one check's reads; an engine error becomes that check's finding instead of ending the run.</summary>
        private static async Task<ComplianceException?> Guard(Func<Task> work)
        {
            try
            {
                await work().ConfigureAwait(false);
                return null;
            }
            catch (ComplianceException ex)
            {
                return ex;
            }
        }
    }
}
