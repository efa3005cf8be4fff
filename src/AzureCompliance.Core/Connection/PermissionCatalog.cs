using System;
using System.Collections.Generic;
using System.Linq;

namespace AzureCompliance.Core.Connection
{
    /// <summary>One permission the module needs (Graph or the Intune API), the stronger ones that also satisfy it, and what uses it.</summary>
    public sealed class PermissionRequirement
    {
        public PermissionRequirement(string permission, string usedBy, params string[] alsoSatisfiedBy)
            : this(PermissionCatalog.GraphApi, permission, usedBy, alsoSatisfiedBy)
        {
        }

        /// <summary>An application permission of the Microsoft Intune API (the partner API).</summary>
        public static PermissionRequirement ForIntune(string permission, string usedBy) =>
            new PermissionRequirement(PermissionCatalog.IntuneApi, permission, usedBy, new string[0]);

        private PermissionRequirement(string api, string permission, string usedBy, string[] alsoSatisfiedBy)
        {
            Api = api;
            Permission = permission;
            UsedBy = usedBy;
            SatisfiedBy = new[] { permission }.Concat(alsoSatisfiedBy).ToArray();
        }

        /// <summary>The API that defines the permission: "Microsoft Graph" or "Microsoft Intune API".</summary>
        public string Api { get; }
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
        public const string GraphApi = "Microsoft Graph";
        /// <summary>The Intune service principal (appId 0000000a-0000-0000-c000-000000000000), "Microsoft Intune API" in the portal.</summary>
        public const string IntuneApi = "Microsoft Intune API";
        /// <summary>Intune API app role for tenant provisioning and device data uploads (Intune docs on partner integrations).</summary>
        public const string UpdateDeviceAttributes = "update_device_attributes";
        /// <summary>Intune API app role for partner compliance policies.</summary>
        public const string ManagePartnerCompliancePolicy = "manage_partner_compliance_policy";

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
            PermissionRequirement.ForIntune(UpdateDeviceAttributes, "Send-DeviceCompliance, Add-CompliancePartner (partner tenant provisioning)"),
            PermissionRequirement.ForIntune(ManagePartnerCompliancePolicy, "New/Set-CompliancePolicy, Set-ComplianceGroup (partner compliance policies)"),
        };

        /// <summary>The Intune API permissions: application permissions only (the partner API takes no delegated tokens).</summary>
        public static IReadOnlyList<PermissionRequirement> IntuneRequired { get; } = Required.Where(r => r.Api == IntuneApi).ToArray();

        /// <summary>The missing ones in words, grouped by API, e.g. "Microsoft Intune API: update_device_attributes (for ...)".</summary>
        public static string Describe(IEnumerable<PermissionRequirement> missing) =>
            string.Join("; ", missing.GroupBy(m => m.Api).Select(g => g.Key + ": " + string.Join(", ", g.Select(m => $"{m.Permission} (for {m.UsedBy})"))));

        /// <summary>The required permissions that none of the granted ones satisfies.</summary>
        public static IReadOnlyList<PermissionRequirement> Missing(IEnumerable<string> granted) => Missing(granted, delegated: false);

        /// <summary>As <see cref="Missing(IEnumerable{string})"/>; a delegated sign-in is checked for Graph only (it cannot reach the partner API at all).</summary>
        public static IReadOnlyList<PermissionRequirement> Missing(IEnumerable<string> granted, bool delegated)
        {
            var grantedList = granted.ToList();
            return Required.Where(r => !(delegated && r.Api == IntuneApi) && !r.IsMet(grantedList)).ToList();
        }
    }
}
