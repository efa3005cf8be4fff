using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Policy;
using Xunit.Abstractions;

namespace AzureCompliance.Core.Tests.Devices;

/// <summary>The sample exports in samples/inventory import cleanly with their preset and have a realistic mix of verdicts.</summary>
public sealed class SampleExportTests
{
    private readonly ITestOutputHelper _output;

    public SampleExportTests(ITestOutputHelper output) => _output = output;

    private static string Sample(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "samples", "inventory", name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(name);
    }

    private static readonly PolicyEvaluator Defaults = new(new[]
    {
        CompliancePolicy.CreateDefault("iOS", DevicePlatform.iOS),
        CompliancePolicy.CreateDefault("Android", DevicePlatform.Android),
        CompliancePolicy.CreateDefault("macOS", DevicePlatform.macOS),
    });

    [Theory]
    [InlineData("mobileiron-core-export.csv", DeviceInventoryFormat.MobileIronCore, 300)]
    [InlineData("maas360-export.csv", DeviceInventoryFormat.MaaS360, 120)]
    public void Sample_exports_import_without_errors_and_about_a_fifth_is_not_compliant(string file, DeviceInventoryFormat format, int count)
    {
        var items = DeviceImporter.ReadFile(Sample(file), new DeviceImportOptions { Format = format }).ToList();
        Assert.All(items, i => Assert.True(i.Error == null, i.Error?.Message));
        var records = items.Select(i => i.Record!).ToList();
        Assert.Equal(count, records.Count);
        Assert.All(records, r => Assert.NotEqual(DevicePlatform.Unknown, r.Platform));
        Assert.All(records, r => Assert.NotNull(r.UserPrincipalName));
        Assert.All(records, r => Assert.NotNull(r.LastCheckIn));
        Assert.Contains(records, r => r.IsRetired);

        var now = DateTimeOffset.UtcNow;
        var results = records.Select(r => Defaults.Evaluate(r, now)).ToList();
        var notCompliant = results.Where(r => !r.IsCompliant).ToList();
        var share = (double)notCompliant.Count / results.Count;
        _output.WriteLine($"{file}: {results.Count} devices, {notCompliant.Count} not compliant ({share:P0}), {records.Count(r => r.IsRetired)} retired");
        foreach (var group in notCompliant.SelectMany(r => r.Reasons).GroupBy(r => r.Rule))
        {
            _output.WriteLine($"  {group.Key}: {group.Count()}");
        }
        Assert.InRange(share, 0.12, 0.30);
        Assert.True(notCompliant.SelectMany(r => r.Reasons).Select(r => r.Rule).Distinct().Count() >= 3, "several different reasons");
    }

    [Fact]
    public void The_MobileIron_sample_holds_the_demo_tenants_devices()
    {
        var records = DeviceImporter.ReadFile(Sample("mobileiron-core-export.csv"), new DeviceImportOptions { Format = DeviceInventoryFormat.MobileIronCore })
            .Select(i => i.Record!).ToList();
        var adele = Assert.Single(records, r => r.DeviceId == "f695c552-ea98-56ca-8705-c280dd91d04a");
        Assert.Equal("iPhone-Adele", adele.DeviceName);
        Assert.Equal("4a7cae3f-0ba3-5393-8eda-828397726544", adele.UserId);
        Assert.Equal("adele.vance@contoso.onmicrosoft.com", adele.UserPrincipalName);
        Assert.True(Assert.Single(records, r => r.DeviceName == "Galaxy-Lynne").IsRetired);
    }
}
