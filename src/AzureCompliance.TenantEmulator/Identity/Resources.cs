using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>A resource a token can be issued for, the audience its tokens carry, and their version ("1.0" or "2.0").</summary>
internal sealed record ResolvedResource(string Audience, ServicePrincipal ServicePrincipal, bool IsGraph, string TokenVersion = "2.0");

/// <summary>A parsed OAuth scope parameter: OpenID scopes apart, the rest all of one resource.</summary>
internal sealed record ScopeRequest(string Resource, IReadOnlyList<string> Names, IReadOnlyList<string> OpenIdScopes, string Raw)
{
    public bool IsDefault => Names.Count == 1 && Names[0] == ".default";
}

internal sealed class ResourceResolver(EmulatorEndpoints endpoints, TenantState tenant)
{
    private static readonly HashSet<string> OpenIdScopes = new(StringComparer.OrdinalIgnoreCase) { "openid", "profile", "offline_access", "email" };

    /// <summary>
    /// The emulator's own Graph (by its URL or Graph's app id) and the tenant's other service principals
    /// (by an app id or service principal name, e.g. https://api.manage.microsoft.com/). The real Graph
    /// URL is deliberately unknown here: a client that asks for it is not pointed at the emulator.
    /// </summary>
    public ResolvedResource? Resolve(string resource)
    {
        if (endpoints.IsGraphResource(resource))
            return new ResolvedResource(endpoints.GraphEndpoint, tenant.FindServicePrincipalByAppId(DemoTenant.GraphAppId)!, true);
        var sp = tenant.FindServicePrincipalByName(resource);
        if (sp is null || sp.AppId == DemoTenant.GraphAppId)
            return null;
        // Entra's v1 tokens carry the resource as the client named it; the scope's resource has no trailing slash.
        var audience = Guid.TryParse(resource, out _) ? sp.ServicePrincipalNames.FirstOrDefault(n => n.Contains("://")) ?? resource : resource;
        // Azure Storage accepts v1 tokens only (its app does not ask for v2), so Entra issues v1 ones for it.
        return new ResolvedResource(audience, sp, false, sp.AppId == DemoTenant.AzureStorageAppId ? "1.0" : "2.0");
    }

    /// <summary>Splits "https://host/.default openid profile" into resource and names; null when scopes span several resources or none.</summary>
    public static ScopeRequest? Parse(string scope, string graphEndpoint)
    {
        var all = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var openId = all.Where(OpenIdScopes.Contains).ToArray();
        string? resource = null;
        var names = new List<string>();
        foreach (var item in all.Where(s => !OpenIdScopes.Contains(s)))
        {
            var slash = item.LastIndexOf('/');
            // A bare name ("User.Read") is a Microsoft Graph scope, as Entra reads it.
            var (itemResource, name) = slash < 0 ? (graphEndpoint, item) : (item[..slash], item[(slash + 1)..]);
            if (resource is not null && !string.Equals(resource.TrimEnd('/'), itemResource.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                return null;
            resource ??= itemResource;
            names.Add(name);
        }
        return resource is null ? null : new ScopeRequest(resource, names, openId, scope);
    }
}
