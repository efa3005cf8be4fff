using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// Open extensions on the organization (tenant-wide state of an app): create (201), list, get, update (200, the body
/// replaces the custom data: properties left out are deleted), delete (204). Directory limits (Graph docs, extensibility
/// overview): two open extensions per creator app per object, 2 KB of data per extension; values are primitives or arrays
/// of primitives. The extension's id is its extensionName. An update must carry @odata.type and extensionName (Graph docs,
/// opentypeextension-update). Open extensions do not exist in the China cloud (<see cref="EmulatorOptions.Cloud"/>).
/// </summary>
internal sealed class OrganizationExtensionsModule : IGraphEndpointModule
{
    public const int MaxExtensionBytes = 2048;
    private const string OpenTypeExtension = "#microsoft.graph.openTypeExtension";
    private const string QualifiedPrefix = "microsoft.graph.openTypeExtension.";
    private static readonly string[] ReadPermissions = ["Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
    private static readonly string[] WritePermissions = ["Organization.ReadWrite.All", "Directory.ReadWrite.All"];

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet("/organization/{id}/extensions", (GraphRequest request, string id) =>
            {
                var org = Organization(request, id);
                return request.Collection(request.Tenant.GetOpenExtensions(org).Select(Shown).ToArray(), $"organization('{org}')/extensions",
                    new CollectionOptions { IsDirectoryObject = false, GraphTypeName = "microsoft.graph.extension" });
            })
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet("/organization/{id}/extensions/{extensionId}", (GraphRequest request, string id, string extensionId) =>
            {
                var org = Organization(request, id);
                var extension = request.Tenant.FindOpenExtension(org, NameOf(extensionId)) ?? throw NotFound(extensionId);
                return request.Entity(Shown(extension), $"organization('{org}')/extensions", graphTypeName: "microsoft.graph.extension");
            })
            .RequireGraphPermissions(ReadPermissions);

        routes.MapPost("/organization/{id}/extensions", async (GraphRequest request, string id) =>
            {
                var org = Organization(request, id);
                var body = await request.ReadBodyAsync();
                CheckType(body);
                if (body["extensionName"] is not JsonValue nameValue || nameValue.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(nameValue.GetValue<string>()))
                    throw new GraphException(400, "Request_BadRequest", "The extensionName property is required to create an open extension.");
                var extension = Stored(body, nameValue.GetValue<string>());
                switch (request.Tenant.AddOpenExtension(org, request.Caller.ClientId, extension))
                {
                    case TenantState.OpenExtensionAddResult.NameExists:
                        throw new GraphException(409, "Request_MultipleObjectsWithSameKeyValue", $"An extension with the name '{extension["extensionName"]}' already exists on this object.");
                    case TenantState.OpenExtensionAddResult.LimitReached:
                        throw new GraphException(400, "Request_BadRequest",
                            $"Maximum number of extensions values supported per application is {TenantState.MaxOpenExtensionsPerApp}.");
                }
                return request.Created(Shown(extension), $"organization('{org}')/extensions",
                    $"{request.ServiceRoot}/organization/{org}/extensions/{Uri.EscapeDataString(extension["extensionName"]!.GetValue<string>())}",
                    "microsoft.graph.extension");
            })
            .RequireGraphPermissions(WritePermissions);

        routes.MapPatch("/organization/{id}/extensions/{extensionId}", async (GraphRequest request, string id, string extensionId) =>
            {
                var org = Organization(request, id);
                var existing = request.Tenant.FindOpenExtension(org, NameOf(extensionId)) ?? throw NotFound(extensionId);
                var body = await request.ReadBodyAsync();
                // Graph docs (opentypeextension-update): the body "must include the @odata.type and extensionName".
                if (body["@odata.type"] is null)
                    throw new GraphException(400, "Request_BadRequest", "The @odata.type property is required to update an open extension: use microsoft.graph.openTypeExtension.");
                CheckType(body);
                var name = existing["extensionName"]!.GetValue<string>();
                if (body["extensionName"] is null)
                    throw new GraphException(400, "Request_BadRequest", "The extensionName property is required to update an open extension.");
                if (!string.Equals(body["extensionName"]!.ToString(), name, StringComparison.OrdinalIgnoreCase))
                    throw new GraphException(400, "Request_BadRequest", "The extensionName of an open extension cannot be changed.");
                // The docs' semantics: every property must be sent; those left out are deleted, nulls are kept as null.
                var replaced = Stored(body, name);
                request.Tenant.ReplaceOpenExtension(org, name, replaced);
                return request.Entity(Shown(replaced), $"organization('{org}')/extensions", graphTypeName: "microsoft.graph.extension");
            })
            .RequireGraphPermissions(WritePermissions);

        routes.MapDelete("/organization/{id}/extensions/{extensionId}", (GraphRequest request, string id, string extensionId) =>
            {
                var org = Organization(request, id);
                return request.Tenant.RemoveOpenExtension(org, NameOf(extensionId)) ? request.NoContent() : throw NotFound(extensionId);
            })
            .RequireGraphPermissions(WritePermissions);
    }

