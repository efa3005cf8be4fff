using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Tests.Devices;

public sealed class DeviceValuesTests
{
    [Theory]
    [InlineData("yes", true)]
    [InlineData("True", true)]
    [InlineData("1", true)]
    [InlineData("Y", true)]
    [InlineData("Encrypted", true)]
    [InlineData("Compliant", true)]
    [InlineData("Present", true)]
    [InlineData("no", false)]
    [InlineData("FALSE", false)]
    [InlineData("0", false)]
    [InlineData("Not Encrypted", false)]
    [InlineData("not_compliant", false)]
    [InlineData("Non-Compliant", false)]
    [InlineData("Not Present", false)]
    [InlineData("none", false)]
    [InlineData("", null)]
    [InlineData("  ", null)]
    [InlineData("Unknown", null)]
    [InlineData("N/A", null)]
    [InlineData("-", null)]
    [InlineData(null, null)]
    public void Yes_no_values(string? text, bool? expected)
    {
        Assert.True(DeviceValues.TryParseBoolean(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("2")]
    [InlineData("yes please")]
    public void Unreadable_yes_no_values(string text) => Assert.False(DeviceValues.TryParseBoolean(text, out _));

    [Theory]
    [InlineData("2026-11-20T08:15:00Z", "2026-11-20T08:15:00Z")]
    [InlineData("2026-11-20T09:15:00+01:00", "2026-11-20T08:15:00Z")]
    [InlineData("2026-11-20 08:15:00", "2026-11-20T08:15:00Z")]
    [InlineData("2026-11-20 08:15:00 UTC", "2026-11-20T08:15:00Z")]
    [InlineData("11/20/2026 08:15", "2026-11-20T08:15:00Z")]
    [InlineData("11/20/2026 8:15:00 AM", "2026-11-20T08:15:00Z")]
    [InlineData("1795162500", "2026-11-20T08:15:00Z")]
    [InlineData("1795162500000", "2026-11-20T08:15:00Z")]
    public void Dates_as_exports_write_them(string text, string expected)
    {
        Assert.True(DeviceValues.TryParseDate(text, out var value), text);
        Assert.Equal(DateTimeOffset.Parse(expected), value);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("20/11/2026")]
    [InlineData("2026-13-01")]
    public void Unreadable_dates(string text) => Assert.False(DeviceValues.TryParseDate(text, out _));

    [Fact]
    public void Guids_are_normalised()
    {
        Assert.True(DeviceValues.TryParseGuid("{F695C552-EA98-56CA-8705-C280DD91D04A}", out var id));
        Assert.Equal("f695c552-ea98-56ca-8705-c280dd91d04a", id);
        Assert.False(DeviceValues.TryParseGuid("f695c552-ea98", out _));
        Assert.False(DeviceValues.TryParseGuid("00000000-0000-0000-0000-000000000000", out _));
    }
}
