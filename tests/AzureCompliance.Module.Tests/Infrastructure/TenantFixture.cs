using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests.Infrastructure;

/// <summary>
/// One emulated tenant for the module scenarios, on a free loopback port, with its certificate trusted the
/// way a user trusts a dev certificate (CurrentUser root store).
/// </summary>
public sealed class TenantFixture : IAsyncLifetime
{
    public EmulatorServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await EmulatorServer.StartAsync(new EmulatorOptions { DeviceCodeApprovalDelay = TimeSpan.FromMilliseconds(500) });
        EmulatorServer.TrustCertificate(Server.ServerCertificate);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>Variables every scenario script can use: $AuthorityHost, $GraphEndpoint, $TenantId, $ClientId, $Secret...</summary>
    public Dictionary<string, object?> Variables() => new()
    {
        ["AuthorityHost"] = Server.AuthorityHost,
        ["GraphEndpoint"] = Server.GraphEndpoint,
        ["TenantId"] = DemoTenant.TenantId,
        ["TenantDomain"] = DemoTenant.Domain,
        ["ClientId"] = DemoTenant.AppClientId,
        ["Secret"] = DemoTenant.AppSecret,
        // ConvertTo-SecureString is not among the engine's core commands; a user's pwsh has it.
        ["SecureSecret"] = ToSecureString(DemoTenant.AppSecret),
        ["ReaderSecureSecret"] = ToSecureString(DemoTenant.ReaderSecret),
        ["ReaderClientId"] = DemoTenant.ReaderClientId,
        ["ReaderSecret"] = DemoTenant.ReaderSecret,
    };

    /// <summary>The script line that connects with the demo app's secret to this emulator.</summary>
    public const string ConnectWithSecret =
        "Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint";

    public static System.Security.SecureString ToSecureString(string value)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in value) secure.AppendChar(c);
        secure.MakeReadOnly();
        return secure;
    }

    public static X509Certificate2 CreateClientCertificate(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        // Round-trip through PFX so the key is usable (and storable) like an imported certificate.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null,
            X509KeyStorageFlags.Exportable | X509KeyStorageFlags.PersistKeySet);
    }
}

[CollectionDefinition(Name)]
public sealed class TenantCollection : ICollectionFixture<TenantFixture>
{
    // All module scenarios share one tenant and run one after another: some set process-wide
    // environment variables (managed identity) and some count the tenant's writes.
    public const string Name = "Emulated tenant";
}
