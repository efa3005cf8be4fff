using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Graph;

namespace AzureCompliance.TenantEmulator.Schema;

/// <summary>
/// Strict schema mode: every Graph request body (POST/PATCH/PUT) and every body the emulator returns is held
/// against Microsoft's Graph v1.0 CSDL: property names must exist on the type or its base types, values must
/// have the declared shape, enum values must be members. A bad request gets Graph's 400; a bad response is an
/// emulator bug and becomes a loud 500 (see <see cref="GraphJsonResult"/>), so client and emulator cannot drift
/// away from the real service together.
/// </summary>
internal sealed class GraphSchemaValidator
{
    public const string FileName = "graph-v1.0-metadata.xml";
    private readonly CsdlModel? _model;

    public GraphSchemaValidator(EmulatorOptions options, ILogger<GraphSchemaValidator> logger)
        : this(options.StrictSchema ? LoadModel(logger) : null)
    {
    }

    internal GraphSchemaValidator(CsdlModel? model) => _model = model;

    public bool IsActive => _model is not null;

    /// <summary>Finds ../shared/graph/graph-v1.0-metadata.xml beside the folder that holds AzureCompliance.sln, walking up from the binaries.</summary>
    public static string? FindCsdl(string? start = null)
    {
        for (var directory = new DirectoryInfo(start ?? AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AzureCompliance.sln")))
            {
                var candidate = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "graph", FileName));
                return File.Exists(candidate) ? candidate : null;
            }
        }
        return null;
    }

    private static CsdlModel? LoadModel(ILogger logger)
    {
        var path = FindCsdl();
        if (path is null)
        {
            logger.LogWarning("Strict schema is off: {File} was not found in ../shared/graph/ beside AzureCompliance.sln (searched up from {Start}).", FileName, AppContext.BaseDirectory);
            return null;
        }
        return CsdlModel.Load(path);
    }

    /// <summary>Problems in a body the emulator is about to return; empty when it conforms.</summary>
    public IReadOnlyList<string> CheckResponse(JsonObject body, string graphTypeName, bool isCollection)
    {
        var problems = new List<string>();
        if (_model?.FindType(graphTypeName) is not { } type)
        {
            if (_model is not null)
                problems.Add($"type '{graphTypeName}' is not in the schema");
            return problems;
        }
        if (isCollection)
        {
            if (body["value"] is JsonArray items)
            {
                for (var i = 0; i < items.Count; i++)
                    CheckObject(items[i], type, $"value[{i}]", problems);
            }
        }
        else
        {
            CheckObject(body, type, "", problems);
        }
        return problems;
    }

    /// <summary>Checks the body of a POST/PATCH/PUT against what the path addresses; throws a 400 <see cref="GraphException"/> on the first problem.</summary>
    public async Task CheckRequestAsync(HttpContext context)
    {
        var request = context.Request;
        if (_model is null || !(HttpMethods.IsPost(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsPut(request.Method)))
            return;
        var target = ResolvePath(request.Path.Value ?? "");
        if (target is null)
            return;

        request.EnableBuffering();
        request.Body.Position = 0;
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            body = null;
        }
        finally
        {
            request.Body.Position = 0;
        }
        if (body is not JsonObject json)
            return;

        var problems = new List<RequestProblem>();
        switch (target)
        {
            case { Action: { } action }:
                foreach (var (name, value) in json)
                {
                    if (name.StartsWith('@'))
                        continue;
                    if (!action.Parameters.TryGetValue(name, out var parameterType))
                        problems.Add(RequestProblem.UnknownProperty(name, $"action '{action.Name}'"));
                    else
                        CheckValue(value, parameterType, name, problems);
                }
                break;
            case { Type: { } type } when !(HttpMethods.IsPost(request.Method) && !target.IsCollection && type.IsEntity):
                CheckObject(json, type, "", problems);
                break;
        }
        if (problems.FirstOrDefault() is { } first)
            throw new GraphException(400, "BadRequest", first.Message);
    }

    /// <summary>What a Graph path addresses: an entity (set) type, or a bound action; null when the schema does not say.</summary>
    internal PathTarget? ResolvePath(string path)
    {
        if (_model is null)
            return null;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2 || !segments[0].Equals("v1.0", StringComparison.OrdinalIgnoreCase))
            return null;

        var first = segments[1];
        var paren = first.IndexOf('(');
        if (!_model.Roots.TryGetValue(paren < 0 ? first : first[..paren], out var root))
            return null;
        var type = _model.FindType(root.Type);
        var isCollection = root.IsCollection && paren < 0;
        foreach (var segment in segments.Skip(2))
        {
            if (type is null || segment.StartsWith('$'))
                return null;
            if (segment.Contains('.') && _model.FindType(segment) is { } cast)
            {
                type = cast;
                continue;
            }
            if (_model.FindAction(segment, type.Name, isCollection) is { } action)
                return new PathTarget(null, false, action);
            if (isCollection)
            {
                isCollection = false; // a key
                continue;
            }
            var property = _model.FindProperty(type, segment.Split('(')[0]);
            if (property is null)
                return null;
            type = _model.FindType(property.Type.Name);
            isCollection = property.Type.IsCollection && !segment.Contains('(');
        }
        return type is null ? null : new PathTarget(type, isCollection, null);
    }

    internal sealed record PathTarget(CsdlModel.StructuredType? Type, bool IsCollection, CsdlModel.BoundAction? Action);

    private sealed record RequestProblem(string Message)
    {
        public static RequestProblem UnknownProperty(string name, string owner) =>
            new($"The property '{name}' does not exist on type '{owner}'. Make sure to only use property names that are defined by the type or mark the type as open type.");
    }

    private void CheckObject(JsonNode? node, CsdlModel.StructuredType declared, string at, List<string> problems)
    {
        var requestProblems = new List<RequestProblem>();
        CheckObject(node, declared, at, requestProblems);
        problems.AddRange(requestProblems.Select(p => p.Message));
    }

    private void CheckObject(JsonNode? node, CsdlModel.StructuredType declared, string at, List<RequestProblem> problems)
    {
        if (node is null)
            return;
        if (node is not JsonObject obj)
        {
            problems.Add(new($"{Where(at)}expected an object of type '{declared.Name}', found {node.GetValueKind()}."));
            return;
        }
        var type = declared;
        if (obj["@odata.type"]?.ToString() is { } odataType)
        {
            if (_model!.FindType(odataType) is not { } derived || !_model.DerivesFrom(derived.Name, declared.Name))
            {
                problems.Add(new($"{Where(at)}'@odata.type' '{odataType}' is not '{declared.Name}' or a type derived from it."));
                return;
            }
            type = derived;
        }
        var anyProperty = _model!.DerivesFrom(type.Name, "microsoft.graph.openTypeExtension");
        foreach (var (name, value) in obj)
        {
            if (name.StartsWith('@'))
                continue;
            var annotation = name.IndexOf('@');
            var propertyName = annotation < 0 ? name : name[..annotation];
            var property = _model.FindProperty(type, propertyName);
            if (property is null)
            {
                // Open types take directory extension attributes (extension_{appId}_{name}); open type extensions take anything.
                if (anyProperty || (IsOpen(type) && propertyName.StartsWith("extension_", StringComparison.Ordinal)))
                    continue;
                problems.Add(RequestProblem.UnknownProperty(propertyName, type.Name));
                continue;
            }
            if (annotation < 0)
                CheckValue(value, property.Type, $"{at}{(at.Length == 0 ? "" : ".")}{name}", problems);
        }
    }

    private bool IsOpen(CsdlModel.StructuredType type)
    {
        for (var current = type; current is not null; current = current.BaseType is null ? null : _model!.FindType(current.BaseType))
        {
            if (current.IsOpen)
                return true;
        }
        return false;
    }

    private void CheckValue(JsonNode? value, CsdlModel.TypeRef type, string at, List<RequestProblem> problems)
    {
        if (value is null || value.GetValueKind() == JsonValueKind.Null)
            return;
        if (type.IsCollection)
        {
            if (value is not JsonArray array)
            {
                problems.Add(new($"{Where(at)}expected a collection of '{type.Name}'."));
                return;
            }
            for (var i = 0; i < array.Count; i++)
                CheckValue(array[i], type with { IsCollection = false }, $"{at}[{i}]", problems);
            return;
        }
        if (_model!.FindType(type.Name) is { } structured)
        {
            CheckObject(value, structured, at, problems);
            return;
        }
        if (_model.Enums.TryGetValue(type.Name, out var members))
        {
            if (value.GetValueKind() != JsonValueKind.String)
            {
                problems.Add(new($"{Where(at)}expected a member of '{type.Name}'."));
                return;
            }
            foreach (var member in value.GetValue<string>().Split(',', StringSplitOptions.TrimEntries))
            {
                if (!members.Contains(member))
                    problems.Add(new($"Requested value '{member}' was not found. ({type.Name}{(at.Length > 0 ? $" at '{at}'" : "")})"));
            }
            return;
        }
        var kind = value.GetValueKind();
        var ok = type.Name switch
        {
            "Edm.String" or "Edm.Date" or "Edm.TimeOfDay" or "Edm.Duration" or "Edm.Binary" => kind == JsonValueKind.String,
            "Edm.Guid" => kind == JsonValueKind.String && Guid.TryParse(value.GetValue<string>(), out _),
            "Edm.DateTimeOffset" => kind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _),
            "Edm.Boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "Edm.Int16" or "Edm.Int32" or "Edm.Int64" or "Edm.Byte" or "Edm.SByte" => kind == JsonValueKind.Number,
            "Edm.Double" or "Edm.Single" or "Edm.Decimal" => kind == JsonValueKind.Number || (kind == JsonValueKind.String && value.GetValue<string>() is "NaN" or "INF" or "-INF"),
            _ => true,
        };
        if (!ok)
            problems.Add(new($"{Where(at)}a value of kind {kind} is not a valid '{type.Name}'."));
    }

    private static string Where(string at) => at.Length == 0 ? "" : $"Property '{at}': ";
}
