namespace AzureCompliance.TenantEmulator.Tenant;

[GraphType("microsoft.graph.subscribedSku")]
public sealed record SubscribedSku
{
    /// <summary>"{tenantId}_{skuId}", as Graph forms it.</summary>
    public string Id { get; init; } = "";
    public Guid AccountId { get; init; }
    public string? AccountName { get; init; }
    public string AppliesTo { get; init; } = "User";
    public string CapabilityStatus { get; init; } = "Enabled";
    /// <summary>Derived from the users' assigned licences whenever read.</summary>
    public int ConsumedUnits { get; init; }
    public LicenseUnitsDetail PrepaidUnits { get; init; } = new();
    public IReadOnlyList<ServicePlanInfo> ServicePlans { get; init; } = [];
    public Guid SkuId { get; init; }
    public string SkuPartNumber { get; init; } = "";
    public IReadOnlyList<string> SubscriptionIds { get; init; } = [];
}

public sealed record LicenseUnitsDetail
{
    public int Enabled { get; init; }
    public int LockedOut { get; init; }
    public int Suspended { get; init; }
    public int Warning { get; init; }
}

public sealed record ServicePlanInfo
{
    public Guid ServicePlanId { get; init; }
    public string ServicePlanName { get; init; } = "";
    public string ProvisioningStatus { get; init; } = "Success";
    public string AppliesTo { get; init; } = "User";
}
