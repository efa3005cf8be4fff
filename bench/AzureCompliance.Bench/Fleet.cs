using AzureCompliance.Core.Devices;

namespace AzureCompliance.Bench;

/// <summary>
/// A generated fleet: device i has a fixed Entra device id, owner, platform and versions (about one in four not
/// compliant). A "generation" changes the OS version of every <c>changeEvery</c>-th device, so a second run can change 1 %.
/// Records are made on the fly: a million of them are never held at once.
/// </summary>
internal static class Fleet
{
    public static Guid DeviceId(int i) => new(i, 0x5eed, 0x4b1e, 0x9a, 0x11, 0, 0, 0, 0, 0, 1);
    public static Guid ObjectId(int i) => new(i, 0x0b1e, 0x4c7d, 0x8b, 0x22, 0, 0, 0, 0, 0, 2);

    public static IEnumerable<DeviceRecord> Generate(int count, IReadOnlyList<string> ownerIds, int generation = 0, int changeEvery = 100)
    {
        var checkIn = new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            yield return Make(i, ownerIds, checkIn, generation > 0 && i % changeEvery == 0 ? generation : 0);
        }
    }

    public static DeviceRecord Make(int i, IReadOnlyList<string> ownerIds, DateTimeOffset checkIn, int generation = 0)
    {
        var hash = (uint)(i * 2654435761u);
        var ios = (hash & 1) == 0;
        var old = (hash >> 3) % 4 == 0;
        var os = ios ? (old ? "11.4" : "17." + (hash >> 8) % 6 + ".1") : (old ? "7.1.2" : (12 + (hash >> 8) % 3).ToString());
        if (generation > 0)
        {
            os = ios ? "18." + generation : (15 + generation % 3) + "." + generation;
        }
        return new DeviceRecord
        {
            DeviceId = DeviceId(i).ToString(),
            DeviceName = (ios ? "iPhone-" : "Pixel-") + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            UserId = ownerIds[i % ownerIds.Count],
            PlatformName = ios ? "iOS" : "Android",
            OsVersion = os,
            ClientVersion = ios ? "12.4.0" : "9.1",
            Jailbroken = (hash >> 12) % 50 == 0,
            LastCheckIn = checkIn.AddSeconds(i % 86_400),
            MdmState = "Active",
        };
    }
}
