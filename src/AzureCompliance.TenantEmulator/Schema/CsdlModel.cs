using System.Collections.Concurrent;
using System.Xml;

namespace AzureCompliance.TenantEmulator.Schema;

/// <summary>
/// The parts of a CSDL (OData v4 metadata) the strict schema check needs: structured types with their
/// properties and base types, enum members, the entity container, and bound actions. Parsed once per
/// file and process; names are kept fully qualified ("microsoft.graph.user").
/// </summary>
internal sealed class CsdlModel
{
    private static readonly ConcurrentDictionary<string, Lazy<CsdlModel>> Cache = new(StringComparer.Ordinal);

    public Dictionary<string, StructuredType> Types { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, HashSet<string>> Enums { get; } = new(StringComparer.Ordinal);
    /// <summary>Entity sets and singletons by name: the type and whether the root is a collection.</summary>
    public Dictionary<string, (string Type, bool IsCollection)> Roots { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Bound actions by name (several overloads per name, one per binding type).</summary>
    public Dictionary<string, List<BoundAction>> Actions { get; } = new(StringComparer.OrdinalIgnoreCase);

    internal sealed record Property(string Name, TypeRef Type, bool IsNavigation);

    internal sealed class StructuredType(string name, string? baseType, bool isOpen, bool isEntity)
    {
        public string Name { get; } = name;
        public string? BaseType { get; } = baseType;
        public bool IsOpen { get; } = isOpen;
        public bool IsEntity { get; } = isEntity;
        public Dictionary<string, Property> Properties { get; } = new(StringComparer.Ordinal);
    }

    internal sealed record BoundAction(string Name, TypeRef Binding, IReadOnlyDictionary<string, TypeRef> Parameters);

    /// <summary>A type reference: "Collection(graph.x)" → (microsoft.graph.x, collection).</summary>
    internal sealed record TypeRef(string Name, bool IsCollection);

    public static CsdlModel Load(string path) =>
        Cache.GetOrAdd(Path.GetFullPath(path), p => new Lazy<CsdlModel>(() => Parse(p))).Value;

    public StructuredType? FindType(string name) => Types.GetValueOrDefault(name.TrimStart('#'));

    /// <summary>The property in the type or any of its base types.</summary>
    public Property? FindProperty(StructuredType type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType is null ? null : FindType(current.BaseType))
        {
            if (current.Properties.TryGetValue(name, out var property))
                return property;
        }
        return null;
    }

    public bool DerivesFrom(string type, string baseType)
    {
        for (var current = FindType(type); current is not null; current = current.BaseType is null ? null : FindType(current.BaseType))
        {
            if (current.Name == baseType)
                return true;
        }
        return false;
    }

    public BoundAction? FindAction(string name, string boundType, bool boundToCollection)
    {
        if (!Actions.TryGetValue(name[(name.LastIndexOf('.') + 1)..], out var overloads))
            return null;
        return overloads.FirstOrDefault(a => a.Binding.IsCollection == boundToCollection && DerivesFrom(boundType, a.Binding.Name));
    }

    private static CsdlModel Parse(string path)
    {
        var model = new CsdlModel();
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var pendingSets = new List<(string Name, string Type, bool IsCollection)>();
        var settings = new XmlReaderSettings { IgnoreComments = true, IgnoreWhitespace = true, DtdProcessing = DtdProcessing.Prohibit };
        using var reader = XmlReader.Create(path, settings);

        string schemaNamespace = "";
        StructuredType? currentType = null;
        HashSet<string>? currentEnum = null;
        (string Name, List<(string Name, string Type)> Parameters)? currentAction = null;
        var rawTypes = new List<(StructuredType Type, List<(string Name, string Type, bool Nav)> Props)>();
        List<(string Name, string Type, bool Nav)>? currentProps = null;
        var rawActions = new List<(string Name, List<(string Name, string Type)> Parameters)>();

        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement)
            {
                switch (reader.LocalName)
                {
                    case "EntityType" or "ComplexType": currentType = null; currentProps = null; break;
                    case "EnumType": currentEnum = null; break;
                    case "Action": if (currentAction is { } a) rawActions.Add(a); currentAction = null; break;
                }
                continue;
            }
            if (reader.NodeType != XmlNodeType.Element)
                continue;
            var empty = reader.IsEmptyElement;
            switch (reader.LocalName)
            {
                case "Schema":
                    schemaNamespace = reader.GetAttribute("Namespace")!;
                    if (reader.GetAttribute("Alias") is { } alias)
                        aliases[alias] = schemaNamespace;
                    break;
                case "EntityType" or "ComplexType":
                    currentType = new StructuredType($"{schemaNamespace}.{reader.GetAttribute("Name")}", reader.GetAttribute("BaseType"),
                        reader.GetAttribute("OpenType") == "true", reader.LocalName == "EntityType");
                    currentProps = [];
                    rawTypes.Add((currentType, currentProps));
                    if (empty)
                    {
                        currentType = null;
                        currentProps = null;
                    }
                    break;
                case "Property" or "NavigationProperty" when currentProps is not null:
                    currentProps.Add((reader.GetAttribute("Name")!, reader.GetAttribute("Type")!, reader.LocalName == "NavigationProperty"));
                    break;
                case "EnumType":
                    currentEnum = new HashSet<string>(StringComparer.Ordinal);
                    model.Enums[$"{schemaNamespace}.{reader.GetAttribute("Name")}"] = currentEnum;
                    if (empty)
                        currentEnum = null;
                    break;
                case "Member" when currentEnum is not null:
                    currentEnum.Add(reader.GetAttribute("Name")!);
                    break;
                case "Action" when reader.GetAttribute("IsBound") == "true":
                    currentAction = (reader.GetAttribute("Name")!, []);
                    if (empty)
                    {
                        rawActions.Add(currentAction.Value);
                        currentAction = null;
                    }
                    break;
                case "Parameter" when currentAction is not null:
                    currentAction.Value.Parameters.Add((reader.GetAttribute("Name")!, reader.GetAttribute("Type")!));
                    break;
                case "EntitySet":
                    pendingSets.Add((reader.GetAttribute("Name")!, reader.GetAttribute("EntityType")!, true));
                    break;
                case "Singleton":
                    pendingSets.Add((reader.GetAttribute("Name")!, reader.GetAttribute("Type")!, false));
                    break;
            }
        }

