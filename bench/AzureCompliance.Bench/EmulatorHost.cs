using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.Bench;

/// <summary>
/// The tenant emulator in a child process ("serve" mode of this program), driven through JSON lines on its standard
/// input and output. Keeping it out of the measuring process keeps the memory figures the engine's own, and lets the
/// kill -9 scenario kill a sync without touching the service.
/// </summary>
internal sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private EmulatorProcess(Process process, string authorityHost, string graphEndpoint)
    {
        _process = process;
        AuthorityHost = authorityHost;
        GraphEndpoint = graphEndpoint;
    }

    public string AuthorityHost { get; }
    public string GraphEndpoint { get; }
    public int ProcessId => _process.Id;

    public static async Task<EmulatorProcess> StartAsync(TimeSpan tokenLifetime)
    {
        var process = Self.Start("serve", "--token-lifetime", tokenLifetime.ToString("c"));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The emulator process ended before it was ready: " + await process.StandardError.ReadToEndAsync());
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                var ready = JsonNode.Parse(line[6..])!;
                return new EmulatorProcess(process, ready["authority"]!.GetValue<string>(), ready["graph"]!.GetValue<string>());
            }
        }
    }

    /// <summary>Sends one command and returns the child's one-line JSON answer.</summary>
    public async Task<JsonNode> SendAsync(object command)
    {
        await _gate.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command));
            await _process.StandardInput.FlushAsync();
            var line = await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The emulator process ended.");
            var answer = JsonNode.Parse(line)!;
            if (answer["error"] is JsonNode error)
            {
                throw new InvalidOperationException("Emulator: " + error.GetValue<string>());
            }
            return answer;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync(new { cmd = "quit" });
        }
        catch (Exception)
        {
            // Gone already.
        }
        if (!_process.WaitForExit(5000))
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}

