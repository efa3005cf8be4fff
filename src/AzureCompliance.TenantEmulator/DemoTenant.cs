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

    /// <summary>Intune standalone SKU and the Intune service plan that bundles also carry.</summary>
    public const string IntuneSkuId = "061f9ace-7d42-4136-88ac-31dc755f143f";
    public const string IntuneServicePlanId = "c1ec4a95-1f05-45b3-a911-aa3fa01094f5";
    public const string EmsE5SkuId = "b05e124f-c7cc-45a0-a6aa-8cf78c946968";
    public const string Microsoft365E3SkuId = "05e9a617-0261-4cee-bb44-138d3ef5d965";
    public const string ExchangeStandardSkuId = "4b9405b0-7788-4568-add1-99614e613b69";

    /// <summary>First-party application ids present in every tenant.</summary>
    public const string GraphAppId = "00000003-0000-0000-c000-000000000000";
    public const string IntuneAppId = "0000000a-0000-0000-c000-000000000000";
    /// <summary>The Intune partner API resource (scope "https://api.manage.microsoft.com//.default").</summary>
    public const string IntuneResource = "https://api.manage.microsoft.com/";
}
