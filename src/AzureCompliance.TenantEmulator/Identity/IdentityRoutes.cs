namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>The sign-in surface: Microsoft identity platform v2.0 endpoints and the managed identity endpoint.</summary>
internal static class IdentityRoutes
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant, DiscoveryEndpoints discovery) => discovery.OpenIdConfiguration(tenant));
        routes.MapGet("/{tenant}/discovery/v2.0/keys", (DiscoveryEndpoints discovery) => discovery.Keys());
        routes.MapGet("/{tenant}/discovery/keys", (DiscoveryEndpoints discovery) => discovery.Keys());
        routes.MapGet("/common/discovery/instance", (HttpRequest request, DiscoveryEndpoints discovery) =>
            discovery.InstanceDiscovery(request.Query["authorization_endpoint"]));

        // Any method: the token endpoints answer GET with Entra's "POST only" error rather than a bare 405.
        routes.Map("/{tenant}/oauth2/v2.0/token", (HttpContext context, string tenant, TokenEndpoint endpoint) => endpoint.TokenAsync(context, tenant));
        routes.Map("/{tenant}/oauth2/v2.0/devicecode", (HttpContext context, string tenant, TokenEndpoint endpoint) => endpoint.DeviceAuthorizationAsync(context, tenant));

        routes.MapGet("/msi/token", (HttpContext context, ManagedIdentityEndpoint endpoint) => endpoint.Token(context));

        // Nobody visits it (codes approve themselves), but the address the message names should answer.
        routes.MapGet("/devicelogin", () => Results.Content(
            "<!doctype html><title>Device login</title><p>This is the AzureCompliance tenant emulator. Device codes are approved automatically.</p>",
            "text/html"));
    }
}
