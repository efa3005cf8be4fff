using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// Groups: list ($filter on displayName / id / mailNickname / securityEnabled ..., startswith), by id, direct members,
/// transitive members (nested groups resolved) with the microsoft.graph.user / group / device casts, and
/// user: checkMemberGroups (transitive, at most 20 ids).
/// </summary>
internal sealed class GroupsModule : IGraphEndpointModule
{
    internal static readonly string[] GroupReadPermissions =
        ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All", "Directory.ReadWrite.All"];

    internal static readonly string[] MemberReadPermissions = GroupReadPermissions;

    private static readonly string[] GroupFilterable =
        ["id", "displayName", "mailNickname", "mail", "securityEnabled", "mailEnabled", "groupTypes", "createdDateTime", "description"];

    private static readonly string[] MemberFilterable = ["id", "displayName", "userPrincipalName", "mail", "accountEnabled", "deviceId", "operatingSystem"];

    private static readonly Dictionary<string, Type> Casts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["microsoft.graph.user"] = typeof(DirectoryUser),
        ["microsoft.graph.group"] = typeof(DirectoryGroup),
        ["microsoft.graph.device"] = typeof(DirectoryDevice),
    };

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet("/groups", (GraphRequest request) =>
            {
                var tenant = request.Tenant;
                return GraphPaging.Page(request, tenant.Groups, "groups", new GraphPaging.Options<DirectoryGroup>
                {
                    TypeName = "microsoft.graph.group",
                    FilterableProperties = GroupFilterable,
                    Narrow = (property, value) => property.ToLowerInvariant() switch
                    {
                        "id" => Guid.TryParse(value, out var id) && tenant.FindGroup(id) is { } g ? [g] : [],
                        _ => null,
                    },
                });
            })
            .RequireGraphPermissions(GroupReadPermissions);

        routes.MapGet("/groups/{id}", (GraphRequest request, string id) =>
                request.Entity(FindGroup(request, id), "groups"))
            .RequireGraphPermissions(GroupReadPermissions);

        routes.MapGet("/groups/{id}/members", (GraphRequest request, string id) =>
            {
                var group = FindGroup(request, id);
                return Members(request, request.Tenant.ResolveDirectoryObjects(group.MemberIds), $"directoryObjects", null);
            })
            .RequireGraphPermissions(MemberReadPermissions);

        routes.MapGet("/groups/{id}/members/{cast}", (GraphRequest request, string id, string cast) =>
            {
                var group = FindGroup(request, id);
                return Members(request, request.Tenant.ResolveDirectoryObjects(group.MemberIds), null, cast);
            })
            .RequireGraphPermissions(MemberReadPermissions);

        routes.MapGet("/groups/{id}/transitiveMembers", (GraphRequest request, string id) =>
            {
                var group = FindGroup(request, id);
                return Members(request, request.Tenant.ResolveDirectoryObjects(request.Tenant.GetTransitiveMembersOrdered(group.Id)), "directoryObjects", null);
            })
            .RequireGraphPermissions(MemberReadPermissions);

        routes.MapGet("/groups/{id}/transitiveMembers/{cast}", (GraphRequest request, string id, string cast) =>
            {
                var group = FindGroup(request, id);
                return Members(request, request.Tenant.ResolveDirectoryObjects(request.Tenant.GetTransitiveMembersOrdered(group.Id)), null, cast);
            })
            .RequireGraphPermissions(MemberReadPermissions);

        routes.MapPost("/users/{id}/checkMemberGroups", async (GraphRequest request, string id) =>
            {
                var user = UsersModule.FindUser(request, id);
                var body = await request.ReadBodyAsync();
                if (body["groupIds"] is not JsonArray groupIds)
                    throw new GraphException(400, "Request_BadRequest", "One or more parameters of the function import 'checkMemberGroups' are missing from the request payload. The missing parameters are: groupIds.");
                if (groupIds.Count > 20)
                    throw new GraphException(400, "Request_BadRequest", "The number of groupIds in a checkMemberGroups request cannot exceed 20.");
                var ids = new List<Guid>();
                foreach (var node in groupIds)
                {
                    if (node is not JsonValue value || !value.TryGetValue<string>(out var text) || !Guid.TryParse(text, out var groupId))
                        throw new GraphException(400, "Request_BadRequest", $"Invalid GUID:{node?.ToJsonString()}");
                    ids.Add(groupId);
                }
                var result = ids.Distinct()
                    .Where(g => request.Tenant.FindGroup(g) is not null && request.Tenant.IsTransitiveMember(g, user.Id))
                    .Select(g => (JsonNode)g.ToString())
                    .ToArray();
                return request.Json(new JsonObject
                {
                    ["@odata.context"] = $"{request.ServiceRoot}/$metadata#Collection(Edm.String)",
                    ["value"] = new JsonArray(result),
                });
            })
            .RequireGraphPermissions(MemberReadPermissions);
    }

    internal static DirectoryGroup FindGroup(GraphRequest request, string id) =>
        request.Tenant.FindGroup(GraphPaging.ObjectId(id)) ?? throw GraphException.NotFound(id);

    /// <summary>A members collection: mixed directory objects, or only one type when the path ends in an OData cast.</summary>
    private static IResult Members(GraphRequest request, IReadOnlyList<IDirectoryObject> members, string? contextPath, string? cast)
    {
        if (cast is null)
        {
            return GraphPaging.Page(request, members, contextPath!, new GraphPaging.Options<IDirectoryObject>
            {
                TypeName = "microsoft.graph.directoryObject",
                FilterableProperties = MemberFilterable,
                Mixed = true,
            });
        }
        if (!Casts.TryGetValue(cast, out var type))
        {
            // Graph: a cast to a type groups cannot hold, or no type at all.
            throw cast.StartsWith("microsoft.graph.", StringComparison.OrdinalIgnoreCase)
                ? GraphException.UnsupportedQuery($"The type '{cast}' is not a supported member type of a group.")
                : GraphException.BadRequest($"Resource not found for the segment '{cast}'.");
        }
        var typeName = "microsoft.graph." + type.Name switch { nameof(DirectoryUser) => "user", nameof(DirectoryGroup) => "group", _ => "device" };
        var context = type.Name switch { nameof(DirectoryUser) => "users", nameof(DirectoryGroup) => "groups", _ => "devices" };
        return type == typeof(DirectoryUser) ? Typed(members.OfType<DirectoryUser>().ToList())
            : type == typeof(DirectoryGroup) ? Typed(members.OfType<DirectoryGroup>().ToList())
            : Typed(members.OfType<DirectoryDevice>().ToList());

        IResult Typed<T>(IReadOnlyList<T> items) => GraphPaging.Page(request, items, context, new GraphPaging.Options<T>
        {
            TypeName = typeName,
            FilterableProperties = MemberFilterable,
        });
    }
}
