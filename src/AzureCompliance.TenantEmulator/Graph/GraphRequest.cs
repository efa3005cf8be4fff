using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Graph.OData;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Identity;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph;

/// <summary>How a collection answers the OData query options.</summary>
public sealed record CollectionOptions
{
    /// <summary>Properties $filter may use; null = any. Others get 400 Request_UnsupportedQuery, as Graph's indexes allow only some.</summary>
    public IReadOnlyCollection<string>? FilterableProperties { get; init; }

    /// <summary>Directory objects need ConsistencyLevel: eventual for $count and for ne/not/endswith ("advanced queries").</summary>
    public bool IsDirectoryObject { get; init; } = true;

    /// <summary>The Graph type name, when the items are raw JSON (typed models carry [GraphType]).</summary>
    public string? GraphTypeName { get; init; }
}

/// <summary>
/// One Graph request as a handler sees it: the authenticated caller, the tenant, the query options,
/// and helpers that answer in Graph's shape (@odata.context, $select, $filter, paging).
/// Bind it as a handler parameter.
/// </summary>
public sealed class GraphRequest
{
    private GraphQuery? _query;

    private GraphRequest(HttpContext context, CallerIdentity caller)
    {
        HttpContext = context;
        Caller = caller;
        Tenant = context.RequestServices.GetRequiredService<TenantState>();
        Settings = context.RequestServices.GetRequiredService<EmulatorSettings>();
        Endpoints = context.RequestServices.GetRequiredService<EmulatorEndpoints>();
    }

    public HttpContext HttpContext { get; }
    public CallerIdentity Caller { get; }
    public TenantState Tenant { get; }
    public EmulatorSettings Settings { get; }
    internal EmulatorEndpoints Endpoints { get; }

    /// <summary>The query options (parsed on first use; a bad option throws a 400 <see cref="GraphException"/>).</summary>
    public GraphQuery Query => _query ??= GraphQuery.Parse(HttpContext.Request);

    /// <summary>https://127.0.0.1:port/v1.0</summary>
    public string ServiceRoot => Endpoints.GraphServiceRoot;

    /// <summary>Minimal API parameter binding.</summary>
    public static ValueTask<GraphRequest?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<GraphRequest?>(new GraphRequest(context, context.Features.Get<CallerIdentity>()
            ?? throw new InvalidOperationException("A Graph handler ran without an authenticated caller.")));

    /// <summary>One entity: $select applied, "@odata.context": ".../$metadata#{contextPath}/$entity". Raw JSON entities should name their Graph type.</summary>
    public IResult Entity<T>(T entity, string contextPath, int statusCode = StatusCodes.Status200OK, string? graphTypeName = null)
    {
        var shape = GraphSerializer.ShapeOf(typeof(T));
        var typeName = graphTypeName ?? shape.GraphTypeName;
        var select = CheckSelect(shape, typeName);
        var body = new JsonObject { ["@odata.context"] = ContextUrl(contextPath, select) + "/$entity" };
        foreach (var (name, value) in GraphSerializer.Project(GraphSerializer.ToJson(entity), shape, select))
            body[name] = value?.DeepClone();
        return new GraphJsonResult(statusCode, body, typeName, IsCollection: false);
    }

    /// <summary>201 Created with the entity and a Location header.</summary>
    public IResult Created<T>(T entity, string contextPath, string location, string? graphTypeName = null)
    {
        HttpContext.Response.Headers.Location = location;
        return Entity(entity, contextPath, StatusCodes.Status201Created, graphTypeName);
    }

