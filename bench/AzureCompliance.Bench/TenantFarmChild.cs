using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.Bench;

/// <summary>
/// The "serve-tenants" child of the many-tenants benchmark: a <see cref="TenantFarm"/> of customer tenants, each set up as
/// Intune requires (owners licensed, in a group the partner policies are assigned to, partner onboarded and provisioned),
/// with its fleet in the directory, its own message budget, and the faults asked for. Prints READY and the tenants as one
/// JSON line, then answers "stats" (per-tenant counts) and "quit" on standard input.
/// </summary>
internal static class TenantFarmChild
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback) => Option(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        var tenants = Int("--tenants", 20);
        var devices = Int("--devices", 5_000);
        var budget = Int("--budget", 2);
        var windowMs = Int("--window-ms", 1000);
        var latencyMs = Int("--latency", 20);
        var processingMs = Int("--processing-ms", 1000);
        var throttledTenant = Int("--throttled-tenant", 1);
        var outageTenant = Int("--outage-tenant", 2);

        await using var farm = await TenantFarm.StartAsync(tenants, (_, options) => options.TokenLifetime = TimeSpan.FromMinutes(10));
        EmulatorServer.TrustCertificate(farm[0].ServerCertificate);
        var described = new JsonArray();
        for (var i = 0; i < farm.Count; i++)
        {
            var server = farm[i];
            var owners = server.Tenant.OnboardPartnerForLicensedUsers(DemoTenant.AppClientId, "Benchmark MDM");
            for (var d = 0; d < devices; d++)
            {
                server.Tenant.AddDevice(new DirectoryDevice
                {
                    Id = ManyTenantsFleet.ObjectId(d),
                    DeviceId = ManyTenantsFleet.DeviceId(d).ToString(),
                    DisplayName = "Device-" + d.ToString(CultureInfo.InvariantCulture),
                    OperatingSystem = d % 2 == 0 ? "iOS" : "Android",
                    TrustType = "Workplace",
                    RegistrationDateTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                });
            }
            var settings = server.Settings;
            settings.ClearThrottleRules();
            settings.Latency = TimeSpan.FromMilliseconds(latencyMs);
            settings.Partner.MessagesPerWindow = budget;
            settings.Partner.Window = TimeSpan.FromMilliseconds(windowMs);
            settings.Partner.ProcessingDelay = TimeSpan.FromMilliseconds(processingMs);
            var fault = i == throttledTenant ? "429" : i == outageTenant ? "outage" : "none";
            if (fault != "none")
            {
                settings.SetRandomSeed(17 + i);
                settings.AddFaultRule(new FaultRule
                {
                    Name = "bench-" + fault,
                    Match = (_, path) => path.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase),
                    TooManyRequestsProbability = fault == "429" ? 0.3 : 0,
                    ServiceUnavailableProbability = fault == "outage" ? 1 : 0,
                    RetryAfter = TimeSpan.FromSeconds(1),
                });
            }
            described.Add(new JsonObject
            {
                ["tenantId"] = server.Tenant.TenantId.ToString(),
                ["authority"] = server.AuthorityHost,
                ["graph"] = server.GraphEndpoint,
                ["fault"] = fault,
                ["owners"] = new JsonArray(owners.Select(o => (JsonNode)o.ToString()).ToArray()),
            });
        }
        Console.WriteLine("READY " + new JsonObject
        {
            ["budget"] = budget, ["windowMs"] = windowMs, ["latencyMs"] = latencyMs, ["processingMs"] = processingMs, ["tenants"] = described,
        }.ToJsonString());

        string? line;
        while ((line = Console.ReadLine()) != null)
        {
            if (line == "quit")
            {
                Console.WriteLine("{}");
                break;
            }
            if (line == "stats")
            {
                var stats = new JsonArray();
                foreach (var server in farm.Servers)
                {
                    var upload = server.Journal.Entries.Where(e => e.PathAndQuery.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase)).ToList();
                    stats.Add(new JsonObject
                    {
                        ["tenantId"] = server.Tenant.TenantId.ToString(),
                        ["uploads"] = upload.Count(e => e.Method == "PUT"),
                        ["throttled"] = upload.Count(e => e.StatusCode == 429),
                        ["unavailable"] = upload.Count(e => e.StatusCode == 503),
                        ["devicesApplied"] = server.Tenant.PartnerStatistics.DevicesApplied,
                    });
                }
                Console.WriteLine(stats.ToJsonString());
            }
            else
            {
                Console.WriteLine(JsonSerializer.Serialize(new { error = "Unknown command " + line }));
            }
        }
        return 0;
    }
}
