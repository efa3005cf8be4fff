using System.Globalization;
using System.Text.Json;

namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>
/// Reads and validates the Content of a data upload message (PROTOCOL.md 3.4) into one update per device.
/// Property names are exact as the protocol writes them (Fleet's client: <c>DeviceId</c> but <c>complianceStatus</c>);
/// a name in other casing is refused. EntityType is a number; DeviceName, Os and OsVersion are non-empty strings.
/// api-version 1.2: Content is a string holding the JSON array, complianceStatus "compliant"/"notCompliant".
/// api-version 1.0 (the older form): Content may be the array itself, complianceStatus may be a boolean.
/// Any structural error refuses the whole message (400) naming the entity and the field.
/// </summary>
internal static class DataUploadParser
{
    private static readonly string[] KnownNames =
    [
        "EntityType", "TenantId", "DeviceId", "UserId", "LastUpdateTime", "LastCheckInTime", "DeviceManagementState",
        "DeviceName", "Os", "OsVersion", "EasIds", "State", "complianceStatus",
    ];

    public const int InventoryEntity = 1;
    public const int ComplianceEntity = 4;

    public static PartnerDeviceUpdate[] Parse(JsonElement content, string apiVersion, Guid tenantId, int maxDevices)
    {
        var legacy = apiVersion == PartnerApiVersions.DeviceSyncLegacy;
        JsonDocument? owned = null;
        try
        {
            JsonElement entities;
            if (content.ValueKind == JsonValueKind.String)
            {
                try
                {
                    owned = JsonDocument.Parse(content.GetString()!);
                }
                catch (JsonException e)
                {
                    throw PartnerException.BadRequest($"Content is not valid JSON: {e.Message}");
                }
                entities = owned.RootElement;
            }
            else if (content.ValueKind == JsonValueKind.Array && legacy)
            {
                entities = content;
            }
            else
            {
                throw PartnerException.BadRequest(legacy
                    ? "Content must be an array of entities or a string holding one."
                    : $"Content must be a string holding the JSON array of entities (api-version {apiVersion}).");
            }
            if (entities.ValueKind != JsonValueKind.Array)
                throw PartnerException.BadRequest("Content must hold a JSON array of entities.");
            if (entities.GetArrayLength() == 0)
                throw PartnerException.BadRequest("Content holds no entities.");

            var devices = new Dictionary<Guid, PartnerDeviceUpdate>();
            var index = 0;
            foreach (var entity in entities.EnumerateArray())
            {
                var update = ParseEntity(entity, index++, legacy, tenantId);
                devices[update.DeviceId] = devices.TryGetValue(update.DeviceId, out var known) ? Merge(known, update) : update;
            }
            if (devices.Count > maxDevices)
                throw new PartnerException(400, "Request_TooManyDevices",
                    $"The message carries {devices.Count} devices; at most {maxDevices} devices are accepted per message.");
            return [.. devices.Values];
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private static PartnerDeviceUpdate ParseEntity(JsonElement entity, int index, bool legacy, Guid tenantId)
    {
        if (entity.ValueKind != JsonValueKind.Object)
            throw PartnerException.BadRequest($"Content[{index}] is not an object.");

        JsonElement? entityType = null, tenant = null, deviceId = null, userId = null, lastUpdate = null, lastCheckIn = null,
            managementState = null, deviceName = null, os = null, osVersion = null, easIds = null, state = null, compliance = null;
        foreach (var property in entity.EnumerateObject())
        {
            // Names as the protocol writes them (PROTOCOL.md 3.4, Fleet's client): exact, case-sensitive. Anything else
            // would be dropped by the service's deserializer, leaving a required field missing.
            switch (property.Name)
            {
                case "EntityType": entityType = property.Value; break;
                case "TenantId": tenant = property.Value; break;
                case "DeviceId": deviceId = property.Value; break;
                case "UserId": userId = property.Value; break;
                case "LastUpdateTime": lastUpdate = property.Value; break;
                case "LastCheckInTime": lastCheckIn = property.Value; break;
                case "DeviceManagementState": managementState = property.Value; break;
                case "DeviceName": deviceName = property.Value; break;
                case "Os": os = property.Value; break;
                case "OsVersion": osVersion = property.Value; break;
                case "EasIds": easIds = property.Value; break;
                case "State": state = property.Value; break;
                case "complianceStatus": compliance = property.Value; break;
                default:
                    if (KnownNames.FirstOrDefault(n => string.Equals(n, property.Name, StringComparison.OrdinalIgnoreCase)) is { } meant)
                        throw Invalid(index, null, property.Name, $"is not a property of the entity; the name is '{meant}' (names are case-sensitive)");
                    break;
            }
        }

        if (entityType is null)
            throw Missing(index, null, "EntityType");
        var type = entityType is { ValueKind: JsonValueKind.Number } t && t.TryGetInt32(out var n) ? n
            : throw Invalid(index, null, "EntityType", "must be the number 1 (inventory) or 4 (compliance)");
        if (type is not (InventoryEntity or ComplianceEntity))
            throw Invalid(index, null, "EntityType", $"{type} is not supported; must be 1 (inventory) or 4 (compliance)");

        var entityTenant = RequireGuid(tenant, index, type, "TenantId");
        if (entityTenant != tenantId)
            throw Invalid(index, type, "TenantId", $"'{entityTenant}' differs from the message's TenantId '{tenantId}'");
        var device = RequireGuid(deviceId, index, type, "DeviceId");
        var user = RequireGuid(userId, index, type, "UserId");
        var updated = RequireDate(lastUpdate, index, type, "LastUpdateTime");

        if (type == InventoryEntity)
        {
            var managed = managementState switch
            {
                null => throw Missing(index, type, "DeviceManagementState"),
                { ValueKind: JsonValueKind.String } m when string.Equals(m.GetString(), "managed", StringComparison.OrdinalIgnoreCase) => true,
                { ValueKind: JsonValueKind.String } m when string.Equals(m.GetString(), "notManaged", StringComparison.OrdinalIgnoreCase) => false,
                _ => throw Invalid(index, type, "DeviceManagementState", "must be \"managed\" or \"notManaged\""),
            };
            RequireDate(lastCheckIn, index, type, "LastCheckInTime");
            RequireString(deviceName, index, type, "DeviceName");
            RequireString(os, index, type, "Os");
            RequireString(osVersion, index, type, "OsVersion");
            if (easIds is null)
                throw Missing(index, type, "EasIds", " (it may be an empty array)");
            if (easIds.Value.ValueKind != JsonValueKind.Array || easIds.Value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                throw Invalid(index, type, "EasIds", "must be an array of strings (it may be empty)");
            if (state is { } st && st.ValueKind != JsonValueKind.Null && !(st.ValueKind == JsonValueKind.Number && st.TryGetInt32(out _)))
                throw Invalid(index, type, "State", "must be a number");
            if (compliance is { } c && legacy && c.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null or JsonValueKind.String))
                throw Invalid(index, type, "complianceStatus", "must be a boolean");
            return new PartnerDeviceUpdate(device, updated, HasInventory: true, IsManagedState: managed, HasCompliance: false, IsCompliant: false)
            {
                UserId = user,
                Os = os!.Value.GetString(),
            };
        }

        var compliant = compliance switch
        {
            null => throw Missing(index, type, "complianceStatus"),
            { ValueKind: JsonValueKind.String } v when string.Equals(v.GetString(), "compliant", StringComparison.OrdinalIgnoreCase) => true,
            { ValueKind: JsonValueKind.String } v when string.Equals(v.GetString(), "notCompliant", StringComparison.OrdinalIgnoreCase) => false,
            { ValueKind: JsonValueKind.True } when legacy => true,
            { ValueKind: JsonValueKind.False } when legacy => false,
            _ => throw Invalid(index, type, "complianceStatus", legacy ? "must be a boolean, \"compliant\" or \"notCompliant\"" : "must be \"compliant\" or \"notCompliant\""),
        };
        return new PartnerDeviceUpdate(device, updated, HasInventory: false, IsManagedState: false, HasCompliance: true, IsCompliant: compliant) { UserId = user };
    }

    /// <summary>Two entities of one device in one message: each half keeps its latest entity (the later one on a tie).</summary>
    private static PartnerDeviceUpdate Merge(PartnerDeviceUpdate known, PartnerDeviceUpdate next)
    {
        var merged = known with
        {
            LastUpdateTime = next.LastUpdateTime > known.LastUpdateTime ? next.LastUpdateTime : known.LastUpdateTime,
            Os = known.Os ?? next.Os,
        };
        if (next.HasInventory && (!known.HasInventory || next.LastUpdateTime >= known.LastUpdateTime))
            merged = merged with { HasInventory = true, IsManagedState = next.IsManagedState };
        if (next.HasCompliance && (!known.HasCompliance || next.LastUpdateTime >= known.LastUpdateTime))
            merged = merged with { HasCompliance = true, IsCompliant = next.IsCompliant };
        return merged;
    }

    private static Guid RequireGuid(JsonElement? value, int index, int type, string name) =>
        value is null ? throw Missing(index, type, name)
        : value.Value.ValueKind == JsonValueKind.String && Guid.TryParse(value.Value.GetString(), out var guid) && guid != Guid.Empty ? guid
        : throw Invalid(index, type, name, $"{value.Value.GetRawText()} is not a GUID");

    private static DateTimeOffset RequireDate(JsonElement? value, int index, int type, string name) =>
        value is null ? throw Missing(index, type, name)
        : value.Value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.Value.GetString(), CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date) ? date
        : throw Invalid(index, type, name, $"{value.Value.GetRawText()} is not an ISO 8601 date and time");

    private static void RequireString(JsonElement? value, int index, int type, string name)
    {
        if (value is null)
            throw Missing(index, type, name);
        if (value.Value.ValueKind is not JsonValueKind.String || string.IsNullOrWhiteSpace(value.Value.GetString()))
            throw Invalid(index, type, name, "must be a non-empty string");
    }

    internal static PartnerException Missing(int index, int? type, string name, string hint = "") =>
        PartnerException.BadRequest($"Content[{index}]{Kind(type)}: the required property '{name}' is missing{hint}.");

    internal static PartnerException Invalid(int index, int? type, string name, string why) =>
        PartnerException.BadRequest($"Content[{index}]{Kind(type)}: '{name}' {why}.");

    private static string Kind(int? type) => type switch
    {
        InventoryEntity => " (EntityType 1, inventory)",
        ComplianceEntity => " (EntityType 4, compliance)",
        _ => "",
    };
}
