namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>
/// Microsoft's own service principals that every tenant holds, with the Microsoft Graph permissions
/// (app role and delegated scope ids as Microsoft publishes them) that the emulator knows.
/// </summary>
internal static class FirstPartyApps
{
    public const string MicrosoftTenantId = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

    internal sealed record GraphPermission(string Value, Guid AppRoleId, Guid ScopeId, string DisplayName);

    public static readonly IReadOnlyList<GraphPermission> GraphPermissions =
    [
        new("Application.Read.All", new("9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"), new("c79f8feb-a9db-4090-85f9-90d820caa0eb"), "Read all applications"),
        new("Application.ReadWrite.All", new("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"), new("bdfbf15f-ee85-4955-8675-146e8e5296b5"), "Read and write all applications"),
        new("AppRoleAssignment.ReadWrite.All", new("06b708a9-e830-4db3-a914-8e69da51d44f"), new("84bccea3-f856-4a8a-967b-dbe0a3d53a64"), "Manage app permission grants and app role assignments"),
        new("Device.Read.All", new("7438b122-aefc-4978-80ed-43db9fcc7715"), new("951183d1-1a61-466f-a6d1-1fde911bfd95"), "Read all devices"),
        new("Device.ReadWrite.All", new("1138cb37-bd11-4084-a2b7-9f71582aeddb"), new("11d4cd79-5ba5-460f-803f-e22c8ab85ccd"), "Read and write devices"),
        new("DeviceManagementConfiguration.Read.All", new("dc377aa6-52d8-4e23-b271-2a7ae04cedf3"), new("f1493658-876a-4c87-8fa7-edb559b3476a"), "Read Microsoft Intune device configuration and policies"),
        new("DeviceManagementConfiguration.ReadWrite.All", new("9241abd9-d0e6-425a-bd4f-47ba86e767a4"), new("0883f392-0a7a-443d-8c76-16a6d39c7b63"), "Read and write Microsoft Intune device configuration and policies"),
        new("DeviceManagementManagedDevices.Read.All", new("2f51be20-0bb4-4fed-bf7b-db946066c75e"), new("314874da-47d6-4978-88dc-cf0d37f0bb82"), "Read Microsoft Intune devices"),
        new("DeviceManagementServiceConfig.Read.All", new("06a5fe6d-c49d-46a7-b082-56b1b14103c7"), new("8696daa5-bce5-4b2e-83f9-51b6defc4e1e"), "Read Microsoft Intune configuration"),
        new("DeviceManagementServiceConfig.ReadWrite.All", new("5ac13192-7ace-4fcf-b828-1a26f28068ee"), new("662ed50a-ac44-4eef-ad86-62eed9be2a29"), "Read and write Microsoft Intune configuration"),
        new("Directory.Read.All", new("7ab1d382-f21e-4acd-a863-ba3e13f7da61"), new("06da0dbc-49e2-44d2-8312-53f166ab848a"), "Read directory data"),
        new("Directory.ReadWrite.All", new("19dbc75e-c2e2-444c-a770-ec69d8559fc7"), new("c5366453-9fb0-48a5-a156-24f0c49a4b84"), "Read and write directory data"),
        new("Domain.Read.All", new("dbb9058a-0e50-45d7-ae91-66909b5d4664"), new("2f9ee017-59c1-4f1d-9472-bd5529a7b311"), "Read domains"),
        new("Group.Read.All", new("5b567255-7703-4780-807c-7be8301ae99b"), new("5f8c59db-677d-491f-a6b8-5f174b11ec1d"), "Read all groups"),
        new("Group.ReadWrite.All", new("62a82d76-70ea-41e2-9197-370581804d09"), new("4e46008b-f24c-477d-8fff-7bb4ec7aafe0"), "Read and write all groups"),
        new("GroupMember.Read.All", new("98830695-27a2-44f7-8c18-0c3ebc9698f6"), new("bc024368-1153-4739-b217-4326f2e966d0"), "Read all group memberships"),
        new("Organization.Read.All", new("498476ce-e0fe-48b0-b801-37ba7e2685c6"), new("4908d5b9-3fb2-4b1e-9336-1888b7937185"), "Read organization information"),
        new("Organization.ReadWrite.All", new("292d869f-3427-49a8-9dab-8c70152b74e9"), new("46ca0847-7e6b-426e-9775-ea810a948356"), "Read and write organization information"),
        new("Policy.Read.All", new("246dd0d5-5bd0-4def-940b-0421030a5b68"), new("572fea84-0151-49b2-9301-11cb16974376"), "Read your organization's policies"),
        new("Policy.ReadWrite.ConditionalAccess", new("01c0a623-fc9b-48e9-b794-0756f8e8f067"), new("ad902697-1014-4ef5-81ef-2b4301988e8c"), "Read and write your organization's conditional access policies"),
        new("User.Read.All", new("df021288-bdef-4463-88db-98f22de89214"), new("a154be20-db9c-4678-8ab7-66f6cc099a59"), "Read all users' full profiles"),
        new("User.ReadWrite.All", new("741f803b-c850-494e-b5df-cde7c675a1ca"), new("204e0828-b5ca-4ad8-b9f3-f32a958e7cc4"), "Read and write all users' full profiles"),
        new("LicenseAssignment.ReadWrite.All", new("5facf0c1-8979-4e95-abcf-ff3d079771c0"), new("f55016cc-149c-447e-8f21-7cf3ec1d6350"), "Manage all license assignments"),
    ];

