using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>Reading and making JWTs and certificates in tests, independently of the emulator's own code.</summary>
internal static class TestTokens
{
    public static JsonObject Header(string jwt) => Part(jwt, 0);

    public static JsonObject Claims(string jwt) => Part(jwt, 1);

    private static JsonObject Part(string jwt, int index) =>
        JsonNode.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[index]))!.AsObject();

    /// <summary>A self-signed RSA certificate with its private key, like the one an admin would upload to the app registration.</summary>
    public static X509Certificate2 NewCertificate(string subject = "CN=AzureCompliance test client", DateTimeOffset? notAfter = null)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var notBefore = DateTimeOffset.UtcNow.AddDays(-2);
        using var certificate = request.CreateSelfSigned(notBefore, notAfter ?? DateTimeOffset.UtcNow.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A client assertion signed by hand, for the cases MSAL would never produce.</summary>
    public static string Assertion(X509Certificate2 certificate, string clientId, string audience, DateTimeOffset? notBefore = null, TimeSpan? lifetime = null, string? issuer = null)
    {
        var nbf = notBefore ?? DateTimeOffset.UtcNow;
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["x5t"] = Base64Url.EncodeToString(certificate.GetCertHash()) };
        var payload = new JsonObject
        {
            ["aud"] = audience,
            ["iss"] = issuer ?? clientId,
            ["sub"] = clientId,
            ["jti"] = Guid.NewGuid().ToString(),
            ["nbf"] = nbf.ToUnixTimeSeconds(),
            ["exp"] = (nbf + (lifetime ?? TimeSpan.FromMinutes(10))).ToUnixTimeSeconds(),
        };
        return Sign(header, payload, certificate.GetRSAPrivateKey()!);
    }

    public static string Sign(JsonObject header, JsonObject payload, RSA key)
    {
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }
}
