namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>
/// A service the emulator serves beside sign-in and Graph (e.g. the Intune partner API), in its own files.
/// Implementations in the assembly are found by reflection: <see cref="ConfigureServices"/> runs before the
/// host is built, <see cref="Map"/> after. Requests outside sign-in get latency, faults, throttling and
/// the journal automatically; register an error writer so faults come back in the service's own error shape.
/// </summary>
public interface IEmulatorModule
{
    void ConfigureServices(IServiceCollection services)
    {
    }

    void Map(IEndpointRouteBuilder routes, ServiceErrorWriters errorWriters);
}
