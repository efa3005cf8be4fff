using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.ConditionalAccess;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.Registry;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Onboarding.Deprovisioning
{
    /// <summary>What Disconnect-ComplianceTenant -Deprovision asks for.</summary>
    public sealed class DeprovisionRequest
    {
        /// <summary>De-provision every MDM instance registered on the tenant, not only this one.</summary>
        public bool All { get; set; }
        /// <summary>Proceed although the instance's partner compliance policy is still enabled.</summary>
        public bool Force { get; set; }
        public string? StatePath { get; set; }
    }

    /// <summary>One change de-provisioning makes, as -WhatIf and -Confirm show it.</summary>
    public sealed class PlannedChange
    {
        internal PlannedChange(string target, string action)
        {
            Target = target;
            Action = action;
        }

        public string Target { get; }
        public string Action { get; }

        public override string ToString() => $"{Action} ({Target})";
    }

    /// <summary>The checked plan: every change, in order, and what it leaves behind.</summary>
    public sealed class DeprovisionPlan
    {
        internal DeprovisionPlan(bool all, IReadOnlyList<MdmInstance> instances, bool selfRegistered, IReadOnlyList<PlannedChange> changes,
            IReadOnlyList<ComplianceAccessPolicy> enforcedPolicies)
        {
            All = all;
            Instances = instances;
            SelfRegistered = selfRegistered;
            Changes = changes;
            EnforcedPolicies = enforcedPolicies;
        }

        public bool All { get; }
        public IReadOnlyList<MdmInstance> Instances { get; }
        public bool SelfRegistered { get; }
        public IReadOnlyList<PlannedChange> Changes { get; }
        /// <summary>Enabled Conditional Access policies that still require a compliant device (left alone, but devices lose access).</summary>
        public IReadOnlyList<ComplianceAccessPolicy> EnforcedPolicies { get; }
    }

    /// <summary>What de-provisioning did.</summary>
    public sealed class ComplianceDeprovisionResult
    {
        internal ComplianceDeprovisionResult(string tenantId, string sourceName, bool partnerTenantDeprovisioned,
            IReadOnlyList<string> unregisteredInstances, IReadOnlyList<string> accessPolicies, bool signedOut)
        {
            TenantId = tenantId;
            SourceName = sourceName;
            PartnerTenantDeprovisioned = partnerTenantDeprovisioned;
            UnregisteredInstances = unregisteredInstances;
            AccessPoliciesRequiringCompliance = accessPolicies;
            SignedOut = signedOut;
        }

        public string TenantId { get; }
        public string SourceName { get; }
        public bool PartnerTenantDeprovisioned { get; }
        public IReadOnlyList<string> UnregisteredInstances { get; }
        /// <summary>Enabled Conditional Access policies still requiring a compliant device (not changed; see the warning).</summary>
        public IReadOnlyList<string> AccessPoliciesRequiringCompliance { get; }
        public bool SignedOut { get; }
    }

    /// <summary>
    /// De-provisioning (seed: "De-provisioning of the Azure tenant", "Multiple Core support"). PlanAsync only reads and
    /// refuses the unsafe cases: other MDM instances registered (unless All) and this instance's partner compliance policy
    /// still enabled (unless Force). ExecuteAsync deprovisions the partner tenant (Provisioned = 2), unregisters the
    /// instance (or clears the registry), and signs out. Conditional Access is left alone; a policy that still requires
    /// compliant devices is named in a warning.
    /// </summary>
    public static class DeprovisionService
    {
        public static async Task<DeprovisionPlan> PlanAsync(ComplianceConnection connection, DeprovisionRequest request,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var source = connection.SourceName;
            var instances = await InstanceRegistry.GetAsync(connection, cancellationToken).ConfigureAwait(false);
            var selfRegistered = instances.Any(i => Same(i.Name, source));
            var others = instances.Where(i => !Same(i.Name, source)).ToList();
            if (others.Count > 0 && !request.All)
            {
                throw OtherInstances(connection, others);
            }

            var names = request.All ? instances.Select(i => i.Name).Append(source).Distinct(StringComparer.OrdinalIgnoreCase).ToList() : new List<string> { source };
            var enabled = EnabledPolicies(request.StatePath, names);
            if (enabled.Count > 0)
            {
                var list = string.Join(", ", enabled.Select(e => $"'{e.Policy}' of '{e.Source}'"));
                if (!request.Force)
                {
                    throw new ComplianceException("CompliancePolicyEnabled", ComplianceErrorCategory.InvalidOperation,
                        $"The partner compliance {(enabled.Count == 1 ? "policy" : "policies")} {list} {(enabled.Count == 1 ? "is" : "are")} still enabled: " +
                        "de-provisioning now would cut off a source that still reports device compliance. Nothing was changed.", source,
                        "Disable it first (" + string.Join("; ", enabled.Select(e => $"Disable-CompliancePolicy -Name '{e.Policy.Replace("'", "''")}'")) +
                        "), then run Disconnect-ComplianceTenant -Deprovision again; or add -Force to proceed anyway.");
                }
                context.WriteWarning($"De-provisioning although {list} {(enabled.Count == 1 ? "is" : "are")} still enabled (-Force).");
            }

            IReadOnlyList<ComplianceAccessPolicy> enforced = Array.Empty<ComplianceAccessPolicy>();
            try
            {
                enforced = await AccessPolicyReader.EnforcedForPlatformsAsync(connection, OnboardingPlatforms.All, context, cancellationToken).ConfigureAwait(false);
            }
            catch (ComplianceException ex)
            {
                context.WriteWarning("The Conditional Access policies could not be checked (" + ex.Message + "). Check that none still requires a compliant device.");
            }
            if (enforced.Count > 0)
            {
                context.WriteWarning($"Conditional Access is left as it is, but {string.Join(", ", enforced.Select(p => "'" + p.DisplayName + "'"))} " +
                    $"still {(enforced.Count == 1 ? "requires" : "require")} a compliant device: once this MDM stops reporting, its devices lose their " +
                    "compliant state and their users lose access. Switch the policy to report-only (Set-ComplianceAccessPolicy -State ReportOnly) " +
                    "or point it at an empty group first if that is not intended.");
            }

            var tenant = $"tenant {connection.TenantDomain ?? connection.TenantId}";
            var changes = new List<PlannedChange>
            {
                new PlannedChange(tenant, "Deprovision the partner tenant (Intune partner API, Provisioned = 2)"),
            };
            if (request.All && instances.Count > 0)
            {
                changes.Add(new PlannedChange(tenant, "Remove the MDM instance registry (instances: " + string.Join(", ", instances.Select(i => i.Name)) + ")"));
            }
            else if (selfRegistered)
            {
                changes.Add(new PlannedChange(tenant, $"Unregister the MDM instance '{source}'"));
            }
            else
            {
                context.WriteVerbose($"The MDM instance '{source}' is not registered on the tenant: nothing to unregister.");
            }
            changes.Add(new PlannedChange($"{connection.TenantDomain ?? connection.TenantId} as {connection.ClientId}", "Sign out"));
            return new DeprovisionPlan(request.All, instances, selfRegistered, changes, enforced);
        }

        public static async Task<ComplianceDeprovisionResult> ExecuteAsync(ComplianceConnection connection, DeprovisionPlan plan,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var state = await PartnerApiClient.For(connection).SetTenantProvisioningAsync(false, null, null, cancellationToken).ConfigureAwait(false);
            if (state != 2)
            {
                throw new ComplianceException("DeprovisioningNotConfirmed", ComplianceErrorCategory.InvalidData,
                    $"Intune answered the de-provisioning of tenant {connection.TenantId} with Provisioned = {state}, not 2. The instance registry was not changed.",
                    connection.TenantId, "Run Disconnect-ComplianceTenant -Deprovision again.");
            }
            context.WriteVerbose("The partner tenant is deprovisioned.");

            var unregistered = new List<string>();
            if (plan.All && plan.Instances.Count > 0)
            {
                await InstanceRegistry.ClearAsync(connection, cancellationToken).ConfigureAwait(false);
                unregistered.AddRange(plan.Instances.Select(i => i.Name));
            }
            else if (plan.SelfRegistered)
            {
                await InstanceRegistry.UnregisterAsync(connection, connection.SourceName, cancellationToken).ConfigureAwait(false);
                unregistered.Add(connection.SourceName);
            }
            context.WriteVerbose(unregistered.Count == 0 ? "No instance was registered." : "Unregistered: " + string.Join(", ", unregistered) + ".");

            await ConnectionService.DisconnectAsync(connection).ConfigureAwait(false);
            return new ComplianceDeprovisionResult(connection.TenantId, connection.SourceName, true, unregistered,
                plan.EnforcedPolicies.Select(p => p.DisplayName).ToList(), signedOut: true);
        }

        internal static ComplianceException OtherInstances(ComplianceConnection connection, IReadOnlyList<MdmInstance> others)
        {
            var list = string.Join(", ", others.Select(o => "'" + o.Name + "'" + (o.LastSyncOn.HasValue ? $" (last sync {o.LastSyncOn.Value:u})" : "")));
            return new ComplianceException("OtherInstancesRegistered", ComplianceErrorCategory.InvalidOperation,
                $"Other MDM instances share this tenant: {list}. De-provisioning the tenant from '{connection.SourceName}' alone would cut them off too, " +
                "so it is refused and nothing was changed. The two safe options: (1) disable this instance's partner compliance policy " +
                "with Disable-CompliancePolicy, so it stops uploading device data, and leave the tenant provisioned for the others; or " +
                "(2) de-provision every instance at once with Disconnect-ComplianceTenant -Deprovision -All.",
                others.Select(o => o.Name).ToArray(),
                "Disable-CompliancePolicy -Name <policy> (keeps the others working), or Disconnect-ComplianceTenant -Deprovision -All (disconnects every instance).");
        }

        private static IReadOnlyList<(string Source, string Policy)> EnabledPolicies(string? statePath, IReadOnlyList<string> sources)
        {
            var path = Path.GetFullPath(string.IsNullOrWhiteSpace(statePath) ? StateStore.DefaultPath : statePath);
            if (!File.Exists(path))
            {
                return Array.Empty<(string, string)>();
            }
            using var store = StateStore.Open(path);
            var enabled = new List<(string, string)>();
            foreach (var source in sources)
            {
                if (!CompliancePolicyStore.HasEnabledPolicy(store, source)) continue;
                enabled.AddRange(CompliancePolicyStore.List(store, source).Where(p => p.Enabled).Select(p => (source, p.Name)));
            }
            return enabled;
        }

        private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }
}
