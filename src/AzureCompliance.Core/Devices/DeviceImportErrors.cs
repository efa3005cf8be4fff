using System;
using System.Collections.Generic;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Devices
{
    /// <summary>What is wrong with one inventory row or pipeline device.</summary>
    public enum DeviceRowProblem
    {
        /// <summary>The row lacks a column the header has (too few fields), or a JSON object lacks a required property.</summary>
        MissingColumn,
        /// <summary>The Entra device id is empty: the device is not registered in Entra.</summary>
        EmptyDeviceId,
        /// <summary>A device or user id is not a GUID.</summary>
        InvalidGuid,
        /// <summary>The device id was already on an earlier row of the same file.</summary>
        DuplicateDevice,
        UnknownPlatform,
        InvalidVersion,
        InvalidDate,
        /// <summary>The last check-in is in the future (beyond the clock skew tolerance).</summary>
        FutureCheckIn,
        /// <summary>A value is longer than the field size limit.</summary>
        FieldTooLong,
        /// <summary>A value cannot be read (e.g. a yes/no value that is neither).</summary>
        InvalidValue,
        /// <summary>The row itself is broken: an unterminated quote, a JSON line that is not an object.</summary>
        MalformedRow,
        /// <summary>The row is over a bound of <see cref="DeviceInputLimits"/> (line length, element size, field count); it was skipped.</summary>
        RowTooLarge,
    }

    /// <summary>The target of a row error: the file, the line the row starts on, and its raw values (long ones shortened).</summary>
    public sealed class DeviceImportRow
    {
        public DeviceImportRow(string? path, long line, IReadOnlyDictionary<string, string?> values)
        {
            Path = path;
            Line = line;
            Values = values;
        }

        public string? Path { get; }
        public long Line { get; }
        /// <summary>Column (or JSON property) → raw value; values over 256 characters are cut with "…".</summary>
        public IReadOnlyDictionary<string, string?> Values { get; }

        public override string ToString() => $"{System.IO.Path.GetFileName(Path ?? "(input)")} line {Line}";
    }

    /// <summary>One bad inventory row (ErrorId InvalidDeviceRow) or pipeline device (InvalidDeviceInput); the rest goes on.</summary>
    public sealed class DeviceRowException : ComplianceException
    {
        public const string RowErrorId = "InvalidDeviceRow";
        public const string InputErrorId = "InvalidDeviceInput";

        public DeviceRowException(string errorId, DeviceRowProblem problem, string message, string? path, long line, string? column,
            DeviceField? field, object? target, string? recommendedAction = null)
            : base(errorId, ComplianceErrorCategory.InvalidData, message, target, recommendedAction)
        {
            Problem = problem;
            Path = path;
            Line = line;
            Column = column;
            Field = field;
        }

        public DeviceRowProblem Problem { get; }
        /// <summary>The inventory file; null for pipeline input.</summary>
        public string? Path { get; }
        /// <summary>The line the row starts on (1-based; the header is line 1 of a CSV file); 0 for pipeline input.</summary>
        public long Line { get; }
        /// <summary>The column (CSV header or JSON property) holding the bad value.</summary>
        public string? Column { get; }
        public DeviceField? Field { get; }
    }

    /// <summary>File-level import errors (terminating).</summary>
    public static class DeviceImportErrors
    {
        public static ComplianceException FileNotFound(string path) => new ComplianceException(
            "DeviceFileNotFound", ComplianceErrorCategory.ObjectNotFound, $"The inventory file {path} does not exist.", path);

        public static ComplianceException Unreadable(string path, Exception inner) => new ComplianceException(
            "DeviceFileUnreadable", ComplianceErrorCategory.ResourceUnavailable, $"The inventory file {path} cannot be read: {inner.Message}", path,
            "Check the path and its permissions.", inner);

        public static ComplianceException MissingColumns(string path, IEnumerable<DeviceField> missing, DeviceColumnMap map, string? hint) =>
            new ComplianceException("MissingDeviceColumns", ComplianceErrorCategory.InvalidData,
                $"The inventory {System.IO.Path.GetFileName(path)} has no column for: " + Describe(missing, map) + "." + (hint == null ? "" : " " + hint),
                path, "Choose the matching -Format, or name your columns with -ColumnMap, e.g. -ColumnMap @{ DeviceId = 'AAD Device' }.");

        public static ComplianceException InvalidFile(string path, long line, string why, Exception? inner = null) => new ComplianceException(
            "InvalidDeviceFile", ComplianceErrorCategory.InvalidData,
            $"The inventory {System.IO.Path.GetFileName(path)} cannot be read past line {line}: {why}", path,
            "A CSV file needs a header row; a JSON file an array of objects or one object per line.", inner);

        public static ComplianceException InvalidEncoding(string name, Exception? inner = null) => new ComplianceException(
            "InvalidEncoding", ComplianceErrorCategory.InvalidArgument,
            $"'{name}' is not an encoding this system knows.", name,
            "Use utf8, utf16 (unicode), bigendianunicode, utf32, ascii, latin1, or a code page number.", inner);

        private static string Describe(IEnumerable<DeviceField> missing, DeviceColumnMap map)
        {
            var parts = new List<string>();
            foreach (var field in missing)
            {
                var candidates = map.CandidatesFor(field);
                parts.Add(candidates.Count == 0 ? field.ToString() : $"{field} (looked for: {string.Join(", ", candidates)})");
            }
            return string.Join("; ", parts);
        }
    }
}
