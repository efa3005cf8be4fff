using AzureCompliance.TenantEmulator.Partner;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>
/// The Intune partner compliance API's state (PROTOCOL.md 3): partner apps provisioned in the tenant, their
/// partner compliance policies and assignments, data upload messages, and what was applied per device.
/// Its own locks: <see cref="_partnerSync"/> for the state (short steps), <see cref="_partnerProcessing"/> to apply
/// one message at a time; either may be taken before <see cref="Sync"/>, never the other way round.
/// </summary>
public sealed partial class TenantState
{
    private readonly Lock _partnerSync = new();
    private readonly Lock _partnerProcessing = new();
    private readonly Dictionary<string, PartnerTenant> _partnerTenants = new(StringComparer.OrdinalIgnoreCase);
    private readonly OrderedDictionary<Guid, PartnerCompliancePolicy> _partnerPolicies = new();
    private readonly Dictionary<Guid, PartnerMessageEntry> _partnerMessages = [];
    private readonly Dictionary<Guid, PartnerDeviceEntry> _partnerDevices = [];

    // deviceId (registration id) -> device object id, rebuilt when the device collection has changed (guarded by Sync).
    private readonly Dictionary<Guid, Guid> _deviceIdIndex = [];
    private int _deviceIdIndexCount = -1;
    private Guid _deviceIdIndexLastKey;

    /// <summary>The partner API's counters.</summary>
    public PartnerStatistics PartnerStatistics { get; } = new();

    /// <summary>The registration of a partner app (its client id) in this tenant; null when it never called PUT PartnerTenants.</summary>
    public PartnerTenant? PartnerTenantState(string appId)
    {
        lock (_partnerSync) return _partnerTenants.GetValueOrDefault(appId);
    }

    public IReadOnlyList<PartnerTenant> PartnerTenants
    {
        get { lock (_partnerSync) return _partnerTenants.Values.ToArray(); }
    }

    /// <summary>Provisions (or deprovisions) a partner app, as PUT PartnerTenants does; tests use it to skip the call.</summary>
    public PartnerTenant SetPartnerTenantState(string appId, PartnerProvisioning provisioned, string? enrollmentUrl = null, string? remediationUrl = null, DateTimeOffset? when = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        lock (_partnerSync)
        {
            var record = _partnerTenants.TryGetValue(appId, out var existing)
                ? existing with { Provisioned = provisioned, PartnerEnrollmentUrl = enrollmentUrl, PartnerRemediationUrl = remediationUrl, LastModified = when ?? DateTimeOffset.UtcNow }
                : new PartnerTenant
                {
                    AppId = appId,
                    TenantId = TenantId,
                    Key = Guid.NewGuid(),
                    Provisioned = provisioned,
                    PartnerEnrollmentUrl = enrollmentUrl,
                    PartnerRemediationUrl = remediationUrl,
                    LastModified = when ?? DateTimeOffset.UtcNow,
                };
            _partnerTenants[appId] = record;
            return record;
        }
    }

    /// <summary>Every partner compliance policy of every partner app, with its assignments.</summary>
    public IReadOnlyList<PartnerCompliancePolicy> PartnerCompliancePolicies
    {
        get { lock (_partnerSync) return _partnerPolicies.Values.ToArray(); }
    }

    /// <summary>The partner compliance policies one partner app created.</summary>
    public IReadOnlyList<PartnerCompliancePolicy> PartnerCompliancePoliciesOf(string appId)
    {
        lock (_partnerSync) return _partnerPolicies.Values.Where(p => string.Equals(p.AppId, appId, StringComparison.OrdinalIgnoreCase)).ToArray();
    }

    public PartnerCompliancePolicy? FindPartnerCompliancePolicy(Guid id)
    {
        lock (_partnerSync) return _partnerPolicies.GetValueOrDefault(id);
    }

