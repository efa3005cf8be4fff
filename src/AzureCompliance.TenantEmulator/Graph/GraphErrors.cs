using System.Globalization;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator.Graph;

/// <summary>
/// Graph's error body: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}},
/// with the request-id and client-request-id headers Graph always sends.
/// </summary>
public static class GraphErrors
{
    public const string RequestIdHeader = "request-id";
    public const string ClientRequestIdHeader = "client-request-id";

    public static Task WriteAsync(HttpContext context, int statusCode, string code, string message)
    {
        var body = Body(context, code, message);
        if (statusCode == StatusCodes.Status429TooManyRequests && body["error"]?["innerError"] is JsonObject inner)
        {
            // Graph's throttling answer repeats the status inside innerError.
            inner["code"] = "429";
            inner["message"] = "Please retry after";
            inner["status"] = "429";
        }
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(EmulatorJson.Options), context.RequestAborted);
    }

    public static JsonObject Body(HttpContext context, string code, string message)
    {
        var (requestId, clientRequestId) = EnsureRequestIds(context);
        return new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject
                {
                    ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
                    ["request-id"] = requestId,
                    ["client-request-id"] = clientRequestId,
                },
            },
        };
    }

    /// <summary>Sets request-id (new) and client-request-id (the client's, or the request id) on the response once.</summary>
    public static (string RequestId, string ClientRequestId) EnsureRequestIds(HttpContext context)
    {
        var headers = context.Response.Headers;
        var requestId = headers[RequestIdHeader].ToString();
        if (string.IsNullOrEmpty(requestId))
        {
            requestId = Guid.NewGuid().ToString();
            if (!context.Response.HasStarted)
                headers[RequestIdHeader] = requestId;
        }
        var clientRequestId = context.Request.Headers[ClientRequestIdHeader].ToString();
        if (string.IsNullOrEmpty(clientRequestId))
            clientRequestId = requestId;
        if (!context.Response.HasStarted)
            headers[ClientRequestIdHeader] = clientRequestId;
        return (requestId, clientRequestId);
    }

    /// <summary>An <see cref="IResult"/> for handlers.</summary>
    public static IResult Result(int statusCode, string code, string message) => new GraphErrorResult(statusCode, code, message);

    public static IResult NotFound(string id) => Result(404, "Request_ResourceNotFound",
        $"Resource '{id}' does not exist or one of its queried reference-property objects are not present.");

    public static IResult InvalidObjectId(string id) => Result(400, "Request_BadRequest", $"Invalid object identifier '{id}'.");

    private sealed class GraphErrorResult(int statusCode, string code, string message) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, statusCode, code, message);
    }
}

/// <summary>Thrown anywhere in a Graph handler to answer with a Graph error.</summary>
public sealed class GraphException(int statusCode, string code, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string Code { get; } = code;

    public static GraphException BadRequest(string message) => new(400, "BadRequest", message);
    public static GraphException UnsupportedQuery(string message) => new(400, "Request_UnsupportedQuery", message);
    public static GraphException NotFound(string id) => new(404, "Request_ResourceNotFound",
        $"Resource '{id}' does not exist or one of its queried reference-property objects are not present.");
}
