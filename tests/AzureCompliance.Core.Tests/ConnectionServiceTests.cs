using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Core.Tests;

/// <summary>The engine's sign-in against the emulator, without PowerShell.</summary>
public sealed class ConnectionServiceTests : IAsyncLifetime
{
    private EmulatorServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await EmulatorServer.StartAsync(new EmulatorOptions { TokenLifetime = TimeSpan.FromSeconds(8) });
        EmulatorServer.TrustCertificate(_server.ServerCertificate);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ConnectionRequest SecretRequest() => new()
    {
        AuthType = ComplianceAuthType.ClientSecret,
        TenantId = DemoTenant.TenantId,
        ClientId = DemoTenant.AppClientId,
        ClientSecret = Secure(DemoTenant.AppSecret),
        Environment = CloudEnvironment.Custom(new Uri(_server.AuthorityHost), new Uri(_server.GraphEndpoint)),
        SourceName = "test",
    };

    private static System.Security.SecureString Secure(string value)
    {
        var s = new System.Security.SecureString();
        foreach (var c in value) s.AppendChar(c);
        return s;
    }

    [Fact]
    public async Task A_long_run_outlives_its_tokens()
    {
        var connection = await ConnectionService.ConnectAsync(SecretRequest(), SilentOperationContext.Instance, default);
        var firstExpiry = connection.ExpiresOn!.Value;
        var deadline = DateTime.UtcNow.AddSeconds(12);
        var calls = 0;
        while (DateTime.UtcNow < deadline)
        {
            var organization = await connection.Session.Graph.Organization.GetAsync();
            Assert.Equal(DemoTenant.TenantId, organization!.Value![0].Id);
            calls++;
            await Task.Delay(500);
        }
        Assert.True(connection.ExpiresOn > firstExpiry, "the Graph token was renewed during the run");
        Assert.True(calls > 10);
    }

    [Fact]
    public async Task Signing_out_stops_further_calls()
    {
        var connection = await ConnectionService.ConnectAsync(SecretRequest(), SilentOperationContext.Instance, default);
        await ConnectionService.DisconnectAsync(connection);
        Assert.False(connection.IsConnected);
        var error = await Assert.ThrowsAsync<ComplianceException>(() => connection.Session.Tokens.GetTokenAsync(connection.Session.Environment.GraphScope, false, default));
        Assert.Equal("ConnectionClosed", error.ErrorId);
    }

    [Fact]
    public async Task A_403_names_the_permission_and_what_the_app_holds()
    {
        var request = SecretRequest();
        request.ClientId = DemoTenant.ReaderClientId;
        request.ClientSecret = Secure(DemoTenant.ReaderSecret);
        var warnings = new List<string>();
        var connection = await ConnectionService.ConnectAsync(request, new RecordingContext(warnings), default);
        Assert.Contains(warnings, w => w.Contains("Application.Read.All"));
        var error = await Assert.ThrowsAsync<ComplianceServiceException>(() => Graph.GraphErrors.CallAsync(
            () => connection.Session.Graph.ServicePrincipals.GetAsync(), "Listing service principals", PermissionCatalog.ApplicationRead, connection.Permissions));
        Assert.Equal("PermissionDenied", error.ErrorId);
        Assert.Equal(403, error.StatusCode);
        Assert.Contains("Application.Read.All", error.Message);
        Assert.Contains("Organization.Read.All", error.Message);
    }

    private sealed class RecordingContext : IOperationContext
    {
        private readonly List<string> _warnings;
        public RecordingContext(List<string> warnings) => _warnings = warnings;
        public void WriteVerbose(string message) { }
        public void WriteDebug(string message) { }
        public void WriteWarning(string message) { lock (_warnings) _warnings.Add(message); }
        public void WriteHostMessage(string message) { }
        public void WriteProgress(OperationProgress progress) { }
        public bool ShouldProcess(string target, string action) => true;
        public void WriteError(ComplianceException error) { }
        public void WriteResult(object result) { }
        public bool WhatIf => false;
        public bool[] ShouldProcess(IReadOnlyList<ProposedChange> changes) => OperationContexts.Approve(changes);
    }
}
