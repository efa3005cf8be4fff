using System.Runtime.InteropServices;
using System.Text.Json;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Tenant;

// Standalone: dotnet run --project src/AzureCompliance.TenantEmulator -- [--port N] [--fixture file.json] [--token-lifetime 01:00:00] [--trust] [--strict-schema]
//   [--cloud China] [--refuse-partner-creation] [--max-devices-per-message N]
//   [--generated-users N] [--device-code-approval-delay hh:mm:ss] [--admin-key key]
//   [--fleet export.csv [--fleet-group name]] [--app-certificate file.cer] [--connection-file file.json]
var options = new EmulatorOptions { Port = 5443 };
var trust = false;
string? fleetPath = null, fleetGroup = "Mobile Fleet", appCertificatePath = null, connectionFile = null;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--port": options.Port = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--fixture": options.FixturePath = Path.GetFullPath(Value()); break;
        case "--tenant-id": options.TenantId = Guid.Parse(Value()); break;
        case "--tenant-name": options.TenantDisplayName = Value(); break;
        case "--tenant-domain": options.TenantDomain = Value(); break;
        case "--token-lifetime": options.TokenLifetime = TimeSpan.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--certificate-directory": options.CertificateDirectory = Value(); break;
        case "--strict-schema": options.StrictSchema = true; break;
        case "--generated-users": options.GeneratedUsers = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--device-code-approval-delay": options.DeviceCodeApprovalDelay = TimeSpan.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--admin-key": options.AdminKey = Value(); break;
        case "--cloud": options.Cloud = Enum.Parse<EmulatedCloud>(Value(), ignoreCase: true); break;
        case "--refuse-partner-creation": options.RefuseCompliancePartnerCreation = true; break;
        case "--max-devices-per-message": options.MaxDevicesPerMessage = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--trust": trust = true; break;
        case "--fleet": fleetPath = Path.GetFullPath(Value()); break;
        case "--fleet-group": fleetGroup = Value(); break;
        case "--app-certificate": appCertificatePath = Path.GetFullPath(Value()); break;
        case "--connection-file": connectionFile = Path.GetFullPath(Value()); break;
        case "--help" or "-h":
            Console.WriteLine("Usage: AzureCompliance.TenantEmulator [--port N (0 = any free port; default 5443)] [--fixture file.json] "
                + "[--token-lifetime hh:mm:ss] [--certificate-directory dir] [--strict-schema] [--generated-users N] "
                + "[--device-code-approval-delay hh:mm:ss] [--admin-key key (default: random per run)] [--trust]\n"
                + "  [--tenant-id guid [--tenant-name name] [--tenant-domain domain]] serves the fixture as that tenant (one emulator per tenant)\n"
                + "  [--cloud Global|USGov|USGovDoD|China] [--refuse-partner-creation] [--max-devices-per-message N]\n"
                + "  [--fleet export.csv] registers the devices and owners of a MobileIron Core export in the directory, the owners in\n"
                + "      [--fleet-group name] (default 'Mobile Fleet')\n"
                + "  [--app-certificate file.cer] registers a client certificate (public part, DER or PEM) for the demo app\n"
                + "  [--connection-file file.json] writes the connection parameters there once the emulator serves");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Try --help.");
            return 2;
    }
}

await using var server = await EmulatorServer.StartAsync(options);
if (trust)
    EmulatorServer.TrustCertificate(server.ServerCertificate);

var tenant = server.Tenant;
if (appCertificatePath is not null)
{
    using var appCertificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(appCertificatePath);
    tenant.AddCertificateCredential(DemoTenant.AppClientId, appCertificate);
}
var fleetCount = fleetPath is null ? 0 : tenant.RegisterFleet(fleetGroup, FleetInventoryFile.Read(fleetPath));
Console.WriteLine($"""
    AzureCompliance tenant emulator: {server.Tenant.DisplayName} ({tenant.DefaultDomain})
      AuthorityHost   {server.AuthorityHost}
      GraphEndpoint   {server.GraphEndpoint}
      TenantId        {tenant.TenantId}
      ClientId        {DemoTenant.AppClientId}
      ClientSecret    {DemoTenant.AppSecret}
      Certificate     {server.ServerCertificate.Thumbprint} {(trust ? "(trusted for this user)" : "(not trusted: run with --trust once)")}

    Admin endpoint (settings, journal, tenant; README.md "Admin endpoint"), header X-Emulator-Admin-Key:
      AdminEndpoint   {server.AdminEndpoint}
      AdminKey        {server.AdminKey}

    Managed identity (App Service kind):
      IDENTITY_ENDPOINT={server.ManagedIdentityEndpoint}
      IDENTITY_HEADER={server.ManagedIdentityHeader}

    PowerShell:
      Connect-ComplianceTenant -TenantId {tenant.TenantId} -ClientId {DemoTenant.AppClientId} -ClientSecret (ConvertTo-SecureString '{DemoTenant.AppSecret}' -AsPlainText -Force) -AuthorityHost {server.AuthorityHost} -GraphEndpoint {server.GraphEndpoint}

    Press Ctrl+C to stop.
    """);
if (fleetPath is not null)
    Console.WriteLine($"{fleetCount} devices of {Path.GetFileName(fleetPath)} registered; their owners are in '{fleetGroup}'.");
if (connectionFile is not null)
{
    // Written last and renamed into place: a reader that sees the file can connect.
    var parameters = new Dictionary<string, object?>
    {
        ["AuthorityHost"] = server.AuthorityHost, ["GraphEndpoint"] = server.GraphEndpoint, ["TenantId"] = tenant.TenantId,
        ["TenantDomain"] = tenant.DefaultDomain, ["ClientId"] = DemoTenant.AppClientId, ["ClientSecret"] = DemoTenant.AppSecret,
        ["ManagedIdentityEndpoint"] = server.ManagedIdentityEndpoint, ["ManagedIdentityHeader"] = server.ManagedIdentityHeader,
        ["AdminEndpoint"] = server.AdminEndpoint, ["AdminKey"] = server.AdminKey, ["ProcessId"] = Environment.ProcessId,
    };
    var temporary = connectionFile + ".tmp";
    File.WriteAllText(temporary, JsonSerializer.Serialize(parameters, new JsonSerializerOptions { WriteIndented = true }));
    if (!OperatingSystem.IsWindows())
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    File.Move(temporary, connectionFile, overwrite: true);
}

// Ctrl+C, SIGTERM (e.g. timeout, docker stop) and SIGQUIT all end the run the same way: stop serving, then exit.
var stopped = new TaskCompletionSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stopped.TrySetResult();
}
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop);
await stopped.Task;
Console.WriteLine("Stopping.");
return 0;
