using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>A JWS in compact form, split and decoded but not yet trusted.</summary>
internal sealed record JwtParts(JsonObject Header, JsonObject Payload, byte[] SigningInput, byte[] Signature)
{
    public string? Algorithm => Header["alg"]?.GetValue<string>();

    public string? GetString(string claim) => Payload[claim] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A NumericDate; MSAL.NET writes nbf/exp of its client assertions as strings ("1795365762"), which Entra accepts.</summary>
    public long? GetNumber(string claim) => Payload[claim] is JsonValue v
        ? v.TryGetValue<long>(out var l) ? l
            : v.TryGetValue<double>(out var d) ? (long)d
            : v.TryGetValue<string>(out var s) && long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed
            : null
        : null;
}

/// <summary>Minimal RS256/PS256 JWS: the emulator needs to sign its tokens and check client assertions, nothing more.</summary>
internal static class Jwt
{
    public static string Encode(JsonObject header, JsonObject payload, RSA key)
    {
        var signingInput = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Splits a compact JWS; false when it is not three base64url parts holding JSON objects.</summary>
    public static bool TryDecode(string? token, out JwtParts? parts)
    {
        parts = null;
        if (string.IsNullOrEmpty(token))
            return false;
        var segments = token.Split('.');
        if (segments.Length != 3)
            return false;
        try
        {
            if (JsonNode.Parse(Base64Url.DecodeFromChars(segments[0])) is not JsonObject header
                || JsonNode.Parse(Base64Url.DecodeFromChars(segments[1])) is not JsonObject payload)
                return false;
            parts = new JwtParts(header, payload, Encoding.ASCII.GetBytes(segments[0] + "." + segments[1]), Base64Url.DecodeFromChars(segments[2]));
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }

    /// <summary>Verifies an RS256 or PS256 signature; other algorithms are refused.</summary>
    public static bool VerifySignature(JwtParts parts, RSA key)
    {
        var padding = parts.Algorithm switch
        {
            "RS256" => RSASignaturePadding.Pkcs1,
            "PS256" => RSASignaturePadding.Pss,
            _ => null,
        };
        return padding is not null && key.VerifyData(parts.SigningInput, parts.Signature, HashAlgorithmName.SHA256, padding);
    }
}
