using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>An app registration (Graph: application).</summary>
[GraphType("microsoft.graph.application")]
public sealed record ApplicationRegistration : IDirectoryObject
{
    public Guid Id { get; init; }
    public string AppId { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string SignInAudience { get; init; } = "AzureADMyOrg";
    /// <summary>"Allow public client flows": device code works without a client secret.</summary>
    public bool? IsFallbackPublicClient { get; init; }
    public IReadOnlyList<KeyCredential> KeyCredentials { get; init; } = [];
    public IReadOnlyList<PasswordCredential> PasswordCredentials { get; init; } = [];

    /// <summary>Delegated permissions (Graph scope names) an administrator consented to for all users.</summary>
    [JsonIgnore] public IReadOnlyList<string> DelegatedPermissions { get; init; } = [];
}

/// <summary>A registered certificate (public part only).</summary>
public sealed record KeyCredential
{
    public Guid KeyId { get; init; }
    /// <summary>Base64 of the SHA-1 thumbprint bytes, as Entra shows it.</summary>
    public string? CustomKeyIdentifier { get; init; }
    public string? DisplayName { get; init; }
    public DateTimeOffset? StartDateTime { get; init; }
    public DateTimeOffset? EndDateTime { get; init; }
    public string Type { get; init; } = "AsymmetricX509Cert";
    public string Usage { get; init; } = "Verify";
    public string? Key { get; init; }

    [JsonIgnore] public X509Certificate2? Certificate { get; init; }
}

/// <summary>A client secret; Graph never returns the value, only a three-character hint.</summary>
public sealed record PasswordCredential
{
    public Guid KeyId { get; init; }
    public string? DisplayName { get; init; }
    public string? Hint { get; init; }
    public DateTimeOffset? StartDateTime { get; init; }
    public DateTimeOffset? EndDateTime { get; init; }
    public string? CustomKeyIdentifier { get; init; }
    public string? SecretText { get; init; }

    [JsonIgnore] public string Secret { get; init; } = "";
}

[GraphType("microsoft.graph.servicePrincipal")]
public sealed record ServicePrincipal : IDirectoryObject
{
    public Guid Id { get; init; }
    public string AppId { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string? AppDisplayName { get; init; }
    public Guid? AppOwnerOrganizationId { get; init; }
    public bool AccountEnabled { get; init; } = true;
    /// <summary>"Application" or "ManagedIdentity".</summary>
    public string ServicePrincipalType { get; init; } = "Application";
    public IReadOnlyList<string> ServicePrincipalNames { get; init; } = [];
    public IReadOnlyList<string> AlternativeNames { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<AppRole> AppRoles { get; init; } = [];
    public IReadOnlyList<PermissionScope> Oauth2PermissionScopes { get; init; } = [];
}

public sealed record AppRole
{
    public Guid Id { get; init; }
    public string Value { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string Description { get; init; } = "";
    public IReadOnlyList<string> AllowedMemberTypes { get; init; } = ["Application"];
    public bool IsEnabled { get; init; } = true;
    public string? Origin { get; init; } = "Application";
}

public sealed record PermissionScope
{
    public Guid Id { get; init; }
    public string Value { get; init; } = "";
    public string AdminConsentDisplayName { get; init; } = "";
    public string AdminConsentDescription { get; init; } = "";
    public string? UserConsentDisplayName { get; init; }
    public string? UserConsentDescription { get; init; }
    public bool IsEnabled { get; init; } = true;
    public string Type { get; init; } = "Admin";
}

/// <summary>An application permission granted to a client (principal) on a resource service principal.</summary>
[GraphType("microsoft.graph.appRoleAssignment")]
public sealed record AppRoleAssignment
{
    public string Id { get; init; } = "";
    public Guid AppRoleId { get; init; }
    public DateTimeOffset? CreatedDateTime { get; init; }
    public DateTimeOffset? DeletedDateTime { get; init; }
    public Guid PrincipalId { get; init; }
    public string? PrincipalDisplayName { get; init; }
    public string PrincipalType { get; init; } = "ServicePrincipal";
    public Guid ResourceId { get; init; }
    public string? ResourceDisplayName { get; init; }
}

public enum ManagedIdentityKind
{
    SystemAssigned,
    UserAssigned,
}

/// <summary>A managed identity: a service principal without an app registration, reached through the MSI endpoint.</summary>
public sealed record ManagedIdentity
{
    public ManagedIdentityKind Kind { get; init; }
    public string ClientId { get; init; } = "";
    public Guid ServicePrincipalId { get; init; }
    public string DisplayName { get; init; } = "";
    /// <summary>The Azure resource id (mi_res_id).</summary>
    public string ResourceId { get; init; } = "";
}
