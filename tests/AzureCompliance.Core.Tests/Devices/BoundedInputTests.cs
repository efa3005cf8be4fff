using System.Text;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Tests.Devices;

/// <summary>Hostile inventories (issue 9.5): each over-limit row is one RowTooLarge error naming file, line and limit; the rest is read.</summary>
public sealed class BoundedInputTests : IDisposable
{
    private const string Id1 = "f695c552-ea98-56ca-8705-c280dd91d04a";
    private const string Id2 = "2410d3a3-e621-544d-8879-5c6d3947c430";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ac-bounded-" + Guid.NewGuid().ToString("N"));

    public BoundedInputTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, true);

    /// <summary>Writes a file in pieces (the hostile part streamed, never one huge string) and reads it.</summary>
    private List<DeviceImportItem> Read(string name, Action<StreamWriter> write)
    {
        var path = Path.Combine(_folder, name);
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16))
        {
            write(writer);
        }
        return DeviceImporter.ReadFile(path, new DeviceImportOptions { Now = DateTimeOffset.UtcNow }).ToList();
    }

    private static void Repeat(StreamWriter writer, char c, long count)
    {
        var chunk = new string(c, 1 << 16);
        for (var left = count; left > 0; left -= chunk.Length)
        {
            writer.Write(left >= chunk.Length ? chunk : chunk.Substring(0, (int)left));
        }
    }

    private static void AssertTooLarge(DeviceImportItem item, string file, long line, string limit)
    {
        var error = item.Error ?? throw new Xunit.Sdk.XunitException("expected a row error, got a record");
        Assert.Equal(DeviceRowProblem.RowTooLarge, error.Problem);
        Assert.Equal(DeviceRowException.RowErrorId, error.ErrorId);
        Assert.Equal(line, error.Line);
        Assert.Contains($"{file} line {line}", error.Message);
        Assert.Contains(limit, error.Message);
    }

    [Fact]
    public void A_100_MB_json_line_is_one_row_error_and_the_next_line_is_read()
    {
        var items = Read("hostile.jsonl", w =>
        {
            w.Write($"{{\"deviceId\":\"{Id1}\",\"platform\":\"iOS\",\"deviceName\":\"");
            Repeat(w, 'x', 100L * 1024 * 1024);
            w.Write("\"}\n");
            w.Write($"{{\"deviceId\":\"{Id2}\",\"platform\":\"iOS\"}}\n");
        });
        Assert.Equal(2, items.Count);
        AssertTooLarge(items[0], "hostile.jsonl", 1, DeviceInputLimits.MaxJsonLineChars.ToString("N0"));
        Assert.Equal(Id2, items[1].Record!.DeviceId);
        Assert.Equal("hostile.jsonl line 2", items[1].Record!.Source);
    }

    [Fact]
    public void A_huge_json_array_element_is_one_row_error_and_the_next_element_is_read()
    {
        var items = Read("hostile.json", w =>
        {
            w.Write($"[{{\"deviceId\":\"{Id1}\",\"platform\":\"iOS\"}},\n");
            // Nested objects, strings with escaped quotes and brackets, and line breaks: all skipped, lines still counted.
            w.Write("{\"padding\":[");
            for (var i = 0; i < 200_000; i++)
            {
                w.Write("{\"a\":\"q\\\"}]{[\",\"b\":[1,2,3]},\n");
            }
            w.Write("{}]},\n");
            w.Write($"{{\"deviceId\":\"{Id2}\",\"platform\":\"Android\"}}]");
        });
        Assert.Equal(3, items.Count);
        Assert.Equal(Id1, items[0].Record!.DeviceId);
        AssertTooLarge(items[1], "hostile.json", 2, DeviceInputLimits.MaxJsonElementBytes.ToString("N0"));
        Assert.Equal(Id2, items[2].Record!.DeviceId);
        Assert.Equal($"hostile.json line {2 + 200_000 + 1}", items[2].Record!.Source);
    }

    [Fact]
    public void A_huge_json_string_element_is_skipped_too()
    {
        var items = Read("string.json", w =>
        {
            w.Write("[\"");
            Repeat(w, 'z', 20L * 1024 * 1024);
            w.Write($"\", {{\"deviceId\":\"{Id2}\",\"platform\":\"iOS\"}}]");
        });
        Assert.Equal(2, items.Count);
        AssertTooLarge(items[0], "string.json", 1, DeviceInputLimits.MaxJsonElementBytes.ToString("N0"));
        Assert.Equal(Id2, items[1].Record!.DeviceId);
    }

    [Fact]
    public void A_csv_row_with_100k_fields_is_one_row_error_and_the_next_row_is_read()
    {
        var items = Read("hostile.csv", w =>
        {
            w.Write("DeviceId,Platform\n");
            w.Write($"{Id1},iOS");
            for (var i = 0; i < 100_000; i++) w.Write(",x");
            w.Write("\n");
            w.Write($"{Id2},Android\n");
        });
        Assert.Equal(2, items.Count);
        AssertTooLarge(items[0], "hostile.csv", 2, DeviceInputLimits.MaxCsvFields.ToString("N0"));
        Assert.Contains("100,002 fields", items[0].Error!.Message);
        Assert.Equal(Id2, items[1].Record!.DeviceId);
    }

    [Fact]
    public void A_csv_header_with_100k_fields_ends_the_import()
    {
        var ex = Assert.Throws<ComplianceException>(() => Read("header.csv", w =>
        {
            w.Write("DeviceId,Platform");
            for (var i = 0; i < 100_000; i++) w.Write(",c" + i);
            w.Write($"\n{Id1},iOS\n");
        }));
        Assert.Equal("InvalidDeviceFile", ex.ErrorId);
        Assert.Contains(DeviceInputLimits.MaxCsvFields.ToString("N0"), ex.Message);
    }

    [Fact]
    public void Lines_and_rows_at_the_limit_are_read()
    {
        var items = Read("edge.jsonl", w =>
        {
            var head = $"{{\"deviceId\":\"{Id1}\",\"platform\":\"iOS\",\"x\":\"";
            w.Write(head);
            Repeat(w, 'x', DeviceInputLimits.MaxJsonLineChars - head.Length - 2);
            w.Write("\"}\r\n");
        });
        Assert.Equal(Id1, Assert.Single(items).Record!.DeviceId);
    }
}