        string Qualify(string name)
        {
            var dot = name.LastIndexOf('.');
            if (dot < 0)
                return name;
            var ns = name[..dot];
            return aliases.TryGetValue(ns, out var full) ? $"{full}.{name[(dot + 1)..]}" : name;
        }
        TypeRef Ref(string type) => type.StartsWith("Collection(", StringComparison.Ordinal)
            ? new TypeRef(Qualify(type["Collection(".Length..^1]), true)
            : new TypeRef(Qualify(type), false);

        foreach (var (type, props) in rawTypes)
        {
            var qualified = new StructuredType(type.Name, type.BaseType is null ? null : Qualify(type.BaseType), type.IsOpen, type.IsEntity);
            foreach (var (name, propertyType, nav) in props)
                qualified.Properties[name] = new Property(name, Ref(propertyType), nav);
            model.Types[qualified.Name] = qualified;
        }
        foreach (var (name, type, isCollection) in pendingSets)
            model.Roots[name] = (Qualify(type), isCollection);
        foreach (var (name, parameters) in rawActions)
        {
            if (parameters.Count == 0)
                continue;
            var action = new BoundAction(name, Ref(parameters[0].Type), parameters.Skip(1).ToDictionary(p => p.Name, p => Ref(p.Type), StringComparer.Ordinal));
            if (!model.Actions.TryGetValue(name, out var list))
                model.Actions[name] = list = [];
            list.Add(action);
        }
        return model;
    }
}
