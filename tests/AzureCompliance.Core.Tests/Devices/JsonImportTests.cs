using System.Text;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Tests.Devices;

public sealed class JsonImportTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private const string Id1 = "f695c552-ea98-56ca-8705-c280dd91d04a";
    private const string Id2 = "2410d3a3-e621-544d-8879-5c6d3947c430";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ac-json-" + Guid.NewGuid().ToString("N"));

    public JsonImportTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, true);

    private List<DeviceImportItem> ReadFile(string name, string content, DeviceImportOptions? options = null, Encoding? encoding = null)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content, encoding ?? new UTF8Encoding(false));
        options ??= new DeviceImportOptions();
        options.Now ??= Now;
        return DeviceImporter.ReadFile(path, options).ToList();
    }

    [Fact]
    public void An_array_of_objects_with_typed_values()
    {
        var json = $$"""
            [
              {"deviceId": "{{Id1}}", "deviceName": "iPhone-Adele", "platform": "iOS", "osVersion": "17.5.1",
               "clientVersion": "12.11.0", "jailbroken": false, "encrypted": true, "passcodePresent": 1,
               "lastCheckIn": "2026-11-20T08:15:00Z", "mdmState": "Active", "extra": {"nested": [1, 2]} },
              {"DeviceId": "{{Id2}}", "Platform": "Android", "OsVersion": 14, "LastCheckIn": 1795162500000, "MdmState": null}
            ]
            """;
        var items = ReadFile("devices.json", json);
        Assert.Equal(2, items.Count);
        var first = items[0].Record!;
        Assert.Equal(Id1, first.DeviceId);
        Assert.Equal(DevicePlatform.iOS, first.Platform);
        Assert.False(first.Jailbroken);
        Assert.True(first.Encrypted);
        Assert.True(first.PasscodePresent);
        Assert.Equal("devices.json line 2", first.Source);
        var second = items[1].Record!;
        Assert.Equal("14", second.OsVersion);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 15, 0, TimeSpan.Zero), second.LastCheckIn);
        Assert.Null(second.MdmState);
        Assert.Equal("devices.json line 5", second.Source);
    }

    [Fact]
    public void Json_lines_with_a_bad_line_in_the_middle()
    {
        var text = $"{{\"deviceId\":\"{Id1}\",\"platform\":\"iOS\"}}\n\nnot json\n[1]\n{{\"deviceId\":\"{Id2}\",\"platform\":\"Android\"}}\n";
        var items = ReadFile("devices.jsonl", text);
        Assert.Equal(4, items.Count);
        Assert.Equal(Id1, items[0].Record!.DeviceId);
        Assert.Equal(DeviceRowProblem.MalformedRow, items[1].Error!.Problem);
        Assert.Equal(3, items[1].Error!.Line);
        Assert.Equal(DeviceRowProblem.MalformedRow, items[2].Error!.Problem);
        Assert.Equal(Id2, items[3].Record!.DeviceId);
        Assert.Equal("devices.jsonl line 5", items[3].Record!.Source);
    }

    [Fact]
    public void Row_errors_name_the_property_and_line()
    {
        var json = $$"""
            [
              {"deviceId": "nope", "platform": "iOS"},
              {"deviceId": "{{Id1}}", "platform": "Windows"},
              {"deviceId": "{{Id2}}", "platform": "iOS", "osVersion": {"major": 17} },
              {"platform": "iOS"},
              "a string",
              {"deviceId": "{{Id2}}", "platform": "iOS", "lastCheckIn": "2030-01-01T00:00:00Z"},
              {"deviceId": "{{Id2}}", "platform": "iOS"},
              {"deviceId": "{{Id2}}", "platform": "iOS"}
            ]
            """;
        var items = ReadFile("devices.json", json);
        Assert.Equal(8, items.Count);
        Assert.Equal((DeviceRowProblem.InvalidGuid, "deviceId", 2L), (items[0].Error!.Problem, items[0].Error!.Column, items[0].Error!.Line));
        Assert.Equal((DeviceRowProblem.UnknownPlatform, "platform", 3L), (items[1].Error!.Problem, items[1].Error!.Column, items[1].Error!.Line));
        Assert.Equal((DeviceRowProblem.InvalidValue, "osVersion"), (items[2].Error!.Problem, items[2].Error!.Column));
        Assert.Equal(DeviceRowProblem.MissingColumn, items[3].Error!.Problem);
        Assert.Equal(DeviceRowProblem.MalformedRow, items[4].Error!.Problem);
        Assert.Equal(DeviceRowProblem.FutureCheckIn, items[5].Error!.Problem);
        Assert.NotNull(items[6].Record);
        Assert.Equal(DeviceRowProblem.DuplicateDevice, items[7].Error!.Problem);
        Assert.All(items.Where(i => i.Error != null), i => Assert.Equal("InvalidDeviceRow", i.Error!.ErrorId));
    }

    [Fact]
    public void The_first_object_must_have_the_required_properties()
    {
        var ex = Assert.Throws<ComplianceException>(() => ReadFile("devices.json", "[{\"name\": \"x\"}]"));
        Assert.Equal("MissingDeviceColumns", ex.ErrorId);
        Assert.Contains("DeviceId", ex.Message);
    }

    [Fact]
    public void A_truncated_array_stops_with_a_file_error_after_the_good_objects()
    {
        var path = Path.Combine(_folder, "cut.json");
        File.WriteAllText(path, $"[{{\"deviceId\":\"{Id1}\",\"platform\":\"iOS\"}}, {{\"deviceId\":\"{Id2}\",");
        var seen = new List<DeviceImportItem>();
        var ex = Assert.Throws<ComplianceException>(() =>
        {
            foreach (var item in DeviceImporter.ReadFile(path, new DeviceImportOptions { Now = Now })) seen.Add(item);
        });
        Assert.Equal("InvalidDeviceFile", ex.ErrorId);
        Assert.Equal(Id1, Assert.Single(seen).Record!.DeviceId);
    }

    [Fact]
    public void Not_json_at_all_is_a_file_error()
    {
        Assert.Equal("InvalidDeviceFile", Assert.Throws<ComplianceException>(() => ReadFile("devices.json", "42")).ErrorId);
        Assert.Empty(ReadFile("empty.json", "[]"));
        Assert.Empty(ReadFile("blank.json", "  \n "));
    }

    [Fact]
    public void A_3_MB_value_is_a_field_error_and_a_BOM()
    {
        var big = new string('y', 3 * 1024 * 1024); // under the element limit (DeviceInputLimits), over the field limit
        var json = $"[{{\"deviceId\":\"{Id1}\",\"platform\":\"iOS\",\"deviceName\":\"{big}\"}},\n{{\"deviceId\":\"{Id2}\",\"platform\":\"iOS\"}}]";
        var items = ReadFile("big.json", json, encoding: new UTF8Encoding(true));
        Assert.Equal(2, items.Count);
        Assert.Equal(DeviceRowProblem.FieldTooLong, items[0].Error!.Problem);
        Assert.Equal("deviceName", items[0].Error!.Column);
        Assert.Equal(Id2, items[1].Record!.DeviceId);
        Assert.Equal("big.json line 2", items[1].Record!.Source);
    }

    [Fact]
    public void Utf16_json_is_transcoded()
    {
        var items = ReadFile("u16.json", $"[{{\"deviceId\":\"{Id1}\",\"platform\":\"macOS\",\"deviceName\":\"MacBook-Lee ✓\"}}]", encoding: new UnicodeEncoding(false, true));
        Assert.Equal("MacBook-Lee ✓", Assert.Single(items).Record!.DeviceName);
    }

    [Fact]
    public void Many_objects_across_buffer_boundaries_keep_their_lines()
    {
        var text = new StringBuilder("[\n");
        for (var i = 0; i < 20_000; i++)
        {
            text.Append(i == 0 ? "" : ",\n").Append($"{{\"deviceId\":\"{new Guid(i + 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)}\",\n \"platform\":\"Android\",\"deviceName\":\"d{i}\"}}");
        }
        text.Append("\n]\n");
        var items = ReadFile("many.json", text.ToString());
        Assert.Equal(20_000, items.Count);
        Assert.All(items, i => Assert.NotNull(i.Record));
        Assert.Equal("many.json line 2", items[0].Record!.Source);
        Assert.Equal($"many.json line {2 + 2 * 19_999}", items[^1].Record!.Source);
    }

    [Fact]
    public void Generic_aliases_and_vendor_columns_in_json()
    {
        var items = ReadFile("alias.json", $"[{{\"AzureDeviceId\":\"{Id1}\",\"os\":\"iOS\",\"Passcode\":\"yes\"}}]");
        var record = Assert.Single(items).Record!;
        Assert.Equal(Id1, record.DeviceId);
        Assert.True(record.PasscodePresent);
        items = ReadFile("maas.json", $"[{{\"Azure AD Device ID\":\"{Id1}\",\"Platform\":\"iOS\",\"Last Reported\":\"11/20/2026 08:15\"}}]",
            new DeviceImportOptions { Format = DeviceInventoryFormat.MaaS360 });
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 15, 0, TimeSpan.Zero), Assert.Single(items).Record!.LastCheckIn);
    }
}
