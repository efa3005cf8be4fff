namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>What an access token says. Tests use it (through <see cref="TokenIssuer"/>) to make expired, foreign or odd tokens.</summary>
public sealed record AccessTokenDescriptor
{
    public required string ClientId { get; init; }
    /// <summary>null = the emulator's Graph.</summary>
    public string? Audience { get; init; }
    /// <summary>null = the emulated tenant.</summary>
    public Guid? TenantId { get; init; }
    /// <summary>Application permissions (app-only token). Ignored when <see cref="Scopes"/> is set.</summary>
    public IReadOnlyList<string>? Roles { get; init; }
    /// <summary>Delegated permissions: makes a delegated (user) token.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }
    /// <summary>The oid: the signed-in user (delegated) or the client's service principal (app-only). null = looked up.</summary>
    public Guid? ObjectId { get; init; }
    public string? UserPrincipalName { get; init; }
    public string? UserDisplayName { get; init; }
    public string? AppDisplayName { get; init; }
    /// <summary>How the client authenticated: "0" public client, "1" secret, "2" certificate or managed identity.</summary>
    public string ClientAuthenticationMethod { get; init; } = "1";
    /// <summary>The xms_mirid claim of managed identity tokens.</summary>
    public string? ManagedIdentityResourceId { get; init; }
    /// <summary>"2.0" (iss {authority}/{tenant}/v2.0, azp) or "1.0" (iss https://sts.windows.net/{tenant}/, as Azure Storage's tokens).</summary>
    public string Version { get; init; } = "2.0";
    /// <summary>null = now.</summary>
    public DateTimeOffset? IssuedAt { get; init; }
    /// <summary>null = the server's token lifetime.</summary>
    public TimeSpan? Lifetime { get; init; }
}
