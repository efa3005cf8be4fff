using System.Collections.Generic;
using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Onboarding.ConditionalAccess
{
    /// <summary>What Set-ComplianceAccessPolicy changes; null leaves that part as it is.</summary>
    public sealed class AccessPolicyChange
    {
        public ComplianceAccessPolicyState? State { get; set; }
        /// <summary>True: include all users (instead of groups).</summary>
        public bool AllUsers { get; set; }
        /// <summary>Include these groups (instead of all users).</summary>
        public IReadOnlyList<DirectoryIdentity>? Groups { get; set; }
        /// <summary>Replaces the excluded users (an empty list clears them).</summary>
        public IReadOnlyList<DirectoryIdentity>? ExcludeUsers { get; set; }
        /// <summary>Replaces the excluded groups (an empty list clears them).</summary>
        public IReadOnlyList<DirectoryIdentity>? ExcludeGroups { get; set; }
        public IReadOnlyList<DevicePlatform>? Platforms { get; set; }
        public IReadOnlyList<string>? Applications { get; set; }
    }
}
