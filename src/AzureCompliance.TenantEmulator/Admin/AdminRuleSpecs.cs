using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator.Admin;

/// <summary>
/// A <see cref="ThrottleRule"/> as JSON. <see cref="PathContains"/> and <see cref="Method"/> stand in for the
/// in-process <c>Match</c> delegate (e.g. PUT and "/DataUploadMessages(" for the partner message budget).
/// </summary>
internal sealed record ThrottleRuleSpec
{
    public string? PathPrefix { get; init; }
    public string? PathContains { get; init; }
    public string? Method { get; init; }
    public bool WritesOnly { get; init; }
    public int Limit { get; init; }
    public TimeSpan Window { get; init; }
    public ThrottleScope Scope { get; init; } = ThrottleScope.PerAppPerTenant;
    public bool SendRetryAfter { get; init; } = true;
    public bool AppliesToSignIn { get; init; }

    public ThrottleRule ToRule(string name) => new()
    {
        Name = name,
        PathPrefix = PathPrefix,
        Match = MatchOf(Method, PathContains),
        WritesOnly = WritesOnly,
        Limit = Limit >= 1 ? Limit : throw new AdminException(StatusCodes.Status400BadRequest, "limit must be 1 or more."),
        Window = Window > TimeSpan.Zero ? Window : throw new AdminException(StatusCodes.Status400BadRequest, "window must be longer than zero (\"hh:mm:ss\")."),
        Scope = Scope,
        SendRetryAfter = SendRetryAfter,
        AppliesToSignIn = AppliesToSignIn,
    };

    internal static Func<string, string, bool>? MatchOf(string? method, string? pathContains) =>
        method is null && pathContains is null ? null : (requestMethod, path) =>
            (method is null || string.Equals(method, requestMethod, StringComparison.OrdinalIgnoreCase))
            && (pathContains is null || path.Contains(pathContains, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A <see cref="FaultRule"/> as JSON; probabilities from 0 to 1, drawn once per request in the order 503, 429, reset.</summary>
internal sealed record FaultRuleSpec
{
    public string? PathPrefix { get; init; }
    public string? PathContains { get; init; }
    public string? Method { get; init; }
    public double ServiceUnavailableProbability { get; init; }
    public double TooManyRequestsProbability { get; init; }
    public double ConnectionResetProbability { get; init; }
    public TimeSpan? RetryAfter { get; init; }
    public bool AppliesToSignIn { get; init; }

    public FaultRule ToRule(string name)
    {
        var total = ServiceUnavailableProbability + TooManyRequestsProbability + ConnectionResetProbability;
        if (ServiceUnavailableProbability < 0 || TooManyRequestsProbability < 0 || ConnectionResetProbability < 0 || total > 1)
            throw new AdminException(StatusCodes.Status400BadRequest, "Each probability is from 0 to 1, and together at most 1.");
        return new FaultRule
        {
            Name = name,
            PathPrefix = PathPrefix,
            Match = ThrottleRuleSpec.MatchOf(Method, PathContains),
            ServiceUnavailableProbability = ServiceUnavailableProbability,
            TooManyRequestsProbability = TooManyRequestsProbability,
            ConnectionResetProbability = ConnectionResetProbability,
            RetryAfter = RetryAfter,
            AppliesToSignIn = AppliesToSignIn,
        };
    }
}

/// <summary>Arguments of <see cref="EmulatorSettings.ForceStatus"/>.</summary>
internal sealed record ForcedResponseSpec
{
    public string PathPrefix { get; init; } = "/";
    public int StatusCode { get; init; }
    public int Count { get; init; } = 1;
    public TimeSpan? RetryAfter { get; init; }
    public bool AppliesToSignIn { get; init; }
}
