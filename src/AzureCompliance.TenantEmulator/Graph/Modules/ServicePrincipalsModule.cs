using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// Service principals: list with $filter (appId, displayName, ...), by id, by appId alternate key, and the
/// application permissions a principal holds (appRoleAssignments).
/// </summary>
internal sealed class ServicePrincipalsModule : IGraphEndpointModule
{
    private static readonly string[] ReadPermissions =
        ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

    private static readonly CollectionOptions ListOptions = new()
    {
        FilterableProperties = ["id", "appId", "displayName", "servicePrincipalType", "servicePrincipalNames", "accountEnabled", "tags", "appOwnerOrganizationId", "alternativeNames"],
    };

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet("/servicePrincipals", (GraphRequest request) =>
                request.Collection(request.Tenant.ServicePrincipals, "servicePrincipals", ListOptions))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet("/servicePrincipals(appId='{appId}')", (GraphRequest request, string appId) =>
                request.Tenant.FindServicePrincipalByAppId(appId) is { } sp
                    ? request.Entity(sp, "servicePrincipals")
                    : GraphErrors.Result(404, "Request_ResourceNotFound", $"Resource '{appId}' does not exist or one of its queried reference-property objects are not present."))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet("/servicePrincipals/{id}", (GraphRequest request, string id) =>
                Find(request, id, out var sp, out var error) ? request.Entity(sp!, "servicePrincipals") : error!)
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet("/servicePrincipals/{id}/appRoleAssignments", (GraphRequest request, string id) =>
            {
                if (!Find(request, id, out var sp, out var error))
                    return error!;
                var assignments = request.Tenant.AppRoleAssignments.Where(a => a.PrincipalId == sp!.Id);
                return request.Collection(assignments, $"servicePrincipals('{sp!.Id}')/appRoleAssignments",
                    new CollectionOptions { FilterableProperties = ["resourceId", "appRoleId", "principalId"] });
            })
            .RequireGraphPermissions(ReadPermissions);
    }

    private static bool Find(GraphRequest request, string id, out ServicePrincipal? sp, out IResult? error)
    {
        sp = null;
        error = null;
        if (!Guid.TryParse(id, out var guid))
        {
            error = GraphErrors.InvalidObjectId(id);
            return false;
        }
        sp = request.Tenant.FindServicePrincipal(guid);
        if (sp is null)
            error = GraphErrors.NotFound(id);
        return sp is not null;
    }
}
