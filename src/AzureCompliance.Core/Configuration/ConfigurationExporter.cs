using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.ConditionalAccess;
using AzureCompliance.Core.Onboarding.Groups;
using AzureCompliance.Core.Onboarding.Partners;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>
    /// Reads the setup of this MDM instance from the tenant and its state file into a <see cref="ComplianceConfiguration"/>:
    /// the partner it would work with, the recorded group scope, the licensing intent, its compliance policies and the
    /// Conditional Access policies that require a compliant device. Reads only.
    /// </summary>
    public static class ConfigurationExporter
    {
        public static async Task<ComplianceConfiguration> ExportAsync(ComplianceConnection connection, string? statePath, string? partnerName,
            IOperationContext context, CancellationToken cancellationToken)
        {
            var workspace = StateWorkspace.For(statePath, connection);
            var path = workspace.Location;
            var source = connection.SourceName;
            var partners = await CompliancePartnerService.ListAsync(connection, cancellationToken).ConfigureAwait(false);
            var configuration = new ComplianceConfiguration();
            if (partners.Count > 0)
            {
                var partner = CompliancePartnerService.Select(partners, partnerName);
                configuration.Partner = new PartnerConfiguration { DisplayName = partner.DisplayName, Platforms = partner.Platforms.ToList() };
            }
            else
            {
                context.WriteWarning("The tenant has no compliance partner: the file has no Partner section.");
            }

            using (var store = workspace.OpenForReading())
            {
                var scope = store == null ? null : GroupScope.Load(store, source);
                if (scope != null)
                {
                    configuration.GroupScope = new ScopeConfiguration
                    {
                        AllUsers = scope.AllUsers,
                        Groups = scope.Groups.Select(g => new ScopeGroupConfiguration(g.DisplayName, g.Id, 0)).ToList(),
                    };
                }
                else
                {
                    context.WriteWarning($"No group scope is recorded for the MDM instance '{source}' in {path}: the file has no GroupScope section.");
                }
                configuration.Licensing = LicensingIntent.Load(store, source);
                configuration.CompliancePolicies = (store == null ? Array.Empty<CompliancePolicy>() : CompliancePolicyStore.List(store, source))
                    .Select(FromStored).ToList();
            }

            var access = await ComplianceAccessPolicyService.GetAsync(connection, false, context, cancellationToken).ConfigureAwait(false);
            configuration.AccessPolicies = access.Select(FromTenant).ToList();
            context.WriteVerbose($"Exported the setup of '{source}': partner {(configuration.Partner?.DisplayName ?? "(none)")}, " +
                $"{configuration.CompliancePolicies.Count} compliance policies, {configuration.AccessPolicies.Count} Conditional Access policies.");
            return configuration;
        }

        internal static PolicyConfiguration FromStored(CompliancePolicy policy) => new PolicyConfiguration
        {
            Name = policy.Name,
            Platform = policy.Platform,
            Enabled = policy.Enabled,
            MinimumOsVersion = policy.MinimumOsVersion,
            MinimumClientVersion = policy.MinimumClientVersion,
            BlockJailbroken = policy.BlockJailbroken,
            RequireEncryption = policy.RequireEncryption,
            RequirePasscode = policy.RequirePasscode,
            RequireEntraRegistration = policy.RequireEntraRegistration,
            MaximumCheckInAge = policy.MaximumCheckInAge,
        };

        internal static AccessPolicyConfiguration FromTenant(ComplianceAccessPolicy policy) => new AccessPolicyConfiguration
        {
            DisplayName = policy.DisplayName,
            State = policy.State,
            Platforms = policy.Platforms.Select(OnboardingPlatforms.Parse).Where(p => p.HasValue).Select(p => p!.Value).Distinct().OrderBy(p => p).ToList(),
            Applications = policy.Applications.ToList(),
            AllUsers = policy.AllUsers,
            Groups = policy.IncludeGroups.ToList(),
            ExcludeUsers = policy.ExcludeUsers.ToList(),
            ExcludeGroups = policy.ExcludeGroups.ToList(),
        };
    }
}
