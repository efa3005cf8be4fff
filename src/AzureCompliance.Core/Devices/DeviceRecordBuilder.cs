using System;
using System.Collections.Generic;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Core.Devices
{
    /// <summary>
    /// Makes device records from raw values (strings, as an export holds them), checking each one.
    /// Strict (inventory files): an empty or bad id, an unknown platform, an unreadable version, a future check-in or a
    /// value over the size limit is an error. Lenient (pipeline objects): only values that cannot be read at all (a bad
    /// GUID, a yes/no or date that is neither) are errors; the rest reaches the evaluation, which gives reasons.
    /// </summary>
    public static class DeviceRecordFactory
    {
        /// <summary>Makes a record from pipeline values (lenient). Throws <see cref="DeviceRowException"/> (InvalidDeviceInput).</summary>
        public static DeviceRecord FromValues(IReadOnlyDictionary<DeviceField, string?> values, DateTimeOffset now, string? source = null)
        {
            var raw = new string?[DeviceColumns.FieldCount];
            foreach (var pair in values)
            {
                raw[(int)pair.Key] = pair.Value;
            }
            var context = new RowContext(DeviceRowException.InputErrorId, null, 0, source, strict: false, allowUnregistered: true,
                maxFieldLength: int.MaxValue, now, f => f.ToString(), () => Describe(values, source));
            return Build(raw, null, ref context, null);
        }

        private static object Describe(IReadOnlyDictionary<DeviceField, string?> values, string? source)
        {
            var id = values.TryGetValue(DeviceField.DeviceId, out var d) ? d : null;
            var name = values.TryGetValue(DeviceField.DeviceName, out var n) ? n : null;
            return id ?? name ?? source ?? "(device)";
        }

        internal struct RowContext
        {
            public RowContext(string errorId, string? path, long line, string? source, bool strict, bool allowUnregistered, int maxFieldLength,
                DateTimeOffset now, Func<DeviceField, string> columnName, Func<object> target)
            {
                ErrorId = errorId;
                Path = path;
                Line = line;
                Source = source;
                Strict = strict;
                AllowUnregistered = allowUnregistered;
                MaxFieldLength = maxFieldLength;
                Now = now;
                ColumnName = columnName;
                Target = target;
            }

            public string ErrorId;
            public string? Path;
            public long Line;
            public string? Source;
            public bool Strict;
            public bool AllowUnregistered;
            public int MaxFieldLength;
            public DateTimeOffset Now;
            public Func<DeviceField, string> ColumnName;
            public Func<object> Target;
        }

        /// <summary>
        /// Builds one record. <paramref name="lengths"/>: the full length of each value when it was cut at the size limit
        /// (null: not cut). <paramref name="seen"/>: device ids of earlier good rows, and their lines, for duplicates.
        /// </summary>
        internal static DeviceRecord Build(string?[] raw, long[]? lengths, ref RowContext context, Dictionary<string, long>? seen)
        {
            if (lengths != null)
            {
                for (var f = 0; f < raw.Length; f++)
                {
                    if (lengths[f] > context.MaxFieldLength)
                    {
                        throw Error(ref context, DeviceRowProblem.FieldTooLong, (DeviceField)f,
                            $"the value is {lengths[f]:N0} characters long; the limit is {context.MaxFieldLength:N0}.");
                    }
                }
            }

            var record = new DeviceRecord { Source = context.Source };

            var deviceId = Trimmed(raw[(int)DeviceField.DeviceId]);
            if (deviceId == null)
            {
                if (context.Strict && !context.AllowUnregistered)
                {
                    throw Error(ref context, DeviceRowProblem.EmptyDeviceId, DeviceField.DeviceId,
                        "the Entra device id is empty: the device is not registered in Entra, so it cannot be reported.",
                        "Have the user register the device (Microsoft Authenticator), or import with -IncludeUnregistered to evaluate it anyway.");
                }
            }
            else if (DeviceValues.TryParseGuid(deviceId, out var normalizedId))
            {
                record.DeviceId = normalizedId;
            }
            else
            {
                throw Error(ref context, DeviceRowProblem.InvalidGuid, DeviceField.DeviceId,
                    $"'{Short(deviceId)}' is not an Entra device id (a GUID).");
            }

            record.DeviceName = Trimmed(raw[(int)DeviceField.DeviceName]);
            record.UserPrincipalName = Trimmed(raw[(int)DeviceField.UserPrincipalName]);

            var userId = Trimmed(raw[(int)DeviceField.UserId]);
            if (userId != null)
            {
                if (!DeviceValues.TryParseGuid(userId, out var normalizedUser))
                {
                    throw Error(ref context, DeviceRowProblem.InvalidGuid, DeviceField.UserId, $"'{Short(userId)}' is not an Entra user object id (a GUID).");
                }
                record.UserId = normalizedUser;
            }

            var platformName = Trimmed(raw[(int)DeviceField.Platform]);
            record.PlatformName = platformName;
            if (context.Strict && record.Platform == DevicePlatform.Unknown)
            {
                throw Error(ref context, DeviceRowProblem.UnknownPlatform, DeviceField.Platform,
                    platformName == null ? "the platform is empty." : $"the platform '{Short(platformName)}' is not Android, iOS or macOS.");
            }

            record.OsVersion = Trimmed(raw[(int)DeviceField.OsVersion]);
            record.ClientVersion = Trimmed(raw[(int)DeviceField.ClientVersion]);
            if (context.Strict)
            {
                if (record.OsVersion != null && !VersionValue.TryParse(record.OsVersion, out _))
                {
                    throw Error(ref context, DeviceRowProblem.InvalidVersion, DeviceField.OsVersion, $"'{Short(record.OsVersion)}' is not a version.");
                }
                if (record.ClientVersion != null && !VersionValue.TryParse(record.ClientVersion, out _))
                {
                    throw Error(ref context, DeviceRowProblem.InvalidVersion, DeviceField.ClientVersion, $"'{Short(record.ClientVersion)}' is not a version.");
                }
            }

            record.Jailbroken = Flag(raw, DeviceField.Jailbroken, ref context);
            record.Encrypted = Flag(raw, DeviceField.Encrypted, ref context);
            record.PasscodePresent = Flag(raw, DeviceField.PasscodePresent, ref context);

            var checkIn = raw[(int)DeviceField.LastCheckIn];
            if (!DeviceValues.TryParseDate(checkIn, out var lastCheckIn))
            {
                throw Error(ref context, DeviceRowProblem.InvalidDate, DeviceField.LastCheckIn,
                    $"'{Short(checkIn)}' is not a date and time (use ISO 8601, e.g. 2026-11-20T08:15:00Z).");
            }
            if (context.Strict && lastCheckIn.HasValue && lastCheckIn.Value - context.Now > PolicyEvaluator.ClockSkewTolerance)
            {
                throw Error(ref context, DeviceRowProblem.FutureCheckIn, DeviceField.LastCheckIn,
                    $"the last check-in {lastCheckIn.Value.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z is in the future.");
            }
            record.LastCheckIn = lastCheckIn;

            record.MdmState = Trimmed(raw[(int)DeviceField.MdmState]);

            if (seen != null && record.DeviceId != null)
            {
                if (seen.TryGetValue(record.DeviceId, out var firstLine))
                {
                    throw Error(ref context, DeviceRowProblem.DuplicateDevice, DeviceField.DeviceId,
                        $"the device {record.DeviceId} is already on line {firstLine}; only the first row is kept.");
                }
                seen.Add(record.DeviceId, context.Line);
            }
            return record;
        }

        private static bool? Flag(string?[] raw, DeviceField field, ref RowContext context)
        {
            var text = raw[(int)field];
            if (!DeviceValues.TryParseBoolean(text, out var value))
            {
                throw Error(ref context, DeviceRowProblem.InvalidValue, field, $"'{Short(text)}' is not a yes/no value.");
            }
            return value;
        }

        internal static DeviceRowException Error(ref RowContext context, DeviceRowProblem problem, DeviceField? field, string why, string? action = null)
        {
            var column = field.HasValue ? context.ColumnName(field.Value) : null;
            var where = context.Path != null
                ? $"{System.IO.Path.GetFileName(context.Path)} line {context.Line}" + (column != null ? $", column '{column}'" : "")
                : (context.Source ?? "Device input") + (column != null ? $" ({column})" : "");
            return new DeviceRowException(context.ErrorId, problem, where + ": " + why, context.Path, context.Line, column, field,
                context.Target(), action ?? (context.Path != null ? "Fix the row in the export; the other rows are imported." : "Fix the input object; the other devices are evaluated."));
        }

        private static string? Trimmed(string? text)
        {
            if (text == null) return null;
            var t = text.Trim();
            return t.Length == 0 ? null : t;
        }

        internal static string Short(string? text)
        {
            if (text == null) return "";
            return text.Length <= 80 ? text : text.Substring(0, 77) + "...";
        }
    }
}
