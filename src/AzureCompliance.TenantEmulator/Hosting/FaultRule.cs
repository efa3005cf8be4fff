namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>
/// Random failures on matching requests: 503, 429, or a connection reset, each with its own probability
/// (checked in that order with one draw). Draws come from <see cref="EmulatorSettings"/>' seedable random.
/// </summary>
public sealed record FaultRule
{
    public required string Name { get; init; }

    /// <summary>Applies to paths that start with this (case-insensitive); null = any path.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>A further condition on (method, path); null = none.</summary>
    public Func<string, string, bool>? Match { get; init; }

    public double ServiceUnavailableProbability { get; init; }
    public double TooManyRequestsProbability { get; init; }
    public double ConnectionResetProbability { get; init; }

    /// <summary>Retry-After sent with 503 and 429; null = none.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Sign-in endpoints are exempt unless this is set.</summary>
    public bool AppliesToSignIn { get; init; }

    internal bool Applies(string method, string path, RequestArea area) =>
        (area != RequestArea.SignIn || AppliesToSignIn)
        && (PathPrefix is null || path.StartsWith(PathPrefix, StringComparison.OrdinalIgnoreCase))
        && (Match is null || Match(method, path));
}

/// <summary>"The next N requests under this path get this status": a deterministic fault.</summary>
public sealed record ForcedResponse(string PathPrefix, int StatusCode, int Remaining, TimeSpan? RetryAfter, bool AppliesToSignIn);
