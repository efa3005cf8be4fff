using System.Collections;
using System.Management.Automation;
using System.Text;
using AzureCompliance.Module.Tests.Infrastructure;

namespace AzureCompliance.Module.Tests;

/// <summary>Import-ComplianceDevice through the real engine: the sample exports, malformed inventories, JSON, paths, and the pipeline into Test-DeviceCompliance.</summary>
public sealed class DeviceImportTests : IDisposable
{
    private const string Header = "DeviceId,DeviceName,UserPrincipalName,Platform,OsVersion,ClientVersion,Jailbroken,LastCheckIn,MdmState";
    private readonly PowerShellSession _session = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ac-import-tests-" + Guid.NewGuid().ToString("N"));

    public DeviceImportTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        _session.Dispose();
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }

    private static string Sample(string name) => Path.Combine(RepositoryPaths.Root, "samples", "inventory", name);

    private string Write(string name, string content, Encoding? encoding = null)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content, encoding ?? new UTF8Encoding(false));
        return path;
    }

    private ScriptResult Run(string script, Dictionary<string, object?>? variables = null) => _session.Run(script, variables ?? new());

    private static string Text(PSObject item, string property) => item.Properties[property].Value?.ToString() ?? "";

    [Fact]
    public void Imports_the_MobileIron_Core_sample_export()
    {
        var result = Run("Import-ComplianceDevice -Path $Path -Format MobileIronCore", new() { ["Path"] = Sample("mobileiron-core-export.csv") });
        result.AssertNoErrors();
        Assert.Equal(300, result.Output.Count);
        Assert.All(result.Output, o => Assert.Equal("AzureCompliance.Core.Devices.DeviceRecord", o.BaseObject.GetType().FullName));
        var adele = result.Output.Single(o => Text(o, "DeviceName") == "iPhone-Adele");
        Assert.Equal("f695c552-ea98-56ca-8705-c280dd91d04a", Text(adele, "DeviceId"));
        Assert.Equal("iOS", Text(adele, "Platform"));
        Assert.Equal("adele.vance@contoso.onmicrosoft.com", Text(adele, "UserPrincipalName"));
        Assert.Contains(result.Output, o => (bool)o.Properties["IsRetired"].Value);
    }

    [Fact]
    public void Imports_the_MaaS360_sample_export_with_its_BOM()
    {
        var result = Run("Import-ComplianceDevice $Path -Format MaaS360 | Out-Host; @(Import-ComplianceDevice $Path -Format MaaS360).Count", new() { ["Path"] = Sample("maas360-export.csv") });
        result.AssertNoErrors();
        Assert.Equal(120, (int)result.Output.Single().BaseObject);
        foreach (var header in new[] { "DeviceName", "Platform", "OS", "UserPrincipalName", "LastCheckIn", "MdmState" })
        {
            Assert.Contains(header, result.HostText);
        }
    }

    [Fact]
    public void Bad_rows_are_per_row_errors_and_the_good_rows_stream_on()
    {
        var path = Write("devices.csv",
            Header + "\n" +
            "f695c552-ea98-56ca-8705-c280dd91d04a,iPhone-Adele,adele@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active\n" +
            "not-a-guid,Bad GUID,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active\n" +
            ",Empty id,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active\n" +
            "2410d3a3-e621-544d-8879-5c6d3947c430,Windows box,x@contoso.com,Windows,10.0,1.0,No,2026-11-20T08:15:00Z,Active\n" +
            "6ac404bf-915b-532e-bdc8-06805f48dff3,Odd version,x@contoso.com,Android,fourteen,8.0,No,2026-11-20T08:15:00Z,Active\n" +
            "be103ab5-616f-5eb0-bc38-abd5f9e5ad65,Future,x@contoso.com,Android,14,8.0,No,2099-01-01T00:00:00Z,Active\n" +
            "F695C552-EA98-56CA-8705-C280DD91D04A,Duplicate,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active\n" +
            "b6939153-eb62-57b2-a6fe-5af82c119640,\"Megan, \"\"work\"\"\nphone\",megan@contoso.com,iOS,16.7.8,12.0,No,2026-11-19T08:00:00Z,Active\n" +
            "5425c2c9-b0db-50f9-a082-554131aa935e,Short row\n" +
            "1d67e732-ba7c-51b4-9ccf-0dbba41be764,MacBook-Lee,lee@contoso.com,macOS,14.5,,No,2026-11-18T10:00:00Z,Active\n");
        var result = Run("Import-ComplianceDevice -Path $Path", new() { ["Path"] = path });

        Assert.Null(result.Terminating);
        Assert.Equal(new[] { "iPhone-Adele", "Megan, \"work\"\nphone", "MacBook-Lee" }, result.Output.Select(o => Text(o, "DeviceName")));
        var errors = result.Errors.ToList();
        Assert.Equal(7, errors.Count);
        Assert.All(errors, e =>
        {
            Assert.StartsWith("InvalidDeviceRow,AzureCompliance.Cmdlets.Devices.ImportComplianceDeviceCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
            Assert.Contains("devices.csv line ", e.Exception.Message);
            Assert.Equal("AzureCompliance.Core.Devices.DeviceImportRow", e.TargetObject?.GetType().FullName);
        });
        Assert.Equal(new[] { 3L, 4L, 5L, 6L, 7L, 8L, 11L }, errors.Select(e => (long)PSObject.AsPSObject(e.TargetObject).Properties["Line"].Value));
        Assert.Contains("column 'DeviceId'", errors[0].Exception.Message);
        Assert.Contains("column 'Platform'", errors[2].Exception.Message);
        Assert.Contains("column 'OsVersion'", errors[3].Exception.Message);
        Assert.Contains("in the future", errors[4].Exception.Message);
        Assert.Contains("already on line 2", errors[5].Exception.Message);
        Assert.Contains("missing", errors[6].Exception.Message);
        Assert.Equal("Bad GUID", ((IDictionary)PSObject.AsPSObject(errors[0].TargetObject).Properties["Values"].Value)["DeviceName"]);
    }

    [Fact]
    public void A_header_without_the_required_columns_is_one_terminating_error_listing_them()
    {
        var path = Write("bad-header.csv", "Name,Kind,Version\nx,iOS,17\n");
        var result = Run("Import-ComplianceDevice -Path $Path", new() { ["Path"] = path });
        var error = result.SingleError();
        Assert.StartsWith("MissingDeviceColumns,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("DeviceId", error.Exception.Message);
        Assert.Contains("Platform", error.Exception.Message);
        Assert.Empty(result.Output);
        // Terminating: try/catch sees it without -ErrorAction Stop.
        var caught = Run("try { Import-ComplianceDevice -Path $Path } catch { 'caught ' + $_.FullyQualifiedErrorId }", new() { ["Path"] = path });
        Assert.StartsWith("caught MissingDeviceColumns,", Assert.Single(caught.Output).ToString());
    }

    [Fact]
    public void ColumnMap_names_the_columns_and_an_unknown_key_stops_the_command()
    {
        var path = Write("custom.csv", "AAD Device,Kind,Seen,Notes\nf695c552-ea98-56ca-8705-c280dd91d04a,iPadOS,2026-11-20,\"a, b\"\n");
        var result = Run("Import-ComplianceDevice -Path $Path -ColumnMap @{ DeviceId = 'AAD Device'; Platform = 'Kind'; LastCheckIn = 'Seen' }", new() { ["Path"] = path });
        result.AssertNoErrors();
        var record = Assert.Single(result.Output);
        Assert.Equal("iOS", Text(record, "Platform"));
        Assert.Equal("iPadOS", Text(record, "PlatformName"));

        var bad = Run("try { Import-ComplianceDevice -Path $Path -ColumnMap @{ Colour = 'Kind' } } catch { 'caught ' + $_.FullyQualifiedErrorId }", new() { ["Path"] = path });
        Assert.StartsWith("caught InvalidColumnMap,", Assert.Single(bad.Output).ToString());
    }

    [Fact]
    public void Json_arrays_and_json_lines_with_an_encoding()
    {
        var array = Write("devices.json", "[{\"deviceId\":\"f695c552-ea98-56ca-8705-c280dd91d04a\",\"platform\":\"iOS\",\"deviceName\":\"Jürgen\"},\n {\"deviceId\":\"bad\",\"platform\":\"iOS\"}]",
            new UnicodeEncoding(false, true));
        var lines = Write("devices.jsonl", "{\"DeviceId\":\"6ac404bf-915b-532e-bdc8-06805f48dff3\",\"Platform\":\"Android\",\"Jailbroken\":false}\n{oops\n");
        var result = Run("Import-ComplianceDevice -Path $Array, $Lines", new() { ["Array"] = array, ["Lines"] = lines });
        Assert.Equal(new[] { "Jürgen", "" }, result.Output.Select(o => Text(o, "DeviceName")));
        Assert.Equal(2, result.Errors.Count);
        Assert.Contains("devices.json line 2", result.Errors[0].Exception.Message);
        Assert.Contains("devices.jsonl line 2", result.Errors[1].Exception.Message);

        var latin = Path.Combine(_folder, "latin1.csv");
        File.WriteAllBytes(latin, Encoding.Latin1.GetBytes("DeviceId,Platform,DeviceName\nf695c552-ea98-56ca-8705-c280dd91d04a,iOS,Jürgen\n"));
        var encoded = Run("Import-ComplianceDevice -Path $Path -Encoding latin1", new() { ["Path"] = latin });
        encoded.AssertNoErrors();
        Assert.Equal("Jürgen", Text(Assert.Single(encoded.Output), "DeviceName"));
    }

    [Fact]
    public void Wildcards_literal_paths_and_a_missing_file()
    {
        Write("a.csv", "DeviceId,Platform\nf695c552-ea98-56ca-8705-c280dd91d04a,iOS\n");
        Write("b.csv", "DeviceId,Platform\n6ac404bf-915b-532e-bdc8-06805f48dff3,Android\n");
        var wildcard = Run("Import-ComplianceDevice -Path ([IO.Path]::Combine($Folder, '*.csv'))", new() { ["Folder"] = _folder });
        wildcard.AssertNoErrors();
        Assert.Equal(2, wildcard.Output.Count);

        var literal = Run("[pscustomobject]@{ PSPath = [IO.Path]::Combine($Folder, 'a.csv') } | Import-ComplianceDevice", new() { ["Folder"] = _folder });
        literal.AssertNoErrors();
        Assert.Single(literal.Output);

        var missing = Run("Import-ComplianceDevice -Path ([IO.Path]::Combine($Folder, 'nope.csv')), ([IO.Path]::Combine($Folder, 'b.csv'))", new() { ["Folder"] = _folder });
        var error = Assert.Single(missing.Errors);
        Assert.StartsWith("DeviceFileNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Single(missing.Output); // the next file is still read
    }

    [Fact]
    public void A_10_MB_field_is_a_row_error()
    {
        var path = Path.Combine(_folder, "huge.csv");
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(true)))
        {
            writer.Write("DeviceId,Platform,DeviceName\n");
            writer.Write("f695c552-ea98-56ca-8705-c280dd91d04a,iOS,\"" + new string('x', 10 * 1024 * 1024) + "\"\n");
            writer.Write("6ac404bf-915b-532e-bdc8-06805f48dff3,Android,Pixel\n");
        }
        var result = Run("Import-ComplianceDevice -Path $Path", new() { ["Path"] = path });
        var error = Assert.Single(result.Errors);
        Assert.Contains("column 'DeviceName'", error.Exception.Message);
        Assert.Contains("limit", error.Exception.Message);
        Assert.Equal("Pixel", Text(Assert.Single(result.Output), "DeviceName"));
    }

    [Fact]
    public void Import_pipes_into_Test_DeviceCompliance_with_reasons()
    {
        var result = Run(
            "$policies = @{ Name = 'iOS'; Platform = 'iOS'; MinimumOsVersion = '12.0'; MinimumClientVersion = '12.0'; BlockJailbroken = $true }, " +
            "            @{ Name = 'Android'; Platform = 'Android'; MinimumOsVersion = '8.0'; MinimumClientVersion = '8.0'; BlockJailbroken = $true }, " +
            "            @{ Name = 'macOS'; Platform = 'macOS'; MinimumOsVersion = '13.0'; BlockJailbroken = $true }; " +
            "Import-ComplianceDevice -Path $Path -Format MobileIronCore | Test-DeviceCompliance -Policy $policies -NonCompliantOnly",
            new() { ["Path"] = Sample("mobileiron-core-export.csv") });
        result.AssertNoErrors();
        Assert.InRange(result.Output.Count, 45, 75); // about a fifth of 300
        var zrinka = result.Output.Single(o => Text(o, "DeviceName") == "iPhone-Zrinka");
        var reason = PSObject.AsPSObject(((IEnumerable)zrinka.Properties["Reasons"].Value).Cast<object>().Single());
        Assert.Equal("Jailbroken", reason.Properties["Rule"].Value);
        Assert.Contains(result.Output, o => Text(o, "DeviceName") == "Pixel-Miriam");
    }
}