    private static Guid Organization(GraphRequest request, string id)
    {
        // Graph docs (extensibility overview, open extensions): "not available in ... China"; the answer is our reading.
        if (request.Settings.Cloud == EmulatedCloud.China)
            throw new GraphException(400, "Request_BadRequest", "Open extensions are not supported in this cloud (Microsoft Graph operated by 21Vianet).");
        var guid = GraphPaging.ObjectId(id);
        return guid == request.Tenant.TenantId ? guid : throw GraphException.NotFound(id);
    }

    /// <summary>The id may be the extension name or the fully qualified "microsoft.graph.openTypeExtension.{name}".</summary>
    private static string NameOf(string extensionId) =>
        extensionId.StartsWith(QualifiedPrefix, StringComparison.OrdinalIgnoreCase) ? extensionId[QualifiedPrefix.Length..] : extensionId;

    private static GraphException NotFound(string extensionId) =>
        new(404, "Request_ResourceNotFound", $"Resource '{extensionId}' does not exist or one of its queried reference-property objects are not present.");

    private static void CheckType(JsonObject body)
    {
        if (body["@odata.type"]?.ToString() is { } type && !string.Equals("#" + type.TrimStart('#'), OpenTypeExtension, StringComparison.OrdinalIgnoreCase))
            throw new GraphException(400, "Request_BadRequest", $"'{type}' is not an open extension type: use microsoft.graph.openTypeExtension.");
    }

    /// <summary>The extension as kept: its name and the custom data (primitives or arrays of primitives), within 2 KB.</summary>
    private static JsonObject Stored(JsonObject body, string extensionName)
    {
        var stored = new JsonObject { ["extensionName"] = extensionName };
        foreach (var (name, value) in body)
        {
            if (name.StartsWith('@') || name is "extensionName" or "id")
                continue;
            if (value is JsonObject || (value is JsonArray array && array.Any(v => v is JsonObject or JsonArray)))
                throw new GraphException(400, "Request_BadRequest", $"The value of '{name}' is not supported: open extension data can be primitive types or arrays of primitive types.");
            stored[name] = value?.DeepClone();
        }
        var size = Encoding.UTF8.GetByteCount(stored.ToJsonString(EmulatorJson.Options));
        if (size > MaxExtensionBytes)
            throw new GraphException(400, "Request_BadRequest", $"The open extension is {size} bytes; an open extension can hold at most 2 KB ({MaxExtensionBytes} bytes) of data.");
        return stored;
    }

    /// <summary>What Graph shows: the type, the id (= the name) and the data.</summary>
    private static JsonObject Shown(JsonObject stored)
    {
        var shown = new JsonObject
        {
            ["@odata.type"] = OpenTypeExtension,
            ["id"] = stored["extensionName"]!.GetValue<string>(),
        };
        foreach (var (name, value) in stored)
            shown[name] = value?.DeepClone();
        return shown;
    }
}
