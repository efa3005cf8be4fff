using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// Intune compliance management partners (/deviceManagement/complianceManagementPartners): list, create, get, update, delete.
/// Assignments target all licensed users or a group that must exist. Only one partner may be onboarded for a platform at a
/// time (memdocs, third-party compliance partners): onboarding a platform another partner holds is refused with
/// 409 Conflict (Graph: "the current state conflicts with what the request expects") naming the partner that holds it.
/// Writes fall under the Intune enrollment throttling class (published limits, <see cref="Hosting.ThrottleRule"/>).
/// </summary>
internal sealed class CompliancePartnersModule : IGraphEndpointModule
{
    private const string Path = "/deviceManagement/complianceManagementPartners";
    private const string ContextPath = "deviceManagement/complianceManagementPartners";
    private const string TypeName = "microsoft.graph.complianceManagementPartner";
    private static readonly string[] ReadPermissions = ["DeviceManagementServiceConfig.Read.All", "DeviceManagementServiceConfig.ReadWrite.All"];
    private static readonly string[] WritePermissions = ["DeviceManagementServiceConfig.ReadWrite.All"];
    private static readonly string[] States = ["unknown", "unavailable", "enabled", "terminated", "rejected", "unresponsive"];
    private const string AllUsersTarget = "#microsoft.graph.allLicensedUsersAssignmentTarget";
    private const string GroupTarget = "#microsoft.graph.groupAssignmentTarget";

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet(Path, (GraphRequest request) =>
                request.Collection(request.Tenant.CompliancePartners, ContextPath, new CollectionOptions
                {
                    IsDirectoryObject = false,
                    GraphTypeName = TypeName,
                }))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet(Path + "/{id}", (GraphRequest request, string id) =>
                request.Entity(Find(request, id), ContextPath, graphTypeName: TypeName))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapPost(Path, async (GraphRequest request) =>
            {
                // The v1.0 service has answered this documented call with an OData routing error
                // (microsoftgraph/microsoft-graph-docs#17977); the status code is our reading.
                if (request.Settings.RefuseCompliancePartnerCreation)
                    throw new GraphException(400, "No method match route template",
                        "No OData route exists that match template ~/singleton/navigation with http verb POST for request /StatelessOnboardingService/deviceManagement/complianceManagementPartners.");
                var body = await request.ReadBodyAsync();
                var partner = new JsonObject
                {
                    ["id"] = Guid.NewGuid().ToString(),
                    ["lastHeartbeatDateTime"] = "0001-01-01T00:00:00Z",
                    ["partnerState"] = "unknown",
                    ["displayName"] = null,
                    ["macOsOnboarded"] = false,
                    ["androidOnboarded"] = false,
                    ["iosOnboarded"] = false,
                    ["macOsEnrollmentAssignments"] = new JsonArray(),
                    ["androidEnrollmentAssignments"] = new JsonArray(),
                    ["iosEnrollmentAssignments"] = new JsonArray(),
                };
                Apply(request, partner, body);
                Save(request, partner);
                return request.Created(partner, ContextPath, $"{request.ServiceRoot}/{ContextPath}/{partner["id"]}", TypeName);
            })
            .RequireGraphPermissions(WritePermissions);

        routes.MapPatch(Path + "/{id}", async (GraphRequest request, string id) =>
            {
                var partner = Find(request, id);
                var body = await request.ReadBodyAsync();
                Apply(request, partner, body);
                Save(request, partner);
                return request.Entity(partner, ContextPath, graphTypeName: TypeName);
            })
            .RequireGraphPermissions(WritePermissions);

