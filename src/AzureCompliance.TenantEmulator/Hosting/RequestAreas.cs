namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>Which emulated service a request is for. Sign-in is spared latency, faults and throttling unless a rule says otherwise.</summary>
public enum RequestArea
{
    SignIn,
    Graph,
    /// <summary>Any other service the emulator serves (the Intune partner API).</summary>
    Service,
}

internal static class RequestAreas
{
    private static readonly HashSet<string> SignInSecondSegments = new(StringComparer.OrdinalIgnoreCase)
    {
        "oauth2", "v2.0", "discovery", ".well-known",
    };

    public static RequestArea Classify(PathString path)
    {
        var value = path.Value ?? "/";
        if (value.StartsWith("/v1.0/", StringComparison.OrdinalIgnoreCase) || value.Equals("/v1.0", StringComparison.OrdinalIgnoreCase)
            || value.StartsWith("/beta/", StringComparison.OrdinalIgnoreCase))
            return RequestArea.Graph;

        var segments = value.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
            return RequestArea.Service;
        if (segments[0] is "msi" or "devicelogin")
            return RequestArea.SignIn;
        if (segments.Length >= 2 && SignInSecondSegments.Contains(segments[1]))
            return RequestArea.SignIn;
        return RequestArea.Service;
    }

    public static bool IsWrite(string method) => !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method);
}
