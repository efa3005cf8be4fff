using System.Text.Json;
using System.Text.Json.Nodes;
using System.Security.Cryptography.X509Certificates;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Partner;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Admin;

/// <summary>
/// /_emulator/tenant/...: what in-process tests do with <see cref="TenantState"/>. Users, groups and devices are read
/// and added in the model's JSON shape (camelCase), with the links Graph serves elsewhere as extra properties:
/// a group's <c>memberIds</c>, a device's <c>registeredOwnerIds</c>. A POST takes one object or an array.
/// </summary>
internal sealed class AdminTenantApi(TenantState tenant)
{
    public async Task<IResult?> TryHandleAsync(AdminRequest request)
    {
        if (request.Segments.Length < 2 || !string.Equals(request.Segments[0], "tenant", StringComparison.OrdinalIgnoreCase))
            return null;

        if (request.Is("GET", "tenant", "users"))
            return AdminRequest.Json(tenant.Users);
        if (request.Is("POST", "tenant", "users"))
            return Added(await AddAllAsync(request, node => tenant.AddUser(AdminRequest.Deserialize<DirectoryUser>(node))));

        if (request.Is("GET", "tenant", "groups"))
            return AdminRequest.Json(tenant.Groups.Select(Group));
        if (request.Is("POST", "tenant", "groups"))
            return Added(await AddAllAsync(request, node => tenant.AddGroup(AdminRequest.Deserialize<DirectoryGroup>(node) with { MemberIds = Ids(node, "memberIds") })));
        if (request.Is("GET", "tenant", "groups", "*", "transitiveMembers"))
            return AdminRequest.Json(tenant.GetTransitiveMemberIds(Guid.Parse(request.Segments[2])));

        if (request.Is("GET", "tenant", "devices"))
            return AdminRequest.Json(tenant.Devices.Select(Device));
        if (request.Is("GET", "tenant", "devices", "*"))
            return tenant.FindDevice(Guid.Parse(request.Segments[2])) is { } device ? AdminRequest.Json(Device(device)) : NotFound("device", request.Segments[2]);
        if (request.Is("POST", "tenant", "devices"))
            return Added(await AddAllAsync(request, node => tenant.AddDevice(AdminRequest.Deserialize<DirectoryDevice>(node) with { RegisteredOwnerIds = Ids(node, "registeredOwnerIds") })));

        if (request.Is("GET", "tenant", "subscribedSkus"))
            return AdminRequest.Json(tenant.SubscribedSkus);

        if (request.Is("POST", "tenant", "applications", "*", "certificates"))
        {
            var body = await request.ObjectBodyAsync();
            var der = Convert.FromBase64String(body["certificate"]?.GetValue<string>() ?? throw new AdminException(StatusCodes.Status400BadRequest, "certificate (base64 DER) is needed."));
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            if (tenant.FindApplication(request.Segments[2]) is null)
                return NotFound("application", request.Segments[2]);
            tenant.AddCertificateCredential(request.Segments[2], certificate);
            return Results.NoContent();
        }

        if (request.Is("POST", "tenant", "applications", "*", "secrets"))
        {
            // A client secret as the portal adds one, with its end date (in the past for an expired-secret scenario).
            var body = await request.ObjectBodyAsync();
            var secret = body["secret"]?.GetValue<string>() is { Length: > 0 } value ? value : throw new AdminException(StatusCodes.Status400BadRequest, "secret is needed.");
            var end = body["endDateTime"] is { } endNode ? AdminRequest.Deserialize<DateTimeOffset>(endNode) : (DateTimeOffset?)null;
            if (tenant.FindApplication(request.Segments[2]) is null)
                return NotFound("application", request.Segments[2]);
            tenant.AddClientSecret(request.Segments[2], secret, end);
            return Results.NoContent();
        }

        if (request.Is("PUT", "tenant", "partnerTenants", "*"))
        {
            var body = await request.ObjectBodyAsync();
            var provisioned = AdminRequest.Deserialize<PartnerProvisioning>(body["provisioned"] ?? throw new AdminException(StatusCodes.Status400BadRequest, "provisioned (\"provisioned\" or \"deprovisioned\") is needed."));
            return AdminRequest.Json(tenant.SetPartnerTenantState(request.Segments[2], provisioned));
        }
        if (request.Is("GET", "tenant", "partnerTenants"))
            return AdminRequest.Json(tenant.PartnerTenants);
        if (request.Is("GET", "tenant", "partnerMessages"))
            return AdminRequest.Json(new { Total = tenant.PartnerMessages.Count, Pending = tenant.PendingPartnerMessages });
        if (request.Is("GET", "tenant", "partnerDevices"))
            return AdminRequest.Json(tenant.PartnerDevices);
        if (request.Is("GET", "tenant", "partnerDevices", "*"))
            return tenant.FindPartnerDevice(request.Segments[2]) is { } record ? AdminRequest.Json(record) : NotFound("partner device record", request.Segments[2]);
        if (request.Is("DELETE", "tenant", "partnerCompliancePolicies"))
        {
            tenant.ClearPartnerCompliancePolicies();
            return Results.NoContent();
        }
        return null;
    }

    private static async Task<int> AddAllAsync(AdminRequest request, Action<JsonNode> add)
    {
        var body = await request.BodyAsync() ?? throw new AdminException(StatusCodes.Status400BadRequest, "A JSON object or array is needed.");
        var items = body is JsonArray array ? array.Select(n => n ?? throw new AdminException(StatusCodes.Status400BadRequest, "null item.")).ToList() : [body];
        foreach (var item in items)
        {
            if (item["id"] is null)
                throw new AdminException(StatusCodes.Status400BadRequest, "Every object needs its id.");
            try
            {
                add(item);
            }
            catch (ArgumentException)
            {
                throw new AdminException(StatusCodes.Status409Conflict, $"An object with id {item["id"]} exists already.");
            }
        }
        return items.Count;
    }

    private static IReadOnlyList<Guid> Ids(JsonNode node, string name) =>
        node[name] is JsonArray ids ? ids.Select(i => Guid.Parse(i!.GetValue<string>())).ToArray() : [];

    private static IResult Added(int count) => Results.Json(new { added = count }, statusCode: StatusCodes.Status201Created);

    private static IResult NotFound(string what, string id) =>
        Results.Json(new { error = $"No {what} {id}." }, statusCode: StatusCodes.Status404NotFound);

    private static JsonObject Group(DirectoryGroup group) => WithIds(group, "memberIds", group.MemberIds);

    private static JsonObject Device(DirectoryDevice device) => WithIds(device, "registeredOwnerIds", device.RegisteredOwnerIds);

    private static JsonObject WithIds<T>(T item, string name, IReadOnlyList<Guid> ids)
    {
        var json = JsonSerializer.SerializeToNode(item, EmulatorJson.Options)!.AsObject();
        json[name] = new JsonArray(ids.Select(i => (JsonNode)JsonValue.Create(i.ToString())).ToArray());
        return json;
    }
}
