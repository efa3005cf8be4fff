using System;
using System.Collections.Generic;
using System.Linq;

namespace AzureCompliance.Core.Connection
{
    /// <summary>One Graph permission the module needs, the stronger ones that also satisfy it, and what uses it.</summary>
    public sealed class PermissionRequirement
    {
        public PermissionRequirement(string permission, string usedBy, params string[] alsoSatisfiedBy)
        {
            Permission = permission;
            UsedBy = usedBy;
            SatisfiedBy = new[] { permission }.Concat(alsoSatisfiedBy).ToArray();
        }

        public string Permission { get; }
        public string UsedBy { get; }
        public IReadOnlyList<string> SatisfiedBy { get; }

        public bool IsMet(IEnumerable<string> granted) =>
            granted.Any(g => SatisfiedBy.Contains(g, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The Graph permissions the module's cmdlets need (PROTOCOL.md 2). Connect-ComplianceTenant compares them
    /// with what the app holds and names the missing ones; a 403 names the one the failing call needed.
    /// </summary>
    public static class PermissionCatalog
    {
        public const string OrganizationRead = "Organization.Read.All";
        public const string OrganizationReadWrite = "Organization.ReadWrite.All";
        public const string ApplicationRead = "Application.Read.All";
        public const string DirectoryRead = "Directory.Read.All";
        public const string DirectoryReadWrite = "Directory.ReadWrite.All";
        public const string GroupRead = "Group.Read.All";
        public const string UserRead = "User.Read.All";
        public const string UserReadWrite = "User.ReadWrite.All";
        public const string LicenseAssignment = "LicenseAssignment.ReadWrite.All";
        public const string DeviceRead = "Device.Read.All";
        public const string ServiceConfigReadWrite = "DeviceManagementServiceConfig.ReadWrite.All";
        public const string PolicyRead = "Policy.Read.All";
        public const string ConditionalAccessReadWrite = "Policy.ReadWrite.ConditionalAccess";

        public static IReadOnlyList<PermissionRequirement> Required { get; } = new[]
        {
            new PermissionRequirement(ApplicationRead, "partner endpoint discovery, permission check", DirectoryRead, "Application.ReadWrite.All"),
            new PermissionRequirement(OrganizationReadWrite, "the tenant-side registry of MDM instances", DirectoryReadWrite),
            new PermissionRequirement(ServiceConfigReadWrite, "Add/Get/Remove-CompliancePartner, Set-ComplianceGroup"),
            new PermissionRequirement(GroupRead, "Set-ComplianceGroup, Send-DeviceCompliance (group scope)", DirectoryRead, DirectoryReadWrite, "Group.ReadWrite.All"),
            new PermissionRequirement(UserReadWrite, "Add-ComplianceLicense", DirectoryReadWrite, LicenseAssignment),
            new PermissionRequirement(DeviceRead, "Get-DeviceCompliance", DirectoryRead, DirectoryReadWrite, "Device.ReadWrite.All"),
            new PermissionRequirement(PolicyRead, "Get-ComplianceAccessPolicy"),
            new PermissionRequirement(ConditionalAccessReadWrite, "New/Set/Remove-ComplianceAccessPolicy"),
        };

        /// <summary>The required permissions that none of the granted ones satisfies.</summary>
        public static IReadOnlyList<PermissionRequirement> Missing(IEnumerable<string> granted)
        {
            var grantedList = granted.ToList();
            return Required.Where(r => !r.IsMet(grantedList)).ToList();
        }
    }
}
