using System;
using System.Collections.Generic;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>
    /// The setup of one MDM instance as data: what Export-ComplianceConfiguration writes and Set-ComplianceConfiguration
    /// applies. A section that is null is not managed (left as the tenant has it). No secrets, ids of volatile objects
    /// or timestamps: exporting the same setup twice gives the same file.
    /// </summary>
    public sealed class ComplianceConfiguration
    {
        public const int CurrentSchemaVersion = 1;

        public PartnerConfiguration? Partner { get; set; }
        public ScopeConfiguration? GroupScope { get; set; }
        public LicensingConfiguration? Licensing { get; set; }
        /// <summary>This instance's partner compliance policies; null = not managed, empty = none wanted.</summary>
        public List<PolicyConfiguration>? CompliancePolicies { get; set; }
        /// <summary>Conditional Access policies requiring a compliant device, by name; others in the tenant are left alone.</summary>
        public List<AccessPolicyConfiguration>? AccessPolicies { get; set; }
    }

    /// <summary>The compliance partner and the platforms it is onboarded for.</summary>
    public sealed class PartnerConfiguration
    {
        public string DisplayName { get; set; } = "";
        public List<DevicePlatform> Platforms { get; set; } = new List<DevicePlatform>();
        public int Line { get; set; }
        public int PlatformsLine { get; set; }
    }

    /// <summary>A group of the scope: its name, and its id in the tenant it was exported from.</summary>
    public sealed class ScopeGroupConfiguration
    {
        public ScopeGroupConfiguration(string? displayName, string? id, int line)
        {
            DisplayName = displayName;
            Id = id;
            Line = line;
        }

        public string? DisplayName { get; }
        /// <summary>Used when the group exists in the target tenant; another tenant's id falls back to the name.</summary>
        public string? Id { get; }
        public int Line { get; }

        public override string ToString() => DisplayName ?? Id ?? "";
    }

    /// <summary>Whose devices this instance reports: all users, or up to ten groups.</summary>
    public sealed class ScopeConfiguration
    {
        public bool AllUsers { get; set; }
        public List<ScopeGroupConfiguration> Groups { get; set; } = new List<ScopeGroupConfiguration>();
        public int Line { get; set; }
        public int GroupsLine { get; set; }
    }

    /// <summary>The licensing intent: give an Intune licence to every user in scope who lacks one.</summary>
    public sealed class LicensingConfiguration
    {
        public bool AssignMissingLicenses { get; set; }
        /// <summary>The SKU to assign; null lets the module choose (standalone Intune first).</summary>
        public Guid? SkuId { get; set; }
        /// <summary>Set on users without a usage location before licensing them (two-letter country code).</summary>
        public string? UsageLocation { get; set; }
        public int Line { get; set; }
    }

    /// <summary>A partner compliance policy with its rules.</summary>
    public sealed class PolicyConfiguration
    {
        public string Name { get; set; } = "";
        public DevicePlatform Platform { get; set; }
        public bool Enabled { get; set; } = true;
        public Version? MinimumOsVersion { get; set; }
        public Version? MinimumClientVersion { get; set; }
        public bool BlockJailbroken { get; set; }
        public bool RequireEncryption { get; set; }
        public bool RequirePasscode { get; set; }
        public bool RequireEntraRegistration { get; set; }
        /// <summary>Null: no limit.</summary>
        public TimeSpan? MaximumCheckInAge { get; set; }
        public int Line { get; set; }
    }

    /// <summary>A Conditional Access policy that requires a compliant device; ReportOnly unless the file says otherwise.</summary>
    public sealed class AccessPolicyConfiguration
    {
        public string DisplayName { get; set; } = "";
        public ComplianceAccessPolicyState State { get; set; } = ComplianceAccessPolicyState.ReportOnly;
        public List<DevicePlatform> Platforms { get; set; } = new List<DevicePlatform> { DevicePlatform.Android, DevicePlatform.iOS };
        public List<string> Applications { get; set; } = new List<string> { "Office365" };
        public bool AllUsers { get; set; }
        /// <summary>Included groups by display name.</summary>
        public List<string> Groups { get; set; } = new List<string>();
        /// <summary>Excluded users by user principal name (e.g. the emergency access accounts).</summary>
        public List<string> ExcludeUsers { get; set; } = new List<string>();
        public List<string> ExcludeGroups { get; set; } = new List<string>();
        public int Line { get; set; }
    }
}
