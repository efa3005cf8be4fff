using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>Users: list and get (by id or userPrincipalName), update (usageLocation and a few profile properties).</summary>
internal sealed class UsersModule : IGraphEndpointModule
{
    internal static readonly string[] ReadPermissions =
        ["User.Read.All", "User.ReadWrite.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All"];

    internal static readonly string[] WritePermissions = ["User.ReadWrite.All", "Directory.ReadWrite.All"];

    private static readonly string[] Filterable =
        ["id", "userPrincipalName", "displayName", "mail", "mailNickname", "givenName", "surname", "jobTitle", "department", "usageLocation", "accountEnabled", "userType", "assignedLicenses"];

    /// <summary>What PATCH /users/{id} takes here, and how each value is checked.</summary>
    private static readonly Dictionary<string, Func<JsonNode?, bool>> Updatable = new(StringComparer.Ordinal)
    {
        ["usageLocation"] = v => v is null || (v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: 2 } code && code.All(char.IsAsciiLetterUpper)),
        ["displayName"] = v => v?.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length is > 0 and <= 256,
        ["jobTitle"] = IsStringOrNull,
        ["department"] = IsStringOrNull,
        ["accountEnabled"] = v => v?.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
    };

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet("/users", (GraphRequest request) =>
            {
                var tenant = request.Tenant;
                return GraphPaging.Page(request, tenant.Users, "users", new GraphPaging.Options<DirectoryUser>
                {
                    TypeName = "microsoft.graph.user",
                    FilterableProperties = Filterable,
                    Narrow = (property, value) => property.ToLowerInvariant() switch
                    {
                        "id" => Guid.TryParse(value, out _) && tenant.FindUser(value) is { } u ? [u] : [],
                        "userprincipalname" => !Guid.TryParse(value, out _) && tenant.FindUser(value) is { } u ? [u] : [],
                        _ => null,
                    },
                });
            })
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet("/users/{id}", (GraphRequest request, string id) => request.Entity(FindUser(request, id), "users"))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapPatch("/users/{id}", async (GraphRequest request, string id) =>
            {
                var user = FindUser(request, id);
                var body = await request.ReadBodyAsync();
                foreach (var (name, value) in body)
                {
                    if (name.StartsWith('@'))
                        continue;
                    if (!Updatable.TryGetValue(name, out var valid))
                    {
                        throw name is "id" or "userPrincipalName" or "assignedLicenses"
                            ? new GraphException(400, "Request_BadRequest", $"Property '{name}' is read-only and cannot be set.")
                            : new GraphException(400, "Request_BadRequest", $"Property '{name}' cannot be updated by this emulator.");
                    }
                    if (!valid(value))
                        throw new GraphException(400, "Request_BadRequest", $"Invalid value specified for property '{name}' of resource 'User'.");
                }
                request.Tenant.UpdateUser(user.Id, u => u with
                {
                    UsageLocation = body.ContainsKey("usageLocation") ? body["usageLocation"]?.GetValue<string>() : u.UsageLocation,
                    DisplayName = body.ContainsKey("displayName") ? body["displayName"]!.GetValue<string>() : u.DisplayName,
                    JobTitle = body.ContainsKey("jobTitle") ? body["jobTitle"]?.GetValue<string>() : u.JobTitle,
                    Department = body.ContainsKey("department") ? body["department"]?.GetValue<string>() : u.Department,
                    AccountEnabled = body.ContainsKey("accountEnabled") ? body["accountEnabled"]!.GetValue<bool>() : u.AccountEnabled,
                });
                return request.NoContent();
            })
            .RequireGraphPermissions(WritePermissions);
    }

    /// <summary>The user a path names by object id or userPrincipalName; 404 as Graph answers otherwise.</summary>
    internal static DirectoryUser FindUser(GraphRequest request, string idOrUpn) =>
        request.Tenant.FindUser(idOrUpn) ?? throw GraphException.NotFound(idOrUpn);

    private static bool IsStringOrNull(JsonNode? value) => value is null || value.GetValueKind() == JsonValueKind.String;
}
