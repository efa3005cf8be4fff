using System;
using System.Collections.Generic;
using System.Linq;

namespace AzureCompliance.Core.Onboarding.ConditionalAccess
{
    /// <summary>A Conditional Access policy's state: ReportOnly is Graph's enabledForReportingButNotEnforced.</summary>
    public enum ComplianceAccessPolicyState
    {
        ReportOnly,
        Enabled,
        Disabled,
    }

    /// <summary>A Conditional Access policy as the module shows it, with group names and user principal names.</summary>
    public sealed class ComplianceAccessPolicy
    {
        internal ComplianceAccessPolicy(string id, string displayName, ComplianceAccessPolicyState state, bool requiresCompliantDevice,
            IReadOnlyList<string> platforms, IReadOnlyList<string> applications, bool allUsers,
            IReadOnlyList<string> includeUsers, IReadOnlyList<string> includeGroups, IReadOnlyList<string> includeGroupIds,
            IReadOnlyList<string> excludeUsers, IReadOnlyList<string> excludeUserIds, IReadOnlyList<string> excludeGroups,
            IReadOnlyList<string> excludeGroupIds, IReadOnlyList<string> excludeRoles, DateTimeOffset? created, DateTimeOffset? modified)
        {
            Id = id;
            DisplayName = displayName;
            State = state;
            RequiresCompliantDevice = requiresCompliantDevice;
            Platforms = platforms;
            Applications = applications;
            AllUsers = allUsers;
            IncludeUsers = includeUsers;
            IncludeGroups = includeGroups;
            IncludeGroupIds = includeGroupIds;
            ExcludeUsers = excludeUsers;
            ExcludeUserIds = excludeUserIds;
            ExcludeGroups = excludeGroups;
            ExcludeGroupIds = excludeGroupIds;
            ExcludeRoles = excludeRoles;
            Created = created;
            Modified = modified;
        }

        public string Id { get; }
        public string DisplayName { get; }
        public ComplianceAccessPolicyState State { get; }
        /// <summary>The grant controls include compliantDevice.</summary>
        public bool RequiresCompliantDevice { get; }
        /// <summary>Android, iOS, macOS (or Graph's other platform names); empty = every platform.</summary>
        public IReadOnlyList<string> Platforms { get; }
        /// <summary>Office365, All, or application ids.</summary>
        public IReadOnlyList<string> Applications { get; }
        /// <summary>The policy includes all users.</summary>
        public bool AllUsers { get; }
        /// <summary>Included users (user principal names) other than All.</summary>
        public IReadOnlyList<string> IncludeUsers { get; }
        public IReadOnlyList<string> IncludeGroups { get; }
        public IReadOnlyList<string> IncludeGroupIds { get; }
        public IReadOnlyList<string> ExcludeUsers { get; }
        public IReadOnlyList<string> ExcludeUserIds { get; }
        public IReadOnlyList<string> ExcludeGroups { get; }
        public IReadOnlyList<string> ExcludeGroupIds { get; }
        public IReadOnlyList<string> ExcludeRoles { get; }
        public DateTimeOffset? Created { get; }
        public DateTimeOffset? Modified { get; }

        /// <summary>Enforced for all users with nobody excluded: it can lock every administrator out of the tenant.</summary>
        public bool LockoutRisk => AccessPolicyLockout.IsRisky(State, AllUsers, ExcludeUserIds.Count + ExcludeGroupIds.Count + ExcludeRoles.Count);

        /// <summary>"All users" or the included groups and users, then what is excluded: for the format views.</summary>
        public string Scope
        {
            get
            {
                var included = AllUsers ? "All users" : string.Join(", ", IncludeGroups.Concat(IncludeUsers));
                var excluded = ExcludeGroups.Concat(ExcludeUsers).Concat(ExcludeRoles.Select(r => "role " + r)).ToList();
                return (included.Length == 0 ? "(nobody)" : included) + (excluded.Count == 0 ? "" : " except " + string.Join(", ", excluded));
            }
        }

        public override string ToString() => $"{DisplayName} ({State})";
    }
}
