using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>Licences: the tenant's subscribed SKUs (consumed units counted live), user: assignLicense, user licenseDetails.</summary>
internal sealed class LicensingModule : IGraphEndpointModule
{
    private static readonly string[] SkuReadPermissions =
        ["LicenseAssignment.Read.All", "Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "LicenseAssignment.ReadWrite.All"];

    private static readonly string[] AssignPermissions = ["LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];

    private static readonly string[] LicenseDetailsPermissions =
        ["LicenseAssignment.Read.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "LicenseAssignment.ReadWrite.All"];

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet("/subscribedSkus", (GraphRequest request) =>
                request.Collection(request.Tenant.SubscribedSkus, "subscribedSkus", new CollectionOptions
                {
                    IsDirectoryObject = false,
                    FilterableProperties = ["skuId", "skuPartNumber", "capabilityStatus", "appliesTo"],
                }))
            .RequireGraphPermissions(SkuReadPermissions);

        routes.MapGet("/subscribedSkus/{id}", (GraphRequest request, string id) =>
                request.Tenant.SubscribedSkus.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase)) is { } sku
                    ? request.Entity(sku, "subscribedSkus")
                    : GraphErrors.Result(404, "Request_ResourceNotFound", $"Resource '{id}' does not exist or one of its queried reference-property objects are not present."))
            .RequireGraphPermissions(SkuReadPermissions);

        routes.MapPost("/users/{id}/assignLicense", async (GraphRequest request, string id) =>
            {
                var user = UsersModule.FindUser(request, id);
                var body = await request.ReadBodyAsync();
                var missing = new[] { "addLicenses", "removeLicenses" }.Where(p => body[p] is null).ToArray();
                if (missing.Length > 0)
                {
                    throw new GraphException(400, "Request_BadRequest",
                        $"One or more parameters of the function import 'assignLicense' are missing from the request payload. The missing parameters are: {string.Join(", ", missing)}.");
                }
                var add = ReadAddLicenses(body["addLicenses"]);
                var remove = ReadGuids(body["removeLicenses"], "removeLicenses");
                var (updated, failure) = request.Tenant.AssignLicenses(user.Id, add, remove);
                if (failure is not null)
                    throw new GraphException(400, "Request_BadRequest", failure.Message);
                return request.Entity(updated ?? throw GraphException.NotFound(id), "users");
            })
            .RequireGraphPermissions(AssignPermissions);

        routes.MapGet("/users/{id}/licenseDetails", (GraphRequest request, string id) =>
            {
                var user = UsersModule.FindUser(request, id);
                var details = user.AssignedLicenses
                    .Select(l => (License: l, Sku: request.Tenant.FindSubscribedSku(l.SkuId)))
                    .Where(x => x.Sku is not null)
                    .Select(x => new LicenseDetails
                    {
                        Id = LicenseDetailsId(user.Id, x.License.SkuId),
                        SkuId = x.License.SkuId,
                        SkuPartNumber = x.Sku!.SkuPartNumber,
                        ServicePlans = x.Sku.ServicePlans.Select(p => p with
                        {
                            ProvisioningStatus = x.License.DisabledPlans.Contains(p.ServicePlanId) ? "Disabled" : p.ProvisioningStatus,
                        }).ToArray(),
                    })
                    .ToArray();
                return request.Collection(details, $"users('{user.Id}')/licenseDetails", new CollectionOptions
                {
                    IsDirectoryObject = false,
                    FilterableProperties = ["skuId", "skuPartNumber"],
                });
            })
            .RequireGraphPermissions(LicenseDetailsPermissions);
    }

    /// <summary>Graph's licenseDetails ids are base64url of opaque bytes; here: the user and SKU ids.</summary>
    private static string LicenseDetailsId(Guid userId, Guid skuId) =>
        Convert.ToBase64String([.. userId.ToByteArray(), .. skuId.ToByteArray()]).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static List<AssignedLicense> ReadAddLicenses(JsonNode? node)
    {
        if (node is not JsonArray array)
            throw new GraphException(400, "Request_BadRequest", "Invalid value specified for property 'addLicenses'. A collection of assignedLicense objects is expected.");
        var result = new List<AssignedLicense>();
        foreach (var item in array)
        {
            if (item is not JsonObject license || license["skuId"] is not JsonValue sku || !sku.TryGetValue<string>(out var skuText) || !Guid.TryParse(skuText, out var skuId))
                throw new GraphException(400, "Request_BadRequest", "Invalid value specified for property 'skuId' of resource 'AssignedLicense'.");
            result.Add(new AssignedLicense { SkuId = skuId, DisabledPlans = license["disabledPlans"] is null ? [] : ReadGuids(license["disabledPlans"], "disabledPlans") });
        }
        return result;
    }

    private static List<Guid> ReadGuids(JsonNode? node, string property)
    {
        if (node is not JsonArray array)
            throw new GraphException(400, "Request_BadRequest", $"Invalid value specified for property '{property}'. A collection of GUIDs is expected.");
        var result = new List<Guid>();
        foreach (var item in array)
        {
            if (item is not JsonValue value || value.GetValueKind() != JsonValueKind.String || !Guid.TryParse(value.GetValue<string>(), out var guid))
                throw new GraphException(400, "Request_BadRequest", $"Invalid GUID:{item?.ToJsonString()} in '{property}'.");
            result.Add(guid);
        }
        return result;
    }
}

[GraphType("microsoft.graph.licenseDetails")]
internal sealed record LicenseDetails
{
    public string Id { get; init; } = "";
    public IReadOnlyList<ServicePlanInfo> ServicePlans { get; init; } = [];
    public Guid SkuId { get; init; }
    public string SkuPartNumber { get; init; } = "";
}
