namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>Who called a service, from a validated access token.</summary>
public sealed record CallerIdentity
{
    public required Guid TenantId { get; init; }
    /// <summary>The client application (appid / azp).</summary>
    public required string ClientId { get; init; }
    /// <summary>The oid claim: the service principal (app-only) or the user (delegated).</summary>
    public required Guid ObjectId { get; init; }
    /// <summary>App-only token: permissions in <see cref="Roles"/>; otherwise delegated, in <see cref="Scopes"/>.</summary>
    public required bool IsAppOnly { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [];
    public IReadOnlyList<string> Scopes { get; init; } = [];
    public string? UserPrincipalName { get; init; }
    public string Audience { get; init; } = "";

    /// <summary>The permissions the token carries, whichever kind.</summary>
    public IReadOnlyList<string> Permissions => IsAppOnly ? Roles : Scopes;

    public bool HasAnyPermission(IEnumerable<string> required) =>
        required.Any(r => Permissions.Contains(r, StringComparer.OrdinalIgnoreCase));
}
