using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using AzureCompliance.Core.Onboarding.ConditionalAccess;
using AzureCompliance.Core.Onboarding.Groups;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Registry;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Onboarding.Partners
{
    /// <summary>What Add-CompliancePartner asks for.</summary>
    public sealed class AddPartnerRequest
    {
        public AddPartnerRequest(string displayName, IEnumerable<DevicePlatform> platforms)
        {
            DisplayName = displayName;
            Platforms = OnboardingPlatforms.Normalize(platforms);
        }

        public string DisplayName { get; }
        public IReadOnlyList<DevicePlatform> Platforms { get; }
        /// <summary>Assign the platforms to all licensed users.</summary>
        public bool AllUsers { get; set; }
        /// <summary>Assign the platforms to these groups. Neither this nor AllUsers: existing assignments stay as they are.</summary>
        public IReadOnlyList<DirectoryIdentity>? Groups { get; set; }
        public Uri? EnrollmentUrl { get; set; }
        public Uri? RemediationUrl { get; set; }
    }

    /// <summary>The outcome of a partner change: the partner as it now is, and the platforms that failed.</summary>
    public sealed class PartnerChangeResult
    {
        internal PartnerChangeResult(CompliancePartner? partner, IReadOnlyList<ComplianceException> errors, IReadOnlyList<string> changes)
        {
            Partner = partner;
            Errors = errors;
            Changes = changes;
        }

        /// <summary>The partner after the change; null when nothing was (or, under -WhatIf, would have been) done to it.</summary>
        public CompliancePartner? Partner { get; }
        /// <summary>Per-platform problems (e.g. another partner holds the platform); the other platforms proceeded.</summary>
        public IReadOnlyList<ComplianceException> Errors { get; }
        /// <summary>What was changed, in words; empty when everything already was as asked.</summary>
        public IReadOnlyList<string> Changes { get; }
    }

    /// <summary>
    /// The Intune side of onboarding (Graph /deviceManagement/complianceManagementPartners) and the partner tenant
    /// (PROTOCOL.md 3.1, 3.2), plus this MDM instance's entry in the tenant-side registry.
    /// </summary>
    public static class CompliancePartnerService
    {
        private const string Permission = PermissionCatalog.ServiceConfigReadWrite;

        public static async Task<IReadOnlyList<CompliancePartner>> GetAsync(ComplianceConnection connection, string? displayName,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var partners = await ListAsync(connection, cancellationToken).ConfigureAwait(false);
            var selected = displayName == null
                ? partners
                : partners.Where(p => string.Equals(p.DisplayName, displayName, StringComparison.OrdinalIgnoreCase)).ToList();
            context.WriteVerbose($"The tenant has {partners.Count} compliance partner(s).");
            var names = await GroupDirectory.NamesAsync(connection, selected.SelectMany(p => p.GroupIds), cancellationToken).ConfigureAwait(false);
            var ours = await InstancePartner.NameAsync(connection, cancellationToken).ConfigureAwait(false);
            return selected.Select(p => p.ToPublic(names, isThisInstance: ours != null && Same(p.DisplayName, ours))).ToList();
        }

        /// <summary>
        /// Onboards the platforms for the partner (creating it if needed), provisions the partner tenant and registers this
        /// instance. Idempotent: when everything already is as asked, nothing is written. A platform another partner holds
        /// is refused with an error naming that partner; the other platforms proceed.
        /// </summary>
        public static async Task<PartnerChangeResult> AddAsync(ComplianceConnection connection, AddPartnerRequest request,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(request.DisplayName))
            {
                throw new ComplianceException("PartnerNameMissing", ComplianceErrorCategory.InvalidArgument,
                    "A compliance partner needs a display name (-DisplayName).", null);
            }
            if (request.Platforms.Count == 0)
            {
                throw new ComplianceException("PlatformMissing", ComplianceErrorCategory.InvalidArgument,
                    "Name at least one platform to onboard (-Platform Android, iOS, macOS).", null);
            }
            if (request.EnrollmentUrl != null) PartnerApiClient.RequireHttps(request.EnrollmentUrl, "EnrollmentUrl");
            if (request.RemediationUrl != null) PartnerApiClient.RequireHttps(request.RemediationUrl, "RemediationUrl");
            if (request.AllUsers && request.Groups != null && request.Groups.Count > 0)
            {
                throw new ComplianceException("ScopeConflict", ComplianceErrorCategory.InvalidArgument,
                    "Assign the partner to all users or to groups, not both.", null);
            }

            // Resolve the groups first: a bad name changes nothing.
            List<AssignmentTarget>? targets = null;
            var groupNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (request.AllUsers)
            {
                targets = new List<AssignmentTarget> { AssignmentTarget.Everyone };
            }
            else if (request.Groups != null && request.Groups.Count > 0)
            {
                targets = new List<AssignmentTarget>();
                foreach (var identity in request.Groups)
                {
                    var group = await GroupDirectory.ResolveAsync(connection, identity, cancellationToken).ConfigureAwait(false);
                    groupNames[group.Id] = group.DisplayName;
                    var target = AssignmentTarget.ForGroup(group.Id);
                    if (!targets.Contains(target)) targets.Add(target);
                }
            }

            var partners = await ListAsync(connection, cancellationToken).ConfigureAwait(false);
            var ours = partners.FirstOrDefault(p => Same(p.DisplayName, request.DisplayName));
            var errors = new List<ComplianceException>();
            var accepted = new List<DevicePlatform>();
            foreach (var platform in request.Platforms)
            {
                var holder = partners.FirstOrDefault(p => !ReferenceEquals(p, ours) && p.IsOnboarded(platform));
                if (holder != null)
                {
                    errors.Add(new ComplianceException("PlatformHeldByOtherPartner", ComplianceErrorCategory.ResourceExists,
                        $"{platform} is already onboarded by the compliance partner '{holder.DisplayName}'; Intune allows one compliance partner per platform. " +
                        $"{platform} was not onboarded for '{request.DisplayName}'.",
                        platform, $"Offboard {platform} from '{holder.DisplayName}' first (Remove-CompliancePartner -DisplayName '{holder.DisplayName}' -Platform {platform}), then run Add-CompliancePartner again."));
                    continue;
                }
                accepted.Add(platform);
            }
            if (accepted.Count == 0)
            {
                return new PartnerChangeResult(null, errors, Array.Empty<string>());
            }

            var changes = new List<string>();
            var declined = false;
            var body = new ComplianceManagementPartner();
            var describe = new List<string>();
            foreach (var platform in accepted)
            {
                var current = ours?.TargetsOf(platform) ?? Array.Empty<AssignmentTarget>();
                var wanted = targets ?? (IReadOnlyList<AssignmentTarget>)current;
                var onboarded = ours?.IsOnboarded(platform) == true;
                if (onboarded && AssignmentTarget.SameSet(current, wanted))
                {
                    continue;
                }
                PartnerSnapshot.SetPlatform(body, platform, true, wanted);
                describe.Add($"{platform} ({Describe(wanted, groupNames)})");
            }

            string partnerId;
            if (ours == null)
            {
                body.DisplayName = request.DisplayName;
                foreach (var platform in OnboardingPlatforms.All.Where(p => !accepted.Contains(p)))
                {
                    PartnerSnapshot.SetPlatform(body, platform, false, null);
                }
                var action = "Create the compliance partner and onboard " + string.Join(", ", describe);
                if (context.ShouldProcess(request.DisplayName, action))
                {
                    ComplianceManagementPartner? created;
                    try
                    {
                        created = await GraphErrors.CallAsync(
                            () => connection.Session.Graph.DeviceManagement.ComplianceManagementPartners.PostAsync(body, cancellationToken: cancellationToken),
                            $"Creating the compliance partner '{request.DisplayName}'", Permission, connection.Permissions, request.DisplayName).ConfigureAwait(false);
                    }
                    catch (ComplianceServiceException ex) when (IsCreationRefused(ex))
                    {
                        throw CreationRefused(request.DisplayName, partners, ex);
                    }
                    partnerId = created?.Id ?? throw new ComplianceException("PartnerWithoutId", ComplianceErrorCategory.InvalidData,
                        $"Intune created the compliance partner '{request.DisplayName}' but answered without its id.", request.DisplayName);
                    changes.Add(action);
                }
                else
                {
                    declined = true;
                    partnerId = "";
                }
            }
            else
            {
                partnerId = ours.Id;
                if (describe.Count > 0)
                {
                    var action = "Onboard " + string.Join(", ", describe);
                    if (context.ShouldProcess(ours.DisplayName, action))
                    {
                        await PatchAsync(connection, ours, body, cancellationToken).ConfigureAwait(false);
                        changes.Add(action);
                    }
                    else
                    {
                        declined = true;
                    }
                }
                else
                {
                    context.WriteVerbose($"'{ours.DisplayName}' is already onboarded for {string.Join(", ", accepted)} with these assignments: nothing to change in Intune.");
                }
            }

            // The partner tenant and the registry: skipped when nothing changed and this instance is already registered.
            var instances = await InstanceRegistry.GetAsync(connection, cancellationToken).ConfigureAwait(false);
            var registered = instances.Any(i => Same(i.Name, connection.SourceName) && Same(i.PartnerName ?? "", request.DisplayName));
            if (changes.Count > 0 || declined || !registered)
            {
                if (context.ShouldProcess($"tenant {connection.TenantId}", "Provision the partner tenant (Intune partner API, Provisioned = 1)"))
                {
                    var state = await PartnerApiClient.For(connection)
                        .SetTenantProvisioningAsync(true, request.EnrollmentUrl, request.RemediationUrl, cancellationToken).ConfigureAwait(false);
                    if (state != 1)
                    {
                        throw new ComplianceException("ProvisioningNotConfirmed", ComplianceErrorCategory.InvalidData,
                            $"Intune answered the provisioning of tenant {connection.TenantId} with Provisioned = {state}, not 1.", connection.TenantId,
                            "Run Add-CompliancePartner again; if it persists, check the partner's status in the Intune admin center.");
                    }
                    changes.Add("Provisioned the partner tenant");
                }
                else
                {
                    declined = true;
                }
            }
            if (!registered)
            {
                if (context.ShouldProcess($"tenant {connection.TenantId}", $"Register the MDM instance '{connection.SourceName}' in the tenant's instance registry"))
                {
                    await InstanceRegistry.RegisterAsync(connection, request.DisplayName, cancellationToken).ConfigureAwait(false);
                    changes.Add($"Registered the MDM instance '{connection.SourceName}'");
                }
                else
                {
                    declined = true;
                }
            }

            if (declined || partnerId.Length == 0)
            {
                return new PartnerChangeResult(null, errors, changes);
            }
            var after = await GetByIdAsync(connection, partnerId, cancellationToken).ConfigureAwait(false);
            var names = await GroupDirectory.NamesAsync(connection, after.GroupIds.Where(id => !groupNames.ContainsKey(id)), cancellationToken).ConfigureAwait(false);
            foreach (var pair in names) groupNames[pair.Key] = pair.Value;
            var missing = accepted.Where(p => after.TargetsOf(p).Count == 0).ToList();
            if (missing.Count > 0)
            {
                context.WriteWarning($"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} onboarded for '{after.DisplayName}' but assigned to nobody: " +
                    "no user's devices are reported through this partner yet. Run Set-ComplianceGroup -AllUsers or -Group to assign it.");
            }
            return new PartnerChangeResult(after.ToPublic(groupNames), errors, changes);
        }

        /// <summary>
        /// The v1.0 service has answered the documented POST with an OData routing error ("No OData route exists ... with
        /// http verb POST", microsoftgraph/microsoft-graph-docs#17977): partners are added in the admin center. A 405/501,
        /// or a 400 that speaks of a route, is that refusal; any other error is reported as it is.
        /// </summary>
        internal static bool IsCreationRefused(ComplianceServiceException error) =>
            error.StatusCode == 405 || error.StatusCode == 501 ||
            (error.StatusCode == 400 && ((error.ServiceErrorCode ?? "") + " " + error.Message).IndexOf("route", StringComparison.OrdinalIgnoreCase) >= 0);

        internal static ComplianceException CreationRefused(string displayName, IReadOnlyList<PartnerSnapshot> partners, Exception inner)
        {
            var known = partners.Count == 0 ? "The tenant has no compliance partner yet."
                : "The tenant's compliance partners: " + string.Join(", ", partners.Select(p => "'" + p.DisplayName + "'")) + ".";
            return new ComplianceException("PartnerCreationRefused", ComplianceErrorCategory.ObjectNotFound,
                $"Intune refused to create the compliance partner '{displayName}' through Graph: a compliance partner is added in the Intune admin center, " +
                $"from Microsoft's list of onboarded partners. {known}",
                displayName,
                "In the Intune admin center go to Tenant administration > Connectors and tokens > Partner compliance management > Add compliance partner, " +
                $"add '{displayName}' there, then run Add-CompliancePartner again: it finds the partner by name and finishes the job (platforms, assignments, " +
                "partner tenant, instance registry). If the admin center lists the partner under another name, pass that name to -DisplayName.",
                inner);
        }

        /// <summary>
        /// Offboards platforms of a partner (clears their onboarding and assignments); with no platform named, deletes the
        /// partner. Warns first when an enabled Conditional Access policy requires compliant devices on those platforms.
        /// </summary>
        public static async Task<PartnerChangeResult> RemoveAsync(ComplianceConnection connection, string? displayName,
            IReadOnlyList<DevicePlatform>? platforms, IOperationContext context, CancellationToken cancellationToken)
        {
            var partners = await ListAsync(connection, cancellationToken).ConfigureAwait(false);
            var partner = Select(partners, displayName);
            var wanted = platforms == null || platforms.Count == 0 ? null : OnboardingPlatforms.Normalize(platforms);
            var affected = wanted == null ? partner.Platforms : wanted.Where(partner.IsOnboarded).ToList();
            var errors = new List<ComplianceException>();
            foreach (var platform in (wanted ?? Array.Empty<DevicePlatform>()).Where(p => !partner.IsOnboarded(p)))
            {
                context.WriteVerbose($"{platform} is not onboarded for '{partner.DisplayName}': nothing to offboard.");
            }
            if (wanted != null && affected.Count == 0)
            {
                return new PartnerChangeResult(null, errors, Array.Empty<string>());
            }

            await WarnAboutAccessPoliciesAsync(connection, affected, context, cancellationToken).ConfigureAwait(false);

            var changes = new List<string>();
            if (wanted == null)
            {
                var action = "Remove the compliance partner" + (affected.Count == 0 ? "" : " (offboards " + string.Join(", ", affected) + ")");
                if (context.ShouldProcess(partner.DisplayName, action))
                {
                    await GraphErrors.CallAsync(
                        () => connection.Session.Graph.DeviceManagement.ComplianceManagementPartners[partner.Id].DeleteAsync(cancellationToken: cancellationToken),
                        $"Removing the compliance partner '{partner.DisplayName}'", Permission, connection.Permissions, partner.DisplayName).ConfigureAwait(false);
                    changes.Add(action);
                }
                return new PartnerChangeResult(null, errors, changes);
            }

            var body = new ComplianceManagementPartner();
            foreach (var platform in affected)
            {
                PartnerSnapshot.SetPlatform(body, platform, false, Array.Empty<AssignmentTarget>());
            }
            var offboard = "Offboard " + string.Join(", ", affected) + " (and clear their assignments)";
            if (!context.ShouldProcess(partner.DisplayName, offboard))
            {
                return new PartnerChangeResult(null, errors, changes);
            }
            await PatchAsync(connection, partner, body, cancellationToken).ConfigureAwait(false);
            changes.Add(offboard);
            var after = await GetByIdAsync(connection, partner.Id, cancellationToken).ConfigureAwait(false);
            var names = await GroupDirectory.NamesAsync(connection, after.GroupIds, cancellationToken).ConfigureAwait(false);
            return new PartnerChangeResult(after.ToPublic(names), errors, changes);
        }

        internal static async Task<IReadOnlyList<PartnerSnapshot>> ListAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            var collection = connection.Session.Graph.DeviceManagement.ComplianceManagementPartners;
            var operation = "Reading the compliance partners";
            var partners = new List<PartnerSnapshot>();
            await GraphPager.ForEachPageAsync(connection.Session,
                token => GraphErrors.CallAsync(() => collection.GetAsync(cancellationToken: token), operation, Permission, connection.Permissions),
                (next, token) => GraphErrors.CallAsync(() => collection.WithUrl(next).GetAsync(cancellationToken: token), operation, Permission, connection.Permissions),
                page => partners.AddRange((page.Value ?? new List<ComplianceManagementPartner>()).Where(p => p.Id != null).Select(PartnerSnapshot.FromGraph)),
                cancellationToken).ConfigureAwait(false);
            return partners;
        }

        internal static async Task<PartnerSnapshot> GetByIdAsync(ComplianceConnection connection, string id, CancellationToken cancellationToken)
        {
            var partner = await GraphErrors.CallAsync(
                () => connection.Session.Graph.DeviceManagement.ComplianceManagementPartners[id].GetAsync(cancellationToken: cancellationToken),
                "Reading the compliance partner " + id, Permission, connection.Permissions, id).ConfigureAwait(false);
            return PartnerSnapshot.FromGraph(partner ?? throw new ComplianceException("PartnerNotFound", ComplianceErrorCategory.ObjectNotFound,
                $"The compliance partner {id} does not exist.", id));
        }

        internal static async Task PatchAsync(ComplianceConnection connection, PartnerSnapshot partner, ComplianceManagementPartner body, CancellationToken cancellationToken)
        {
            await GraphErrors.CallAsync(
                () => connection.Session.Graph.DeviceManagement.ComplianceManagementPartners[partner.Id].PatchAsync(body, cancellationToken: cancellationToken),
                $"Updating the compliance partner '{partner.DisplayName}'", Permission, connection.Permissions, partner.DisplayName).ConfigureAwait(false);
        }

        /// <summary>
        /// The partner a command works on: the one named, or else the only partner onboarded for any platform (or the only
        /// partner at all). None, or several without a name, is an error that lists what exists.
        /// </summary>
        internal static PartnerSnapshot Select(IReadOnlyList<PartnerSnapshot> partners, string? displayName)
        {
            string List() => partners.Count == 0 ? "none" : string.Join(", ", partners.Select(p =>
                "'" + p.DisplayName + "'" + (p.Platforms.Count == 0 ? "" : " (" + string.Join(", ", p.Platforms) + ")")));
            if (!string.IsNullOrWhiteSpace(displayName))
            {
                return partners.FirstOrDefault(p => Same(p.DisplayName, displayName!))
                    ?? throw new ComplianceException("PartnerNotFound", ComplianceErrorCategory.ObjectNotFound,
                        $"The tenant has no compliance partner named '{displayName}'. Partners: {List()}.", displayName,
                        "Check the name, or add the partner with Add-CompliancePartner.");
            }
            var onboarded = partners.Where(p => p.Platforms.Count > 0).ToList();
            var candidates = onboarded.Count > 0 ? onboarded : partners.ToList();
            if (candidates.Count == 1)
            {
                return candidates[0];
            }
            if (candidates.Count == 0)
            {
                throw new ComplianceException("PartnerNotFound", ComplianceErrorCategory.ObjectNotFound,
                    "The tenant has no compliance partner yet.", null,
                    "Add the MDM as a compliance partner first: Add-CompliancePartner -DisplayName <name> -Platform Android, iOS.");
            }
            throw new ComplianceException("PartnerAmbiguous", ComplianceErrorCategory.InvalidArgument,
                $"The tenant has several compliance partners: {List()}. Name the one to use.", null,
                "Pass -PartnerName with the partner's display name.");
        }

        private static async Task WarnAboutAccessPoliciesAsync(ComplianceConnection connection, IReadOnlyList<DevicePlatform> platforms,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (platforms.Count == 0) return;
            try
            {
                var policies = await AccessPolicyReader.EnforcedForPlatformsAsync(connection, platforms, context, cancellationToken).ConfigureAwait(false);
                if (policies.Count > 0)
                {
                    context.WriteWarning($"Devices on {string.Join(", ", platforms)} will no longer be reported compliant by this partner, and the enabled " +
                        $"Conditional Access {(policies.Count == 1 ? "policy" : "policies")} {string.Join(", ", policies.Select(p => "'" + p.DisplayName + "'"))} " +
                        "require a compliant device: their users lose access to the protected apps. Switch those policies to report-only first " +
                        "(Set-ComplianceAccessPolicy -State ReportOnly) if that is not intended.");
                }
            }
            catch (ComplianceException ex)
            {
                context.WriteVerbose("Could not check the Conditional Access policies: " + ex.Message);
            }
        }

        private static string Describe(IReadOnlyList<AssignmentTarget> targets, IReadOnlyDictionary<string, string> names) =>
            targets.Count == 0 ? "assigned to nobody" :
            "assigned to " + string.Join(", ", targets.Select(t => t.AllUsers ? "all users" : names.TryGetValue(t.GroupId!, out var n) ? n : t.GroupId));

        private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }
}
