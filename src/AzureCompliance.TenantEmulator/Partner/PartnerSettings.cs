namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>
/// The Intune partner API's limits and timing (<c>server.Settings.Partner</c>). Microsoft publishes none of
/// them (PROTOCOL.md 3), so they are settings. Thread-safe; a change applies to the next request.
/// Latency, faults (<see cref="Hosting.FaultRule"/>, <c>ForceStatus</c>) and token lifetime come from the
/// shared mechanisms and apply to the partner paths as to Graph.
/// </summary>
public sealed class PartnerSettings
{
    /// <summary>
    /// Microsoft publishes no limit; 100 is our reading (a message of 100 devices is about 60 KB; the module sends 100).
    /// Fleet's client sends one device per message.
    /// </summary>
    public const int DefaultMaxDevicesPerMessage = 100;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultProcessingDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _sync = new();
    private readonly int _startMaxDevicesPerMessage;
    private int _maxDevicesPerMessage;
    private bool _notManagedClearsCompliance;
    private bool _requireEligibleUsers = true;

    /// <summary>
    /// Apply a device only when its user is licensed for Intune, is in a group a partner compliance policy of the device's
    /// platform (this partner's) is assigned to, and a compliance partner is onboarded for that platform; otherwise the
    /// message reports the device (ErrorCode UserNotEligible, the device ids in ErrorDetail). Default true (Intune's partner
    /// compliance documentation: the policy targets groups; the reporting format is our reading).
    /// </summary>
    public bool RequireEligibleUsers
    {
        get { lock (_sync) return _requireEligibleUsers; }
        set { lock (_sync) _requireEligibleUsers = value; }
    }

    public PartnerSettings(int maxDevicesPerMessage = DefaultMaxDevicesPerMessage)
    {
        _startMaxDevicesPerMessage = maxDevicesPerMessage >= 1 ? maxDevicesPerMessage : throw new ArgumentOutOfRangeException(nameof(maxDevicesPerMessage));
        _maxDevicesPerMessage = maxDevicesPerMessage;
    }

    /// <summary>
    /// How an inventory entity "notManaged" without a compliance entity acts on isCompliant. Undocumented; default false
    /// (isCompliant is left as it was: the reading under which a retired device would stay compliant), true clears it.
    /// Both are our reading; a compliance entity in the same message always sets isCompliant.
    /// </summary>
    public bool NotManagedClearsCompliance
    {
        get { lock (_sync) return _notManagedClearsCompliance; }
        set { lock (_sync) _notManagedClearsCompliance = value; }
    }
    private int _messagesPerWindow;
    private TimeSpan _window = DefaultWindow;
    private TimeSpan _processingDelay = DefaultProcessingDelay;
    private bool _requireProvisionedTenant = true;
    private int _budgetVersion;

    /// <summary>Distinct devices one data upload message may carry; more gets 400 (code <c>Request_TooManyDevices</c>).</summary>
    public int MaxDevicesPerMessage
    {
        get { lock (_sync) return _maxDevicesPerMessage; }
        set { lock (_sync) _maxDevicesPerMessage = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }
    }

    /// <summary>
    /// Data upload messages (PUT DataUploadMessages) accepted per <see cref="Window"/> per tenant and partner app;
    /// beyond it 429 with Retry-After = seconds until the oldest counted message leaves the window.
    /// 0 (the default) = no budget. Refused requests do not count; a repeated PUT of a known message does.
    /// </summary>
    public int MessagesPerWindow
    {
        get { lock (_sync) return _messagesPerWindow; }
        set
        {
            lock (_sync)
            {
                _messagesPerWindow = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
                _budgetVersion++;
            }
        }
    }

    /// <summary>The sliding window of <see cref="MessagesPerWindow"/> (default 10 s).</summary>
    public TimeSpan Window
    {
        get { lock (_sync) return _window; }
        set
        {
            lock (_sync)
            {
                _window = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value));
                _budgetVersion++;
            }
        }
    }

    /// <summary>
    /// How long an accepted message stays <c>Processing</c> before it is applied to the directory and reported
    /// <c>Completed</c>/<c>Failed</c> (default 1 s; zero = as soon as the background processor gets to it).
    /// A message keeps the delay in force when it arrived.
    /// </summary>
    public TimeSpan ProcessingDelay
    {
        get { lock (_sync) return _processingDelay; }
        set { lock (_sync) _processingDelay = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)); }
    }

    /// <summary>Data uploads need the partner app provisioned in the tenant (PUT PartnerTenants, Provisioned 1); default true.</summary>
    public bool RequireProvisionedTenant
    {
        get { lock (_sync) return _requireProvisionedTenant; }
        set { lock (_sync) _requireProvisionedTenant = value; }
    }

    /// <summary>Back to the defaults: 100 devices per message, no budget (10 s window), 1 s processing, provisioning required.</summary>
    public void Reset()
    {
        lock (_sync)
        {
            _maxDevicesPerMessage = _startMaxDevicesPerMessage;
            _notManagedClearsCompliance = false;
            _requireEligibleUsers = true;
            _messagesPerWindow = 0;
            _window = DefaultWindow;
            _processingDelay = DefaultProcessingDelay;
            _requireProvisionedTenant = true;
            _budgetVersion++;
        }
    }

    /// <summary>The budget in one read, and a version bumped on every change so the counters start afresh.</summary>
    internal (int Limit, TimeSpan Window, int Version) Budget
    {
        get { lock (_sync) return (_messagesPerWindow, _window, _budgetVersion); }
    }
}
