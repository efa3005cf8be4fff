using System;
using System.Collections.Generic;
using System.Linq;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Onboarding.ConditionalAccess
{
    /// <summary>
    /// The shape of a policy that requires a compliant device, both ways: Graph's <c>conditionalAccessPolicy</c> mapped to
    /// the module's <see cref="ComplianceAccessPolicy"/>, the module's states, platforms and applications in Graph's terms.
    /// Pure: no calls.
    /// </summary>
    internal static class AccessPolicyShape
    {
        /// <summary>Graph's includeUsers value for every user.</summary>
        internal const string AllUsersValue = "All";

        /// <summary>Whether the policy covers any of the platforms (a policy naming no platform, or All, covers every one).</summary>
        internal static bool AppliesTo(ComplianceAccessPolicy policy, IReadOnlyList<DevicePlatform> platforms) =>
            policy.Platforms.Count == 0 ||
            policy.Platforms.Any(p => string.Equals(p, "All", StringComparison.OrdinalIgnoreCase) ||
                                      platforms.Any(platform => string.Equals(p, platform.ToString(), StringComparison.OrdinalIgnoreCase)));

        internal static ComplianceAccessPolicy Map(ConditionalAccessPolicy policy, IReadOnlyDictionary<string, string> names)
        {
            var users = policy.Conditions?.Users;
            IReadOnlyList<string> List(List<string>? values) => (values ?? new List<string>()).ToList();
            IReadOnlyList<string> Named(IEnumerable<string> ids) => ids.Select(i => names.TryGetValue(i, out var n) ? n : i).ToList();
            var includeUsers = List(users?.IncludeUsers);
            var excludeUsers = List(users?.ExcludeUsers);
            var includeGroups = List(users?.IncludeGroups);
            var excludeGroups = List(users?.ExcludeGroups);
            return new ComplianceAccessPolicy(
                policy.Id ?? "",
                policy.DisplayName ?? "",
                FromGraph(policy.State),
                RequiresCompliantDevice(policy),
                (policy.Conditions?.Platforms?.IncludePlatforms ?? new List<ConditionalAccessDevicePlatform?>()).Where(p => p.HasValue).Select(p => PlatformName(p!.Value)).ToList(),
                List(policy.Conditions?.Applications?.IncludeApplications),
                includeUsers.Contains(AllUsersValue, StringComparer.OrdinalIgnoreCase),
                Named(includeUsers.Where(u => !string.Equals(u, AllUsersValue, StringComparison.OrdinalIgnoreCase))),
                Named(includeGroups),
                includeGroups,
                Named(excludeUsers),
                excludeUsers,
                Named(excludeGroups),
                excludeGroups,
                List(users?.ExcludeRoles),
                policy.CreatedDateTime,
                policy.ModifiedDateTime);
        }

        internal static bool RequiresCompliantDevice(ConditionalAccessPolicy policy) =>
            policy.GrantControls?.BuiltInControls?.Any(c => c == ConditionalAccessGrantControl.CompliantDevice) == true;

        internal static ComplianceAccessPolicyState FromGraph(ConditionalAccessPolicyState? state)
        {
            switch (state)
            {
                case ConditionalAccessPolicyState.Enabled: return ComplianceAccessPolicyState.Enabled;
                case ConditionalAccessPolicyState.Disabled: return ComplianceAccessPolicyState.Disabled;
                default: return ComplianceAccessPolicyState.ReportOnly;
            }
        }

        internal static ConditionalAccessPolicyState ToGraph(ComplianceAccessPolicyState state)
        {
            switch (state)
            {
                case ComplianceAccessPolicyState.Enabled: return ConditionalAccessPolicyState.Enabled;
                case ComplianceAccessPolicyState.Disabled: return ConditionalAccessPolicyState.Disabled;
                default: return ConditionalAccessPolicyState.EnabledForReportingButNotEnforced;
            }
        }

        internal static ConditionalAccessDevicePlatform? ToGraph(DevicePlatform platform)
        {
            switch (platform)
            {
                case DevicePlatform.Android: return ConditionalAccessDevicePlatform.Android;
                case DevicePlatform.iOS: return ConditionalAccessDevicePlatform.IOS;
                default: return ConditionalAccessDevicePlatform.MacOS;
            }
        }

        internal static string PlatformName(ConditionalAccessDevicePlatform platform)
        {
            switch (platform)
            {
                case ConditionalAccessDevicePlatform.Android: return "Android";
                case ConditionalAccessDevicePlatform.IOS: return "iOS";
                case ConditionalAccessDevicePlatform.MacOS: return "macOS";
                case ConditionalAccessDevicePlatform.All: return "All";
                default: return platform.ToString();
            }
        }

        internal static IReadOnlyList<string> ValidateApplications(IReadOnlyList<string>? applications)
        {
            var list = (applications ?? Array.Empty<string>()).Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).ToList();
            if (list.Count == 0)
            {
                list.Add("Office365");
            }
            var result = new List<string>();
            foreach (var application in list)
            {
                if (string.Equals(application, "Office365", StringComparison.OrdinalIgnoreCase)) result.Add("Office365");
                else if (string.Equals(application, "All", StringComparison.OrdinalIgnoreCase)) result.Add("All");
                else if (OData.IsGuid(application)) result.Add(application.ToLowerInvariant());
                else
                {
                    throw new ComplianceException("InvalidApplication", ComplianceErrorCategory.InvalidArgument,
                        $"'{application}' is not an application Conditional Access knows: use Office365, All, or an application (client) id.", application);
                }
            }
            return result.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }

        internal static bool SameSet(IEnumerable<string> a, IEnumerable<string> b) =>
            new HashSet<string>(a, StringComparer.OrdinalIgnoreCase).SetEquals(b);
    }
}
