using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AzureCompliance.ScriptHost;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Tenant;

// The main job against the built-in emulated tenant: start the tenant, trust its certificate as a user trusts a
// dev certificate, give the demo app a client certificate, then run samples/MainJob.ps1 with the built module.
var root = ModuleRunspace.RepositoryRoot();
var script = args.Length > 0 ? Path.GetFullPath(args[0]) : Path.Combine(root, "samples", "MainJob.ps1");

await using var tenant = await EmulatorServer.StartAsync(new EmulatorOptions());
EmulatorServer.TrustCertificate(tenant.ServerCertificate);
Console.WriteLine($"Emulated tenant {DemoTenant.Domain} ({DemoTenant.TenantId}) at {tenant.BaseAddress}");

using var certificate = CreateClientCertificate();
tenant.Tenant.AddCertificateCredential(DemoTenant.AppClientId, certificate);

// The MDM's fleet is registered in Entra (device registration) and its owners are users of the tenant: the sample
// export's devices join the emulated directory, their owners a group the main job puts in scope.
var inventory = Path.Combine(root, "samples", "inventory", "mobileiron-core-export.csv");
var fleet = tenant.Tenant.RegisterFleet("Mobile Fleet", ReadFleet(inventory));
Console.WriteLine($"{fleet} devices of {Path.GetFileName(inventory)} registered in the tenant; their owners are in 'Mobile Fleet'.");

var host = new TextHost(Console.Out, plainText: Console.IsOutputRedirected);
using var runspace = new ModuleRunspace(host, ModuleRunspace.ModuleManifest(root));
using var powerShell = runspace.Create();
powerShell.AddCommand(script)
    .AddParameter("AuthorityHost", tenant.AuthorityHost)
    .AddParameter("GraphEndpoint", tenant.GraphEndpoint)
    .AddParameter("TenantId", DemoTenant.TenantId)
    .AddParameter("ClientId", DemoTenant.AppClientId)
    .AddParameter("ClientSecret", Secure(DemoTenant.AppSecret))
    .AddParameter("Certificate", certificate)
    .AddParameter("InventoryPath", inventory);
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

// The registered devices of a MobileIron Core export (Azure Device ID and Azure User ID set).
static IEnumerable<FleetDevice> ReadFleet(string path)
{
    using var reader = new StreamReader(path);
    var header = SplitCsv(reader.ReadLine() ?? "");
    int Column(string name) => Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
    int device = Column("Azure Device ID"), owner = Column("Azure User ID"), upn = Column("Email Address"),
        name = Column("Device Name"), display = Column("Display Name"), platform = Column("Platform"), version = Column("OS Version");
    for (var line = reader.ReadLine(); line != null; line = reader.ReadLine())
    {
        var row = SplitCsv(line);
        if (row.Length != header.Length || !Guid.TryParse(row[device], out _) || !Guid.TryParse(row[owner], out var ownerId))
        {
            continue;
        }
        yield return new FleetDevice(row[device], row[name], row[platform], row[version], ownerId, row[upn], row[display]);
    }
}

// One CSV line (RFC 4180 quoting; the sample has no line breaks inside fields).
static string[] SplitCsv(string line)
{
    var fields = new List<string>();
    var field = new System.Text.StringBuilder();
    var quoted = false;
    for (var i = 0; i < line.Length; i++)
    {
        var c = line[i];
        if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
        else if (c == '"') { quoted = !quoted; }
        else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
        else { field.Append(c); }
    }
    fields.Add(field.ToString());
    return fields.ToArray();
}

static System.Security.SecureString Secure(string value)
{
    var secure = new System.Security.SecureString();
    foreach (var c in value) secure.AppendChar(c);
    secure.MakeReadOnly();
    return secure;
}
