using System.Collections.Concurrent;
using System.Text.Json;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>
/// A partner API in memory for what the emulator cannot produce as the service would (see DeviceSyncRunTests): a
/// message that fails as a whole because of one device, and 429 answers without whole seconds of Retry-After.
/// </summary>
internal sealed class FakePartnerService : IDataUploadService
{
    public const string TenantId = "6f1c2a8e-0b4d-4d6a-9a51-3c2e8f7b9d10";

    private readonly ConcurrentDictionary<string, UploadStatus> _status = new(StringComparer.OrdinalIgnoreCase);
    private int _uploadCount;

    /// <summary>A message that contains one of these device ids fails as a whole (Failed status).</summary>
    public HashSet<string> PoisonDevices { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Uploads answered 429 with a Retry-After (as the service does once the budget is spent): nothing stored.</summary>
    public Func<int, bool>? ThrottleUpload { get; set; }

    /// <summary>Uploads wait for this task (a service that does not answer yet), when set.</summary>
    public Task? UploadGate { get; set; }

    public async Task<string> UploadAsync(Guid messageId, ArraySegment<byte> utf8, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (UploadGate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }
        var number = Interlocked.Increment(ref _uploadCount);
        if (ThrottleUpload?.Invoke(number) == true)
        {
            throw new ComplianceServiceException("TooManyRequests", ComplianceErrorCategory.LimitsExceeded, "Too many requests", 429, null, null)
            {
                RetryAfter = TimeSpan.FromMilliseconds(10),
            };
        }
        using var document = JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(utf8));
        var deviceIds = document.RootElement.EnumerateArray().Select(e => e.GetProperty("DeviceId").GetString()!).ToList();
        var id = messageId.ToString();
        _status[id] = deviceIds.Any(PoisonDevices.Contains)
            ? new UploadStatus("Failed", "InvalidDevice", "A device in the message is not known.")
            : new UploadStatus("Completed", null, null);
        return id;
    }

    public Task<UploadStatus?> GetStatusAsync(string messageId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_status.TryGetValue(messageId, out var status) ? status : null);
    }
}

/// <summary>A state file, the default policies, all users in scope and the fake service, and a way to run the engine over devices.</summary>
internal sealed class SyncHarness : IDisposable
{
    public const string Source = "core-01";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "azc-sync-" + Guid.NewGuid().ToString("n"));

    public SyncHarness()
    {
        Directory.CreateDirectory(_directory);
        StatePath = Path.Combine(_directory, "state.db");
    }

    public string StatePath { get; }
    public FakePartnerService Service { get; } = new();

    public sealed class Outcome
    {
        public DeviceSyncSummary? Summary { get; init; }
        public required RecordingRunContext Context { get; init; }
        public List<ComplianceException> Errors => Context.Errors;
        public Exception? Failure { get; init; }
    }

    public Outcome Run(IEnumerable<DeviceRecord> devices, Action<DeviceSyncOptions>? configure = null)
    {
        var context = new RecordingRunContext();
        var setup = Setup();
        DeviceSyncSummary? summary = null;
        Exception? failure = null;
        DeviceSyncRun? started = null;
        try
        {
            started = DeviceSyncRun.StartAsync(setup, Options(configure), context, CancellationToken.None).GetAwaiter().GetResult();
            foreach (var device in devices)
            {
                started.PostAsync(new DeviceSyncInput(device), CancellationToken.None).GetAwaiter().GetResult();
            }
            summary = started.CompleteAsync().GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            if (started != null)
            {
                summary ??= started.Summary;
                started.Dispose();
            }
            else
            {
                setup.Dispose();
            }
        }
        return new Outcome { Summary = summary, Failure = failure, Context = context };
    }

    /// <summary>Starts a run the test drives itself (posts, completes and disposes).</summary>
    public Task<DeviceSyncRun> StartAsync(RecordingRunContext context, Action<DeviceSyncOptions>? configure = null) =>
        DeviceSyncRun.StartAsync(Setup(), Options(configure), context, CancellationToken.None);

    private DeviceSyncOptions Options(Action<DeviceSyncOptions>? configure)
    {
        var options = new DeviceSyncOptions { PassThru = true, StatePath = StatePath, IdleFlush = TimeSpan.FromMilliseconds(50) };
        configure?.Invoke(options);
        return options;
    }

    private SyncSetup Setup()
    {
        var policies = new PolicyEvaluator(new[]
        {
            CompliancePolicy.CreateDefault("iOS baseline", DevicePlatform.iOS),
            CompliancePolicy.CreateDefault("Android baseline", DevicePlatform.Android),
        });
        return new SyncSetup(FakePartnerService.TenantId, Source, StateStore.Open(StatePath), null, policies,
            ScopeMembership.FromMembers(GroupScope.Everyone, Array.Empty<KeyValuePair<string, string>>()), Service);
    }

    /// <summary>Reads the devices table directly.</summary>
    public List<(string Id, string? Accepted, string? Message)> Rows()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={StatePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT device_id, accepted_hash, sent_message FROM devices WHERE source = $s ORDER BY device_id";
        command.Parameters.AddWithValue("$s", Source);
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string?, string?)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        return rows;
    }

    public static List<DeviceRecord> Fleet(int count)
    {
        var devices = new List<DeviceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var ios = i % 2 == 0;
            devices.Add(new DeviceRecord
            {
                DeviceId = DeviceGuid(i).ToString(),
                DeviceName = (ios ? "iPhone-" : "Pixel-") + i,
                UserId = UserGuid(i % 50).ToString(),
                PlatformName = ios ? "iOS" : "Android",
                OsVersion = ios ? "17.1.2" : "14",
                ClientVersion = ios ? "12.1" : "9.0",
                LastCheckIn = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero).AddMinutes(i),
                MdmState = "Active",
            });
        }
        return devices;
    }

    public static Guid DeviceGuid(int i) => new(i, 0x1d1d, 0x4c4c, 0x80, 0, 0, 0, 0, 0, 0, 1);
    public static Guid UserGuid(int i) => new(i, 0x2e2e, 0x4d4d, 0x90, 0, 0, 0, 0, 0, 0, 2);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
