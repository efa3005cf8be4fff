using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>GET /organization and /organization/{id}: the tenant itself.</summary>
internal sealed class OrganizationModule : IGraphEndpointModule
{
    private static readonly string[] ReadPermissions =
        ["Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "User.Read", "User.Read.All"];

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet("/organization", (GraphRequest request) =>
                request.Collection([request.Tenant.Organization], "organization"))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet("/organization/{id}", (GraphRequest request, string id) =>
            {
                if (!Guid.TryParse(id, out var guid))
                    return GraphErrors.InvalidObjectId(id);
                return guid == request.Tenant.TenantId
                    ? request.Entity(request.Tenant.Organization, "organization")
                    : GraphErrors.NotFound(id);
            })
            .RequireGraphPermissions(ReadPermissions);
    }
}
