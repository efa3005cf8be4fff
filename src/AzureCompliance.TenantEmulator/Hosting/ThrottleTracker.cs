namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>Sliding-window counters for the throttling rules, keyed by rule and tenant (+ app).</summary>
internal sealed class ThrottleTracker(EmulatorSettings settings, TimeProvider time)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _windows = [];
    private int _version = -1;

    /// <summary>Checks every matching rule; when one is exhausted returns it and how long until it has room, else counts the request.</summary>
    public (ThrottleRule Rule, TimeSpan RetryAfter)? Check(string method, string path, RequestArea area, string tenantId, string clientId)
    {
        var rules = settings.ThrottleRules.Where(r => r.Applies(method, path, area)).ToArray();
        if (rules.Length == 0)
            return null;
        var now = time.GetUtcNow();
        lock (_sync)
        {
            var version = settings.ThrottleVersion;
            if (version != _version)
            {
                _windows.Clear();
                _version = version;
            }

            var windows = rules.Select(rule =>
            {
                var key = rule.Scope == ThrottleScope.PerTenant ? $"{rule.Name}|{tenantId}" : $"{rule.Name}|{tenantId}|{clientId}";
                if (!_windows.TryGetValue(key, out var window))
                    _windows[key] = window = new Queue<DateTimeOffset>();
                while (window.Count > 0 && now - window.Peek() >= rule.Window)
                    window.Dequeue();
                return (rule, window);
            }).ToArray();

            foreach (var (rule, window) in windows)
            {
                if (window.Count >= rule.Limit)
                {
                    var retryAfter = window.Peek() + rule.Window - now;
                    return (rule, retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.Zero);
                }
            }

            foreach (var (_, window) in windows)
                window.Enqueue(now);
            return null;
        }
    }
}
