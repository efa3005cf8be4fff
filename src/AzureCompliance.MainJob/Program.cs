using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AzureCompliance.ScriptHost;
using AzureCompliance.TenantEmulator;

// The main job against the built-in emulated tenant: start the tenant, trust its certificate as a user trusts a
// dev certificate, give the demo app a client certificate, then run samples/MainJob.ps1 with the built module.
var root = ModuleRunspace.RepositoryRoot();
var script = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(root, "samples", "MainJob.ps1");

await using var tenant = await EmulatorServer.StartAsync(new EmulatorOptions());
EmulatorServer.TrustCertificate(tenant.ServerCertificate);
Console.WriteLine($"Emulated tenant {DemoTenant.Domain} ({DemoTenant.TenantId}) at {tenant.BaseAddress}");

using var certificate = CreateClientCertificate();
tenant.Tenant.AddCertificateCredential(DemoTenant.AppClientId, certificate);

var host = new TextHost(Console.Out, plainText: Console.IsOutputRedirected);
using var runspace = new ModuleRunspace(host, ModuleRunspace.ModuleManifest(root));
using var powerShell = runspace.Create();
powerShell.AddCommand(script)
    .AddParameter("AuthorityHost", tenant.AuthorityHost)
    .AddParameter("GraphEndpoint", tenant.GraphEndpoint)
    .AddParameter("TenantId", DemoTenant.TenantId)
    .AddParameter("ClientId", DemoTenant.AppClientId)
    .AddParameter("ClientSecret", Secure(DemoTenant.AppSecret))
    .AddParameter("Certificate", certificate);
// Warnings, verbose and information records are shown in order with the output, as a console would.
powerShell.Commands.Commands[0].MergeMyResults(PipelineResultTypes.All, PipelineResultTypes.Output);
powerShell.AddCommand("Out-Default");

try
{
    powerShell.Invoke();
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine("The main job stopped: " + ex.ErrorRecord);
    return 1;
}
// Errors the script caught on purpose (the refusals it demonstrates) do not count; unhandled ones do.
foreach (var error in powerShell.Streams.Error)
{
    Console.Error.WriteLine("ERROR: " + error);
}
return powerShell.Streams.Error.Count > 0 ? 1 : 0;

static X509Certificate2 CreateClientCertificate()
{
    using var key = RSA.Create(2048);
    var request = new CertificateRequest("CN=AzureCompliance main job", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
}

static System.Security.SecureString Secure(string value)
{
    var secure = new System.Security.SecureString();
    foreach (var c in value) secure.AppendChar(c);
    secure.MakeReadOnly();
    return secure;
}
