using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Graph.OData;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// Collections of directory objects that may be large (100k users) or mixed (members: users, groups, devices):
/// like <see cref="GraphRequest.Collection{T}"/>, but only the page is serialized when nothing needs the whole set,
/// a simple "property eq 'value'" filter can be answered from an index, and mixed items carry their @odata.type.
/// </summary>
internal static partial class GraphPaging
{
    public sealed record Options<T>
    {
        /// <summary>The Graph type of the collection (for strict schema and messages).</summary>
        public required string TypeName { get; init; }
        public IReadOnlyCollection<string>? FilterableProperties { get; init; }
        public bool IsDirectoryObject { get; init; } = true;
        /// <summary>Items of several types: each gets "@odata.type", $select is not checked against one type.</summary>
        public bool Mixed { get; init; }
        /// <summary>Narrows the candidates for "property eq 'value'" without serializing everything; null = cannot.</summary>
        public Func<string, string, IEnumerable<T>?>? Narrow { get; init; }
    }

    [GeneratedRegex(@"^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$")]
    private static partial Regex SimpleEquality();

    public static IResult Page<T>(GraphRequest request, IReadOnlyList<T> items, string contextPath, Options<T> options)
    {
        var query = request.Query;
        if (options.IsDirectoryObject && !(query.EventualConsistency && query.Count))
        {
            if (query.Count && !query.EventualConsistency)
                throw new GraphException(400, "Request_BadRequest", "$count is not currently supported.");
            if (query.Filter?.UsesAdvancedOperators == true)
                throw GraphException.UnsupportedQuery("Unsupported Query.");
        }

        var typeShape = options.Mixed ? null : GraphSerializer.ShapeOf(typeof(T));
        var select = query.Select;
        if (select is not null && typeShape is { Properties.Count: > 0 })
        {
            foreach (var name in select.Where(n => !typeShape.Properties.Contains(n, StringComparer.OrdinalIgnoreCase)))
                throw new GraphException(400, "Request_BadRequest", $"Could not find a property named '{name}' on type '{options.TypeName}'.");
        }

        IReadOnlyList<T> source = items;
        List<JsonObject>? filtered = null;
        if (query.Filter is { } filter)
        {
            foreach (var property in filter.Properties)
            {
                if (typeShape is { Properties.Count: > 0 } && !typeShape.Properties.Contains(property, StringComparer.OrdinalIgnoreCase))
                    throw GraphException.BadRequest($"Could not find a property named '{property}' on type '{options.TypeName}'.");
                if (options.FilterableProperties is { } allowed && !allowed.Contains(property, StringComparer.OrdinalIgnoreCase))
                    throw GraphException.UnsupportedQuery($"Unsupported or invalid query filter clause specified for property '{property}' of resource '{options.TypeName[(options.TypeName.LastIndexOf('.') + 1)..]}'.");
            }
            if (options.Narrow is { } narrow && SimpleEquality().Match(query.FilterText!) is { Success: true } m
                && narrow(m.Groups[1].Value, m.Groups[2].Value.Replace("''", "'")) is { } candidates)
                source = candidates.ToList();
            filtered = source.Select(Full).Where(filter.Matches).ToList();
        }
        if (query.OrderBy.Count > 0)
        {
            filtered ??= source.Select(Full).ToList();
            foreach (var (property, descending) in query.OrderBy.Reverse())
            {
                filtered = (descending
                    ? filtered.OrderByDescending(o => SortKey(o, property), StringComparer.OrdinalIgnoreCase)
                    : filtered.OrderBy(o => SortKey(o, property), StringComparer.OrdinalIgnoreCase)).ToList();
            }
        }

        var pageSize = query.Top ?? request.Settings.PageSize;
        var total = filtered?.Count ?? source.Count;
        var page = filtered is not null
            ? filtered.Skip(query.Offset).Take(pageSize)
            : source.Skip(query.Offset).Take(pageSize).Select(Full);

        var body = new JsonObject
        {
            ["@odata.context"] = $"{request.ServiceRoot}/$metadata#{contextPath}" + (select is null ? "" : $"({string.Join(',', select)})"),
        };
        if (query.Count)
            body["@odata.count"] = total;
        if (query.Offset + pageSize < total)
            body["@odata.nextLink"] = NextLink(request, query.Offset + pageSize);
        body["value"] = new JsonArray(page.Select(o => (JsonNode)Project(o, select, options.Mixed)).ToArray());
        return new GraphJsonResult(StatusCodes.Status200OK, body, options.TypeName, IsCollection: true);
    }

    /// <summary>One directory object as a member of a mixed collection: its own properties plus "@odata.type".</summary>
    public static JsonObject Full<T>(T item)
    {
        var shape = GraphSerializer.ShapeOf(item!.GetType());
        var json = item is JsonObject raw ? (JsonObject)raw.DeepClone() : (JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(item, item.GetType(), Hosting.EmulatorJson.Options)!;
        // Remember which properties Graph sends only on $select, so projection can drop them.
        if (shape.SelectOnly.Count > 0)
            json["@emulator.selectOnly"] = new JsonArray(shape.SelectOnly.Select(s => (JsonNode)s).ToArray());
        if (shape.GraphTypeName is { } typeName)
            json["@emulator.type"] = typeName;
        return json;
    }

    private static JsonObject Project(JsonObject full, IReadOnlyList<string>? select, bool mixed)
    {
        var selectOnly = (full["@emulator.selectOnly"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var typeName = full["@emulator.type"]?.GetValue<string>();
        var result = new JsonObject();
        if (mixed && typeName is not null)
            result["@odata.type"] = "#" + typeName;
        if (select is null)
        {
            foreach (var (name, value) in full)
            {
                if (!name.StartsWith("@emulator.", StringComparison.Ordinal) && !selectOnly.Contains(name))
                    result[name] = value?.DeepClone();
            }
            return result;
        }
        foreach (var name in select)
        {
            var match = full.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
            if (match.Key is not null && !match.Key.StartsWith('@'))
                result[match.Key] = match.Value?.DeepClone();
        }
        return result;
    }

    private static string NextLink(GraphRequest request, int offset)
    {
        var http = request.HttpContext.Request;
        var parts = http.Query
            .Where(q => !string.Equals(q.Key, "$skiptoken", StringComparison.OrdinalIgnoreCase))
            .Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value.ToString())}")
            .Append($"$skiptoken={GraphQuery.EncodeSkipToken(offset)}");
        return $"{request.Endpoints.Root}{http.PathBase}{http.Path}?{string.Join('&', parts)}";
    }

    private static string SortKey(JsonObject item, string property) =>
        item.FirstOrDefault(p => string.Equals(p.Key, property, StringComparison.OrdinalIgnoreCase)).Value?.ToString() ?? "";

    /// <summary>Parses a path id as a directory object id: 400 "Invalid object identifier" when it is not a GUID.</summary>
    public static Guid ObjectId(string id) =>
        Guid.TryParse(id, out var guid) ? guid : throw new GraphException(400, "Request_BadRequest", $"Invalid object identifier '{id}'.");

    /// <summary>The type name Graph gives a directory object.</summary>
    public static string TypeNameOf(IDirectoryObject item) => GraphSerializer.ShapeOf(item.GetType()).GraphTypeName ?? "microsoft.graph.directoryObject";
}
