using System.Text.Json;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// Devices: list ($filter deviceId eq / in, id, displayName, operatingSystem ...), get, update. isCompliant and isManaged
/// are Intune's to set (Graph docs, device update): an app's PATCH of them is refused with 403; the partner data sync
/// sets them through <see cref="TenantState.SetDeviceCompliance"/>.
/// </summary>
internal sealed class DevicesModule : IGraphEndpointModule
{
    private static readonly string[] ReadPermissions = ["Device.Read.All", "Device.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
    private static readonly string[] WritePermissions = ["Device.ReadWrite.All", "Directory.ReadWrite.All"];

    private static readonly string[] Filterable =
        ["id", "deviceId", "displayName", "operatingSystem", "operatingSystemVersion", "accountEnabled", "trustType", "isCompliant", "isManaged", "registrationDateTime", "approximateLastSignInDateTime"];

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet("/devices", (GraphRequest request) =>
            {
                var tenant = request.Tenant;
                return GraphPaging.Page(request, tenant.Devices, "devices", new GraphPaging.Options<DirectoryDevice>
                {
                    TypeName = "microsoft.graph.device",
                    FilterableProperties = Filterable,
                    Narrow = (property, value) => property.ToLowerInvariant() switch
                    {
                        "deviceid" => tenant.FindDeviceByDeviceId(value) is { } d ? [d] : [],
                        "id" => Guid.TryParse(value, out var id) && tenant.FindDevice(id) is { } d ? [d] : [],
                        _ => null,
                    },
                });
            })
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet("/devices/{id}", (GraphRequest request, string id) => request.Entity(FindDevice(request, id), "devices"))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet("/devices(deviceId='{deviceId}')", (GraphRequest request, string deviceId) =>
                request.Tenant.FindDeviceByDeviceId(deviceId) is { } device
                    ? request.Entity(device, "devices")
                    : GraphErrors.NotFound(deviceId))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapPatch("/devices/{id}", async (GraphRequest request, string id) =>
            {
                var device = FindDevice(request, id);
                var body = await request.ReadBodyAsync();
                if (body.ContainsKey("isCompliant") || body.ContainsKey("isManaged"))
                {
                    // Only Intune (or an approved MDM app, for Windows) may write these; an ordinary app is denied.
                    throw new GraphException(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
                }
                foreach (var (name, value) in body)
                {
                    if (name.StartsWith('@'))
                        continue;
                    var ok = name switch
                    {
                        "accountEnabled" => value?.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
                        "displayName" or "operatingSystem" or "operatingSystemVersion" => value?.GetValueKind() == JsonValueKind.String,
                        _ => throw new GraphException(400, "Request_BadRequest", $"Property '{name}' cannot be updated on a device."),
                    };
                    if (!ok)
                        throw new GraphException(400, "Request_BadRequest", $"Invalid value specified for property '{name}' of resource 'Device'.");
                }
                request.Tenant.UpdateDevice(device.Id, d => d with
                {
                    AccountEnabled = body["accountEnabled"]?.GetValue<bool>() ?? d.AccountEnabled,
                    DisplayName = body["displayName"]?.GetValue<string>() ?? d.DisplayName,
                    OperatingSystem = body["operatingSystem"]?.GetValue<string>() ?? d.OperatingSystem,
                    OperatingSystemVersion = body["operatingSystemVersion"]?.GetValue<string>() ?? d.OperatingSystemVersion,
                });
                return request.NoContent();
            })
            .RequireGraphPermissions(WritePermissions);
    }

    private static DirectoryDevice FindDevice(GraphRequest request, string id) =>
        request.Tenant.FindDevice(GraphPaging.ObjectId(id)) ?? throw GraphException.NotFound(id);
}
