namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>
/// Counters of the partner API for tests and the benchmark (<c>server.Tenant.PartnerStatistics</c>). Live and
/// thread-safe; per-device counts are in <c>TenantState.FindPartnerDevice</c> / <c>PartnerDevices</c>.
/// </summary>
public sealed class PartnerStatistics
{
    private long _messagesReceived;
    private long _messagesRepeated;
    private long _messagesRejected;
    private long _devicesReceived;
    private long _tooManyRequests;
    private long _budgetRejections;
    private long _messagesCompleted;
    private long _messagesFailed;
    private long _devicesApplied;
    private long _devicesReapplied;
    private long _devicesStale;
    private long _devicesUnknown;

    /// <summary>New data upload messages accepted (202).</summary>
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);
    /// <summary>PUTs of a message id already known (answered 200, not processed again).</summary>
    public long MessagesRepeated => Interlocked.Read(ref _messagesRepeated);
    /// <summary>Data upload PUTs refused with a 4xx other than 429 (validation, tenant, provisioning).</summary>
    public long MessagesRejected => Interlocked.Read(ref _messagesRejected);
    /// <summary>Devices in accepted new messages (distinct per message).</summary>
    public long DevicesReceived => Interlocked.Read(ref _devicesReceived);
    /// <summary>429 answers on the partner paths, whatever sent them: the message budget, fault rules, forced statuses.</summary>
    public long TooManyRequestsSent => Interlocked.Read(ref _tooManyRequests);
    /// <summary>429 answers sent by the message budget alone.</summary>
    public long BudgetRejections => Interlocked.Read(ref _budgetRejections);
    public long MessagesCompleted => Interlocked.Read(ref _messagesCompleted);
    public long MessagesFailed => Interlocked.Read(ref _messagesFailed);
    /// <summary>Device updates written to the directory.</summary>
    public long DevicesApplied => Interlocked.Read(ref _devicesApplied);
    /// <summary>Device updates written to a device that had been written before (candidates for needless re-sends).</summary>
    public long DevicesReapplied => Interlocked.Read(ref _devicesReapplied);
    /// <summary>Device updates ignored because a later LastUpdateTime had been applied.</summary>
    public long DevicesStale => Interlocked.Read(ref _devicesStale);
    /// <summary>Device updates that failed: the device id is not a directory device.</summary>
    public long DevicesUnknown => Interlocked.Read(ref _devicesUnknown);

    public void Reset()
    {
        Interlocked.Exchange(ref _messagesReceived, 0);
        Interlocked.Exchange(ref _messagesRepeated, 0);
        Interlocked.Exchange(ref _messagesRejected, 0);
        Interlocked.Exchange(ref _devicesReceived, 0);
        Interlocked.Exchange(ref _tooManyRequests, 0);
        Interlocked.Exchange(ref _budgetRejections, 0);
        Interlocked.Exchange(ref _messagesCompleted, 0);
        Interlocked.Exchange(ref _messagesFailed, 0);
        Interlocked.Exchange(ref _devicesApplied, 0);
        Interlocked.Exchange(ref _devicesReapplied, 0);
        Interlocked.Exchange(ref _devicesStale, 0);
        Interlocked.Exchange(ref _devicesUnknown, 0);
    }

    public override string ToString() =>
        $"messages {MessagesReceived} (+{MessagesRepeated} repeated, {MessagesRejected} rejected, {MessagesCompleted} completed, {MessagesFailed} failed), "
        + $"devices {DevicesReceived} (applied {DevicesApplied}, re-applied {DevicesReapplied}, stale {DevicesStale}, unknown {DevicesUnknown}), "
        + $"429 {TooManyRequestsSent} (budget {BudgetRejections})";

    internal void MessageReceived(int devices)
    {
        Interlocked.Increment(ref _messagesReceived);
        Interlocked.Add(ref _devicesReceived, devices);
    }

    internal void MessageRepeated() => Interlocked.Increment(ref _messagesRepeated);
    internal void MessageRejected() => Interlocked.Increment(ref _messagesRejected);
    internal void TooManyRequests() => Interlocked.Increment(ref _tooManyRequests);
    internal void BudgetRejection() => Interlocked.Increment(ref _budgetRejections);

    internal void MessageProcessed(bool failed, int applied, int reapplied, int stale, int unknown)
    {
        Interlocked.Increment(ref failed ? ref _messagesFailed : ref _messagesCompleted);
        Interlocked.Add(ref _devicesApplied, applied);
        Interlocked.Add(ref _devicesReapplied, reapplied);
        Interlocked.Add(ref _devicesStale, stale);
        Interlocked.Add(ref _devicesUnknown, unknown);
    }
}
