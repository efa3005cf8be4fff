namespace AzureCompliance.TenantEmulator;

/// <summary>
/// Well-known values of the embedded default fixture (Tenant/Fixtures/DemoTenant.json).
/// The fixture is the source of the data; these constants only name what tests need.
/// </summary>
public static class DemoTenant
{
    public const string TenantId = "6f1c4e2a-8d3b-4c5e-9a7f-0b2d4e6f8a10";
    public const string Domain = "contoso.onmicrosoft.com";
    public const string CustomDomain = "contoso.com";
    public const string DisplayName = "Contoso";

    /// <summary>"Contoso MDM Compliance": every permission the module needs; also a public client (device code).</summary>
    public const string AppClientId = "1d3b5f7a-2c4e-4a6b-8d0f-1a3c5e7b9d20";
    public const string AppSecret = "demo-secret-value-1";
    public const string AppDisplayName = "Contoso MDM Compliance";

    /// <summary>"Contoso Reader": Organization.Read.All only.</summary>
    public const string ReaderClientId = "2e4c6a8b-3d5f-4b7c-9e1a-2b4d6f8a0c31";
    public const string ReaderSecret = "limited-secret-value-2";

    /// <summary>The managed identity used when no client id is given (system-assigned).</summary>
    public const string SystemManagedIdentityClientId = "3f5d7b9c-4e6a-4c8d-8f2b-3c5e7a9b1d42";
    public const string UserManagedIdentityClientId = "4a6e8c0d-5f7b-4d9e-9a3c-4d6f8b0c2e53";

    /// <summary>The user who approves device codes.</summary>
    public const string DeviceCodeUser = "admin@contoso.onmicrosoft.com";
    public const string BreakGlassUser = "breakglass@contoso.onmicrosoft.com";

    public const string AllSalesGroup = "All Sales";
    public const string SalesEmeaGroup = "Sales EMEA";
    public const string MobilePilotGroup = "Mobile Pilot";
    public const string ItAdminsGroup = "IT Admins";
    public const string BreakGlassGroup = "Break Glass";
    /// <summary>Two groups carry this name.</summary>
    public const string FieldStaffGroup = "Field Staff";
    /// <summary>A name with a quote, doubled in OData literals.</summary>
    public const string OBrienTeamGroup = "O'Brien Team";

    /// <summary>Nested: holds the groups Mobile Pilot and Pilot Wave 2 (which holds Sales EMEA), the user Isaiah Langer and the device iPhone-Isaiah.</summary>
    public const string CompliancePilotGroup = "Compliance Pilot";
    public const string CompliancePilotGroupId = "c8c11c1a-1f8e-528e-96eb-68b414da275a";
    public const string PilotWave2Group = "Pilot Wave 2";
    public const string PilotWave2GroupId = "72b118fe-f2da-5d96-9799-66589111d778";
    public const string AllSalesGroupId = "8dfff0e5-4fa1-55ab-a92c-0134f8db02fb";
    public const string SalesEmeaGroupId = "ac487dd2-79ee-5698-a6a7-2822228ac3e0";
    public const string MobilePilotGroupId = "9f5c4c11-30b0-56aa-a46a-f811f0ce184a";
    public const string ItAdminsGroupId = "fb86fade-dbd8-5d15-a0e4-cb1e3d46eb02";
    public const string BreakGlassGroupId = "554230e1-3273-5127-a2b5-5884fbe392bf";
    public const string OBrienTeamGroupId = "c07ede16-152e-52af-8e5f-340cc0fb1f8c";
    /// <summary>The nested groups <see cref="EmulatorOptions.GeneratedUsers"/> adds ("Generated Staff" holds "Generated Staff 01".."10").</summary>
    public const string GeneratedStaffGroup = "Generated Staff";

    public const string AdminUserId = "3233a870-380e-512d-816b-369d34405f48";
    public const string BreakGlassUserId = "fcd1bf73-df8e-59b9-8a30-76815242a0db";
    /// <summary>Usage location US, no licence.</summary>
    public const string IsaiahLangerUserId = "d816bd51-4492-55d8-a56c-eb7266eaf180";
    /// <summary>No usage location, no licence.</summary>
    public const string JoniShermanUserId = "43582605-fe63-5418-aaf9-209c1f75d63a";
    public const string JoniShermanUser = "joni.sherman@contoso.onmicrosoft.com";
    /// <summary>Intune standalone licence (INTUNE_A).</summary>
    public const string AlexWilberUserId = "9fab5f69-c2b7-5b57-be57-7d6d97c23f2b";

    /// <summary>iPhone-Adele: compliant and managed. Object id and the deviceId registration gave it.</summary>
    public const string AdeleIPhoneObjectId = "9f5f6445-487c-5721-830b-59c1776ad135";
    public const string AdeleIPhoneDeviceId = "f695c552-ea98-56ca-8705-c280dd91d04a";
    /// <summary>iPhone-Isaiah: not managed, compliance unknown; a member of Compliance Pilot.</summary>
    public const string IsaiahIPhoneObjectId = "92efa945-ae22-598e-b8cf-1526f5a325d4";
    public const string IsaiahIPhoneDeviceId = "c8fec2a1-85fd-5286-a009-a32c8b35d575";

    /// <summary>Intune standalone SKU and the Intune service plan that bundles also carry.</summary>
    public const string IntuneSkuId = "061f9ace-7d42-4136-88ac-31dc755f143f";
    public const string IntuneServicePlanId = "c1ec4a95-1f05-45b3-a911-aa3fa01094f5";
    public const string EmsE5SkuId = "b05e124f-c7cc-45a0-a6aa-8cf78c946968";
    public const string Microsoft365E3SkuId = "05e9a617-0261-4cee-bb44-138d3ef5d965";
    public const string ExchangeStandardSkuId = "4b9405b0-7788-4568-add1-99614e613b69";

    /// <summary>First-party application ids present in every tenant.</summary>
    public const string GraphAppId = "00000003-0000-0000-c000-000000000000";
    public const string IntuneAppId = "0000000a-0000-0000-c000-000000000000";
    /// <summary>Azure Storage's first-party app id and resource (Microsoft's docs on authorizing Blob access with Entra ID).</summary>
    public const string AzureStorageAppId = "e406a681-f3d4-42a8-90b6-c2b029497af1";
    public const string AzureStorageResource = "https://storage.azure.com/";
    /// <summary>The Intune partner API resource (scope "https://api.manage.microsoft.com//.default").</summary>
    public const string IntuneResource = "https://api.manage.microsoft.com/";
}
