using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Tests.Devices;

public sealed class VersionStringTests
{
    [Theory]
    [InlineData("17.1.2", "17.1.2")]
    [InlineData("14", "14.0")]
    [InlineData("14.0", "14.0")]
    [InlineData("8.1.0 (build 123)", "8.1.0")]
    [InlineData("v12", "12.0")]
    [InlineData("V12.3", "12.3")]
    [InlineData("12.0.1-beta", "12.0.1")]
    [InlineData("17.0b2", "17.0")]
    [InlineData("iOS 17.5", "17.5")]
    [InlineData("Android 14 (API 34)", "14.0")]
    [InlineData("Mobile@Work 12.11.0", "12.11.0")]
    [InlineData("  16.7.8  ", "16.7.8")]
    [InlineData("10.0.22631.3737", "10.0.22631.3737")]
    [InlineData("08.01", "8.1")]
    [InlineData("17.5.1+20F75", "17.5.1")]
    public void Readable_versions(string text, string expected)
    {
        Assert.True(VersionString.TryParse(text, out var version), text);
        Assert.Equal(Version.Parse(expected), version);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("v")]
    [InlineData("12..1")]
    [InlineData("12.")]
    [InlineData(".5")]
    [InlineData("1.2.3.4.5")]
    [InlineData("-1")]
    [InlineData("9999999999")]
    [InlineData("#12")]
    [InlineData("a-very-long-prefix-that-goes-on-and-on 12")]
    public void Unreadable_versions(string? text)
    {
        Assert.False(VersionString.TryParse(text, out _), text);
        Assert.Null(VersionString.Normalize(text));
    }

    [Theory]
    [InlineData("14", "14.0", 0)]
    [InlineData("14", "14.0.0", 0)]
    [InlineData("14.0.0.0", "14", 0)]
    [InlineData("17.1.2", "17.1.10", -1)]
    [InlineData("17.10", "17.9.9", 1)]
    [InlineData("8.1.0 (build 123)", "8.1", 0)]
    [InlineData("12.0.1-beta", "12.0.1", 0)]
    [InlineData("11.4", "12.0", -1)]
    [InlineData("v12", "11.99.99", 1)]
    [InlineData("garbage", "1.0", -1)]
    [InlineData("1.0", "garbage", 1)]
    [InlineData(null, null, 0)]
    [InlineData(null, "0.1", -1)]
    public void Compare_treats_missing_parts_as_zero_and_unreadable_as_lowest(string? left, string? right, int expected)
    {
        Assert.Equal(expected, Math.Sign(VersionString.Compare(left, right)));
        Assert.Equal(-expected, Math.Sign(VersionString.Compare(right, left)));
    }

    [Fact]
    public void Compare_of_versions_ignores_missing_parts_unlike_System_Version()
    {
        Assert.True(new Version(14, 0) < new Version(14, 0, 0)); // what System.Version does
        Assert.Equal(0, VersionString.Compare(new Version(14, 0), new Version(14, 0, 0)));
        Assert.True(VersionString.Compare(new Version(12, 0), new Version(12, 0, 1)) < 0);
        Assert.True(VersionString.Compare(null, new Version(1, 0)) < 0);
    }

    [Fact]
    public void Normalize_gives_the_canonical_text()
    {
        Assert.Equal("12.0", VersionString.Normalize("v12"));
        Assert.Equal("8.1.0", VersionString.Normalize("8.1.0 (build 123)"));
    }
}
