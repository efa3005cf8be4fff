using AzureCompliance.TenantEmulator.Identity;
using AzureCompliance.TenantEmulator.Schema;

namespace AzureCompliance.TenantEmulator.Graph;

/// <summary>
/// Runs around every Graph handler: the permission check the endpoint declared, the strict schema check of
/// the request body, and <see cref="GraphException"/> turned into Graph's error answer.
/// </summary>
internal sealed class GraphEndpointFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var caller = http.Features.Get<CallerIdentity>();
        var requirement = http.GetEndpoint()?.Metadata.GetMetadata<GraphPermissionRequirement>();
        if (caller is null || (requirement is not null && !caller.HasAnyPermission(requirement.AnyOf)))
            return GraphErrors.Result(StatusCodes.Status403Forbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");

        try
        {
            if (http.RequestServices.GetService<GraphSchemaValidator>() is { IsActive: true } schema)
                await schema.CheckRequestAsync(http);
            return await next(context);
        }
        catch (GraphException e)
        {
            return GraphErrors.Result(e.StatusCode, e.Code, e.Message);
        }
    }
}
