namespace AzureCompliance.TenantEmulator.Tenant;

[GraphType("microsoft.graph.organization")]
public sealed record Organization : IDirectoryObject
{
    public Guid Id { get; init; }
    public string DisplayName { get; init; } = "";
    public IReadOnlyList<VerifiedDomain> VerifiedDomains { get; init; } = [];
    public string? CountryLetterCode { get; init; }
    public string? PreferredLanguage { get; init; }
    public string? City { get; init; }
    public string? State { get; init; }
    public string? Street { get; init; }
    public string? PostalCode { get; init; }
    public DateTimeOffset? CreatedDateTime { get; init; }
    public string TenantType { get; init; } = "AAD";
    public bool? OnPremisesSyncEnabled { get; init; }
    public IReadOnlyList<string> BusinessPhones { get; init; } = [];
    public IReadOnlyList<string> TechnicalNotificationMails { get; init; } = [];
    public IReadOnlyList<string> MarketingNotificationEmails { get; init; } = [];
    public IReadOnlyList<string> SecurityComplianceNotificationMails { get; init; } = [];
    public IReadOnlyList<string> SecurityComplianceNotificationPhones { get; init; } = [];
}

public sealed record VerifiedDomain
{
    public string Name { get; init; } = "";
    public bool IsDefault { get; init; }
    public bool IsInitial { get; init; }
    public string Type { get; init; } = "Managed";
    public string Capabilities { get; init; } = "Email, OfficeCommunicationsOnline";
}