/// <summary>The child side: runs the emulator and answers commands.</summary>
internal static class EmulatorChild
{
    private const string FaultRuleName = "bench-faults";

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new EmulatorOptions { Port = 0 };
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--token-lifetime") options.TokenLifetime = TimeSpan.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
        }
        await using var server = await EmulatorServer.StartAsync(options);
        EmulatorServer.TrustCertificate(server.ServerCertificate);
        // The partner app onboarded as an administrator would (Add-CompliancePartner would provision it).
        EligibleOwners = server.Tenant.OnboardPartnerForLicensedUsers(DemoTenant.AppClientId, "Benchmark MDM");
        Console.WriteLine("READY " + JsonSerializer.Serialize(new { authority = server.AuthorityHost, graph = server.GraphEndpoint }));
        string? line;
        while ((line = Console.ReadLine()) != null)
        {
            JsonNode answer;
            try
            {
                var command = JsonNode.Parse(line)!;
                var name = command["cmd"]!.GetValue<string>();
                if (name == "quit")
                {
                    Console.WriteLine("{}");
                    break;
                }
                answer = Handle(server, name, command);
            }
            catch (Exception ex)
            {
                answer = new JsonObject { ["error"] = ex.GetType().Name + ": " + ex.Message };
            }
            Console.WriteLine(answer.ToJsonString());
        }
        return 0;
    }

    private static IReadOnlyList<Guid> EligibleOwners = Array.Empty<Guid>();

    internal static bool IsUpload(string method, string path) =>
        string.Equals(method, "PUT", StringComparison.OrdinalIgnoreCase) && path.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase);

    private static bool IsDataUpload(string path) => path.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase);

    private static JsonNode Handle(EmulatorServer server, string name, JsonNode command)
    {
        var settings = server.Settings;
        switch (name)
        {
            case "latency":
                settings.Latency = TimeSpan.FromMilliseconds(command["ms"]!.GetValue<double>());
                return new JsonObject();
            case "budget":
                // The emulator's message budget: at most `limit` uploads per sliding `windowMs`; beyond it 429 + Retry-After.
                settings.Partner.MessagesPerWindow = Math.Max(0, command["limit"]!.GetValue<int>());
                if (command["windowMs"] is JsonNode window)
                {
                    settings.Partner.Window = TimeSpan.FromMilliseconds(window.GetValue<double>());
                }
                return new JsonObject();
            case "processing":
                settings.Partner.ProcessingDelay = TimeSpan.FromMilliseconds(command["ms"]!.GetValue<double>());
                return new JsonObject();
            case "faults":
            {
                var p503 = command["p503"]?.GetValue<double>() ?? 0;
                var p429 = command["p429"]?.GetValue<double>() ?? 0;
                var reset = command["reset"]?.GetValue<double>() ?? 0;
                if (p503 + p429 + reset <= 0)
                {
                    settings.RemoveFaultRule(FaultRuleName);
                }
                else
                {
                    settings.SetRandomSeed(command["seed"]?.GetValue<int>() ?? 17);
                    settings.AddFaultRule(new FaultRule
                    {
                        Name = FaultRuleName,
                        Match = (_, path) => IsDataUpload(path),
                        ServiceUnavailableProbability = p503,
                        TooManyRequestsProbability = p429,
                        ConnectionResetProbability = reset,
                        RetryAfter = TimeSpan.FromSeconds(1),
                    });
                }
                return new JsonObject();
            }
            case "devices":
            {
                // Directory devices for the generated fleet [from, from+count), so uploads have devices to apply to.
                var from = command["from"]?.GetValue<int>() ?? 0;
                var count = command["count"]!.GetValue<int>();
                var added = 0;
                for (var i = from; i < from + count; i++)
                {
                    var id = Fleet.ObjectId(i);
                    if (server.Tenant.FindDevice(id) != null) continue;
                    server.Tenant.AddDevice(new DirectoryDevice
                    {
                        Id = id,
                        DeviceId = Fleet.DeviceId(i).ToString(),
                        DisplayName = "Device-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        OperatingSystem = i % 2 == 0 ? "iOS" : "Android",
                        TrustType = "Workplace",
                        RegistrationDateTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                    });
                    added++;
                }
                return new JsonObject { ["added"] = added };
            }
            case "users":
                return new JsonObject { ["ids"] = new JsonArray(EligibleOwners.Select(id => (JsonNode)id.ToString()).ToArray()) };
            case "entra":
            {
                // isCompliant / isManaged of the generated devices [from, from+count): true, false or null.
                var from = command["from"]?.GetValue<int>() ?? 0;
                var count = command["count"]!.GetValue<int>();
                var compliant = new JsonArray();
                var managed = new JsonArray();
                for (var i = from; i < from + count; i++)
                {
                    var device = server.Tenant.FindDevice(Fleet.ObjectId(i));
                    compliant.Add(device?.IsCompliant is bool c ? JsonValue.Create(c) : null);
                    managed.Add(device?.IsManaged is bool m ? JsonValue.Create(m) : null);
                }
                return new JsonObject { ["compliant"] = compliant, ["managed"] = managed };
            }
            case "stats":
            {
                var entries = server.Journal.Entries;
                var upload = entries.Where(e => IsDataUpload(e.PathAndQuery)).ToList();
                var partner = server.Tenant.PartnerStatistics;
                return new JsonObject
                {
                    ["requests"] = upload.Count,
                    ["uploads"] = upload.Count(e => e.Method == "PUT"),
                    ["uploadsAccepted"] = partner.MessagesReceived,
                    ["statusReads"] = upload.Count(e => e.Method == "GET"),
                    ["throttled"] = upload.Count(e => e.StatusCode == 429),
                    ["unavailable"] = upload.Count(e => e.StatusCode == 503),
                    ["reset"] = upload.Count(e => e.Aborted),
                    ["devicesReceived"] = partner.DevicesReceived,
                    ["devicesApplied"] = partner.DevicesApplied,
                    ["devicesReapplied"] = partner.DevicesReapplied,
                    ["tokenRequests"] = entries.Count(e => e.Area == RequestArea.SignIn && e.PathAndQuery.Contains("/token", StringComparison.OrdinalIgnoreCase)),
                    ["writes"] = server.Journal.WriteCount,
                    ["pending"] = server.Tenant.PendingPartnerMessages,
                };
            }
            case "clear-journal":
                server.Journal.Clear();
                server.Tenant.PartnerStatistics.Reset();
                return new JsonObject();
            default:
                throw new ArgumentException("Unknown command " + name);
        }
    }
}

/// <summary>Starts this same program in another mode.</summary>
internal static class Self
{
    public static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath!,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var entry = typeof(Self).Assembly.Location;
        var host = Path.GetFileName(Environment.ProcessPath!);
        if (host.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)) host = host[..^4];
        if (!host.Equals(Path.GetFileNameWithoutExtension(entry), StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(entry); // running as "dotnet AzureCompliance.Bench.dll", not as its own executable
        }
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return Process.Start(info) ?? throw new InvalidOperationException("Could not start " + info.FileName);
    }
}
