using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Devices
{
    /// <summary>How to read an inventory file.</summary>
    public sealed class DeviceImportOptions
    {
        /// <summary>The default field size limit: longer values make their row an error (their text is not kept).</summary>
        public const int DefaultMaxFieldLength = 4096;

        public DeviceInventoryFormat Format { get; set; } = DeviceInventoryFormat.Generic;

        /// <summary>Device value (DeviceField name) → column name; overrides the format's preset. A null or empty column ignores the value.</summary>
        public IDictionary<string, string?>? ColumnMap { get; set; }

        /// <summary>The text encoding; null: UTF-8. A byte order mark (UTF-8, UTF-16, UTF-32) always wins.</summary>
        public Encoding? Encoding { get; set; }

        /// <summary>The CSV field delimiter.</summary>
        public char Delimiter { get; set; } = ',';

        /// <summary>Rows with an empty Entra device id become records (to evaluate them) instead of errors.</summary>
        public bool IncludeUnregistered { get; set; }

        public int MaxFieldLength { get; set; } = DefaultMaxFieldLength;

        /// <summary>"Now" for the future check-in check; null: the time the import starts.</summary>
        public DateTimeOffset? Now { get; set; }

        /// <summary>
        /// An encoding by the names PowerShell uses (utf8, utf8BOM, utf8NoBOM, unicode, bigendianunicode, utf32, ascii,
        /// latin1, default), a web name (utf-16, iso-8859-1) or a code page number. InvalidEncoding if unknown.
        /// </summary>
        public static Encoding ResolveEncoding(string name)
        {
            var key = (name ?? "").Trim().ToLowerInvariant();
            switch (key)
            {
                case "utf8": case "utf-8": case "utf8bom": case "utf8nobom": case "default": return new UTF8Encoding(false);
                case "unicode": case "utf16": case "utf-16": case "utf-16le": return Encoding.Unicode;
                case "bigendianunicode": case "utf-16be": case "utf16be": return Encoding.BigEndianUnicode;
                case "utf32": case "utf-32": return Encoding.UTF32;
                case "ascii": case "us-ascii": return Encoding.ASCII;
                case "latin1": case "iso-8859-1": return Encoding.GetEncoding(28591);
            }
            try
            {
                return int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var codePage)
                    ? Encoding.GetEncoding(codePage)
                    : Encoding.GetEncoding(key);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException)
            {
                throw DeviceImportErrors.InvalidEncoding(name ?? "", ex);
            }
        }
    }

    /// <summary>One item of an import: a device record, or the error of a bad row.</summary>
    public sealed class DeviceImportItem
    {
        private DeviceImportItem(DeviceRecord? record, DeviceRowException? error)
        {
            Record = record;
            Error = error;
        }

        public DeviceRecord? Record { get; }
        public DeviceRowException? Error { get; }

        internal static DeviceImportItem Of(DeviceRecord record) => new DeviceImportItem(record, null);
        internal static DeviceImportItem Of(DeviceRowException error) => new DeviceImportItem(null, error);
    }

    /// <summary>
    /// Streams device records out of MDM inventory exports: CSV (RFC 4180) or JSON (an array of objects, or one object per
    /// line). The file is read as it goes, never whole. A bad row gives an error item naming the file, line and column and
    /// the rest goes on; a header without the required columns (DeviceId, Platform) or an unreadable file stops the import
    /// with a <see cref="ComplianceException"/> (MissingDeviceColumns, InvalidDeviceFile, DeviceFileNotFound, DeviceFileUnreadable).
    /// </summary>
    public static class DeviceImporter
    {
        private const int TargetValueLength = 256;

        public static IEnumerable<DeviceImportItem> ReadFile(string path, DeviceImportOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            var map = new DeviceColumnMap(options.Format, options.ColumnMap); // InvalidColumnMap before the file is opened
            if (!File.Exists(path))
            {
                throw DeviceImportErrors.FileNotFound(path);
            }
            return ReadFileIterator(path, options, map);
        }

        private static IEnumerable<DeviceImportItem> ReadFileIterator(string path, DeviceImportOptions options, DeviceColumnMap map)
        {
            StreamReader reader;
            try
            {
                var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
                reader = new StreamReader(stream, options.Encoding ?? new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw DeviceImportErrors.Unreadable(path, ex);
            }
            using (reader)
            {
                var json = IsJson(path, reader);
                var items = json ? ReadJson(reader, path, options, map) : ReadCsv(reader, path, options, map);
                using var enumerator = items.GetEnumerator();
                while (true)
                {
                    try
                    {
                        if (!enumerator.MoveNext()) break;
                    }
                    catch (Exception ex) when (ex is IOException || ex is DecoderFallbackException)
                    {
                        throw DeviceImportErrors.Unreadable(path, ex);
                    }
                    yield return enumerator.Current;
                }
            }
        }

        public static IEnumerable<DeviceImportItem> ReadCsv(TextReader reader, string path, DeviceImportOptions options) =>
            ReadCsv(reader, path, options, new DeviceColumnMap(options.Format, options.ColumnMap));

        public static IEnumerable<DeviceImportItem> ReadJson(TextReader reader, string path, DeviceImportOptions options) =>
            ReadJson(reader, path, options, new DeviceColumnMap(options.Format, options.ColumnMap));

        private static bool IsJson(string path, StreamReader reader)
        {
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension == ".json" || extension == ".jsonl" || extension == ".ndjson") return true;
            if (extension == ".csv" || extension == ".txt" || extension == ".tsv") return false;
            var first = reader.Peek();
            return first == '[' || first == '{';
        }

        private static IEnumerable<DeviceImportItem> ReadCsv(TextReader text, string path, DeviceImportOptions options, DeviceColumnMap map)
        {
            var now = options.Now ?? DateTimeOffset.UtcNow;
            var csv = new CsvRecordReader(text, options.Delimiter, options.MaxFieldLength + 1);
            var fields = new List<string>();
            var lengths = new List<long>();
            if (!csv.Read(fields, lengths))
            {
                throw DeviceImportErrors.InvalidFile(path, 1, "the file is empty (no header row).");
            }
            if (csv.TooManyFields)
            {
                throw DeviceImportErrors.InvalidFile(path, csv.RecordLine,
                    $"the header row has {csv.FieldCount:N0} fields; the limit is {DeviceInputLimits.MaxCsvFields:N0}.");
            }
            var header = fields.Select((h, i) => (i == 0 ? h.TrimStart('\uFEFF') : h).Trim()).ToList();
            var indexes = map.Resolve(header, out var missing);
            if (missing.Count > 0)
            {
                throw DeviceImportErrors.MissingColumns(path, missing, map, Hint(header, options));
            }

            var seen = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
            var raw = new string?[DeviceColumns.FieldCount];
            var rawLengths = new long[DeviceColumns.FieldCount];
            var fileName = Path.GetFileName(path);
            long line = 0;
            // Built once: the target is made only when a row is bad, from the row just read (fields is reused per row).
            Func<object> target = () => RowTarget(path, line, header, fields);
            Func<DeviceField, string> columnName = f => indexes[(int)f] >= 0 ? header[indexes[(int)f]] : f.ToString();
            while (csv.Read(fields, lengths))
            {
                line = csv.RecordLine;
                var context = new DeviceRecordFactory.RowContext(DeviceRowException.RowErrorId, path, line, fileName + " line " + line.ToString(CultureInfo.InvariantCulture),
                    strict: true, options.IncludeUnregistered, options.MaxFieldLength, now, columnName, target);

                DeviceImportItem item;
                if (csv.Unterminated)
                {
                    item = DeviceImportItem.Of(DeviceRecordFactory.Error(ref context, DeviceRowProblem.MalformedRow, null,
                        "a quoted field is not closed before the end of the file."));
                }
                else if (csv.TooManyFields)
                {
                    item = DeviceImportItem.Of(DeviceRecordFactory.Error(ref context, DeviceRowProblem.RowTooLarge, null,
                        $"the row has {csv.FieldCount:N0} fields; the limit is {DeviceInputLimits.MaxCsvFields:N0}. It was skipped."));
                }
                else
                {
                    item = BuildCsvRow(fields, lengths, indexes, header, raw, rawLengths, ref context, seen);
                }
                yield return item;
            }
        }

        private static DeviceImportItem BuildCsvRow(List<string> fields, List<long> lengths, int[] indexes, List<string> header,
            string?[] raw, long[] rawLengths, ref DeviceRecordFactory.RowContext context, Dictionary<string, long> seen)
        {
            for (var f = 0; f < raw.Length; f++)
            {
                var index = indexes[f];
                if (index < 0)
                {
                    raw[f] = null;
                    rawLengths[f] = 0;
                    continue;
                }
                if (index >= fields.Count)
                {
                    return DeviceImportItem.Of(DeviceRecordFactory.Error(ref context, DeviceRowProblem.MissingColumn, (DeviceField)f,
                        $"the row has {fields.Count} field(s) but the header has {header.Count}: the column is missing."));
                }
                raw[f] = fields[index];
                rawLengths[f] = lengths[index];
            }
            try
            {
                return DeviceImportItem.Of(DeviceRecordFactory.Build(raw, rawLengths, ref context, seen));
            }
            catch (DeviceRowException ex)
            {
                return DeviceImportItem.Of(ex);
            }
        }

        private static IEnumerable<DeviceImportItem> ReadJson(TextReader text, string path, DeviceImportOptions options, DeviceColumnMap map)
        {
            var now = options.Now ?? DateTimeOffset.UtcNow;
            var fileName = Path.GetFileName(path);
            var lookup = new Dictionary<string, (DeviceField Field, int Rank)>(StringComparer.Ordinal);
            foreach (DeviceField field in Enum.GetValues(typeof(DeviceField)))
            {
                var candidates = map.CandidatesFor(field);
                for (var rank = 0; rank < candidates.Count; rank++)
                {
                    var key = DeviceColumns.Normalize(candidates[rank]);
                    if (key.Length > 0 && !lookup.ContainsKey(key)) lookup.Add(key, (field, rank));
                }
            }

            var seen = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
            var first = true;
            var raw = new string?[DeviceColumns.FieldCount];
            var rawLengths = new long[DeviceColumns.FieldCount];
            var columns = new string?[DeviceColumns.FieldCount];
            var ranks = new int[DeviceColumns.FieldCount];
            foreach (var item in JsonObjectReader.Read(text, path))
            {
                using (item)
                {
                    var line = item.Line;
                    var document = item.Document;
                    object Target() => document == null ? new DeviceImportRow(path, line, new Dictionary<string, string?>()) : JsonTarget(path, line, document.RootElement);
                    var context = new DeviceRecordFactory.RowContext(DeviceRowException.RowErrorId, path, line, fileName + " line " + line.ToString(CultureInfo.InvariantCulture),
                        strict: true, options.IncludeUnregistered, options.MaxFieldLength, now, f => columns[(int)f] ?? FirstCandidate(map, f), Target);
                    if (document == null)
                    {
                        first = false;
                        yield return DeviceImportItem.Of(DeviceRecordFactory.Error(ref context,
                            item.TooLarge ? DeviceRowProblem.RowTooLarge : DeviceRowProblem.MalformedRow, null, item.Problem ?? "not an object."));
                        continue;
                    }

                    Array.Clear(raw, 0, raw.Length);
                    Array.Clear(rawLengths, 0, rawLengths.Length);
                    Array.Clear(columns, 0, columns.Length);
                    for (var i = 0; i < ranks.Length; i++) ranks[i] = int.MaxValue;
                    DeviceRowException? error = null;
                    foreach (var property in document.RootElement.EnumerateObject())
                    {
                        if (!lookup.TryGetValue(DeviceColumns.Normalize(property.Name), out var target) || target.Rank >= ranks[(int)target.Field])
                        {
                            continue;
                        }
                        var f = (int)target.Field;
                        ranks[f] = target.Rank;
                        columns[f] = property.Name;
                        var value = property.Value;
                        switch (value.ValueKind)
                        {
                            case JsonValueKind.String:
                                raw[f] = value.GetString();
                                rawLengths[f] = raw[f]!.Length;
                                if (rawLengths[f] > options.MaxFieldLength) raw[f] = "";
                                break;
                            case JsonValueKind.Number:
                                raw[f] = value.GetRawText();
                                rawLengths[f] = raw[f]!.Length;
                                break;
                            case JsonValueKind.True: raw[f] = "true"; rawLengths[f] = 4; break;
                            case JsonValueKind.False: raw[f] = "false"; rawLengths[f] = 5; break;
                            case JsonValueKind.Null: raw[f] = ""; rawLengths[f] = 0; break;
                            default:
                                error ??= DeviceRecordFactory.Error(ref context, DeviceRowProblem.InvalidValue, target.Field,
                                    $"the value is a JSON {value.ValueKind}, not a string, number or true/false.");
                                break;
                        }
                    }

                    var missing = DeviceColumns.Required.Where(f => columns[(int)f] == null &&
                        !(f == DeviceField.DeviceId && options.IncludeUnregistered)).ToList();
                    if (first && missing.Count > 0)
                    {
                        throw DeviceImportErrors.MissingColumns(path, missing, map,
                            "(checked on the first object of the file)");
                    }
                    first = false;
                    if (error == null && missing.Count > 0)
                    {
                        error = DeviceRecordFactory.Error(ref context, DeviceRowProblem.MissingColumn, missing[0], "the object has no such property.");
                    }
                    if (error != null)
                    {
                        yield return DeviceImportItem.Of(error);
                        continue;
                    }
                    DeviceImportItem result;
                    try
                    {
                        result = DeviceImportItem.Of(DeviceRecordFactory.Build(raw, rawLengths, ref context, seen));
                    }
                    catch (DeviceRowException ex)
                    {
                        result = DeviceImportItem.Of(ex);
                    }
                    yield return result;
                }
            }
        }

        private static string FirstCandidate(DeviceColumnMap map, DeviceField field)
        {
            var candidates = map.CandidatesFor(field);
            return candidates.Count > 0 ? candidates[0] : field.ToString();
        }

        /// <summary>When the header lacks required columns, a format whose preset it fits.</summary>
        private static string? Hint(IReadOnlyList<string> header, DeviceImportOptions options)
        {
            if (options.ColumnMap != null && options.ColumnMap.Count > 0)
            {
                return null;
            }
            foreach (DeviceInventoryFormat format in Enum.GetValues(typeof(DeviceInventoryFormat)))
            {
                if (format == options.Format) continue;
                new DeviceColumnMap(format).Resolve(header, out var missing);
                if (missing.Count == 0)
                {
                    return $"The header looks like a {format} export: try -Format {format}.";
                }
            }
            return null;
        }

        private static DeviceImportRow RowTarget(string path, long line, List<string> header, List<string> fields)
        {
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < fields.Count; i++)
            {
                var name = i < header.Count && header[i].Length > 0 ? header[i] : "Column" + (i + 1).ToString(CultureInfo.InvariantCulture);
                if (!values.ContainsKey(name))
                {
                    values.Add(name, Cut(fields[i]));
                }
            }
            return new DeviceImportRow(path, line, values);
        }

        private static DeviceImportRow JsonTarget(string path, long line, JsonElement element)
        {
            var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in element.EnumerateObject())
            {
                if (values.ContainsKey(property.Name)) continue;
                var value = property.Value;
                values.Add(property.Name, value.ValueKind == JsonValueKind.String ? Cut(value.GetString()) : value.ValueKind == JsonValueKind.Null ? null : Cut(value.GetRawText()));
            }
            return new DeviceImportRow(path, line, values);
        }

        private static string? Cut(string? text) =>
            text == null || text.Length <= TargetValueLength ? text : text.Substring(0, TargetValueLength - 1) + "…";
    }
}
