using System.Runtime.InteropServices;
using AzureCompliance.TenantEmulator;

// Standalone: dotnet run --project src/AzureCompliance.TenantEmulator -- [--port N] [--fixture file.json] [--token-lifetime 01:00:00] [--trust] [--strict-schema] [--cloud China] [--refuse-partner-creation]
var options = new EmulatorOptions { Port = 5443 };
var trust = false;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--port": options.Port = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--fixture": options.FixturePath = Path.GetFullPath(Value()); break;
        case "--token-lifetime": options.TokenLifetime = TimeSpan.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--certificate-directory": options.CertificateDirectory = Value(); break;
        case "--strict-schema": options.StrictSchema = true; break;
        case "--cloud": options.Cloud = Enum.Parse<EmulatedCloud>(Value(), ignoreCase: true); break;
        case "--refuse-partner-creation": options.RefuseCompliancePartnerCreation = true; break;
        case "--max-devices-per-message": options.MaxDevicesPerMessage = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--trust": trust = true; break;
        case "--help" or "-h":
            Console.WriteLine("Usage: AzureCompliance.TenantEmulator [--port N (0 = any free port; default 5443)] [--fixture file.json] "
                + "[--token-lifetime hh:mm:ss] [--certificate-directory dir] [--strict-schema] [--cloud Global|USGov|USGovDoD|China] [--refuse-partner-creation] [--max-devices-per-message N] [--trust]");
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
Console.WriteLine($"""
    AzureCompliance tenant emulator: {server.Tenant.DisplayName} ({tenant.DefaultDomain})
      AuthorityHost   {server.AuthorityHost}
      GraphEndpoint   {server.GraphEndpoint}
      TenantId        {tenant.TenantId}
      ClientId        {DemoTenant.AppClientId}
      ClientSecret    {DemoTenant.AppSecret}
      Certificate     {server.ServerCertificate.Thumbprint} {(trust ? "(trusted for this user)" : "(not trusted: run with --trust once)")}

    Managed identity (App Service kind):
      IDENTITY_ENDPOINT={server.ManagedIdentityEndpoint}
      IDENTITY_HEADER={server.ManagedIdentityHeader}

    PowerShell:
      Connect-ComplianceTenant -TenantId {tenant.TenantId} -ClientId {DemoTenant.AppClientId} -ClientSecret (ConvertTo-SecureString '{DemoTenant.AppSecret}' -AsPlainText -Force) -AuthorityHost {server.AuthorityHost} -GraphEndpoint {server.GraphEndpoint}

    Press Ctrl+C to stop.
    """);

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
