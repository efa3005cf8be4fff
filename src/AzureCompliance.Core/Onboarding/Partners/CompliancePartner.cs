using System;
using System.Collections.Generic;
using System.Linq;
using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Onboarding.Partners
{
    /// <summary>The partner's state as Intune reports it (Graph deviceManagementPartnerTenantState).</summary>
    public enum CompliancePartnerState
    {
        Unknown,
        Unavailable,
        Enabled,
        Terminated,
        Rejected,
        Unresponsive,
    }

    /// <summary>Who one platform of a compliance partner is assigned to: all (licensed) users, or one group.</summary>
    public sealed class CompliancePartnerAssignment
    {
        public CompliancePartnerAssignment(DevicePlatform platform, bool allUsers, string? groupId, string? groupName)
        {
            Platform = platform;
            AllUsers = allUsers;
            GroupId = groupId;
            GroupName = groupName;
        }

        public DevicePlatform Platform { get; }
        public bool AllUsers { get; }
        public string? GroupId { get; }
        /// <summary>The group's display name when it was read; the id when the group no longer exists.</summary>
        public string? GroupName { get; }

        public string Target => AllUsers ? "All users" : GroupName ?? GroupId ?? "";

        public override string ToString() => $"{Platform}: {Target}";
    }

    /// <summary>
    /// The MDM as an Intune compliance partner (Graph complianceManagementPartner): its state, last heartbeat,
    /// onboarded platforms and per-platform assignments, with group names.
    /// </summary>
    public sealed class CompliancePartner
    {
        public CompliancePartner(string id, string displayName, CompliancePartnerState state, DateTimeOffset? lastHeartbeat,
            IEnumerable<DevicePlatform> platforms, IEnumerable<CompliancePartnerAssignment> assignments, bool isThisInstance = false)
        {
            IsThisInstance = isThisInstance;
            Id = id;
            DisplayName = displayName;
            State = state;
            LastHeartbeat = lastHeartbeat;
            Platforms = platforms.ToList();
            Assignments = assignments.ToList();
        }

        public string Id { get; }
        public string DisplayName { get; }
        public CompliancePartnerState State { get; }
        /// <summary>When the partner last reported to Intune; null when it never has.</summary>
        public DateTimeOffset? LastHeartbeat { get; }
        /// <summary>The platforms this partner is onboarded for.</summary>
        public IReadOnlyList<DevicePlatform> Platforms { get; }
        public IReadOnlyList<CompliancePartnerAssignment> Assignments { get; }
        /// <summary>This MDM instance (the connection's SourceName) added or registered as this partner (the tenant's instance registry).</summary>
        public bool IsThisInstance { get; }

        public bool IsOnboarded(DevicePlatform platform) => Platforms.Contains(platform);

        /// <summary>"Android: All users; iOS: Sales EMEA, Mobile Pilot" — what the format view shows.</summary>
        public string AssignmentSummary =>
            Platforms.Count == 0 ? "(no platform onboarded)" :
            string.Join("; ", Platforms.Select(p =>
            {
                var targets = Assignments.Where(a => a.Platform == p).Select(a => a.Target).ToList();
                return p + ": " + (targets.Count == 0 ? "(nobody assigned)" : string.Join(", ", targets));
            }));

        public override string ToString() => $"{DisplayName} ({string.Join(", ", Platforms)})";
    }
}
