namespace AzureCompliance.TenantEmulator;

/// <summary>
/// Several tenants in one process, as an MSP's customers: one <see cref="EmulatorServer"/> per tenant, each with its own
/// tenant id and domain, directory, partner state, throttle budget, fault rules and journal, on its own loopback port.
/// Nothing is shared between them but the process (README.md, "Many tenants").
/// </summary>
public sealed class TenantFarm : IAsyncDisposable
{
    private TenantFarm(IReadOnlyList<EmulatorServer> servers) => Servers = servers;

    /// <summary>The tenants, in the order asked for; tenant i has the id <see cref="TenantIdOf"/>(i).</summary>
    public IReadOnlyList<EmulatorServer> Servers { get; }

    public EmulatorServer this[int index] => Servers[index];

    public int Count => Servers.Count;

    /// <summary>A stable tenant id for the i-th tenant of a farm, so runs and their state files can be compared.</summary>
    public static Guid TenantIdOf(int index) => new($"7e4a0000-0000-4000-8000-{index + 1:x12}");

    /// <summary>Starts <paramref name="count"/> tenants; <paramref name="configure"/> may change each one's options (port 0 and its tenant id are set).</summary>
    public static async Task<TenantFarm> StartAsync(int count, Action<int, EmulatorOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var servers = new List<EmulatorServer>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var number = (i + 1).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
                var options = new EmulatorOptions
                {
                    Port = 0,
                    TenantId = TenantIdOf(i),
                    TenantDisplayName = "Customer " + number,
                    TenantDomain = "customer" + number + ".onmicrosoft.com",
                };
                configure?.Invoke(i, options);
                servers.Add(await EmulatorServer.StartAsync(options, cancellationToken));
            }
        }
        catch
        {
            foreach (var server in servers)
                await server.DisposeAsync();
            throw;
        }
        return new TenantFarm(servers);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers)
            await server.DisposeAsync();
    }
}
