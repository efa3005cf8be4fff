using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Registry;

namespace AzureCompliance.Core.Onboarding.Partners
{
    /// <summary>
    /// "This instance's partner": the compliance partner the MDM instance (the connection's SourceName) added or
    /// registered as, recorded in the tenant's instance registry. The one place the cmdlets that act on "the partner"
    /// resolve it: a name given wins; else this instance's partner; else the only partner (several is PartnerAmbiguous).
    /// </summary>
    internal static class InstancePartner
    {
        public static async Task<PartnerSnapshot> SelectAsync(ComplianceConnection connection, IReadOnlyList<PartnerSnapshot> partners,
            string? displayName, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(displayName))
            {
                var recorded = await NameAsync(connection, cancellationToken).ConfigureAwait(false);
                var ours = recorded == null ? null : partners.FirstOrDefault(p => string.Equals(p.DisplayName, recorded, System.StringComparison.OrdinalIgnoreCase));
                if (ours != null)
                {
                    return ours;
                }
            }
            return CompliancePartnerService.Select(partners, displayName);
        }

        /// <summary>The recorded partner's display name, or null (none recorded, or the registry cannot be read).</summary>
        public static async Task<string?> NameAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            try
            {
                return await InstanceRegistry.PartnerOfAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (ComplianceException)
            {
                return null; // e.g. no Organization.Read.All: the partner must then be named when there are several
            }
        }
    }
}
