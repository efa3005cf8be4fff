using System.Text.Json;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>The content of data upload messages, entity by entity, as PROTOCOL.md 3.4 gives it.</summary>
public sealed class ComplianceMessagesTests
{
    private const string Tenant = "6f1c2a8e-0b4d-4d6a-9a51-3c2e8f7b9d10";
    private const string Owner = "0b6f9a2c-1111-4e2e-9d3d-5a5a5a5a5a5a";

    private static PackedDevice Device(bool compliant = true, bool retired = false, string os = "17.1.2", DateTimeOffset? checkIn = null) =>
        new("A1B2C3D4-0000-4000-8000-000000000001", "Ana's iPhone", "ana@contoso.com", Owner, DevicePlatform.iOS, os,
            checkIn ?? new DateTimeOffset(2026, 11, 20, 8, 30, 15, 250, TimeSpan.Zero), compliant, retired, "iOS baseline", null)
        {
            LastUpdateMs = new DateTimeOffset(2026, 11, 22, 16, 42, 7, 123, TimeSpan.Zero).ToUnixTimeMilliseconds(),
        };

    [Fact]
    public void A_device_is_an_inventory_entity_and_a_compliance_entity_exactly_as_the_protocol_gives_them()
    {
        var content = ComplianceMessages.BuildContent(Tenant, new[] { Device(compliant: false) });
        Assert.Equal(
            "[{\"EntityType\":1,\"TenantId\":\"" + Tenant + "\",\"DeviceManagementState\":\"managed\"," +
            "\"DeviceId\":\"A1B2C3D4-0000-4000-8000-000000000001\",\"DeviceName\":\"Ana's iPhone\",\"UserId\":\"" + Owner + "\"," +
            "\"LastCheckInTime\":\"2026-11-20T08:30:15.250Z\",\"LastUpdateTime\":\"2026-11-22T16:42:07.123Z\",\"Os\":\"iOS\",\"OsVersion\":\"17.1.2\"," +
            "\"EasIds\":[],\"State\":0}," +
            "{\"EntityType\":4,\"TenantId\":\"" + Tenant + "\",\"DeviceId\":\"A1B2C3D4-0000-4000-8000-000000000001\",\"UserId\":\"" + Owner + "\"," +
            "\"LastUpdateTime\":\"2026-11-22T16:42:07.123Z\",\"complianceStatus\":\"notCompliant\"}]",
            content);
    }

    [Fact]
    public void A_retired_device_says_notManaged_and_notCompliant_so_it_can_never_stay_compliant()
    {
        var content = ComplianceMessages.BuildContent(Tenant, new[] { Device(compliant: true, retired: true) });
        var entities = JsonDocument.Parse(content).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, entities.Count);
        Assert.Equal(1, entities[0].GetProperty("EntityType").GetInt32());
        Assert.Equal("notManaged", entities[0].GetProperty("DeviceManagementState").GetString());
        Assert.Equal(4, entities[1].GetProperty("EntityType").GetInt32());
        Assert.Equal("notCompliant", entities[1].GetProperty("complianceStatus").GetString());
    }

    [Theory]
    [InlineData(null, DevicePlatform.iOS, "17.1", "DeviceName")]
    [InlineData(" ", DevicePlatform.iOS, "17.1", "DeviceName")]
    [InlineData("Ana's iPhone", DevicePlatform.Unknown, "17.1", "Os")]
    [InlineData("Ana's iPhone", DevicePlatform.iOS, "", "OsVersion")]
    public void A_device_without_name_platform_or_version_is_held_back(string? name, DevicePlatform platform, string version, string missing)
    {
        Assert.Contains(missing, ComplianceMessages.MissingInventory(name, platform, version));
        Assert.Null(ComplianceMessages.MissingInventory("Ana's iPhone", DevicePlatform.iOS, "17.1"));
    }

    [Fact]
    public void Many_devices_make_one_array_and_names_are_not_mangled()
    {
        var second = new PackedDevice("A1B2C3D4-0000-4000-8000-000000000002", "Zoë \"work\" <Mac>", null, Owner, DevicePlatform.Android, "14", null, true, false, null, null)
        {
            LastUpdateMs = 1_700_000_000_000,
        };
        var content = ComplianceMessages.BuildContent(Tenant, new[] { Device(), second });
        var entities = JsonDocument.Parse(content).RootElement.EnumerateArray().ToList();
        Assert.Equal(4, entities.Count);
        Assert.Equal("compliant", entities[1].GetProperty("complianceStatus").GetString());
        Assert.Equal("Zoë \"work\" <Mac>", entities[2].GetProperty("DeviceName").GetString());
        Assert.Contains("Zoë", content);
        Assert.Equal("Android", entities[2].GetProperty("Os").GetString());
        Assert.Equal("14", entities[2].GetProperty("OsVersion").GetString());
        // No check-in reported: the upload time stands in (the field is required).
        Assert.Equal(entities[2].GetProperty("LastUpdateTime").GetString(), entities[2].GetProperty("LastCheckInTime").GetString());
    }

    [Fact]
    public void The_delta_hash_ignores_timestamps_and_sees_everything_else()
    {
        var baseline = ComplianceMessages.Hash(Tenant, Device());
        var later = Device(checkIn: DateTimeOffset.UtcNow);
        later.LastUpdateMs += 99_000;
        Assert.Equal(baseline, ComplianceMessages.Hash(Tenant, later));
        Assert.NotEqual(baseline, ComplianceMessages.Hash(Tenant, Device(compliant: false)));
        Assert.NotEqual(baseline, ComplianceMessages.Hash(Tenant, Device(retired: true)));
        Assert.NotEqual(baseline, ComplianceMessages.Hash(Tenant, Device(os: "17.2")));
        Assert.NotEqual(baseline, ComplianceMessages.Hash("11111111-2222-3333-4444-555555555555", Device()));
        Assert.Matches("^[0-9a-f]{16}$", baseline);
    }
}
