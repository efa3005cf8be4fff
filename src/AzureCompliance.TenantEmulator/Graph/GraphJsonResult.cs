using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Schema;

namespace AzureCompliance.TenantEmulator.Graph;

/// <summary>A Graph JSON answer. Under strict schema, the emulator's own output is checked against the CSDL before it leaves.</summary>
internal sealed record GraphJsonResult(int StatusCode, JsonObject Body, string? GraphTypeName, bool IsCollection) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var schema = httpContext.RequestServices.GetService<GraphSchemaValidator>();
        if (schema is { IsActive: true } && GraphTypeName is not null)
        {
            var problems = schema.CheckResponse(Body, GraphTypeName, IsCollection);
            if (problems.Count > 0)
            {
                // The emulator itself drifted from the real service: fail loudly rather than teach the client something false.
                var message = $"Emulator bug: the response for {httpContext.Request.Method} {httpContext.Request.Path} does not match the Graph v1.0 schema: {string.Join("; ", problems)}";
                httpContext.RequestServices.GetRequiredService<ILogger<GraphJsonResult>>().LogError("{Message}", message);
                await GraphErrors.WriteAsync(httpContext, StatusCodes.Status500InternalServerError, "EmulatorSchemaViolation", message);
                return;
            }
        }
        GraphErrors.EnsureRequestIds(httpContext);
        httpContext.Response.StatusCode = StatusCode;
        httpContext.Response.ContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
        httpContext.Response.Headers["OData-Version"] = "4.0";
        await httpContext.Response.WriteAsync(Body.ToJsonString(EmulatorJson.Options), httpContext.RequestAborted);
    }
}
