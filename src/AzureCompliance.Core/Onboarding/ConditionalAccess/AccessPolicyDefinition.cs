using System;
using System.Collections.Generic;
using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Onboarding.ConditionalAccess
{
    /// <summary>What New-ComplianceAccessPolicy creates: a policy that grants access only from a compliant device.</summary>
    public sealed class AccessPolicyDefinition
    {
        public AccessPolicyDefinition(string displayName) => DisplayName = displayName;

        public string DisplayName { get; }
        public IReadOnlyList<DevicePlatform> Platforms { get; set; } = new[] { DevicePlatform.Android, DevicePlatform.iOS };
        /// <summary>Office365, All, or application ids.</summary>
        public IReadOnlyList<string> Applications { get; set; } = new[] { "Office365" };
        public bool AllUsers { get; set; }
        public IReadOnlyList<DirectoryIdentity> Groups { get; set; } = Array.Empty<DirectoryIdentity>();
        public IReadOnlyList<DirectoryIdentity> ExcludeUsers { get; set; } = Array.Empty<DirectoryIdentity>();
        public IReadOnlyList<DirectoryIdentity> ExcludeGroups { get; set; } = Array.Empty<DirectoryIdentity>();
        public ComplianceAccessPolicyState State { get; set; } = ComplianceAccessPolicyState.ReportOnly;
    }
}