    /// <summary>
    /// Adds a partner compliance policy unless the app already has one for the platform; then returns that one
    /// as the conflict (the API answers 409).
    /// </summary>
    public (PartnerCompliancePolicy Policy, bool Created) AddPartnerCompliancePolicy(string appId, string displayName, string? description, string platform, DateTimeOffset? when = null)
    {
        lock (_partnerSync)
        {
            var existing = _partnerPolicies.Values.FirstOrDefault(p =>
                string.Equals(p.AppId, appId, StringComparison.OrdinalIgnoreCase) && string.Equals(p.Platform, platform, StringComparison.OrdinalIgnoreCase));
            if (existing is not null)
                return (existing, false);
            var policy = new PartnerCompliancePolicy
            {
                Id = Guid.NewGuid(),
                AppId = appId,
                DisplayName = displayName,
                Description = description,
                Platform = platform,
                PartnerPolicyId = Guid.NewGuid(),
                CreatedDateTime = when ?? DateTimeOffset.UtcNow,
            };
            _partnerPolicies.Add(policy.Id, policy);
            return (policy, true);
        }
    }

    /// <summary>Replaces a policy's assignments; null when there is no such policy.</summary>
    public PartnerCompliancePolicy? AssignPartnerCompliancePolicy(Guid policyId, IReadOnlyList<Guid> groupIds)
    {
        lock (_partnerSync)
        {
            if (!_partnerPolicies.TryGetValue(policyId, out var policy))
                return null;
            policy = policy with { Assignments = groupIds.Distinct().ToArray() };
            _partnerPolicies[policyId] = policy;
            return policy;
        }
    }

    /// <summary>Removes a policy (no API for it is known; for tests).</summary>
    public bool RemovePartnerCompliancePolicy(Guid policyId)
    {
        lock (_partnerSync) return _partnerPolicies.Remove(policyId);
    }

    /// <summary>Every data upload message received, in no particular order (snapshots).</summary>
    public IReadOnlyList<PartnerUploadMessage> PartnerMessages
    {
        get { lock (_partnerSync) return _partnerMessages.Values.Select(m => m.Snapshot()).ToArray(); }
    }

    public PartnerUploadMessage? FindPartnerMessage(Guid messageId)
    {
        lock (_partnerSync) return _partnerMessages.TryGetValue(messageId, out var entry) ? entry.Snapshot() : null;
    }

    /// <summary>Messages still Processing.</summary>
    public int PendingPartnerMessages
    {
        get { lock (_partnerSync) return _partnerMessages.Values.Count(m => m.Status == PartnerMessageStatus.Processing); }
    }

    /// <summary>What the partner API did with a device id; null when it never arrived.</summary>
    public PartnerDeviceRecord? FindPartnerDevice(string deviceId)
    {
        if (!Guid.TryParse(deviceId, out var id))
            return null;
        lock (_partnerSync) return _partnerDevices.TryGetValue(id, out var entry) ? entry.Snapshot(id) : null;
    }

    /// <summary>Every device id the partner API received, with its counts (snapshots).</summary>
    public IReadOnlyList<PartnerDeviceRecord> PartnerDevices
    {
        get { lock (_partnerSync) return _partnerDevices.Select(p => p.Value.Snapshot(p.Key)).ToArray(); }
    }

    /// <summary>Forgets messages, per-device records and counters (not provisioning or policies), e.g. between benchmark runs.</summary>
    public void ResetPartnerData()
    {
        lock (_partnerSync)
        {
            _partnerMessages.Clear();
            _partnerDevices.Clear();
            PartnerStatistics.Reset();
        }
    }

    /// <summary>
    /// Forgets every partner compliance policy (test control: the partner API itself has no delete call), so a scenario
    /// can start from a tenant where no partner holds a policy for a platform yet.
    /// </summary>
    public void ClearPartnerCompliancePolicies()
    {
        lock (_partnerSync) _partnerPolicies.Clear();
    }

