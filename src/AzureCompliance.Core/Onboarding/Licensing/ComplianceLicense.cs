using System;
using System.Collections.Generic;

namespace AzureCompliance.Core.Onboarding.Licensing
{
    /// <summary>A SKU of the tenant that carries the Intune service plan (standalone Intune, or a bundle such as EMS or Microsoft 365 E3/E5).</summary>
    public sealed class ComplianceLicenseSku
    {
        internal ComplianceLicenseSku(Guid skuId, string skuPartNumber, bool isStandalone, int enabled, int consumed, IReadOnlyList<string> servicePlans)
        {
            SkuId = skuId;
            SkuPartNumber = skuPartNumber;
            IsStandaloneIntune = isStandalone;
            Enabled = enabled;
            Consumed = consumed;
            ServicePlans = servicePlans;
        }

        public Guid SkuId { get; }
        public string SkuPartNumber { get; }
        /// <summary>The Intune standalone SKU (INTUNE_A) rather than a bundle.</summary>
        public bool IsStandaloneIntune { get; }
        /// <summary>Units bought (prepaidUnits.enabled).</summary>
        public int Enabled { get; }
        public int Consumed { get; }
        /// <summary>Units free to assign.</summary>
        public int Available => Math.Max(0, Enabled - Consumed);
        public IReadOnlyList<string> ServicePlans { get; }

        public override string ToString() => $"{SkuPartNumber} ({Available} free)";
    }

    /// <summary>Whether a user has the Intune service plan, and through which SKU(s); for Add-ComplianceLicense, what was done.</summary>
    public sealed class ComplianceUserLicense
    {
        internal ComplianceUserLicense(string userId, string? userPrincipalName, string? displayName, string? usageLocation,
            bool isLicensed, IReadOnlyList<string> licensedThrough, string? action)
        {
            UserId = userId;
            UserPrincipalName = userPrincipalName;
            DisplayName = displayName;
            UsageLocation = usageLocation;
            IsLicensed = isLicensed;
            LicensedThrough = licensedThrough;
            Action = action;
        }

        public string UserId { get; }
        public string? UserPrincipalName { get; }
        public string? DisplayName { get; }
        public string? UsageLocation { get; }
        /// <summary>An assigned SKU carries the Intune service plan, and that plan is not disabled for the user.</summary>
        public bool IsLicensed { get; }
        /// <summary>The SKU part numbers that give the user Intune (e.g. INTUNE_A, SPE_E3).</summary>
        public IReadOnlyList<string> LicensedThrough { get; }
        /// <summary>What Add-ComplianceLicense did (e.g. "Assigned INTUNE_A", "Already licensed"); null for Get-ComplianceLicense.</summary>
        public string? Action { get; }

        public override string ToString() => $"{UserPrincipalName ?? UserId}: {(IsLicensed ? "licensed (" + string.Join(", ", LicensedThrough) + ")" : "not licensed")}";
    }
}
