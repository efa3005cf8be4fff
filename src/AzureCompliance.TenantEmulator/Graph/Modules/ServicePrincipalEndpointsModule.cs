using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// GET /servicePrincipals/{id}/endpoints: how a compliance partner finds the Intune partner APIs (PROTOCOL.md 3.1).
/// The Microsoft Intune service principal lists PartnerTenantDataSyncService and PartnerDeviceDataSyncService, which
/// this emulator serves at {BaseAddress}/PartnerTenantDataSync and {BaseAddress}/PartnerDeviceDataSync; others list none.
/// </summary>
internal sealed class ServicePrincipalEndpointsModule : IGraphEndpointModule
{
    public const string TenantSyncProvider = "PartnerTenantDataSyncService";
    public const string DeviceSyncProvider = "PartnerDeviceDataSyncService";
    public const string TenantSyncPath = "/PartnerTenantDataSync";
    public const string DeviceSyncPath = "/PartnerDeviceDataSync";

    private static readonly string[] ReadPermissions =
        ["Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet("/servicePrincipals/{id}/endpoints", (GraphRequest request, string id) =>
            {
                var sp = request.Tenant.FindServicePrincipal(GraphPaging.ObjectId(id)) ?? throw GraphException.NotFound(id);
                ServicePrincipalEndpoint[] endpoints = sp.AppId == DemoTenant.IntuneAppId
                    ?
                    [
                        Endpoint(request, sp, TenantSyncProvider, TenantSyncPath),
                        Endpoint(request, sp, DeviceSyncProvider, DeviceSyncPath),
                    ]
                    : [];
                return request.Collection(endpoints, $"servicePrincipals('{sp.Id}')/endpoints", new CollectionOptions
                {
                    FilterableProperties = ["id", "providerName", "capability"],
                });
            })
            .RequireGraphPermissions(ReadPermissions);
    }

    private static ServicePrincipalEndpoint Endpoint(GraphRequest request, ServicePrincipal sp, string provider, string path) => new()
    {
        Id = DeterministicId(sp.Id, provider),
        Capability = "Intune",
        ProviderName = provider,
        Uri = (request.Settings.PartnerEndpointBase ?? request.Endpoints.Root) + path,
    };

    private static Guid DeterministicId(Guid servicePrincipalId, string provider)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{servicePrincipalId}/endpoint/{provider}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}

[GraphType("microsoft.graph.endpoint")]
internal sealed record ServicePrincipalEndpoint : IDirectoryObject
{
    public Guid Id { get; init; }
    public string Capability { get; init; } = "";
    public string? ProviderId { get; init; }
    public string? ProviderName { get; init; }
    public string? ProviderResourceId { get; init; }
    public string Uri { get; init; } = "";
}
