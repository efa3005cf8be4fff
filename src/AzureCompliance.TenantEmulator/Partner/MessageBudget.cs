namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>The data upload message budget: a sliding window of accepted PUTs per tenant and partner app.</summary>
internal sealed class MessageBudget(EmulatorSettings settings, TimeProvider time)
{
    private readonly Lock _sync = new();
    private readonly Dictionary<(Guid Tenant, string App), Queue<DateTimeOffset>> _windows = [];
    private int _version = -1;

    /// <summary>Counts the message and returns null, or returns how long until the window has room (nothing counted).</summary>
    public TimeSpan? TryTake(Guid tenantId, string appId)
    {
        var (limit, window, version) = settings.Partner.Budget;
        if (limit <= 0)
            return null;
        var now = time.GetUtcNow();
        lock (_sync)
        {
            if (version != _version)
            {
                _windows.Clear();
                _version = version;
            }
            var key = (tenantId, appId.ToLowerInvariant());
            if (!_windows.TryGetValue(key, out var queue))
                _windows[key] = queue = new Queue<DateTimeOffset>();
            while (queue.Count > 0 && now - queue.Peek() >= window)
                queue.Dequeue();
            if (queue.Count >= limit)
            {
                var wait = queue.Peek() + window - now;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
            queue.Enqueue(now);
            return null;
        }
    }
}
