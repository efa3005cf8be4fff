using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>Why a bearer token was refused, with the message Graph gives for it.</summary>
public sealed record TokenFailure(string Message)
{
    public static readonly TokenFailure Empty = new("Access token is empty.");
    public static readonly TokenFailure NoDots = new(
        "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. "
        + "(JWS): 'EncodedHeader.EndcodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.");
    public static readonly TokenFailure Malformed = new("CompactToken parsing failed with error code: 80049217");
    public static readonly TokenFailure Signature = new("Access token validation failure. Invalid signature.");
    public static readonly TokenFailure Expired = new("Lifetime validation failed, the token is expired.");
    public static readonly TokenFailure NotYetValid = new("Lifetime validation failed, the token is not yet valid.");
    public static readonly TokenFailure Audience = new("Access token validation failure. Invalid audience.");
    public static readonly TokenFailure Issuer = new("Access token validation failure. Invalid issuer.");
}

/// <summary>Checks bearer tokens the way a resource does: signature (the emulator's key), lifetime (5 minutes' skew), audience, tenant.</summary>
internal sealed class AccessTokenValidator(SigningKey key, EmulatorEndpoints endpoints, TenantState tenant, TimeProvider time)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Validates the Authorization header value; audiences are compared without trailing slashes.</summary>
    public (CallerIdentity? Caller, TokenFailure? Failure) Validate(string? authorizationHeader, IReadOnlyCollection<string> audiences)
    {
        var token = authorizationHeader?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true
            ? authorizationHeader["Bearer ".Length..].Trim()
            : null;
        if (string.IsNullOrEmpty(token))
            return (null, TokenFailure.Empty);
        if (!token.Contains('.'))
            return (null, TokenFailure.NoDots);
        if (!Jwt.TryDecode(token, out var parts))
            return (null, TokenFailure.Malformed);
        if (parts!.Header["kid"]?.ToString() != key.KeyId || !Jwt.VerifySignature(parts, key.Rsa))
            return (null, TokenFailure.Signature);

        var now = time.GetUtcNow();
        if (parts.GetNumber("exp") is not { } exp || DateTimeOffset.FromUnixTimeSeconds(exp) + ClockSkew < now)
            return (null, TokenFailure.Expired);
        if (parts.GetNumber("nbf") is { } nbf && DateTimeOffset.FromUnixTimeSeconds(nbf) - ClockSkew > now)
            return (null, TokenFailure.NotYetValid);

        var audience = parts.GetString("aud")?.TrimEnd('/');
        if (audience is null || !audiences.Any(a => string.Equals(a.TrimEnd('/'), audience, StringComparison.OrdinalIgnoreCase)))
            return (null, TokenFailure.Audience);

        if (!Guid.TryParse(parts.GetString("tid"), out var tenantId) || tenantId != tenant.TenantId
            || parts.GetString("iss") != endpoints.Issuer(tenantId))
            return (null, TokenFailure.Issuer);

        var clientId = parts.GetString("appid") ?? parts.GetString("azp") ?? "";
        var scopes = parts.GetString("scp");
        return (new CallerIdentity
        {
            TenantId = tenantId,
            ClientId = clientId,
            ObjectId = Guid.TryParse(parts.GetString("oid"), out var oid) ? oid : Guid.Empty,
            IsAppOnly = scopes is null,
            Roles = parts.Payload["roles"]?.AsArray().Select(r => r!.ToString()).ToArray() ?? [],
            Scopes = scopes?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
            UserPrincipalName = parts.GetString("preferred_username"),
            Audience = audience,
        }, null);
    }
}
