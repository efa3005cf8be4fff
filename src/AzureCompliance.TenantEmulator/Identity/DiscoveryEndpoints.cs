using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>OpenID Connect metadata, the signing keys and instance discovery, shaped like login.microsoftonline.com's.</summary>
internal sealed class DiscoveryEndpoints(TenantState tenant, EmulatorEndpoints endpoints, SigningKey key)
{
    public IResult OpenIdConfiguration(string tenantSegment)
    {
        if (!tenant.IsTenant(tenantSegment) && !tenantSegment.Equals("common", StringComparison.OrdinalIgnoreCase)
            && !tenantSegment.Equals("organizations", StringComparison.OrdinalIgnoreCase))
        {
            // The metadata endpoint says "invalid_tenant" where the token endpoint says "invalid_request".
            return EntraResponses.Error(400, "invalid_tenant", 90002,
                $"Tenant '{tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. "
                + "Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");
        }
        var specific = tenant.IsTenant(tenantSegment);
        var pathTenant = specific ? tenant.TenantId.ToString() : tenantSegment.ToLowerInvariant();
        var root = endpoints.AuthorityHost;
        return EntraResponses.Json(new JsonObject
        {
            ["token_endpoint"] = $"{root}/{pathTenant}/oauth2/v2.0/token",
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt", "client_secret_basic"),
            ["jwks_uri"] = $"{root}/{pathTenant}/discovery/v2.0/keys",
            ["response_modes_supported"] = new JsonArray("query", "fragment", "form_post"),
            ["subject_types_supported"] = new JsonArray("pairwise"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token", "id_token token"),
            ["scopes_supported"] = new JsonArray("openid", "profile", "email", "offline_access"),
            ["issuer"] = specific ? endpoints.Issuer(tenant.TenantId) : $"{root}/{{tenantid}}/v2.0",
            ["request_uri_parameter_supported"] = false,
            ["userinfo_endpoint"] = $"{endpoints.GraphEndpoint}/oidc/userinfo",
            ["authorization_endpoint"] = $"{root}/{pathTenant}/oauth2/v2.0/authorize",
            ["device_authorization_endpoint"] = $"{root}/{pathTenant}/oauth2/v2.0/devicecode",
            ["http_logout_supported"] = true,
            ["frontchannel_logout_supported"] = true,
            ["end_session_endpoint"] = $"{root}/{pathTenant}/oauth2/v2.0/logout",
            ["claims_supported"] = new JsonArray("sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host",
                "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"),
            ["kerberos_endpoint"] = $"{root}/{pathTenant}/kerberos",
            ["tenant_region_scope"] = "NA",
            ["cloud_instance_name"] = new Uri(root).Authority,
            ["cloud_graph_host_name"] = new Uri(root).Authority,
            ["msgraph_host"] = new Uri(endpoints.GraphEndpoint).Authority,
            ["rbac_url"] = "https://pas.windows.net",
        });
    }

    public IResult Keys() => EntraResponses.Json(new JsonObject { ["keys"] = new JsonArray(key.ToJwk()) });

    /// <summary>MSAL's instance discovery: the emulator is its own single cloud, known by one host name.</summary>
    public IResult InstanceDiscovery(string? authorizationEndpoint)
    {
        var host = new Uri(endpoints.AuthorityHost).Authority;
        var tenantSegment = "common";
        if (Uri.TryCreate(authorizationEndpoint, UriKind.Absolute, out var uri) && uri.Segments.Length > 1)
            tenantSegment = uri.Segments[1].Trim('/');
        return EntraResponses.Json(new JsonObject
        {
            ["tenant_discovery_endpoint"] = $"{endpoints.AuthorityHost}/{tenantSegment}/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new JsonArray(new JsonObject
            {
                ["preferred_network"] = host,
                ["preferred_cache"] = host,
                ["aliases"] = new JsonArray(host),
            }),
        });
    }
}