    /// <summary>A page of a collection: $filter, $orderby, $count, paging by $top / settings page size with an opaque $skiptoken, $select.</summary>
    public IResult Collection<T>(IEnumerable<T> items, string contextPath, CollectionOptions? options = null)
    {
        options ??= new CollectionOptions();
        var shape = GraphSerializer.ShapeOf(typeof(T));
        var typeName = options.GraphTypeName ?? shape.GraphTypeName;
        var query = Query;
        var select = CheckSelect(shape, typeName);

        if (options.IsDirectoryObject && !(query.EventualConsistency && query.Count))
        {
            if (query.Count && !query.EventualConsistency)
                throw new GraphException(400, "Request_BadRequest", "$count is not currently supported.");
            if (query.Filter?.UsesAdvancedOperators == true)
                throw GraphException.UnsupportedQuery("Unsupported Query.");
        }

        var all = items.Select(i => GraphSerializer.ToJson(i)).ToList();
        if (query.Filter is { } filter)
        {
            foreach (var property in filter.Properties)
            {
                if (shape.Properties.Count > 0 && !shape.Properties.Contains(property, StringComparer.OrdinalIgnoreCase))
                    throw GraphException.BadRequest($"Could not find a property named '{property}' on type '{typeName}'.");
                if (options.FilterableProperties is { } allowed && !allowed.Contains(property, StringComparer.OrdinalIgnoreCase))
                    throw GraphException.UnsupportedQuery($"Unsupported or invalid query filter clause specified for property '{property}' of resource '{ResourceName(typeName)}'.");
            }
            all = all.Where(filter.Matches).ToList();
        }
        foreach (var (property, descending) in query.OrderBy.Reverse())
        {
            all = (descending
                ? all.OrderByDescending(o => SortKey(o, property), StringComparer.OrdinalIgnoreCase)
                : all.OrderBy(o => SortKey(o, property), StringComparer.OrdinalIgnoreCase)).ToList();
        }

        var pageSize = query.Top ?? Settings.PageSize;
        var page = all.Skip(query.Offset).Take(pageSize).Select(o => GraphSerializer.Project(o, shape, select));
        var body = new JsonObject { ["@odata.context"] = ContextUrl(contextPath, select) };
        if (query.Count)
            body["@odata.count"] = all.Count;
        if (query.Offset + pageSize < all.Count)
            body["@odata.nextLink"] = NextLink(query.Offset + pageSize);
        body["value"] = new JsonArray(page.Select(o => (JsonNode)o).ToArray());
        return new GraphJsonResult(StatusCodes.Status200OK, body, typeName, IsCollection: true);
    }

    public IResult NoContent() => Results.NoContent();

    /// <summary>Any JSON body, as is (still subject to strict schema checks when a type is named).</summary>
    public IResult Json(JsonObject body, int statusCode = StatusCodes.Status200OK, string? graphTypeName = null) =>
        new GraphJsonResult(statusCode, body, graphTypeName, IsCollection: body.ContainsKey("value") && graphTypeName is not null);

    /// <summary>The request body as a JSON object; 400 as Graph answers when it is missing or not JSON.</summary>
    public async Task<JsonObject> ReadBodyAsync()
    {
        using var reader = new StreamReader(HttpContext.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(HttpContext.RequestAborted);
        if (string.IsNullOrWhiteSpace(text))
            throw GraphException.BadRequest("Empty Payload. JSON content expected.");
        try
        {
            return JsonNode.Parse(text) as JsonObject
                ?? throw GraphException.BadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
        }
        catch (JsonException)
        {
            throw GraphException.BadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
        }
    }

    private IReadOnlyList<string>? CheckSelect(GraphSerializer.TypeShape shape, string? typeName)
    {
        var select = Query.Select;
        if (select is null || shape.Properties.Count == 0)
            return select;
        foreach (var name in select)
        {
            if (!shape.Properties.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new GraphException(400, "Request_BadRequest", $"Could not find a property named '{name}' on type '{typeName ?? shape.GraphTypeName}'.");
        }
        return select;
    }

    private string ContextUrl(string contextPath, IReadOnlyList<string>? select) =>
        $"{ServiceRoot}/$metadata#{contextPath}" + (select is null ? "" : $"({string.Join(',', select)})");

    private string NextLink(int offset)
    {
        var request = HttpContext.Request;
        var parts = request.Query
            .Where(q => !string.Equals(q.Key, "$skiptoken", StringComparison.OrdinalIgnoreCase))
            .Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value.ToString())}")
            .Append($"$skiptoken={GraphQuery.EncodeSkipToken(offset)}");
        return $"{Endpoints.Root}{request.PathBase}{request.Path}?{string.Join('&', parts)}";
    }

    private static string SortKey(JsonObject item, string property) =>
        item.FirstOrDefault(p => string.Equals(p.Key, property, StringComparison.OrdinalIgnoreCase)).Value?.ToString() ?? "";

    /// <summary>"microsoft.graph.servicePrincipal" → "servicePrincipal", as Graph names resources in query errors.</summary>
    private static string ResourceName(string? typeName) => typeName is null ? "" : typeName[(typeName.LastIndexOf('.') + 1)..];
}
