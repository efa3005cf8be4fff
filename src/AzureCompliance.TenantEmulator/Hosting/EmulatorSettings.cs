using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator;

/// <summary>
/// Behaviour that tests tune while the emulator runs: latency, paging, throttling and faults.
/// Thread-safe; changes apply to the next request.
/// </summary>
public sealed class EmulatorSettings
{
    private readonly Lock _sync = new();
    private readonly List<ThrottleRule> _throttleRules = [.. ThrottleRule.PublishedLimits()];
    private readonly List<FaultRule> _faultRules = [];
    private readonly List<ForcedResponse> _forced = [];
    private Random _random = new();
    private TimeSpan _latency;
    private int _pageSize = 100;
    private TimeSpan _deviceCodeInterval = TimeSpan.FromSeconds(5);
    private int _version;
    private readonly EmulatorOptions _options;
    private EmulatedCloud _cloud;
    private bool _refusePartnerCreation;

    public EmulatorSettings() : this(new EmulatorOptions())
    {
    }

    public EmulatorSettings(EmulatorOptions options)
    {
        _options = options;
        Partner = new Partner.PartnerSettings(options.MaxDevicesPerMessage);
        _cloud = options.Cloud;
        _refusePartnerCreation = options.RefuseCompliancePartnerCreation;
    }

    private string? _partnerEndpointBase;

    /// <summary>
    /// Where the Intune service principal's endpoints say the partner API is: null (default) = this emulator's own
    /// address; otherwise this base (e.g. a moved or foreign host), followed by the usual paths.
    /// </summary>
    public string? PartnerEndpointBase
    {
        get { lock (_sync) return _partnerEndpointBase; }
        set { lock (_sync) _partnerEndpointBase = value?.TrimEnd('/'); }
    }

    /// <summary>The cloud the emulator stands for (start-up value: <see cref="EmulatorOptions.Cloud"/>).</summary>
    public EmulatedCloud Cloud
    {
        get { lock (_sync) return _cloud; }
        set { lock (_sync) _cloud = value; }
    }

    /// <summary>POST of a compliance partner is refused as the v1.0 service has answered it (start-up value: <see cref="EmulatorOptions.RefuseCompliancePartnerCreation"/>).</summary>
    public bool RefuseCompliancePartnerCreation
    {
        get { lock (_sync) return _refusePartnerCreation; }
        set { lock (_sync) _refusePartnerCreation = value; }
    }

    /// <summary>The Intune partner API's limits: devices per message, message budget, processing delay.</summary>
    public Partner.PartnerSettings Partner { get; }

    /// <summary>Added before every Graph or partner request is handled (once per $batch, not per step).</summary>
    public TimeSpan Latency
    {
        get { lock (_sync) return _latency; }
        set { lock (_sync) _latency = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value)); }
    }

    /// <summary>Items per page of a Graph collection when the client gives no $top (Graph's default is 100).</summary>
    public int PageSize
    {
        get { lock (_sync) return _pageSize; }
        set { lock (_sync) _pageSize = value is >= 1 and <= 999 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }
    }

    /// <summary>The polling interval the device code endpoint tells clients (Entra says 5 s; tests may shorten it).</summary>
    public TimeSpan DeviceCodePollingInterval
    {
        get { lock (_sync) return _deviceCodeInterval; }
        set { lock (_sync) _deviceCodeInterval = value >= TimeSpan.FromSeconds(1) ? value : throw new ArgumentOutOfRangeException(nameof(value), "Clients poll in whole seconds."); }
    }

    /// <summary>Throttling rules in force; by default the limits Microsoft publishes (<see cref="ThrottleRule.PublishedLimits"/>).</summary>
    public IReadOnlyList<ThrottleRule> ThrottleRules { get { lock (_sync) return _throttleRules.ToArray(); } }

    public IReadOnlyList<FaultRule> FaultRules { get { lock (_sync) return _faultRules.ToArray(); } }

    /// <summary>Adds a rule, replacing one of the same name.</summary>
    public void AddThrottleRule(ThrottleRule rule)
    {
        lock (_sync)
        {
            _throttleRules.RemoveAll(r => r.Name == rule.Name);
            _throttleRules.Add(rule);
            _version++;
        }
    }

    public bool RemoveThrottleRule(string name)
    {
        lock (_sync)
        {
            _version++;
            return _throttleRules.RemoveAll(r => r.Name == name) > 0;
        }
    }

    public void ClearThrottleRules()
    {
        lock (_sync)
        {
            _throttleRules.Clear();
            _version++;
        }
    }

    /// <summary>Adds a rule, replacing one of the same name.</summary>
    public void AddFaultRule(FaultRule rule)
    {
        lock (_sync)
        {
            _faultRules.RemoveAll(r => r.Name == rule.Name);
            _faultRules.Add(rule);
        }
    }

    public bool RemoveFaultRule(string name)
    {
        lock (_sync) return _faultRules.RemoveAll(r => r.Name == name) > 0;
    }

    public void ClearFaultRules()
    {
        lock (_sync) _faultRules.Clear();
    }

    /// <summary>Makes fault draws reproducible.</summary>
    public void SetRandomSeed(int seed)
    {
        lock (_sync) _random = new Random(seed);
    }

    /// <summary>The next <paramref name="count"/> requests whose path starts with <paramref name="pathPrefix"/> are answered with <paramref name="statusCode"/>.</summary>
    public void ForceStatus(string pathPrefix, int statusCode, int count = 1, TimeSpan? retryAfter = null, bool appliesToSignIn = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_sync) _forced.Add(new ForcedResponse(pathPrefix, statusCode, count, retryAfter, appliesToSignIn));
    }

    /// <summary>Forced responses not yet used up.</summary>
    public IReadOnlyList<ForcedResponse> ForcedResponses { get { lock (_sync) return _forced.ToArray(); } }

    /// <summary>Back to the start-up behaviour: no latency, default paging, published limits, no faults.</summary>
    public void Reset()
    {
        lock (_sync)
        {
            _latency = TimeSpan.Zero;
            _pageSize = 100;
            _deviceCodeInterval = TimeSpan.FromSeconds(5);
            _throttleRules.Clear();
            _throttleRules.AddRange(ThrottleRule.PublishedLimits());
            _faultRules.Clear();
            _forced.Clear();
            _random = new Random();
            _cloud = _options.Cloud;
            _partnerEndpointBase = null;
            _refusePartnerCreation = _options.RefuseCompliancePartnerCreation;
            _version++;
        }
        Partner.Reset();
    }

    /// <summary>Bumped whenever the throttling rules change, so their counters start afresh.</summary>
    internal int ThrottleVersion { get { lock (_sync) return _version; } }

    internal double NextDouble()
    {
        lock (_sync) return _random.NextDouble();
    }

    /// <summary>Takes one use of the first forced response that matches, if any.</summary>
    internal ForcedResponse? TakeForced(string path, RequestArea area)
    {
        lock (_sync)
        {
            var index = _forced.FindIndex(f => (area != RequestArea.SignIn || f.AppliesToSignIn)
                && path.StartsWith(f.PathPrefix, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
                return null;
            var forced = _forced[index];
            if (forced.Remaining <= 1)
                _forced.RemoveAt(index);
            else
                _forced[index] = forced with { Remaining = forced.Remaining - 1 };
            return forced;
        }
    }
}
