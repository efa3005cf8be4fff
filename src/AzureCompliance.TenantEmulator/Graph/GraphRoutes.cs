namespace AzureCompliance.TenantEmulator.Graph;

/// <summary>Finds the <see cref="IGraphEndpointModule"/>s and maps them under /v1.0, behind the Graph endpoint filter.</summary>
internal static class GraphRoutes
{
    public static void Map(WebApplication app)
    {
        var group = app.MapGroup("/v1.0").AddEndpointFilter<GraphEndpointFilter>();
        var routes = new GraphRouteBuilder(group);
        foreach (var type in ModuleTypes())
            ((IGraphEndpointModule)ActivatorUtilities.CreateInstance(app.Services, type)).Map(routes);

        // What Graph says for a path it has no resource for.
        app.MapFallback("/v1.0/{**path}", (string? path) =>
        {
            var segments = (path ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
            var segment = segments.Length == 0 ? "" : segments[^1];
            return GraphErrors.Result(StatusCodes.Status400BadRequest, "BadRequest", $"Resource not found for the segment '{segment}'.");
        });
    }

    internal static IEnumerable<Type> ModuleTypes() =>
        typeof(GraphRoutes).Assembly.GetTypes()
            .Where(t => typeof(IGraphEndpointModule).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
}
