using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>Where the emulator serves the Intune partner API (the Intune service principal's endpoints point here).</summary>
public static class PartnerPaths
{
    /// <summary>{BaseAddress}/PartnerTenantDataSync: PartnerTenants and PartnerCompliancePolicies (api-version 1.6).</summary>
    public const string TenantSync = "/PartnerTenantDataSync";

    /// <summary>{BaseAddress}/PartnerDeviceDataSync: DataUploadMessages (api-version 1.2, or the older 1.0).</summary>
    public const string DeviceSync = "/PartnerDeviceDataSync";
}

/// <summary>The Intune partner compliance API (PROTOCOL.md 3) as an emulator module.</summary>
internal sealed class PartnerModule : IEmulatorModule
{
    public void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<MessageBudget>();
        services.AddSingleton<PartnerMessageProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<PartnerMessageProcessor>());
        services.AddSingleton<PartnerApi>();
    }

    public void Map(IEndpointRouteBuilder routes, ServiceErrorWriters errorWriters)
    {
        errorWriters.Register(PartnerPaths.TenantSync, PartnerErrors.WriteAsync);
        errorWriters.Register(PartnerPaths.DeviceSync, PartnerErrors.WriteAsync);
        var api = routes.ServiceProvider.GetRequiredService<PartnerApi>();
        routes.Map(PartnerPaths.TenantSync + "/{**rest}", api.TenantSyncAsync);
        routes.Map(PartnerPaths.DeviceSync + "/{**rest}", api.DeviceSyncAsync);
    }
}
