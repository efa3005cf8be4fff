using AzureCompliance.Core.Devices;

namespace AzureCompliance.Bench;

/// <summary>The many-tenants benchmark's fleet: the same device ids in every tenant (tenants are separate directories), all compliant-capable.</summary>
internal static class ManyTenantsFleet
{
    public static Guid DeviceId(int i) => new(i, 0x7e4a, 0x4d1e, 0x9a, 0x33, 0, 0, 0, 0, 0, 1);
    public static Guid ObjectId(int i) => new(i, 0x7e4a, 0x4c7d, 0x8b, 0x44, 0, 0, 0, 0, 0, 2);

    /// <summary>Records made on the fly, one owner in turn per device.</summary>
    public static IEnumerable<DeviceRecord> Generate(int count, IReadOnlyList<string> ownerIds)
    {
        var checkIn = new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var ios = i % 2 == 0;
            yield return new DeviceRecord
            {
                DeviceId = DeviceId(i).ToString(),
                DeviceName = (ios ? "iPhone-" : "Pixel-") + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                UserId = ownerIds[i % ownerIds.Count],
                PlatformName = ios ? "iOS" : "Android",
                OsVersion = ios ? "17.4.1" : "14",
                ClientVersion = ios ? "12.4.0" : "9.1",
                Jailbroken = false,
                LastCheckIn = checkIn.AddSeconds(i),
                MdmState = "Active",
            };
        }
    }
}
