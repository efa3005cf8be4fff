namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>
/// Takes no console signals: the emulator runs inside test hosts, which own Ctrl+C and SIGTERM. The standalone
/// program handles them itself and disposes the server.
/// </summary>
internal sealed class PassiveHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
