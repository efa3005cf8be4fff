using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Devices
{
    /// <summary>The values of a device record an inventory file provides, by the DeviceRecord property each one sets.</summary>
    public enum DeviceField
    {
        DeviceId,
        DeviceName,
        UserPrincipalName,
        UserId,
        Platform,
        OsVersion,
        ClientVersion,
        Jailbroken,
        Encrypted,
        PasscodePresent,
        LastCheckIn,
        MdmState,
    }

    /// <summary>The export layouts Import-ComplianceDevice knows.</summary>
    public enum DeviceInventoryFormat
    {
        /// <summary>Columns named like the DeviceRecord properties (DeviceId, Platform, OsVersion, ...) or their usual aliases.</summary>
        Generic,
        /// <summary>A device list exported from the MobileIron (Ivanti) Core admin portal (Devices &amp; Users > Devices > Export to CSV).</summary>
        MobileIronCore,
        /// <summary>A device inventory exported from the IBM MaaS360 portal (Devices > Inventory > Export).</summary>
        MaaS360,
    }

    /// <summary>
    /// Which column (or JSON property) holds which device value, per format. Headers match ignoring case, spaces and
    /// punctuation ("Last Check-In" = "lastcheckin"); for each value the first candidate present in the header wins.
    /// These presets are the export columns this module assumes (the vendors do not publish their export layouts);
    /// -ColumnMap overrides any of them.
    /// </summary>
    public static class DeviceColumns
    {
        public const int FieldCount = 12;

        /// <summary>The values an inventory must have a column for.</summary>
        public static IReadOnlyList<DeviceField> Required { get; } = new[] { DeviceField.DeviceId, DeviceField.Platform };

        private static readonly IReadOnlyDictionary<DeviceField, string[]> GenericColumns = new Dictionary<DeviceField, string[]>
        {
            [DeviceField.DeviceId] = new[] { "DeviceId", "EntraDeviceId", "AzureDeviceId", "AzureADDeviceId", "AadDeviceId" },
            [DeviceField.DeviceName] = new[] { "DeviceName", "DisplayName" },
            [DeviceField.UserPrincipalName] = new[] { "UserPrincipalName", "Upn" },
            [DeviceField.UserId] = new[] { "UserId", "EntraUserId", "AzureUserId", "OwnerId" },
            [DeviceField.Platform] = new[] { "Platform", "PlatformName", "OperatingSystem", "Os" },
            [DeviceField.OsVersion] = new[] { "OsVersion", "OperatingSystemVersion" },
            [DeviceField.ClientVersion] = new[] { "ClientVersion", "AgentVersion" },
            [DeviceField.Jailbroken] = new[] { "Jailbroken", "Rooted", "JailbrokenOrRooted", "Compromised" },
            [DeviceField.Encrypted] = new[] { "Encrypted", "Encryption" },
            [DeviceField.PasscodePresent] = new[] { "PasscodePresent", "Passcode" },
            [DeviceField.LastCheckIn] = new[] { "LastCheckIn", "LastCheckInTime", "LastSyncDateTime" },
            [DeviceField.MdmState] = new[] { "MdmState", "State", "Status" },
        };

        private static readonly IReadOnlyDictionary<DeviceField, string[]> MobileIronCoreColumns = new Dictionary<DeviceField, string[]>
        {
            [DeviceField.DeviceId] = new[] { "Azure Device ID", "Entra Device ID", "AAD Device ID" },
            [DeviceField.DeviceName] = new[] { "Device Name" },
            [DeviceField.UserPrincipalName] = new[] { "User Principal Name", "Email Address" },
            [DeviceField.UserId] = new[] { "Azure User ID", "Entra User ID" },
            [DeviceField.Platform] = new[] { "Platform" },
            [DeviceField.OsVersion] = new[] { "OS Version" },
            [DeviceField.ClientVersion] = new[] { "Mobile@Work Version", "Client Version" },
            [DeviceField.Jailbroken] = new[] { "Compromised", "Jailbroken/Rooted" },
            [DeviceField.Encrypted] = new[] { "Data Encryption", "Encrypted" },
            [DeviceField.PasscodePresent] = new[] { "Passcode Present", "Passcode Compliant" },
            [DeviceField.LastCheckIn] = new[] { "Last Check-In", "Last Check In" },
            [DeviceField.MdmState] = new[] { "Status" },
        };

        private static readonly IReadOnlyDictionary<DeviceField, string[]> MaaS360Columns = new Dictionary<DeviceField, string[]>
        {
            [DeviceField.DeviceId] = new[] { "Azure AD Device ID", "Azure Device ID" },
            [DeviceField.DeviceName] = new[] { "Device Name" },
            [DeviceField.UserPrincipalName] = new[] { "User Principal Name", "Email Address" },
            [DeviceField.UserId] = new[] { "Azure AD User ID" },
            [DeviceField.Platform] = new[] { "Platform" },
            [DeviceField.OsVersion] = new[] { "OS Version", "Operating System Version" },
            [DeviceField.ClientVersion] = new[] { "MaaS360 App Version", "Agent Version" },
            [DeviceField.Jailbroken] = new[] { "Jailbroken/Rooted", "Jailbreak Status" },
            [DeviceField.Encrypted] = new[] { "Encryption Status", "Hardware Encryption" },
            [DeviceField.PasscodePresent] = new[] { "Passcode Status", "Passcode Compliance" },
            [DeviceField.LastCheckIn] = new[] { "Last Reported" },
            [DeviceField.MdmState] = new[] { "Managed Status", "MDM Status" },
        };

        /// <summary>The column names a format looks for, per value, in order of preference.</summary>
        public static IReadOnlyDictionary<DeviceField, IReadOnlyList<string>> Preset(DeviceInventoryFormat format)
        {
            IReadOnlyDictionary<DeviceField, string[]> columns;
            switch (format)
            {
                case DeviceInventoryFormat.MobileIronCore: columns = MobileIronCoreColumns; break;
                case DeviceInventoryFormat.MaaS360: columns = MaaS360Columns; break;
                default: columns = GenericColumns; break;
            }
            return columns.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value);
        }

        /// <summary>"Last Check-In" → "lastcheckin": lower-case letters and digits only.</summary>
        public static string Normalize(string? header)
        {
            if (string.IsNullOrEmpty(header))
            {
                return "";
            }
            var text = new StringBuilder(header!.Length);
            foreach (var c in header)
            {
                if (char.IsLetterOrDigit(c))
                {
                    text.Append(char.ToLowerInvariant(c));
                }
            }
            return text.ToString();
        }

        /// <summary>Reads a -ColumnMap key: a DeviceField name (case-insensitive), or the DeviceRecord aliases Passcode, AzureDeviceId, EntraDeviceId, PlatformName.</summary>
        public static bool TryParseField(string? name, out DeviceField field)
        {
            field = default;
            if (string.IsNullOrWhiteSpace(name))
            {
                return false;
            }
            var normalized = Normalize(name);
            switch (normalized)
            {
                case "passcode": field = DeviceField.PasscodePresent; return true;
                case "azuredeviceid":
                case "entradeviceid": field = DeviceField.DeviceId; return true;
                case "platformname": field = DeviceField.Platform; return true;
            }
            foreach (DeviceField candidate in Enum.GetValues(typeof(DeviceField)))
            {
                if (Normalize(candidate.ToString()) == normalized)
                {
                    field = candidate;
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>A format's column candidates with the -ColumnMap overrides applied, resolved against one header.</summary>
    public sealed class DeviceColumnMap
    {
        private readonly List<string>?[] _candidates = new List<string>?[DeviceColumns.FieldCount];

        /// <param name="overrides">Value name (DeviceField) → column name; a null or empty column ignores that value.</param>
        public DeviceColumnMap(DeviceInventoryFormat format, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
        {
            Format = format;
            foreach (var pair in DeviceColumns.Preset(format))
            {
                _candidates[(int)pair.Key] = pair.Value.ToList();
            }
            if (overrides == null)
            {
                return;
            }
            foreach (var pair in overrides)
            {
                if (!DeviceColumns.TryParseField(pair.Key, out var field))
                {
                    throw new ComplianceException("InvalidColumnMap", ComplianceErrorCategory.InvalidArgument,
                        $"-ColumnMap key '{pair.Key}' is not a device value. Use: {string.Join(", ", Enum.GetNames(typeof(DeviceField)))}.",
                        pair.Key, "Map device values to your columns, e.g. -ColumnMap @{ DeviceId = 'AAD Device'; LastCheckIn = 'Last Seen' }.");
                }
                _candidates[(int)field] = string.IsNullOrWhiteSpace(pair.Value) ? null : new List<string> { pair.Value!.Trim() };
            }
        }

        public DeviceInventoryFormat Format { get; }

        /// <summary>The column names looked for, per value; empty when the value is ignored.</summary>
        public IReadOnlyList<string> CandidatesFor(DeviceField field) => (IReadOnlyList<string>?)_candidates[(int)field] ?? Array.Empty<string>();

        /// <summary>For each DeviceField, the index of its column in <paramref name="header"/>, or -1.</summary>
        public int[] Resolve(IReadOnlyList<string> header, out IReadOnlyList<DeviceField> missingRequired)
        {
            var positions = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++)
            {
                var key = DeviceColumns.Normalize(header[i]);
                if (key.Length > 0 && !positions.ContainsKey(key))
                {
                    positions.Add(key, i);
                }
            }
            var indexes = new int[DeviceColumns.FieldCount];
            for (var f = 0; f < indexes.Length; f++)
            {
                indexes[f] = -1;
                foreach (var candidate in CandidatesFor((DeviceField)f))
                {
                    if (positions.TryGetValue(DeviceColumns.Normalize(candidate), out var index))
                    {
                        indexes[f] = index;
                        break;
                    }
                }
            }
            missingRequired = DeviceColumns.Required.Where(f => indexes[(int)f] < 0).ToList();
            return indexes;
        }
    }
}
