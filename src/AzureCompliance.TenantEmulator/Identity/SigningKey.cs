using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>
/// The emulator's token-signing key: RSA 2048 in a self-signed certificate, published in the JWKS the way
/// Entra publishes its keys (kid = x5t = base64url SHA-1 thumbprint, x5c). New each start, like a key rollover.
/// </summary>
internal sealed class SigningKey : IDisposable
{
    public SigningKey()
    {
        Rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=AzureCompliance Tenant Emulator token signing", Rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        KeyId = Base64Url.EncodeToString(Certificate.GetCertHash());
    }

    public RSA Rsa { get; }
    public X509Certificate2 Certificate { get; }
    public string KeyId { get; }

    public JsonObject ToJwk()
    {
        var parameters = Rsa.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["kid"] = KeyId,
            ["x5t"] = KeyId,
            ["n"] = Base64Url.EncodeToString(parameters.Modulus),
            ["e"] = Base64Url.EncodeToString(parameters.Exponent),
            ["x5c"] = new JsonArray(Convert.ToBase64String(Certificate.RawData)),
        };
    }

    public string Sign(JsonObject payload) => Jwt.Encode(new JsonObject
    {
        ["typ"] = "JWT",
        ["alg"] = "RS256",
        ["x5t"] = KeyId,
        ["kid"] = KeyId,
    }, payload, Rsa);

    public void Dispose()
    {
        Certificate.Dispose();
        Rsa.Dispose();
    }
}
