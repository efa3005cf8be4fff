using AzureCompliance.TenantEmulator.Identity;

namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>
/// Who a request claims to come from, read from the bearer token without validating it. Throttling
/// counts per tenant and app before authentication runs, as the real front doors do; the journal notes it.
/// </summary>
internal static class CallerHints
{
    private const string CacheKey = "AzureCompliance.CallerHint";

    public static (string TenantId, string ClientId)? Of(HttpContext context)
    {
        if (context.Items.TryGetValue(CacheKey, out var cached))
            return ((string, string)?)cached;
        (string, string)? hint = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && Jwt.TryDecode(header["Bearer ".Length..].Trim(), out var parts))
        {
            var tid = parts!.GetString("tid");
            var appId = parts.GetString("appid") ?? parts.GetString("azp");
            if (tid is not null && appId is not null)
                hint = (tid, appId);
        }
        context.Items[CacheKey] = hint;
        return hint;
    }

    public static string? ClientIdOf(HttpContext context) => Of(context)?.ClientId;
}
