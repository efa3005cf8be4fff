using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>Issues the emulator's tokens: access tokens (app-only or delegated) and id tokens, RS256 with the emulator's key.</summary>
public sealed class TokenIssuer
{
    private readonly SigningKey _key;
    private readonly EmulatorEndpoints _endpoints;
    private readonly TenantState _tenant;
    private readonly TimeProvider _time;

    internal TokenIssuer(SigningKey key, EmulatorEndpoints endpoints, TenantState tenant, EmulatorOptions options, TimeProvider time)
    {
        _key = key;
        _endpoints = endpoints;
        _tenant = tenant;
        _time = time;
        TokenLifetime = options.TokenLifetime;
    }

    public TimeSpan TokenLifetime { get; }

    /// <summary>Signs an access token. Anything the descriptor leaves out is filled in as Entra would for the emulated tenant.</summary>
    public string CreateAccessToken(AccessTokenDescriptor descriptor)
    {
        var tenantId = descriptor.TenantId ?? _tenant.TenantId;
        var issuedAt = descriptor.IssuedAt ?? _time.GetUtcNow();
        var lifetime = descriptor.Lifetime ?? TokenLifetime;
        var delegated = descriptor.Scopes is not null;
        var principal = _tenant.FindServicePrincipalByAppId(descriptor.ClientId);
        var objectId = descriptor.ObjectId ?? (delegated ? _tenant.DeviceCodeUser.Id : principal?.Id ?? Guid.Empty);
        var v1 = descriptor.Version == "1.0";
        // v1 tokens name the v1 issuer, https://sts.windows.net/{tenant}/, whatever host signed in (Entra access token claims reference).
        var issuer = v1 ? $"https://sts.windows.net/{tenantId}/" : _endpoints.Issuer(tenantId);

        var payload = new JsonObject
        {
            ["aud"] = descriptor.Audience ?? _endpoints.GraphEndpoint,
            ["iss"] = issuer,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["nbf"] = issuedAt.ToUnixTimeSeconds(),
            ["exp"] = (issuedAt + lifetime).ToUnixTimeSeconds(),
            ["aio"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24)),
            ["app_displayname"] = descriptor.AppDisplayName ?? principal?.DisplayName,
            ["appid"] = descriptor.ClientId,
            ["appidacr"] = descriptor.ClientAuthenticationMethod,
            ["azp"] = descriptor.ClientId,
            ["azpacr"] = descriptor.ClientAuthenticationMethod,
            ["idp"] = issuer,
            ["idtyp"] = delegated ? "user" : "app",
            ["oid"] = objectId.ToString(),
            ["rh"] = "0." + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            ["sub"] = delegated ? PairwiseSubject(objectId, descriptor.ClientId) : objectId.ToString(),
            ["tid"] = tenantId.ToString(),
            ["uti"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            ["ver"] = v1 ? "1.0" : "2.0",
        };
        if (v1)
        {
            // v1 tokens carry appid/appidacr only; azp/azpacr are v2 claims.
            payload.Remove("azp");
            payload.Remove("azpacr");
        }
        if (delegated)
        {
            var user = _tenant.FindUser(objectId.ToString());
            payload["scp"] = string.Join(' ', descriptor.Scopes!);
            payload["name"] = descriptor.UserDisplayName ?? user?.DisplayName;
            payload["preferred_username"] = descriptor.UserPrincipalName ?? user?.UserPrincipalName;
            payload["upn"] = descriptor.UserPrincipalName ?? user?.UserPrincipalName;
            payload["unique_name"] = descriptor.UserPrincipalName ?? user?.UserPrincipalName;
            payload["amr"] = new JsonArray("pwd", "mfa");
        }
        else if (descriptor.Roles is { Count: > 0 } roles)
        {
            payload["roles"] = new JsonArray(roles.Select(r => (JsonNode)JsonValue.Create(r)).ToArray());
        }
        if (descriptor.ManagedIdentityResourceId is { } miResource)
            payload["xms_mirid"] = miResource;
        return _key.Sign(payload);
    }

    /// <summary>The OpenID Connect id token of a device-code sign-in (MSAL reads the account from it).</summary>
    internal string CreateIdToken(string clientId, DirectoryUser user)
    {
        var now = _time.GetUtcNow();
        return _key.Sign(new JsonObject
        {
            ["aud"] = clientId,
            ["iss"] = _endpoints.Issuer(_tenant.TenantId),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + TokenLifetime).ToUnixTimeSeconds(),
            ["name"] = user.DisplayName,
            ["oid"] = user.Id.ToString(),
            ["preferred_username"] = user.UserPrincipalName,
            ["rh"] = "0." + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            ["sub"] = PairwiseSubject(user.Id, clientId),
            ["tid"] = _tenant.TenantId.ToString(),
            ["uti"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            ["ver"] = "2.0",
        });
    }

    /// <summary>client_info: base64url {"uid","utid"}, which MSAL uses as the account's home id.</summary>
    internal string CreateClientInfo(DirectoryUser user) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(new JsonObject { ["uid"] = user.Id.ToString(), ["utid"] = _tenant.TenantId.ToString() }.ToJsonString()));

    /// <summary>Entra's sub is per user and app, stable, and not the object id.</summary>
    private static string PairwiseSubject(Guid user, string clientId) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($"{user}|{clientId.ToLowerInvariant()}")));
}
