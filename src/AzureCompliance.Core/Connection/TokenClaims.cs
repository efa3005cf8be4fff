using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace AzureCompliance.Core.Connection
{
    /// <summary>
    /// The few claims the module reads from its own access token: tenant, app, and granted permissions
    /// (roles for app-only, scp for delegated). Used where Graph cannot be asked (e.g. the app may not read
    /// service principals). The token is not validated here: the service that issued it is the authority.
    /// </summary>
    internal sealed class TokenClaims
    {
        public string? TenantId { get; private set; }
        public string? AppId { get; private set; }
        public string? UserName { get; private set; }
        public IReadOnlyList<string> Roles { get; private set; } = Array.Empty<string>();
        public IReadOnlyList<string> Scopes { get; private set; } = Array.Empty<string>();

        public static TokenClaims Read(string jwt)
        {
            var claims = new TokenClaims();
            var parts = jwt.Split('.');
            if (parts.Length < 2)
            {
                return claims;
            }

            try
            {
                using var document = JsonDocument.Parse(Base64UrlDecode(parts[1]));
                var root = document.RootElement;
                claims.TenantId = String(root, "tid");
                claims.AppId = String(root, "appid") ?? String(root, "azp");
                claims.UserName = String(root, "preferred_username") ?? String(root, "upn");
                if (root.TryGetProperty("roles", out var roles) && roles.ValueKind == JsonValueKind.Array)
                {
                    var list = new List<string>();
                    foreach (var role in roles.EnumerateArray())
                    {
                        if (role.ValueKind == JsonValueKind.String) list.Add(role.GetString()!);
                    }
                    claims.Roles = list;
                }
                var scp = String(root, "scp");
                if (!string.IsNullOrWhiteSpace(scp))
                {
                    claims.Scopes = scp!.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                }
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException)
            {
                // Not a JWT we can read (e.g. an encrypted token): the caller falls back to asking Graph.
            }
            return claims;
        }

        private static string? String(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static byte[] Base64UrlDecode(string value)
        {
            var s = value.Replace('-', '+').Replace('_', '/');
            switch (s.Length % 4)
            {
                case 2: s += "=="; break;
                case 3: s += "="; break;
            }
            return Convert.FromBase64String(s);
        }
    }
}
