using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Identity;

namespace AzureCompliance.TenantEmulator.Graph;

/// <summary>
/// The Graph front door: request-id headers, bearer token validation (401 InvalidAuthenticationToken with
/// WWW-Authenticate, as Graph answers), and a Graph-shaped 500 if a handler throws.
/// </summary>
internal sealed class GraphMiddleware(RequestDelegate next, AccessTokenValidator validator, EmulatorEndpoints endpoints, ILogger<GraphMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (RequestAreas.Classify(context.Request.Path) != RequestArea.Graph)
        {
            await next(context);
            return;
        }

        GraphErrors.EnsureRequestIds(context);
        var (caller, failure) = validator.Validate(context.Request.Headers.Authorization.ToString(), [endpoints.GraphEndpoint, DemoTenant.GraphAppId]);
        if (failure is not null)
        {
            context.Response.Headers.WWWAuthenticate =
                $"Bearer realm=\"\", authorization_uri=\"{endpoints.AuthorityHost}/common/oauth2/authorize\", client_id=\"{DemoTenant.GraphAppId}\"";
            await GraphErrors.WriteAsync(context, StatusCodes.Status401Unauthorized, "InvalidAuthenticationToken", failure.Message);
            return;
        }
        context.Features.Set(caller);
        // Strict schema reads the body before the handler does.
        context.Request.EnableBuffering();

        try
        {
            await next(context);
        }
        catch (GraphException e) when (!context.Response.HasStarted)
        {
            await GraphErrors.WriteAsync(context, e.StatusCode, e.Code, e.Message);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            logger.LogError(e, "Graph handler failed for {Method} {Path}", context.Request.Method, context.Request.Path);
            await GraphErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, "generalException", "General exception while processing.");
        }
    }
}
