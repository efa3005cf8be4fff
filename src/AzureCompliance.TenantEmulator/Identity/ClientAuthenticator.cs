using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>
/// Confidential client authentication at the token endpoint: a client secret (form or HTTP Basic) or a
/// certificate-signed client assertion (private_key_jwt).
/// </summary>
internal sealed class ClientAuthenticator(TenantState tenant, EmulatorEndpoints endpoints, TimeProvider time)
{
    public const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Whether the request carries any client credential.</summary>
    public static bool HasCredential(HttpRequest request, IFormCollection form) =>
        form.ContainsKey("client_secret") || form.ContainsKey("client_assertion")
        || request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);

    /// <summary>Checks the credential; on success returns null and the appidacr value ("1" secret, "2" certificate).</summary>
    public IResult? Authenticate(HttpRequest request, IFormCollection form, ApplicationRegistration app, out string authenticationMethod)
    {
        authenticationMethod = "1";
        string? secret = form["client_secret"];
        var basic = request.Headers.Authorization.ToString();
        if (secret is null && basic.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            secret = ReadBasicSecret(basic["Basic ".Length..].Trim());

        if (secret is not null)
            return CheckSecret(app, secret);

        if (form["client_assertion"].ToString() is { Length: > 0 } assertion)
        {
            authenticationMethod = "2";
            var type = form["client_assertion_type"].ToString();
            if (type != JwtBearerAssertionType)
                return type.Length == 0 ? EntraErrors.MissingParameter("client_assertion_type") : EntraErrors.AssertionTypeInvalid(type);
            return CheckAssertion(app, assertion);
        }
        return EntraErrors.MissingClientCredential();
    }

    private IResult? CheckSecret(ApplicationRegistration app, string secret)
    {
        var given = Encoding.UTF8.GetBytes(secret);
        var match = app.PasswordCredentials.FirstOrDefault(p => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(p.Secret), given));
        if (match is null)
            return EntraErrors.InvalidClientSecret(app.AppId);
        if (match.EndDateTime is { } end && end < time.GetUtcNow())
            return EntraErrors.ExpiredClientSecret(app.AppId);
        return null;
    }

    private IResult? CheckAssertion(ApplicationRegistration app, string assertion)
    {
        if (!Jwt.TryDecode(assertion, out var parts))
            return EntraErrors.AssertionMalformed();

        // MSAL names the key by x5t (SHA-1) or x5t#S256 (SHA-256) of the certificate.
        var x5t = parts!.Header["x5t"]?.ToString();
        var x5tS256 = parts.Header["x5t#S256"]?.ToString();
        var key = app.KeyCredentials.FirstOrDefault(k => k.Certificate is { } c
            && ((x5t is not null && x5t == Base64Url.EncodeToString(c.GetCertHash()))
                || (x5tS256 is not null && x5tS256 == Base64Url.EncodeToString(c.GetCertHash(HashAlgorithmName.SHA256)))));
        if (key?.Certificate is not { } certificate)
        {
            var thumbprint = x5t is not null && TryHex(x5t) is { } hex ? hex : x5tS256 is not null && TryHex(x5tS256) is { } hex256 ? hex256 : "";
            return EntraErrors.CertificateNotRegistered(app.AppId, thumbprint);
        }

        using var publicKey = certificate.GetRSAPublicKey();
        if (publicKey is null || !Jwt.VerifySignature(parts, publicKey))
            return EntraErrors.AssertionSignatureInvalid();

        var now = time.GetUtcNow();
        if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
            return EntraErrors.CertificateExpired(app.AppId, certificate);

        if (!string.Equals(parts.GetString("iss"), app.AppId, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(parts.GetString("sub"), app.AppId, StringComparison.OrdinalIgnoreCase))
            return EntraErrors.AssertionSubject();

        if (parts.GetString("aud") is not { } audience || !AcceptedAudiences().Contains(audience, StringComparer.OrdinalIgnoreCase))
            return EntraErrors.AssertionAudience();

        var exp = parts.GetNumber("exp") is { } e ? DateTimeOffset.FromUnixTimeSeconds(e) : (DateTimeOffset?)null;
        var nbf = parts.GetNumber("nbf") is { } n ? DateTimeOffset.FromUnixTimeSeconds(n) : (DateTimeOffset?)null;
        if (exp is null || exp.Value + ClockSkew < now || (nbf is { } notBefore && notBefore - ClockSkew > now))
            return EntraErrors.AssertionLifetime(now, nbf, exp);
        return null;
    }

    /// <summary>Entra takes its token endpoint (v2 or v1, by tenant id or any verified domain) as the assertion audience, and nothing else.</summary>
    private IEnumerable<string> AcceptedAudiences()
    {
        foreach (var name in tenant.VerifiedDomains.Prepend(tenant.TenantId.ToString()))
        {
            yield return endpoints.TokenEndpoint(name);
            yield return $"{endpoints.AuthorityHost}/{name}/oauth2/token";
        }
    }

    private static string? ReadBasicSecret(string encoded)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':');
            return colon < 0 ? null : Uri.UnescapeDataString(text[(colon + 1)..].Replace('+', ' '));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? TryHex(string base64Url)
    {
        try
        {
            return Convert.ToHexString(Base64Url.DecodeFromChars(base64Url));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
