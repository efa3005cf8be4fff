using System;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Partner
{
    /// <summary>Checks a partner compliance policy id before it goes into a request URL: it must be a GUID.</summary>
    public static class PartnerPolicyIds
    {
        private const int ShownLength = 64;

        public static Guid Parse(string? policyId)
        {
            if (Guid.TryParseExact(policyId?.Trim() ?? "", "D", out var id))
            {
                return id;
            }
            var shown = policyId == null ? "(none)" : policyId.Length > ShownLength ? policyId.Substring(0, ShownLength) + "..." : policyId;
            throw new ComplianceException("InvalidPartnerPolicyId", ComplianceErrorCategory.InvalidData,
                $"The partner compliance policy id '{shown}' is not a GUID, so it was not sent to Intune.", shown,
                "Run Set-CompliancePolicy -Name <policy> -Publish to look the policy up in Intune again; if the id came from the state file, it was changed outside AzureCompliance.");
        }
    }
}
