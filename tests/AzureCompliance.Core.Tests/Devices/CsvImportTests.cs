using System.Text;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Tests.Devices;

public sealed class CsvImportTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private const string Header = "DeviceId,DeviceName,UserPrincipalName,UserId,Platform,OsVersion,ClientVersion,Jailbroken,Encrypted,PasscodePresent,LastCheckIn,MdmState";
    private const string Id1 = "f695c552-ea98-56ca-8705-c280dd91d04a";
    private const string Id2 = "2410d3a3-e621-544d-8879-5c6d3947c430";
    private const string Id3 = "6ac404bf-915b-532e-bdc8-06805f48dff3";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ac-csv-" + Guid.NewGuid().ToString("N"));

    public CsvImportTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, true);

    private static List<DeviceImportItem> Read(string csv, DeviceImportOptions? options = null)
    {
        options ??= new DeviceImportOptions();
        options.Now ??= Now;
        return DeviceImporter.ReadCsv(new StringReader(csv), "/exports/devices.csv", options).ToList();
    }

    private static string Row(string id, string name = "iPhone-Adele", string platform = "iOS", string os = "17.5.1", string client = "12.11.0",
        string jailbroken = "No", string encrypted = "Yes", string passcode = "Yes", string checkIn = "2026-11-20T08:15:00Z", string state = "Active",
        string upn = "adele.vance@contoso.onmicrosoft.com", string user = "4a7cae3f-0ba3-5393-8eda-828397726544") =>
        string.Join(",", id, name, upn, user, platform, os, client, jailbroken, encrypted, passcode, checkIn, state);

    [Fact]
    public void Reads_every_value_of_a_generic_row()
    {
        var items = Read(Header + "\n" + Row(Id1.ToUpperInvariant()) + "\n");
        var record = Assert.Single(items).Record!;
        Assert.Equal(Id1, record.DeviceId);
        Assert.Equal("iPhone-Adele", record.DeviceName);
        Assert.Equal("adele.vance@contoso.onmicrosoft.com", record.UserPrincipalName);
        Assert.Equal("4a7cae3f-0ba3-5393-8eda-828397726544", record.UserId);
        Assert.Equal(DevicePlatform.iOS, record.Platform);
        Assert.Equal("iOS", record.PlatformName);
        Assert.Equal("17.5.1", record.OsVersion);
        Assert.Equal("12.11.0", record.ClientVersion);
        Assert.False(record.Jailbroken);
        Assert.True(record.Encrypted);
        Assert.True(record.PasscodePresent);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 15, 0, TimeSpan.Zero), record.LastCheckIn);
        Assert.Equal("Active", record.MdmState);
        Assert.False(record.IsRetired);
        Assert.Equal("devices.csv line 2", record.Source);
    }

    [Fact]
    public void Quoted_fields_hold_commas_quotes_and_line_breaks_and_lines_stay_right()
    {
        var csv = Header + "\r\n" +
                  Row(Id1, name: "\"Adele's \"\"work\"\" phone, 2nd\"") + "\r\n" +
                  Row(Id2, name: "\"two\r\nline\nname\"") + "\r\n" +
                  Row(Id3, name: "Pixel", platform: "Android", os: "14", client: "12.0", state: "\"Retired\"") + "\r\n";
        var items = Read(csv);
        Assert.All(items, i => Assert.Null(i.Error));
        Assert.Equal("Adele's \"work\" phone, 2nd", items[0].Record!.DeviceName);
        Assert.Equal("two\r\nline\nname", items[1].Record!.DeviceName);
        Assert.Equal("devices.csv line 3", items[1].Record!.Source);
        Assert.Equal("devices.csv line 6", items[2].Record!.Source); // the quoted name of line 3 ran over lines 4 and 5
        Assert.True(items[2].Record!.IsRetired);
    }

    [Fact]
    public void Blank_lines_are_skipped_and_a_missing_final_newline_is_fine()
    {
        var items = Read(Header + "\n\n" + Row(Id1) + "\n\n\n" + Row(Id2));
        Assert.Equal(2, items.Count);
        Assert.Equal("devices.csv line 3", items[0].Record!.Source);
        Assert.Equal("devices.csv line 6", items[1].Record!.Source);
    }

    [Fact]
    public void A_missing_required_column_in_the_header_is_one_terminating_error_listing_them()
    {
        var ex = Assert.Throws<ComplianceException>(() => Read("DeviceName,OsVersion\nx,1.0\n"));
        Assert.Equal("MissingDeviceColumns", ex.ErrorId);
        Assert.Equal(ComplianceErrorCategory.InvalidData, ex.Category);
        Assert.Contains("DeviceId", ex.Message);
        Assert.Contains("Platform", ex.Message);
    }

    [Fact]
    public void A_header_of_another_format_suggests_that_format()
    {
        var csv = "DeviceId,Platform,OsVersion\n" + Id1 + ",iOS,17\n";
        var ex = Assert.Throws<ComplianceException>(() => Read(csv, new DeviceImportOptions { Format = DeviceInventoryFormat.MaaS360 }));
        Assert.Contains("Azure AD Device ID", ex.Message);
        Assert.Contains("-Format Generic", ex.Message);
        // Generic knows the usual vendor spellings too.
        var items = Read("Azure Device ID,Device Name,Platform,OS Version\n" + Id1 + ",x,iOS,17\n");
        Assert.Equal(Id1, Assert.Single(items).Record!.DeviceId);
        items = Read("Azure Device ID,Device Name,Platform,OS Version\n" + Id1 + ",x,iOS,17\n", new DeviceImportOptions { Format = DeviceInventoryFormat.MobileIronCore });
        Assert.Equal("x", Assert.Single(items).Record!.DeviceName);
    }

    [Fact]
    public void ColumnMap_overrides_the_preset_and_unknown_keys_are_refused()
    {
        var csv = "AAD Device,Kind,Seen\n" + Id1 + ",Android,2026-11-01\n";
        var items = Read(csv, new DeviceImportOptions { ColumnMap = new Dictionary<string, string?> { ["DeviceId"] = "AAD Device", ["platform"] = "Kind", ["LastCheckIn"] = "Seen" } });
        var record = Assert.Single(items).Record!;
        Assert.Equal(DevicePlatform.Android, record.Platform);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), record.LastCheckIn);

        var ex = Assert.Throws<ComplianceException>(() => Read(csv, new DeviceImportOptions { ColumnMap = new Dictionary<string, string?> { ["Colour"] = "x" } }));
        Assert.Equal("InvalidColumnMap", ex.ErrorId);
    }

    [Fact]
    public void ColumnMap_with_an_empty_column_ignores_that_value()
    {
        var items = Read(Header + "\n" + Row(Id1, jailbroken: "maybe") + "\n",
            new DeviceImportOptions { ColumnMap = new Dictionary<string, string?> { ["Jailbroken"] = null } });
        Assert.Null(Assert.Single(items).Record!.Jailbroken);
    }

    [Theory]
    [InlineData("not-a-guid", "DeviceId", DeviceRowProblem.InvalidGuid)]
    [InlineData("", "DeviceId", DeviceRowProblem.EmptyDeviceId)]
    public void Bad_device_ids_are_row_errors(string id, string column, DeviceRowProblem problem)
    {
        var items = Read(Header + "\n" + Row(id) + "\n" + Row(Id2) + "\n");
        var error = items[0].Error!;
        Assert.Equal("InvalidDeviceRow", error.ErrorId);
        Assert.Equal(ComplianceErrorCategory.InvalidData, error.Category);
        Assert.Equal(problem, error.Problem);
        Assert.Equal(column, error.Column);
        Assert.Equal(2, error.Line);
        Assert.Equal("/exports/devices.csv", error.Path);
        Assert.Contains("devices.csv line 2, column 'DeviceId'", error.Message);
        var target = Assert.IsType<DeviceImportRow>(error.Target);
        Assert.Equal(2, target.Line);
        Assert.Equal("iPhone-Adele", target.Values["DeviceName"]);
        Assert.Equal(Id2, items[1].Record!.DeviceId); // the rest streams on
    }

    [Fact]
    public void IncludeUnregistered_keeps_rows_without_a_device_id()
    {
        var items = Read(Header + "\n" + Row("") + "\n", new DeviceImportOptions { IncludeUnregistered = true });
        var record = Assert.Single(items).Record!;
        Assert.Null(record.DeviceId);
        Assert.Equal("iPhone-Adele", record.DeviceName);
    }

    [Fact]
    public void A_bad_user_id_names_its_column()
    {
        var error = Assert.Single(Read(Header + "\n" + Row(Id1, user: "adele") + "\n")).Error!;
        Assert.Equal(DeviceRowProblem.InvalidGuid, error.Problem);
        Assert.Equal("UserId", error.Column);
        Assert.Equal(DeviceField.UserId, error.Field);
    }

    [Fact]
    public void Duplicate_devices_keep_the_first_row()
    {
        var items = Read(Header + "\n" + Row(Id1) + "\n" + Row(Id2) + "\n" + Row("{" + Id1.ToUpperInvariant() + "}", name: "dup") + "\n");
        Assert.NotNull(items[0].Record);
        Assert.NotNull(items[1].Record);
        var error = items[2].Error!;
        Assert.Equal(DeviceRowProblem.DuplicateDevice, error.Problem);
        Assert.Equal(4, error.Line);
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void A_bad_row_does_not_count_as_the_first_of_a_duplicate()
    {
        var items = Read(Header + "\n" + Row(Id1, platform: "Windows") + "\n" + Row(Id1) + "\n");
        Assert.Equal(DeviceRowProblem.UnknownPlatform, items[0].Error!.Problem);
        Assert.Equal(Id1, items[1].Record!.DeviceId);
    }

    [Theory]
    [InlineData("Windows", null, null, null, DeviceRowProblem.UnknownPlatform, "Platform")]
    [InlineData("", null, null, null, DeviceRowProblem.UnknownPlatform, "Platform")]
    [InlineData("iOS", "seventeen", null, null, DeviceRowProblem.InvalidVersion, "OsVersion")]
    [InlineData("iOS", "17..1", null, null, DeviceRowProblem.InvalidVersion, "OsVersion")]
    [InlineData("iOS", "17.1", "beta", null, DeviceRowProblem.InvalidVersion, "ClientVersion")]
    [InlineData("iOS", "17.1", "12.0", "2026-12-24T00:00:00Z", DeviceRowProblem.FutureCheckIn, "LastCheckIn")]
    [InlineData("iOS", "17.1", "12.0", "someday", DeviceRowProblem.InvalidDate, "LastCheckIn")]
    public void Bad_values_are_row_errors_naming_the_column(string platform, string? os, string? client, string? checkIn, DeviceRowProblem problem, string column)
    {
        var row = Row(Id1, platform: platform, os: os ?? "17.5.1", client: client ?? "12.11.0", checkIn: checkIn ?? "2026-11-20T08:15:00Z");
        var error = Assert.Single(Read(Header + "\n" + row + "\n")).Error!;
        Assert.Equal(problem, error.Problem);
        Assert.Equal(column, error.Column);
    }

    [Fact]
    public void A_check_in_a_little_ahead_is_clock_skew()
    {
        var record = Assert.Single(Read(Header + "\n" + Row(Id1, checkIn: "2026-11-22T12:04:00Z") + "\n")).Record!;
        Assert.NotNull(record.LastCheckIn);
    }

    [Fact]
    public void A_bad_yes_no_value_is_a_row_error()
    {
        var error = Assert.Single(Read(Header + "\n" + Row(Id1, encrypted: "partially") + "\n")).Error!;
        Assert.Equal(DeviceRowProblem.InvalidValue, error.Problem);
        Assert.Equal("Encrypted", error.Column);
    }

    [Fact]
    public void A_short_row_is_missing_a_column()
    {
        var items = Read(Header + "\n" + Id1 + ",name,upn\n" + Row(Id2) + "\n");
        Assert.Equal(DeviceRowProblem.MissingColumn, items[0].Error!.Problem);
        Assert.NotNull(items[1].Record);
    }

    [Fact]
    public void A_row_with_only_the_mapped_columns_is_enough()
    {
        var items = Read("DeviceId,Platform,Notes\n" + Id1 + ",iOS\n");
        Assert.Equal(Id1, Assert.Single(items).Record!.DeviceId);
    }

    [Fact]
    public void An_unterminated_quote_is_a_malformed_row()
    {
        var items = Read(Header + "\n" + Row(Id2) + "\n" + Id1 + ",\"unterminated,iOS\n");
        Assert.NotNull(items[0].Record);
        Assert.Equal(DeviceRowProblem.MalformedRow, items[1].Error!.Problem);
        Assert.Equal(3, items[1].Error!.Line);
    }

    [Fact]
    public void An_empty_file_has_no_header()
    {
        var ex = Assert.Throws<ComplianceException>(() => Read(""));
        Assert.Equal("InvalidDeviceFile", ex.ErrorId);
    }

    [Fact]
    public void Semicolon_delimited_exports()
    {
        var items = Read("DeviceId;Platform;OsVersion\n" + Id1 + ";Android;8.1\n", new DeviceImportOptions { Delimiter = ';' });
        Assert.Equal("8.1", Assert.Single(items).Record!.OsVersion);
    }

    [Theory]
    [InlineData("utf8bom")]
    [InlineData("utf16")]
    [InlineData("utf16be")]
    public void A_byte_order_mark_is_fine(string kind)
    {
        var encoding = kind switch { "utf16" => (Encoding)new UnicodeEncoding(false, true), "utf16be" => new UnicodeEncoding(true, true), _ => new UTF8Encoding(true) };
        var path = Path.Combine(_folder, kind + ".csv");
        File.WriteAllText(path, Header + "\r\n" + Row(Id1) + "\r\n", encoding);
        var items = DeviceImporter.ReadFile(path, new DeviceImportOptions { Now = Now }).ToList();
        Assert.Equal(Id1, Assert.Single(items).Record!.DeviceId);
    }

    [Fact]
    public void Latin1_text_with_an_explicit_encoding()
    {
        var path = Path.Combine(_folder, "latin1.csv");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(Header + "\n" + Row(Id1, name: "Jürgen's iPhone") + "\n"));
        var items = DeviceImporter.ReadFile(path, new DeviceImportOptions { Now = Now, Encoding = DeviceImportOptions.ResolveEncoding("latin1") }).ToList();
        Assert.Equal("Jürgen's iPhone", Assert.Single(items).Record!.DeviceName);
        Assert.Equal("InvalidEncoding", Assert.Throws<ComplianceException>(() => DeviceImportOptions.ResolveEncoding("klingon")).ErrorId);
    }

    [Fact]
    public void A_10_MB_field_is_a_row_error_and_the_rest_streams_on()
    {
        var path = Path.Combine(_folder, "huge.csv");
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false)))
        {
            writer.Write(Header + "\n");
            writer.Write(Row(Id1) + "\n");
            writer.Write(Row(Id2, name: "\"" + new string('x', 10 * 1024 * 1024) + "\"") + "\n");
            writer.Write(Row(Id3, platform: "Android", os: "14") + "\n");
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        var items = DeviceImporter.ReadFile(path, new DeviceImportOptions { Now = Now }).ToList();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(3, items.Count);
        Assert.NotNull(items[0].Record);
        var error = items[1].Error!;
        Assert.Equal(DeviceRowProblem.FieldTooLong, error.Problem);
        Assert.Equal("DeviceName", error.Column);
        Assert.Equal(3, error.Line);
        Assert.True(((DeviceImportRow)error.Target!).Values["DeviceName"]!.Length <= 256);
        Assert.Equal(Id3, items[2].Record!.DeviceId);
        Assert.True(allocated < 8 * 1024 * 1024, $"allocated {allocated:N0} bytes: the big field must not be kept");
    }

    [Fact]
    public void A_large_unmapped_field_is_ignored()
    {
        var items = Read("DeviceId,Platform,Notes\n" + Id1 + ",iOS,\"" + new string('n', 100_000) + "\"\n");
        Assert.NotNull(Assert.Single(items).Record);
    }

    [Fact]
    public void A_missing_file_is_not_found()
    {
        var ex = Assert.Throws<ComplianceException>(() => DeviceImporter.ReadFile(Path.Combine(_folder, "nope.csv"), new DeviceImportOptions()));
        Assert.Equal("DeviceFileNotFound", ex.ErrorId);
        Assert.Equal(ComplianceErrorCategory.ObjectNotFound, ex.Category);
    }

    [Fact]
    public void Streams_without_reading_the_whole_file_first()
    {
        var path = Path.Combine(_folder, "big.csv");
        using (var writer = new StreamWriter(path))
        {
            writer.WriteLine(Header);
            for (var i = 0; i < 200_000; i++)
            {
                writer.WriteLine(Row(new Guid(i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10).ToString(), name: "dev" + i));
            }
        }
        using var enumerator = DeviceImporter.ReadFile(path, new DeviceImportOptions { Now = Now }).GetEnumerator();
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(enumerator.MoveNext());
        var afterFirst = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("dev0", enumerator.Current.Record!.DeviceName);
        Assert.True(afterFirst < 2 * 1024 * 1024, $"the first record cost {afterFirst:N0} bytes");
        var count = 1;
        while (enumerator.MoveNext()) count++;
        Assert.Equal(200_000, count);
    }
}
