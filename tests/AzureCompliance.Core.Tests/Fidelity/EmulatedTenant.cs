using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Core.Tests.Fidelity;

/// <summary>An emulator of its own and app-only connections to it, for engine tests that must meet the service's strictness.</summary>
public sealed class EmulatedTenant : IAsyncLifetime
{
    public EmulatorServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await EmulatorServer.StartAsync(new EmulatorOptions());
        EmulatorServer.TrustCertificate(Server.ServerCertificate);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public CloudEnvironment Environment => CloudEnvironment.Custom(new Uri(Server.AuthorityHost), new Uri(Server.GraphEndpoint));

    public Task<ComplianceConnection> ConnectAsync(string sourceName = "fidelity", string clientId = DemoTenant.AppClientId, string secret = DemoTenant.AppSecret) =>
        ConnectionService.ConnectAsync(new ConnectionRequest
        {
            AuthType = ComplianceAuthType.ClientSecret,
            TenantId = DemoTenant.TenantId,
            ClientId = clientId,
            ClientSecret = Secure(secret),
            Environment = Environment,
            SourceName = sourceName,
        }, SilentOperationContext.Instance, default);

    private static System.Security.SecureString Secure(string value)
    {
        var s = new System.Security.SecureString();
        foreach (var c in value) s.AppendChar(c);
        return s;
    }
}