    public static ServicePrincipal MicrosoftGraph(Guid id) => new()
    {
        Id = id,
        AppId = DemoTenant.GraphAppId,
        DisplayName = "Microsoft Graph",
        AppDisplayName = "Microsoft Graph",
        AppOwnerOrganizationId = new Guid(MicrosoftTenantId),
        ServicePrincipalNames = ["https://graph.microsoft.com/", "https://graph.microsoft.com", DemoTenant.GraphAppId],
        AppRoles = GraphPermissions.Select(p => new AppRole
        {
            Id = p.AppRoleId,
            Value = p.Value,
            DisplayName = p.DisplayName,
            Description = $"Allows the app to {char.ToLowerInvariant(p.DisplayName[0])}{p.DisplayName[1..]} without a signed-in user.",
        }).ToArray(),
        Oauth2PermissionScopes = GraphPermissions.Select(p => new PermissionScope
        {
            Id = p.ScopeId,
            Value = p.Value,
            AdminConsentDisplayName = p.DisplayName,
            AdminConsentDescription = $"Allows the app to {char.ToLowerInvariant(p.DisplayName[0])}{p.DisplayName[1..]} on behalf of the signed-in user.",
        }).ToArray(),
    };

    /// <summary>Microsoft Intune: the partner compliance APIs are discovered through its service principal (PROTOCOL.md 3).</summary>
    public static ServicePrincipal MicrosoftIntune(Guid id) => new()
    {
        Id = id,
        AppId = DemoTenant.IntuneAppId,
        DisplayName = "Microsoft Intune",
        AppDisplayName = "Microsoft Intune",
        AppOwnerOrganizationId = new Guid(MicrosoftTenantId),
        ServicePrincipalNames = [DemoTenant.IntuneResource, DemoTenant.IntuneAppId],
        AppRoles = IntunePermissions.Select(p => new AppRole
        {
            Id = p.AppRoleId,
            Value = p.Value,
            DisplayName = p.DisplayName,
            Description = p.DisplayName,
        }).ToArray(),
    };

    /// <summary>
    /// Azure Storage: a resource every tenant can get tokens for. Access is granted by Azure RBAC on the storage account
    /// (e.g. Storage Blob Data Contributor), not by app roles, so it publishes none; Entra issues it v1 tokens.
    /// </summary>
    public static ServicePrincipal AzureStorage(Guid id) => new()
    {
        Id = id,
        AppId = DemoTenant.AzureStorageAppId,
        DisplayName = "Azure Storage",
        AppDisplayName = "Azure Storage",
        AppOwnerOrganizationId = new Guid(MicrosoftTenantId),
        ServicePrincipalNames = [DemoTenant.AzureStorageResource, DemoTenant.AzureStorageAppId],
        AppRoles = [],
    };

    /// <summary>
    /// The Intune API's application permissions a compliance partner needs (names from Microsoft's Intune docs on partner
    /// integrations, e.g. Jamf: "update_device_attributes"; PROTOCOL.md 3). The role ids are our own: Microsoft's are not
    /// published where we could read them, so clients must name roles by value, never by id.
    /// </summary>
    public static readonly IReadOnlyList<GraphPermission> IntunePermissions =
    [
        new(UpdateDeviceAttributes, new("6a1f3e8d-2b4c-4d5e-8f6a-7b8c9d0e1f21"), Guid.Empty, "Send device attributes to Microsoft Intune"),
        new(ManagePartnerCompliancePolicy, new("7b2a4f9e-3c5d-4e6f-9a7b-8c9d0e1f2a32"), Guid.Empty, "Manage partner compliance policies with Microsoft Intune"),
    ];

    public const string UpdateDeviceAttributes = "update_device_attributes";
    public const string ManagePartnerCompliancePolicy = "manage_partner_compliance_policy";
}
