namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>One device of an MDM's fleet, as its inventory knows it.</summary>
public sealed record FleetDevice(string DeviceId, string DeviceName, string OperatingSystem, string OperatingSystemVersion,
    Guid OwnerId, string OwnerUserPrincipalName, string OwnerDisplayName);

/// <summary>Registers an MDM's fleet in the directory, as device registration and user provisioning would have.</summary>
public sealed partial class TenantState
{
    /// <summary>
    /// Adds the devices (registered, not yet managed, compliance unknown) and their owners that the directory does not
    /// have yet, the owners with a usage location and the Intune standalone licence (its prepaid units grow to cover
    /// them), all as members of a new security group <paramref name="groupName"/>. Returns how many devices were added.
    /// </summary>
    public int RegisterFleet(string groupName, IEnumerable<FleetDevice> fleet)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupName);
        var registered = DateTimeOffset.Parse("2026-01-05T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var intune = new AssignedLicense { SkuId = new Guid(DemoTenant.IntuneSkuId) };
        var owners = new List<Guid>();
        var added = 0;
        foreach (var device in fleet)
        {
            if (FindDeviceByDeviceId(device.DeviceId) is not null)
                continue;
            lock (Sync)
            {
                if (!_users.ContainsKey(device.OwnerId))
                {
                    _users.Add(device.OwnerId, new DirectoryUser
                    {
                        Id = device.OwnerId,
                        UserPrincipalName = device.OwnerUserPrincipalName,
                        DisplayName = device.OwnerDisplayName,
                        Mail = device.OwnerUserPrincipalName,
                        UsageLocation = "US",
                        AccountEnabled = true,
                        UserType = "Member",
                        AssignedLicenses = [intune],
                    });
                    owners.Add(device.OwnerId);
                }
                var objectId = DeriveId("fleet-device:" + device.DeviceId);
                _devices.Add(objectId, new DirectoryDevice
                {
                    Id = objectId,
                    DeviceId = device.DeviceId,
                    DisplayName = device.DeviceName,
                    OperatingSystem = device.OperatingSystem,
                    OperatingSystemVersion = device.OperatingSystemVersion,
                    IsManaged = false,
                    TrustType = "Workplace",
                    RegistrationDateTime = registered,
                    RegisteredOwnerIds = [device.OwnerId],
                });
                added++;
            }
        }

        lock (Sync)
        {
            var groupId = DeriveId("fleet-group:" + groupName);
            _groups.Add(groupId, new DirectoryGroup
            {
                Id = groupId,
                DisplayName = groupName,
                Description = "Device owners of an MDM fleet",
                SecurityEnabled = true,
                CreatedDateTime = registered,
                MemberIds = owners,
            });
            var index = _skus.FindIndex(s => s.SkuId == intune.SkuId);
            if (index >= 0)
            {
                var sku = _skus[index];
                _skus[index] = sku with { PrepaidUnits = sku.PrepaidUnits with { Enabled = sku.PrepaidUnits.Enabled + owners.Count } };
            }
        }
        return added;
    }
}
