using System.Text.Json.Serialization;

namespace AzureCompliance.TenantEmulator.Tenant;

[GraphType("microsoft.graph.user")]
public sealed record DirectoryUser : IDirectoryObject
{
    public Guid Id { get; init; }
    public string UserPrincipalName { get; init; } = "";
    public string? DisplayName { get; init; }
    public string? GivenName { get; init; }
    public string? Surname { get; init; }
    public string? Mail { get; init; }
    public string? JobTitle { get; init; }
    public string? MobilePhone { get; init; }
    public string? OfficeLocation { get; init; }
    public string? PreferredLanguage { get; init; }
    public IReadOnlyList<string> BusinessPhones { get; init; } = [];
    [SelectOnly] public string? MailNickname { get; init; }
    [SelectOnly] public string? Department { get; init; }
    [SelectOnly] public string? UsageLocation { get; init; }
    [SelectOnly] public bool? AccountEnabled { get; init; }
    [SelectOnly] public string? UserType { get; init; }
    [SelectOnly] public IReadOnlyList<AssignedLicense> AssignedLicenses { get; init; } = [];
}

public sealed record AssignedLicense
{
    public Guid SkuId { get; init; }
    public IReadOnlyList<Guid> DisabledPlans { get; init; } = [];
}

[GraphType("microsoft.graph.group")]
public sealed record DirectoryGroup : IDirectoryObject
{
    public Guid Id { get; init; }
    public string DisplayName { get; init; } = "";
    public string? Description { get; init; }
    public string? MailNickname { get; init; }
    public string? Mail { get; init; }
    public bool MailEnabled { get; init; }
    public bool SecurityEnabled { get; init; }
    public IReadOnlyList<string> GroupTypes { get; init; } = [];
    public DateTimeOffset? CreatedDateTime { get; init; }

    /// <summary>Direct members: user, group or device object ids (not a Graph property).</summary>
    [JsonIgnore] public IReadOnlyList<Guid> MemberIds { get; init; } = [];
}

[GraphType("microsoft.graph.device")]
public sealed record DirectoryDevice : IDirectoryObject
{
    public Guid Id { get; init; }
    /// <summary>The id device registration gave the device: what an MDM knows it by.</summary>
    public string DeviceId { get; init; } = "";
    public string? DisplayName { get; init; }
    public string? OperatingSystem { get; init; }
    public string? OperatingSystemVersion { get; init; }
    public bool? IsCompliant { get; init; }
    public bool? IsManaged { get; init; }
    public bool AccountEnabled { get; init; } = true;
    public string? TrustType { get; init; }
    public DateTimeOffset? ApproximateLastSignInDateTime { get; init; }
    public DateTimeOffset? RegistrationDateTime { get; init; }

    /// <summary>Registered owners' user object ids (Graph: /devices/{id}/registeredOwners).</summary>
    [JsonIgnore] public IReadOnlyList<Guid> RegisteredOwnerIds { get; init; } = [];
}
