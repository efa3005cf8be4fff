using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Tests.Devices;

public sealed class DevicePlatformTests
{
    [Theory]
    [InlineData("iOS", DevicePlatform.iOS)]
    [InlineData("ios", DevicePlatform.iOS)]
    [InlineData("iOS 17.5", DevicePlatform.iOS)]
    [InlineData("iPadOS", DevicePlatform.iOS)]
    [InlineData("iPhone", DevicePlatform.iOS)]
    [InlineData("iPad", DevicePlatform.iOS)]
    [InlineData("Apple iOS", DevicePlatform.iOS)]
    [InlineData("Android", DevicePlatform.Android)]
    [InlineData("Android Enterprise", DevicePlatform.Android)]
    [InlineData("android 14.0", DevicePlatform.Android)]
    [InlineData("macOS", DevicePlatform.macOS)]
    [InlineData("Mac OS X", DevicePlatform.macOS)]
    [InlineData("OS X", DevicePlatform.macOS)]
    [InlineData("Mac", DevicePlatform.macOS)]
    [InlineData("Windows", DevicePlatform.Unknown)]
    [InlineData("iOSX-ish", DevicePlatform.Unknown)]
    [InlineData("Macadamia", DevicePlatform.Unknown)]
    [InlineData("Androidish", DevicePlatform.Unknown)]
    [InlineData("", DevicePlatform.Unknown)]
    [InlineData(null, DevicePlatform.Unknown)]
    public void Platform_names_as_MDMs_export_them(string? name, DevicePlatform expected) =>
        Assert.Equal(expected, DevicePlatforms.Parse(name));

    [Fact]
    public void Setting_the_platform_name_sets_a_recognised_platform()
    {
        var record = new DeviceRecord { PlatformName = "iPadOS" };
        Assert.Equal(DevicePlatform.iOS, record.Platform);
        record.Platform = DevicePlatform.Android;
        record.PlatformName = "something else";
        Assert.Equal(DevicePlatform.Android, record.Platform);
        Assert.Equal("something else", record.PlatformName);
    }

    [Theory]
    [InlineData("Retired", true)]
    [InlineData("RETIRED", true)]
    [InlineData("Wiped", true)]
    [InlineData("Selective Wipe Done", true)]
    [InlineData("Pending Retire", true)]
    [InlineData("Control Removed", true)]
    [InlineData("Deleted", true)]
    [InlineData("Unenrolled", true)]
    [InlineData("Deactivated", true)]
    [InlineData("Active", false)]
    [InlineData("Enrolled", false)]
    [InlineData("Verified", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Retired_states(string? state, bool retired)
    {
        Assert.Equal(retired, MdmStates.IsRetired(state));
        Assert.Equal(retired, new DeviceRecord { MdmState = state }.IsRetired);
    }
}
