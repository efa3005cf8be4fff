namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>Whose requests a throttling limit counts together.</summary>
public enum ThrottleScope
{
    /// <summary>Each app in each tenant has its own budget.</summary>
    PerAppPerTenant,
    /// <summary>All apps of a tenant share the budget.</summary>
    PerTenant,
}

/// <summary>
/// A throttling limit: at most <see cref="Limit"/> matching requests per <see cref="Window"/>; the
/// rest get 429 until the window has room again. Rejected requests do not count.
/// </summary>
public sealed record ThrottleRule
{
    public required string Name { get; init; }

    /// <summary>Applies to paths that start with this (case-insensitive), e.g. "/v1.0/identity/conditionalAccess"; null = any path.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>A further condition on (method, path); null = none.</summary>
    public Func<string, string, bool>? Match { get; init; }

    /// <summary>Only requests other than GET/HEAD count and are limited.</summary>
    public bool WritesOnly { get; init; }

    public required int Limit { get; init; }
    public required TimeSpan Window { get; init; }
    public ThrottleScope Scope { get; init; } = ThrottleScope.PerAppPerTenant;

    /// <summary>Whether 429 carries Retry-After (Conditional Access sends none).</summary>
    public bool SendRetryAfter { get; init; } = true;

    /// <summary>Sign-in endpoints are exempt unless this is set.</summary>
    public bool AppliesToSignIn { get; init; }

    internal bool Applies(string method, string path, RequestArea area) =>
        (area != RequestArea.SignIn || AppliesToSignIn)
        && (!WritesOnly || RequestAreas.IsWrite(method))
        && (PathPrefix is null || path.StartsWith(PathPrefix, StringComparison.OrdinalIgnoreCase))
        && (Match is null || Match(method, path));

    /// <summary>Conditional Access: 1 request per second per tenant for all apps, no Retry-After (PROTOCOL.md 2).</summary>
    public static ThrottleRule ConditionalAccess() => new()
    {
        Name = "ConditionalAccess",
        PathPrefix = "/v1.0/identity/conditionalAccess",
        Limit = 1,
        Window = TimeSpan.FromSeconds(1),
        Scope = ThrottleScope.PerTenant,
        SendRetryAfter = false,
    };

    /// <summary>Intune enrollment class writes: 100 per 20 s per app per tenant.</summary>
    public static ThrottleRule IntuneEnrollmentWritesPerApp() => new()
    {
        Name = "IntuneEnrollmentWritesPerApp",
        PathPrefix = "/v1.0/deviceManagement",
        WritesOnly = true,
        Limit = 100,
        Window = TimeSpan.FromSeconds(20),
    };

    /// <summary>Intune enrollment class writes: 200 per 20 s per tenant.</summary>
    public static ThrottleRule IntuneEnrollmentWritesPerTenant() => new()
    {
        Name = "IntuneEnrollmentWritesPerTenant",
        PathPrefix = "/v1.0/deviceManagement",
        WritesOnly = true,
        Limit = 200,
        Window = TimeSpan.FromSeconds(20),
        Scope = ThrottleScope.PerTenant,
    };

    /// <summary>Identity and access writes: 3,000 per 150 s per app per tenant.</summary>
    public static ThrottleRule IdentityWritesPerApp() => new()
    {
        Name = "IdentityWritesPerApp",
        PathPrefix = "/v1.0/",
        WritesOnly = true,
        Limit = 3000,
        Window = TimeSpan.FromSeconds(150),
    };

    /// <summary>Identity and access writes: 18,000 per 5 minutes per tenant.</summary>
    public static ThrottleRule IdentityWritesPerTenant() => new()
    {
        Name = "IdentityWritesPerTenant",
        PathPrefix = "/v1.0/",
        WritesOnly = true,
        Limit = 18000,
        Window = TimeSpan.FromMinutes(5),
        Scope = ThrottleScope.PerTenant,
    };

    /// <summary>The published limits above: what a client meets against the real service.</summary>
    public static IReadOnlyList<ThrottleRule> PublishedLimits() =>
    [
        ConditionalAccess(),
        IntuneEnrollmentWritesPerApp(),
        IntuneEnrollmentWritesPerTenant(),
        IdentityWritesPerApp(),
        IdentityWritesPerTenant(),
    ];
}
