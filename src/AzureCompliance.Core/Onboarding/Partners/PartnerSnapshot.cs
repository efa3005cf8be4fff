using System;
using System.Collections.Generic;
using System.Linq;
using AzureCompliance.Core.Devices;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Onboarding.Partners
{
    /// <summary>One assignment target of a partner platform: all licensed users, or a group.</summary>
    internal sealed class AssignmentTarget : IEquatable<AssignmentTarget>
    {
        private AssignmentTarget(bool allUsers, string? groupId)
        {
            AllUsers = allUsers;
            GroupId = groupId;
        }

        public static AssignmentTarget Everyone { get; } = new AssignmentTarget(true, null);

        public static AssignmentTarget ForGroup(string groupId) => new AssignmentTarget(false, groupId);

        public bool AllUsers { get; }
        public string? GroupId { get; }

        public bool Equals(AssignmentTarget? other) =>
            other != null && AllUsers == other.AllUsers && string.Equals(GroupId, other.GroupId, StringComparison.OrdinalIgnoreCase);

        public override bool Equals(object? obj) => Equals(obj as AssignmentTarget);

        public override int GetHashCode() => AllUsers ? 1 : StringComparer.OrdinalIgnoreCase.GetHashCode(GroupId ?? "");

        public override string ToString() => AllUsers ? "All users" : GroupId ?? "";

        internal static bool SameSet(IReadOnlyCollection<AssignmentTarget> a, IReadOnlyCollection<AssignmentTarget> b) =>
            a.Count == b.Count && new HashSet<AssignmentTarget>(a).SetEquals(b);

        internal ComplianceManagementPartnerAssignment ToGraph() => new ComplianceManagementPartnerAssignment
        {
            Target = AllUsers
                ? new AllLicensedUsersAssignmentTarget()
                : (DeviceAndAppManagementAssignmentTarget)new GroupAssignmentTarget { GroupId = GroupId },
        };

        internal static AssignmentTarget? FromGraph(ComplianceManagementPartnerAssignment? assignment)
        {
            switch (assignment?.Target)
            {
                case AllLicensedUsersAssignmentTarget _:
                    return Everyone;
                case ExclusionGroupAssignmentTarget _:
                    return null; // not something this module sets; ignored when comparing
                case GroupAssignmentTarget group when !string.IsNullOrEmpty(group.GroupId):
                    return ForGroup(group.GroupId!);
                default:
                    return null;
            }
        }
    }

    /// <summary>A complianceManagementPartner as read from Graph, platform by platform.</summary>
    internal sealed class PartnerSnapshot
    {
        public PartnerSnapshot(string id, string displayName, CompliancePartnerState state, DateTimeOffset? lastHeartbeat,
            IReadOnlyDictionary<DevicePlatform, bool> onboarded, IReadOnlyDictionary<DevicePlatform, IReadOnlyList<AssignmentTarget>> assignments)
        {
            Id = id;
            DisplayName = displayName;
            State = state;
            LastHeartbeat = lastHeartbeat;
            Onboarded = onboarded;
            Assignments = assignments;
        }

        public string Id { get; }
        public string DisplayName { get; }
        public CompliancePartnerState State { get; }
        public DateTimeOffset? LastHeartbeat { get; }
        public IReadOnlyDictionary<DevicePlatform, bool> Onboarded { get; }
        public IReadOnlyDictionary<DevicePlatform, IReadOnlyList<AssignmentTarget>> Assignments { get; }

        public IReadOnlyList<DevicePlatform> Platforms => OnboardingPlatforms.All.Where(IsOnboarded).ToList();

        public bool IsOnboarded(DevicePlatform platform) => Onboarded.TryGetValue(platform, out var on) && on;

        public IReadOnlyList<AssignmentTarget> TargetsOf(DevicePlatform platform) =>
            Assignments.TryGetValue(platform, out var targets) ? targets : Array.Empty<AssignmentTarget>();

        public IEnumerable<string> GroupIds =>
            Assignments.Values.SelectMany(t => t).Where(t => !t.AllUsers && t.GroupId != null).Select(t => t.GroupId!).Distinct(StringComparer.OrdinalIgnoreCase);

        public static PartnerSnapshot FromGraph(ComplianceManagementPartner partner)
        {
            IReadOnlyList<AssignmentTarget> Targets(List<ComplianceManagementPartnerAssignment>? list) =>
                (list ?? new List<ComplianceManagementPartnerAssignment>()).Select(AssignmentTarget.FromGraph)
                    .Where(t => t != null).Select(t => t!).Distinct().ToList();

            var heartbeat = partner.LastHeartbeatDateTime;
            return new PartnerSnapshot(
                partner.Id ?? "",
                partner.DisplayName ?? "",
                MapState(partner.PartnerState),
                heartbeat.HasValue && heartbeat.Value.Year > 1900 ? heartbeat : null,
                new Dictionary<DevicePlatform, bool>
                {
                    [DevicePlatform.Android] = partner.AndroidOnboarded == true,
                    [DevicePlatform.iOS] = partner.IosOnboarded == true,
                    [DevicePlatform.macOS] = partner.MacOsOnboarded == true,
                },
                new Dictionary<DevicePlatform, IReadOnlyList<AssignmentTarget>>
                {
                    [DevicePlatform.Android] = Targets(partner.AndroidEnrollmentAssignments),
                    [DevicePlatform.iOS] = Targets(partner.IosEnrollmentAssignments),
                    [DevicePlatform.macOS] = Targets(partner.MacOsEnrollmentAssignments),
                });
        }

        private static CompliancePartnerState MapState(DeviceManagementPartnerTenantState? state)
        {
            switch (state)
            {
                case DeviceManagementPartnerTenantState.Unavailable: return CompliancePartnerState.Unavailable;
                case DeviceManagementPartnerTenantState.Enabled: return CompliancePartnerState.Enabled;
                case DeviceManagementPartnerTenantState.Terminated: return CompliancePartnerState.Terminated;
                case DeviceManagementPartnerTenantState.Rejected: return CompliancePartnerState.Rejected;
                case DeviceManagementPartnerTenantState.Unresponsive: return CompliancePartnerState.Unresponsive;
                default: return CompliancePartnerState.Unknown;
            }
        }

        /// <summary>The public view, with group names; <paramref name="isThisInstance"/>: the partner this MDM instance is registered as.</summary>
        public CompliancePartner ToPublic(IReadOnlyDictionary<string, string> groupNames, bool isThisInstance = false)
        {
            var assignments = new List<CompliancePartnerAssignment>();
            foreach (var platform in OnboardingPlatforms.All)
            {
                foreach (var target in TargetsOf(platform))
                {
                    assignments.Add(target.AllUsers
                        ? new CompliancePartnerAssignment(platform, true, null, null)
                        : new CompliancePartnerAssignment(platform, false, target.GroupId,
                            groupNames.TryGetValue(target.GroupId!, out var name) ? name : target.GroupId));
                }
            }
            return new CompliancePartner(Id, DisplayName, State, LastHeartbeat, Platforms, assignments, isThisInstance);
        }

        /// <summary>Sets one platform on a PATCH/POST body.</summary>
        public static void SetPlatform(ComplianceManagementPartner body, DevicePlatform platform, bool onboarded, IEnumerable<AssignmentTarget>? targets)
        {
            var list = targets?.Select(t => t.ToGraph()).ToList();
            switch (platform)
            {
                case DevicePlatform.Android:
                    body.AndroidOnboarded = onboarded;
                    if (list != null) body.AndroidEnrollmentAssignments = list;
                    break;
                case DevicePlatform.iOS:
                    body.IosOnboarded = onboarded;
                    if (list != null) body.IosEnrollmentAssignments = list;
                    break;
                case DevicePlatform.macOS:
                    body.MacOsOnboarded = onboarded;
                    if (list != null) body.MacOsEnrollmentAssignments = list;
                    break;
            }
        }
    }
}