    /// <summary>Stores a new message, or returns the one already stored under its id (a repeated PUT).</summary>
    internal PartnerMessageEntry AddOrGetPartnerMessage(PartnerMessageEntry message, out bool added)
    {
        lock (_partnerSync)
        {
            if (_partnerMessages.TryGetValue(message.MessageId, out var existing))
            {
                added = false;
                return existing;
            }
            _partnerMessages.Add(message.MessageId, message);
            foreach (var update in message.Updates!)
            {
                ref var device = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_partnerDevices, update.DeviceId, out _);
                device ??= new PartnerDeviceEntry();
                device.Received++;
            }
            added = true;
            return message;
        }
    }

    internal void CountPartnerMessageRepeat(PartnerMessageEntry message)
    {
        lock (_partnerSync) message.RepeatCount++;
    }

    internal PartnerMessageEntry? FindPartnerMessageEntry(Guid messageId)
    {
        lock (_partnerSync) return _partnerMessages.GetValueOrDefault(messageId);
    }

    /// <summary>
    /// Applies a due message to the directory once (later calls return at once): per device, unless a later
    /// LastUpdateTime was applied already, through <see cref="SetDeviceCompliance"/>. Unknown device ids fail
    /// their device; the message fails when none of its devices could be applied. Messages are processed one at a
    /// time (<see cref="_partnerProcessing"/>); the state lock is held only for short steps, so requests never wait
    /// for a message to be applied. With <paramref name="wait"/> false (a status read) it gives up if another
    /// message is being processed and returns false.
    /// </summary>
    internal bool ProcessPartnerMessage(PartnerMessageEntry message, DateTimeOffset now, bool wait = true)
    {
        if (wait)
            _partnerProcessing.Enter();
        else if (!_partnerProcessing.TryEnter())
            return false;
        try
        {
            PartnerDeviceUpdate[] updates;
            lock (_partnerSync)
            {
                if (message.Status != PartnerMessageStatus.Processing)
                    return true;
                updates = message.Updates!;
                var provisioned = _partnerTenants.GetValueOrDefault(message.AppId)?.Provisioned == PartnerProvisioning.Provisioned;
                if (message.RequiresProvisioning && !provisioned)
                {
                    message.Complete(PartnerMessageStatus.Failed, now, "TenantNotProvisioned",
                        $"The partner application '{message.AppId}' was deprovisioned from tenant '{TenantId}' before the message was processed; nothing was applied.");
                    PartnerStatistics.MessageProcessed(true, 0, 0, 0, 0);
                    return true;
                }
            }

            int applied = 0, reapplied = 0, stale = 0;
            List<string>? unknown = null;
            List<string>? ineligible = null;
            foreach (var update in updates)
            {
                PartnerDeviceEntry record;
                lock (_partnerSync)
                    record = _partnerDevices[update.DeviceId];
                var deviceId = update.DeviceId.ToString();
                var objectId = DeviceObjectIdFor(update.DeviceId);
                if (objectId is null)
                {
                    (unknown ??= []).Add(deviceId);
                    continue;
                }
                if (message.RequiresEligibleUsers && IneligibleReason(message.AppId, update, objectId.Value) is { } reason)
                {
                    (ineligible ??= []).Add($"{deviceId} ({reason})");
                    continue;
                }
                // Processing is serialized, so the record's last applied time cannot change under us.
                if (record.LastUpdateTime is { } last && update.LastUpdateTime < last)
                {
                    lock (_partnerSync)
                        record.Stale++;
                    stale++;
                    continue;
                }

                // isManaged from the inventory entity, isCompliant from the compliance entity (left as it is without one).
                // notManaged without a compliance entity: isCompliant left or cleared, per the setting (our reading).
                var retire = update.HasInventory && !update.IsManagedState && !update.HasCompliance && message.NotManagedClearsCompliance;
                bool? isManaged = update.HasInventory ? update.IsManagedState : null;
                bool? isCompliant = update.HasCompliance ? update.IsCompliant : null;
                if (!SetDeviceCompliance(deviceId, isCompliant, isManaged, update.LastUpdateTime, clearCompliance: retire))
                {
                    // The directory holds a later update than this one (set outside the partner API).
                    lock (_partnerSync)
                        record.Stale++;
                    stale++;
                    continue;
                }

                lock (_partnerSync)
                {
                    if (record.Applied > 0)
                        reapplied++;
                    record.Applied++;
                    record.LastUpdateTime = update.LastUpdateTime;
                    record.IsManaged = isManaged ?? record.IsManaged;
                    record.IsCompliant = retire ? null : isCompliant ?? record.IsCompliant;
                }
                applied++;
            }

            var skipped = (unknown?.Count ?? 0) + (ineligible?.Count ?? 0);
            var failed = skipped > 0 && skipped == updates.Length;
            lock (_partnerSync)
            {
                message.AppliedCount = applied;
                message.StaleCount = stale;
                message.UnknownDeviceIds = unknown ?? [];
                var details = new List<string>();
                if (unknown is not null)
                    details.Add($"{unknown.Count} of {updates.Length} devices are not registered in the tenant's directory and were not processed: {string.Join(", ", unknown)}");
                if (ineligible is not null)
                    details.Add($"{ineligible.Count} of {updates.Length} devices were not processed because their user is not eligible: {string.Join(", ", ineligible)}");
                if (details.Count == 0)
                    message.Complete(PartnerMessageStatus.Completed, now, null, null);
                else
                    message.Complete(failed ? PartnerMessageStatus.Failed : PartnerMessageStatus.Completed, now,
                        unknown is not null ? "DeviceNotFound" : "UserNotEligible", string.Join(" ", details));
            }
            PartnerStatistics.MessageProcessed(failed, applied, reapplied, stale, unknown?.Count ?? 0);
            return true;
        }
        finally
        {
            _partnerProcessing.Exit();
        }
    }

    /// <summary>
    /// Why Intune would not take this device's report from this partner, or null when it would: the user must be licensed
    /// for Intune and in a group a partner compliance policy of the platform (the partner's own) is assigned to, and a
    /// compliance partner must be onboarded for the platform (the emulator cannot tell which Graph partner record is which
    /// app, so any onboarded one counts: our reading).
    /// </summary>
    private string? IneligibleReason(string appId, PartnerDeviceUpdate update, Guid deviceObjectId)
    {
        DirectoryUser? user;
        string? os;
        lock (Sync)
        {
            user = _users.GetValueOrDefault(update.UserId);
            os = update.Os ?? (_devices.TryGetValue(deviceObjectId, out var device) ? device.OperatingSystem : null);
        }
        if (user is null)
            return $"the user {update.UserId} does not exist";
        var licensed = user.AssignedLicenses.Any(l => FindSubscribedSku(l.SkuId) is { } sku
            && sku.ServicePlans.Any(p => p.ServicePlanId == new Guid(DemoTenant.IntuneServicePlanId) && !l.DisabledPlans.Contains(p.ServicePlanId)));
        if (!licensed)
            return "the user is not licensed for Intune";
        var platform = CompliancePartnerPlatforms.FirstOrDefault(p => string.Equals(p.Platform, os, StringComparison.OrdinalIgnoreCase)).Platform;
        if (platform is null)
            return $"'{os}' is not a platform of partner compliance";
        var groups = PartnerCompliancePoliciesOf(appId)
            .Where(p => string.Equals(p.Platform, platform, StringComparison.OrdinalIgnoreCase))
            .SelectMany(p => p.Assignments)
            .ToArray();
        if (!groups.Any(g => IsTransitiveMember(g, user.Id)))
            return $"the user is not in a group assigned to a partner compliance policy for {platform}";
        var flag = CompliancePartnerPlatforms.First(p => p.Platform == platform).Flag;
        if (!CompliancePartners.Any(p => p[flag]?.GetValue<bool>() == true))
            return $"no compliance partner is onboarded for {platform}";
        return null;
    }

    /// <summary>
    /// The object id of the directory device with this registration id (deviceId) in O(1): a lookup index rebuilt
    /// (O(n), under <see cref="Sync"/>) only when the device collection has changed since. Usable by any deviceId lookup.
    /// </summary>
    internal Guid? DeviceObjectIdFor(string deviceId) => Guid.TryParse(deviceId, out var id) ? DeviceObjectIdFor(id) : null;

    /// <inheritdoc cref="DeviceObjectIdFor(string)"/>
    internal Guid? DeviceObjectIdFor(Guid deviceId)
    {
        lock (Sync)
        {
            if (_deviceIdIndex.TryGetValue(deviceId, out var objectId)
                && _devices.TryGetValue(objectId, out var device)
                && Guid.TryParse(device.DeviceId, out var current) && current == deviceId)
                return objectId;

            var lastKey = _devices.Count > 0 ? _devices.GetAt(_devices.Count - 1).Key : Guid.Empty;
            if (_deviceIdIndexCount == _devices.Count && _deviceIdIndexLastKey == lastKey && !_deviceIdIndex.ContainsKey(deviceId))
                return null;

            _deviceIdIndex.Clear();
            foreach (var (id, d) in _devices)
            {
                if (Guid.TryParse(d.DeviceId, out var registration))
                    _deviceIdIndex[registration] = id;
            }
            _deviceIdIndexCount = _devices.Count;
            _deviceIdIndexLastKey = lastKey;
            return _deviceIdIndex.TryGetValue(deviceId, out objectId) ? objectId : null;
        }
    }
}

