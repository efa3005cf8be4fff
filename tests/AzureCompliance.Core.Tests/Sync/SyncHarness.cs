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
/// A partner API in memory: keeps every message PUT, answers its status, and applies Completed messages to a
/// per-device view (the latest LastUpdateTime wins), as the service would apply them to Entra.
/// </summary>
internal sealed class FakePartnerService : IDataUploadService
{
    public const string TenantId = "6f1c2a8e-0b4d-4d6a-9a51-3c2e8f7b9d10";

    public sealed record Upload(Guid MessageId, string Content, int DeviceCount);

    public sealed record EntraView(bool? IsCompliant, bool IsManaged, DateTimeOffset LastUpdate, int Updates);

    private readonly ConcurrentDictionary<string, UploadStatus> _status = new(StringComparer.OrdinalIgnoreCase);
    private int _statusReads;

    public ConcurrentQueue<Upload> Uploads { get; } = new();
    public ConcurrentDictionary<string, EntraView> Devices { get; } = new(StringComparer.OrdinalIgnoreCase);
    public int StatusReads => _statusReads;

    /// <summary>A message that contains one of these device ids fails as a whole (Failed status).</summary>
    public HashSet<string> PoisonDevices { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Devices the directory does not know: skipped, and named in the status (Completed, or Failed when all are unknown).</summary>
    public HashSet<string> UnknownDevices { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Messages with more devices than this fail (a devices-per-message limit).</summary>
    public int MaxDevicesPerMessage { get; set; } = int.MaxValue;
    /// <summary>Status reads answer "Processing" this many times before the final status.</summary>
    public int ProcessingReads { get; set; }
    /// <summary>Called before each upload is taken (e.g. to stop the run mid-way).</summary>
    public Action<int>? BeforeUpload { get; set; }
    /// <summary>Uploads that are "lost": accepted by nobody, the caller gets an exception as from a reset connection.</summary>
    public Func<int, bool>? DropUpload { get; set; }
    /// <summary>Uploads answered 429 with a Retry-After (as the service does once the budget is spent): nothing stored.</summary>
    public Func<int, bool>? ThrottleUpload { get; set; }

    private readonly ConcurrentDictionary<string, int> _reads = new();
    private int _uploadCount;

    public Task<string> UploadAsync(Guid messageId, ArraySegment<byte> utf8, CancellationToken cancellationToken)
    {
        var content = System.Text.Encoding.UTF8.GetString(utf8);
        cancellationToken.ThrowIfCancellationRequested();
        var number = Interlocked.Increment(ref _uploadCount);
        BeforeUpload?.Invoke(number);
        cancellationToken.ThrowIfCancellationRequested();
        if (DropUpload?.Invoke(number) == true)
        {
            throw new ComplianceServiceException("ServiceUnreachable", ComplianceErrorCategory.ConnectionError, "connection reset", 0, null, null);
        }
        if (ThrottleUpload?.Invoke(number) == true)
        {
            throw new ComplianceServiceException("TooManyRequests", ComplianceErrorCategory.LimitsExceeded, "Too many requests", 429, null, null)
            {
                RetryAfter = TimeSpan.FromMilliseconds(10),
            };
        }
        using var document = JsonDocument.Parse(content);
        var entities = document.RootElement.EnumerateArray().ToList();
        var deviceIds = entities.Select(e => e.GetProperty("DeviceId").GetString()!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        Uploads.Enqueue(new Upload(messageId, content, deviceIds.Count));
        var id = messageId.ToString();
        if (deviceIds.Count > MaxDevicesPerMessage)
        {
            _status[id] = new UploadStatus("Failed", "TooManyDevices", $"At most {MaxDevicesPerMessage} devices per message.");
        }
        else if (deviceIds.Any(PoisonDevices.Contains))
        {
            _status[id] = new UploadStatus("Failed", "InvalidDevice", "A device in the message is not known.");
        }
        else if (deviceIds.Any(UnknownDevices.Contains))
        {
            var unknown = deviceIds.Where(UnknownDevices.Contains).ToList();
            Apply(entities.Where(e => !UnknownDevices.Contains(e.GetProperty("DeviceId").GetString()!)).ToList());
            _status[id] = new UploadStatus(unknown.Count == deviceIds.Count ? "Failed" : "Completed", "DeviceNotFound",
                $"{unknown.Count} of {deviceIds.Count} devices are not registered in the tenant's directory and were not processed: {string.Join(", ", unknown)}");
        }
        else
        {
            Apply(entities);
            _status[id] = new UploadStatus("Completed", null, null);
        }
        return Task.FromResult(id);
    }

    private void Apply(List<JsonElement> entities)
    {
        foreach (var entity in entities)
        {
            var deviceId = entity.GetProperty("DeviceId").GetString()!;
            var updated = DateTimeOffset.Parse(entity.GetProperty("LastUpdateTime").GetString()!);
            var type = entity.GetProperty("EntityType").GetInt32();
            Devices.AddOrUpdate(deviceId,
                _ => Make(type, entity, updated, null),
                (_, old) => updated < old.LastUpdate || (updated == old.LastUpdate && type == 1) ? old with { } : Make(type, entity, updated, old));
        }
    }

    private static EntraView Make(int type, JsonElement entity, DateTimeOffset updated, EntraView? old)
    {
        if (type == 1)
        {
            var managed = entity.GetProperty("DeviceManagementState").GetString() == "managed";
            return new EntraView(managed ? old?.IsCompliant : null, managed, updated, (old?.Updates ?? 0) + 1);
        }
        return new EntraView(entity.GetProperty("complianceStatus").GetString() == "compliant", old?.IsManaged ?? true, updated, (old?.Updates ?? 0) + 1);
    }

    public Task<UploadStatus?> GetStatusAsync(string messageId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _statusReads);
        if (!_status.TryGetValue(messageId, out var status))
        {
            return Task.FromResult<UploadStatus?>(null);
        }
        var reads = _reads.AddOrUpdate(messageId, 1, (_, n) => n + 1);
        return Task.FromResult<UploadStatus?>(reads <= ProcessingReads ? new UploadStatus("Processing", null, null) : status);
    }

    /// <summary>Every uploaded entity, in upload order.</summary>
    public IEnumerable<JsonElement> Entities() =>
        Uploads.SelectMany(u => JsonDocument.Parse(u.Content).RootElement.EnumerateArray().Select(e => e.Clone()));

    public int DevicePayloads => Uploads.Sum(u => u.DeviceCount);
}

/// <summary>A state file, policies, a scope and the fake service, and a way to run the engine over devices.</summary>
internal sealed class SyncHarness : IDisposable
{
    public const string Source = "core-01";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "azc-sync-" + Guid.NewGuid().ToString("n"));

    public SyncHarness()
    {
        Directory.CreateDirectory(_directory);
        StatePath = Path.Combine(_directory, "state.db");
        Policies = new List<CompliancePolicy>
        {
            CompliancePolicy.CreateDefault("iOS baseline", DevicePlatform.iOS),
            CompliancePolicy.CreateDefault("Android baseline", DevicePlatform.Android),
        };
    }

    public string StatePath { get; }
    public FakePartnerService Service { get; set; } = new();
    public List<CompliancePolicy> Policies { get; }
    public GroupScope Scope { get; set; } = GroupScope.Everyone;
    public List<KeyValuePair<string, string>> Members { get; } = new();
    public DateTimeOffset? FixedNow { get; set; }
    /// <summary>What the run calls to record this instance's last sync (the tenant's registry in real runs).</summary>
    public Func<CancellationToken, Task>? Heartbeat { get; set; }

    public sealed class Outcome
    {
        public DeviceSyncSummary? Summary { get; init; }
        public required RecordingRunContext Context { get; init; }
        public List<DeviceSyncResult> Results => Context.Results;
        public List<ComplianceException> Errors => Context.Errors;
        public List<string> Messages => Context.Messages;
        public Exception? Failure { get; init; }
    }

    /// <summary>Runs the engine over <paramref name="devices"/>; <paramref name="context"/> plays the host (default: approves everything).</summary>
    public Outcome Run(IEnumerable<DeviceRecord> devices, Action<DeviceSyncOptions>? configure = null, CancellationToken cancellationToken = default,
        RecordingRunContext? context = null)
    {
        context ??= new RecordingRunContext();
        var options = new DeviceSyncOptions { PassThru = true, StatePath = StatePath, IdleFlush = TimeSpan.FromMilliseconds(50) };
        if (FixedNow.HasValue)
        {
            var now = FixedNow.Value;
            options.Clock = () => now;
        }
        configure?.Invoke(options);
        var store = StateStore.Open(StatePath);
        var setup = new SyncSetup(FakePartnerService.TenantId, Source, store, null, new PolicyEvaluator(Policies),
            ScopeMembership.FromMembers(Scope, Members), Service) { Heartbeat = Heartbeat };
        DeviceSyncSummary? summary = null;
        Exception? failure = null;
        DeviceSyncRun? started = null;
        try
        {
            started = DeviceSyncRun.StartAsync(setup, options, context, cancellationToken).GetAwaiter().GetResult();
            foreach (var device in devices)
            {
                started.PostAsync(new DeviceSyncInput(device), cancellationToken).GetAwaiter().GetResult();
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

    /// <summary>Reads the devices table directly.</summary>
    public List<(string Id, string? Accepted, string? Sent, string? Message, long LastUpdate, bool Retired)> Rows()
    {
        using var store = StateStore.Open(StatePath);
        using var command = store.Connection.CreateCommand();
        command.CommandText = "SELECT device_id, accepted_hash, sent_hash, sent_message, COALESCE(last_update, 0), retired FROM devices WHERE source = $s ORDER BY device_id";
        command.Parameters.AddWithValue("$s", Source);
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string?, string?, string?, long, bool)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5) != 0));
        }
        return rows;
    }

    public static List<DeviceRecord> Fleet(int count, int seed = 1, string? upnDomain = null)
    {
        var random = new Random(seed);
        var devices = new List<DeviceRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var ios = i % 2 == 0;
            devices.Add(new DeviceRecord
            {
                DeviceId = DeviceGuid(i).ToString(),
                DeviceName = (ios ? "iPhone-" : "Pixel-") + i,
                UserId = UserGuid(i % 50).ToString(),
                UserPrincipalName = upnDomain == null ? null : $"user{i % 50}@{upnDomain}",
                PlatformName = ios ? "iOS" : "Android",
                OsVersion = ios ? (random.Next(4) == 0 ? "11.4" : "17.1.2") : (random.Next(4) == 0 ? "7.1" : "14"),
                ClientVersion = ios ? "12.1" : "9.0",
                Jailbroken = random.Next(20) == 0,
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
