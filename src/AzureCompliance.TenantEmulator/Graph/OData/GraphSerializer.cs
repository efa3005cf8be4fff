using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.OData;

/// <summary>Turns model objects into Graph JSON, knowing each type's Graph name, its properties and which are $select-only.</summary>
internal static class GraphSerializer
{
    private static readonly ConcurrentDictionary<Type, TypeShape> Shapes = new();

    internal sealed record TypeShape(string? GraphTypeName, IReadOnlyList<string> Properties, IReadOnlySet<string> SelectOnly);

    public static TypeShape ShapeOf(Type type) => Shapes.GetOrAdd(type, static t =>
    {
        if (t == typeof(JsonObject))
            return new TypeShape(null, [], new HashSet<string>());
        var info = EmulatorJson.Options.GetTypeInfo(t);
        var selectOnly = info.Properties
            .Where(p => p.AttributeProvider is PropertyInfo pi && pi.GetCustomAttribute<SelectOnlyAttribute>() is not null)
            .Select(p => p.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new TypeShape(t.GetCustomAttribute<GraphTypeAttribute>()?.Name, info.Properties.Select(p => p.Name).ToArray(), selectOnly);
    });

    /// <summary>The full JSON of an object (every property, $select-only ones included).</summary>
    public static JsonObject ToJson<T>(T item) => item switch
    {
        JsonObject json => (JsonObject)json.DeepClone(),
        _ => JsonSerializer.SerializeToNode(item, EmulatorJson.Options) as JsonObject
             ?? throw new InvalidOperationException($"{typeof(T).Name} does not serialize to a JSON object."),
    };

    /// <summary>What Graph sends: the $select list in the order given, or every property that is not $select-only.</summary>
    public static JsonObject Project(JsonObject full, TypeShape shape, IReadOnlyList<string>? select)
    {
        var result = new JsonObject();
        if (select is null)
        {
            foreach (var (name, value) in full)
            {
                if (!shape.SelectOnly.Contains(name))
                    result[name] = value?.DeepClone();
            }
            return result;
        }
        foreach (var name in select)
        {
            var match = full.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
            if (match.Key is not null)
                result[match.Key] = match.Value?.DeepClone();
        }
        return result;
    }
}