        routes.MapDelete(Path + "/{id}", (GraphRequest request, string id) =>
                request.Tenant.RemoveCompliancePartner(id) ? request.NoContent() : throw NotFound(id))
            .RequireGraphPermissions(WritePermissions);
    }

    private static JsonObject Find(GraphRequest request, string id) => request.Tenant.FindCompliancePartner(id) ?? throw NotFound(id);

    private static GraphException NotFound(string id) =>
        new(404, "ResourceNotFound", $"No complianceManagementPartner with id '{id}' was found.");

    private static void Save(GraphRequest request, JsonObject partner)
    {
        if (request.Tenant.SaveCompliancePartner(partner) is { } conflict)
            throw new GraphException(409, "Conflict", conflict);
    }

    /// <summary>Checks and copies the writable properties of a request body onto the partner.</summary>
    private static void Apply(GraphRequest request, JsonObject partner, JsonObject body)
    {
        foreach (var (name, value) in body)
        {
            if (name.StartsWith('@'))
                continue;
            switch (name)
            {
                case "id":
                    if (value is not null && !string.Equals(value.ToString(), partner["id"]!.ToString(), StringComparison.OrdinalIgnoreCase) && request.HttpContext.Request.Method == "PATCH")
                        throw BadRequest("The id of a complianceManagementPartner cannot be changed.");
                    break; // ignored on create: the service assigns ids
                case "displayName":
                    if (value is not null && value.GetValueKind() != JsonValueKind.String)
                        throw BadRequest("Invalid value for property 'displayName': a string is expected.");
                    partner[name] = value?.DeepClone();
                    break;
                case "androidOnboarded" or "iosOnboarded" or "macOsOnboarded":
                    if (value?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                        throw BadRequest($"Invalid value for property '{name}': a Boolean is expected.");
                    partner[name] = value.GetValue<bool>();
                    break;
                case "partnerState":
                    if (value?.GetValueKind() != JsonValueKind.String || !States.Contains(value.GetValue<string>()))
                        throw BadRequest($"Requested value '{value?.ToString()}' was not found. (deviceManagementPartnerTenantState)");
                    partner[name] = value.GetValue<string>();
                    break;
                case "lastHeartbeatDateTime":
                    if (value?.GetValueKind() != JsonValueKind.String
                        || !DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                        throw BadRequest("Invalid value for property 'lastHeartbeatDateTime': a DateTimeOffset is expected.");
                    partner[name] = value.GetValue<string>();
                    break;
                case "androidEnrollmentAssignments" or "iosEnrollmentAssignments" or "macOsEnrollmentAssignments":
                    partner[name] = Assignments(request, name, value);
                    break;
                default:
                    throw BadRequest($"The property '{name}' does not exist on type '{TypeName}'. Make sure to only use property names that are defined by the type.");
            }
        }
    }

    private static JsonArray Assignments(GraphRequest request, string property, JsonNode? value)
    {
        if (value is null)
            return [];
        if (value is not JsonArray items)
            throw BadRequest($"Invalid value for property '{property}': a collection of complianceManagementPartnerAssignment is expected.");
        var result = new JsonArray();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in items)
        {
            if (item is not JsonObject assignment || assignment["target"] is not JsonObject target)
                throw BadRequest($"Each item of '{property}' needs a 'target' (allLicensedUsersAssignmentTarget or groupAssignmentTarget).");
            var type = target["@odata.type"]?.ToString();
            type = type is null ? null : "#" + type.TrimStart('#');
            JsonObject normalized;
            if (string.Equals(type, AllUsersTarget, StringComparison.OrdinalIgnoreCase))
            {
                normalized = new JsonObject { ["@odata.type"] = AllUsersTarget };
                if (!seen.Add("all"))
                    continue;
            }
            else if (string.Equals(type, GroupTarget, StringComparison.OrdinalIgnoreCase))
            {
                var groupId = target["groupId"]?.ToString();
                if (groupId is null || !Guid.TryParse(groupId, out var guid))
                    throw BadRequest($"Invalid groupId '{groupId}' in '{property}': a group object id is expected.");
                if (request.Tenant.FindGroup(guid) is null)
                    throw BadRequest($"The group '{groupId}' assigned in '{property}' does not exist in the tenant.");
                normalized = new JsonObject { ["@odata.type"] = GroupTarget, ["groupId"] = guid.ToString() };
                if (!seen.Add(guid.ToString()))
                    continue;
            }
            else
            {
                throw BadRequest($"The assignment target type '{type}' is not supported for '{property}': use "
                    + "#microsoft.graph.allLicensedUsersAssignmentTarget or #microsoft.graph.groupAssignmentTarget.");
            }
            result.Add(new JsonObject { ["target"] = normalized });
        }
        return result;
    }

    private static GraphException BadRequest(string message) => new(400, "BadRequest", message);
}
