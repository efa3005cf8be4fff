namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>Device state that only Intune (here: the partner data sync) may change.</summary>
public sealed partial class TenantState
{
    private readonly Dictionary<string, DateTimeOffset> _complianceUpdatedAt = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The device whose registration id (Graph deviceId, what an MDM knows) is <paramref name="deviceId"/>, or null.</summary>
    public DirectoryDevice? FindDeviceByDeviceId(string deviceId)
    {
        // Indexed: a fleet-sized sync looks devices up once per uploaded device.
        var objectId = DeviceObjectIdFor(deviceId);
        if (objectId is null)
            return null;
        lock (Sync) return _devices.GetValueOrDefault(objectId.Value);
    }

    /// <summary>
    /// Sets isCompliant / isManaged of the device with this deviceId (null = leave as is; <paramref name="clearCompliance"/>
    /// removes isCompliant, as when the partner stops managing the device), as Intune does when a compliance partner's
    /// data is processed. An update older than the last one applied for the device is ignored (a later LastUpdateTime
    /// wins). False when no device has this deviceId or the update was stale.
    /// </summary>
    public bool SetDeviceCompliance(string deviceId, bool? isCompliant, bool? isManaged, DateTimeOffset when, bool clearCompliance = false)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        var objectId = DeviceObjectIdFor(deviceId);
        lock (Sync)
        {
            if (objectId is null || !_devices.TryGetValue(objectId.Value, out var device))
                return false;
            if (_complianceUpdatedAt.TryGetValue(device.DeviceId, out var last) && when < last)
                return false;
            _complianceUpdatedAt[device.DeviceId] = when;
            _devices[device.Id] = device with
            {
                IsCompliant = clearCompliance ? null : isCompliant ?? device.IsCompliant,
                IsManaged = isManaged ?? device.IsManaged,
            };
            return true;
        }
    }

    /// <summary>When compliance was last set through <see cref="SetDeviceCompliance"/> for this deviceId, if ever.</summary>
    public DateTimeOffset? GetDeviceComplianceUpdateTime(string deviceId)
    {
        lock (Sync) return _complianceUpdatedAt.TryGetValue(deviceId, out var when) ? when : null;
    }
}
