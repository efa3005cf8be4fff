using System;
using System.Collections.Generic;
using System.Linq;
using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Onboarding.Groups
{
    /// <summary>One entry of the recorded group scope (or All users), with its transitive member counts.</summary>
    public sealed class ComplianceGroup
    {
        public ComplianceGroup(string? id, string displayName, bool allUsers, int? userCount, int? nestedGroupCount, int? deviceCount, bool exists, string sourceName)
        {
            Id = id;
            DisplayName = displayName;
            AllUsers = allUsers;
            UserCount = userCount;
            NestedGroupCount = nestedGroupCount;
            DeviceCount = deviceCount;
            Exists = exists;
            SourceName = sourceName;
        }

        /// <summary>The group's object id; null for All users.</summary>
        public string? Id { get; }
        public string DisplayName { get; }
        public bool AllUsers { get; }
        /// <summary>Users in the group, nested groups followed; null when not counted.</summary>
        public int? UserCount { get; }
        public int? NestedGroupCount { get; }
        public int? DeviceCount { get; }
        /// <summary>False when the recorded group no longer exists in the directory.</summary>
        public bool Exists { get; }
        /// <summary>The MDM instance whose scope this is.</summary>
        public string SourceName { get; }

        public override string ToString() => DisplayName;
    }

    /// <summary>What Set-ComplianceGroup set: the scope, the partner platforms it assigns, and the partner policies it assigned.</summary>
    public sealed class ComplianceGroupScope
    {
        internal ComplianceGroupScope(bool allUsers, IReadOnlyList<ComplianceGroup> groups, string partnerName, IReadOnlyList<DevicePlatform> platforms,
            IReadOnlyList<string> assignedPolicies, string statePath, string sourceName, IReadOnlyList<string> changes)
        {
            AllUsers = allUsers;
            Groups = groups;
            PartnerName = partnerName;
            Platforms = platforms;
            AssignedPolicies = assignedPolicies;
            StatePath = statePath;
            SourceName = sourceName;
            Changes = changes;
        }

        public bool AllUsers { get; }
        public IReadOnlyList<ComplianceGroup> Groups { get; }
        public string PartnerName { get; }
        /// <summary>The partner platforms whose assignments now follow this scope.</summary>
        public IReadOnlyList<DevicePlatform> Platforms { get; }
        /// <summary>Partner compliance policies (Intune partner API) assigned to the groups.</summary>
        public IReadOnlyList<string> AssignedPolicies { get; }
        /// <summary>The state file where the scope is recorded for device sync.</summary>
        public string StatePath { get; }
        public string SourceName { get; }
        /// <summary>What this run changed; empty when the scope already was as asked.</summary>
        public IReadOnlyList<string> Changes { get; }

        public string Scope => AllUsers ? "All users" : string.Join(", ", Groups.Select(g => g.DisplayName));

        public override string ToString() => Scope;
    }
}
