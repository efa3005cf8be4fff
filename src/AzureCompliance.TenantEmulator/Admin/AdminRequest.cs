using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator.Admin;

/// <summary>One call of the admin endpoint: method, path segments after /_emulator, query, body; and its answer.</summary>
internal sealed class AdminRequest(HttpContext context, string[] segments)
{
    public HttpContext Context { get; } = context;
    public string Method => Context.Request.Method;
    public string[] Segments { get; } = segments;

    public bool Is(string method, params string[] pattern)
    {
        if (!string.Equals(Method, method, StringComparison.OrdinalIgnoreCase) || Segments.Length != pattern.Length)
            return false;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != "*" && !string.Equals(pattern[i], Segments[i], StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return true;
    }

    public string? Query(string name) => Context.Request.Query.TryGetValue(name, out var value) ? value.ToString() : null;

    public async Task<JsonNode?> BodyAsync()
    {
        if (Context.Request.ContentLength == 0)
            return null;
        try
        {
            return await JsonNode.ParseAsync(Context.Request.Body, cancellationToken: Context.RequestAborted);
        }
        catch (JsonException ex)
        {
            throw new AdminException(StatusCodes.Status400BadRequest, "The body is not JSON: " + ex.Message);
        }
    }

    public async Task<JsonObject> ObjectBodyAsync() =>
        await BodyAsync() as JsonObject ?? throw new AdminException(StatusCodes.Status400BadRequest, "A JSON object body is needed.");

    public static T Deserialize<T>(JsonNode node) =>
        node.Deserialize<T>(EmulatorJson.Options) ?? throw new AdminException(StatusCodes.Status400BadRequest, $"A {typeof(T).Name} is needed.");

    public static IResult Json(object? value) => Results.Json(value, EmulatorJson.Options);
}

/// <summary>An admin call that cannot be done: its status and why.</summary>
internal sealed class AdminException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
