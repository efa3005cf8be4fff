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

    public Task<ComplianceConnection> ConnectAsync(string sourceName = "fidelity", string clientId = DemoTenant.AppClientId, string secret = DemoTenant.AppSecret,
        IOperationContext? context = null, ComplianceAuthType authType = ComplianceAuthType.ClientSecret) =>
        ConnectionService.ConnectAsync(new ConnectionRequest
        {
            AuthType = authType,
            TenantId = DemoTenant.TenantId,
            ClientId = clientId,
            ClientSecret = authType == ComplianceAuthType.ClientSecret ? Secure(secret) : null,
            Environment = Environment,
            SourceName = sourceName,
        }, context ?? SilentOperationContext.Instance, default);

    private static System.Security.SecureString Secure(string value)
    {
        var s = new System.Security.SecureString();
        foreach (var c in value) s.AppendChar(c);
        return s;
    }
}

/// <summary>Keeps the warnings an operation writes.</summary>
public sealed class WarningRecorder : IOperationContext
{
    public List<string> Warnings { get; } = new();
    public void WriteVerbose(string message) { }
    public void WriteDebug(string message) { }
    public void WriteWarning(string message) { lock (Warnings) Warnings.Add(message); }
    public void WriteHostMessage(string message) { }
    public void WriteProgress(OperationProgress progress) { }
    public bool ShouldProcess(string target, string action) => true;
    public void WriteError(ComplianceException error) { }
    public void WriteResult(object result) { }
    public bool WhatIf => false;
    public bool[] ShouldProcess(IReadOnlyList<ProposedChange> changes) => OperationContexts.Approve(changes);
}
