namespace AzureCompliance.TenantEmulator.Graph;

/// <summary>
/// A group of Graph v1.0 endpoints, in its own file. Every non-abstract implementation in the assembly
/// is found by reflection at start-up and created through DI (constructor parameters are services:
/// TenantState, EmulatorSettings, ...), so adding an endpoint never means editing a central list.
/// </summary>
public interface IGraphEndpointModule
{
    void Map(GraphRouteBuilder routes);
}

/// <summary>Maps handlers under {GraphEndpoint}/v1.0; patterns are relative to it ("/organization/{id}").</summary>
public sealed class GraphRouteBuilder
{
    private readonly IEndpointRouteBuilder _group;

    internal GraphRouteBuilder(IEndpointRouteBuilder group) => _group = group;

    public IServiceProvider Services => _group.ServiceProvider;

    public RouteHandlerBuilder MapGet(string pattern, Delegate handler) => _group.MapGet(pattern, handler);
    public RouteHandlerBuilder MapPost(string pattern, Delegate handler) => _group.MapPost(pattern, handler);
    public RouteHandlerBuilder MapPatch(string pattern, Delegate handler) => _group.MapPatch(pattern, handler);
    public RouteHandlerBuilder MapPut(string pattern, Delegate handler) => _group.MapPut(pattern, handler);
    public RouteHandlerBuilder MapDelete(string pattern, Delegate handler) => _group.MapDelete(pattern, handler);
}

/// <summary>The permissions an endpoint accepts: the caller needs any one of them (roles for app-only tokens, scp for delegated).</summary>
public sealed record GraphPermissionRequirement(IReadOnlyList<string> AnyOf);

public static class GraphEndpointConventions
{
    /// <summary>Declares the Graph permissions of an endpoint (any of them suffices); callers without one get 403 Authorization_RequestDenied.</summary>
    public static RouteHandlerBuilder RequireGraphPermissions(this RouteHandlerBuilder builder, params string[] anyOf) =>
        builder.WithMetadata(new GraphPermissionRequirement(anyOf));
}