/// <summary>A stored data upload message: mutable, guarded by the tenant's partner lock.</summary>
internal sealed class PartnerMessageEntry
{
    public required Guid MessageId { get; init; }
    public required string AppId { get; init; }
    public required Guid TenantId { get; init; }
    public required string ApiVersion { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required DateTimeOffset DueAt { get; init; }
    public required bool RequiresProvisioning { get; init; }
    /// <summary><see cref="Partner.PartnerSettings.NotManagedClearsCompliance"/> when the message arrived.</summary>
    public bool NotManagedClearsCompliance { get; init; }
    /// <summary><see cref="Partner.PartnerSettings.RequireEligibleUsers"/> when the message arrived.</summary>
    public bool RequiresEligibleUsers { get; init; }
    /// <summary>The parsed devices; dropped once processed.</summary>
    public PartnerDeviceUpdate[]? Updates { get; set; }
    public int DeviceCount { get; init; }
    public PartnerMessageStatus Status { get; private set; } = PartnerMessageStatus.Processing;
    public DateTimeOffset? ProcessedAt { get; private set; }
    public string? ErrorCode { get; private set; }
    public string? ErrorDetail { get; private set; }
    public int AppliedCount { get; set; }
    public int StaleCount { get; set; }
    public IReadOnlyList<string> UnknownDeviceIds { get; set; } = [];
    public int RepeatCount { get; set; }

    public void Complete(PartnerMessageStatus status, DateTimeOffset when, string? errorCode, string? errorDetail)
    {
        Status = status;
        ProcessedAt = when;
        ErrorCode = errorCode;
        ErrorDetail = errorDetail;
        Updates = null;
    }

    public PartnerUploadMessage Snapshot() => new()
    {
        MessageId = MessageId,
        AppId = AppId,
        TenantId = TenantId,
        ApiVersion = ApiVersion,
        ReceivedAt = ReceivedAt,
        DueAt = DueAt,
        ProcessedAt = ProcessedAt,
        Status = Status,
        ErrorCode = ErrorCode,
        ErrorDetail = ErrorDetail,
        DeviceCount = DeviceCount,
        AppliedCount = AppliedCount,
        StaleCount = StaleCount,
        UnknownDeviceIds = UnknownDeviceIds,
        RepeatCount = RepeatCount,
    };
}

/// <summary>Per-device counters and the last applied state, guarded by the tenant's partner lock.</summary>
internal sealed class PartnerDeviceEntry
{
    public int Received;
    public int Applied;
    public int Stale;
    public DateTimeOffset? LastUpdateTime;
    public bool? IsCompliant;
    public bool? IsManaged;

    public PartnerDeviceRecord Snapshot(Guid deviceId) => new()
    {
        DeviceId = deviceId.ToString(),
        ReceivedCount = Received,
        AppliedCount = Applied,
        StaleCount = Stale,
        LastUpdateTime = LastUpdateTime,
        IsCompliant = IsCompliant,
        IsManaged = IsManaged,
    };
}
