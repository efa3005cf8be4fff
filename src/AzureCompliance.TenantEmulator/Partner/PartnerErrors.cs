using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>
/// The partner API's error body. The API is an OData v3 service (api-version 1.x, <c>guid'...'</c> keys,
/// <c>odata.metadata</c> in Fleet's examples), so errors take the OData v3 JSON shape that Azure AD Graph
/// (the same api-version family) uses: <c>{"odata.error":{"code":"...","message":{"lang":"en-US","value":"..."}}}</c>,
/// with a request-id header. The fault and throttling answers of the shared middleware come back in this shape too.
/// </summary>
public static class PartnerErrors
{
    public const string RequestIdHeader = "request-id";

    public static Task WriteAsync(HttpContext context, int statusCode, string code, string message)
    {
        if (statusCode == StatusCodes.Status429TooManyRequests)
            context.RequestServices.GetService<Tenant.TenantState>()?.PartnerStatistics.TooManyRequests();
        EnsureRequestId(context);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json; odata=minimalmetadata; charset=utf-8";
        return context.Response.WriteAsync(Body(code, message).ToJsonString(EmulatorJson.Options), context.RequestAborted);
    }

    public static JsonObject Body(string code, string message) => new()
    {
        ["odata.error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = new JsonObject { ["lang"] = "en-US", ["value"] = message },
        },
    };

    internal static void EnsureRequestId(HttpContext context)
    {
        if (!context.Response.HasStarted && string.IsNullOrEmpty(context.Response.Headers[RequestIdHeader]))
        {
            context.Response.Headers[RequestIdHeader] = Guid.NewGuid().ToString();
            var clientRequestId = context.Request.Headers["client-request-id"].ToString();
            if (clientRequestId.Length > 0)
                context.Response.Headers["client-request-id"] = clientRequestId;
        }
    }
}

/// <summary>Thrown in a partner handler to answer with a partner error.</summary>
internal sealed class PartnerException(int statusCode, string code, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string Code { get; } = code;
    public TimeSpan? RetryAfter { get; init; }
    public string? WwwAuthenticate { get; init; }

    public static PartnerException BadRequest(string message) => new(400, "Request_BadRequest", message);
    public static PartnerException NotFound(string message) => new(404, "Request_ResourceNotFound", message);
}
