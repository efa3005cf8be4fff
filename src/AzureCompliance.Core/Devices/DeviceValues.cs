using System;
using System.Globalization;

namespace AzureCompliance.Core.Devices
{
    /// <summary>Reads the values MDM exports write for ids, yes/no flags and times.</summary>
    public static class DeviceValues
    {
        /// <summary>A GUID in any of .NET's layouts (with or without braces or dashes), returned in the "D" layout, lower case.</summary>
        public static bool TryParseGuid(string? text, out string normalized)
        {
            if (text != null && Guid.TryParse(text.Trim(), out var guid) && guid != Guid.Empty)
            {
                normalized = guid.ToString("D");
                return true;
            }
            normalized = "";
            return false;
        }

        /// <summary>
        /// A yes/no value. True: true, yes, y, 1, on, enabled, present, compliant, encrypted, jailbroken, rooted, compromised.
        /// False: false, no, n, 0, off, disabled, none, absent, not present, not compliant, non-compliant, not encrypted,
        /// unencrypted, not jailbroken, not rooted, not compromised. Not reported (null): empty, unknown, n/a, na, -.
        /// Anything else is unreadable (returns false).
        /// </summary>
        public static bool TryParseBoolean(string? text, out bool? value)
        {
            value = null;
            if (text == null)
            {
                return true;
            }
            var t = text.Trim();
            if (t.Length == 0)
            {
                return true;
            }
            switch (t.ToLowerInvariant().Replace('_', ' ').Replace('-', ' '))
            {
                case "true": case "yes": case "y": case "1": case "on": case "enabled": case "present": case "compliant":
                case "encrypted": case "jailbroken": case "rooted": case "compromised":
                    value = true;
                    return true;
                case "false": case "no": case "n": case "0": case "off": case "disabled": case "none": case "absent":
                case "not present": case "not compliant": case "non compliant": case "noncompliant": case "not encrypted":
                case "unencrypted": case "not jailbroken": case "not rooted": case "not compromised":
                    value = false;
                    return true;
                case "unknown": case "n/a": case "na": case "": case "not reported": case "not available":
                    value = null;
                    return true;
                default:
                    return t == "-";
            }
        }

        /// <summary>
        /// A point in time: ISO 8601 ("2026-11-20T08:15:00Z", "2026-11-20 08:15:00"), the invariant culture's month/day/year
        /// ("11/20/2026 8:15 AM"), a trailing " UTC" or " GMT", or Unix epoch seconds or milliseconds (MobileIron's API).
        /// A time without an offset is UTC.
        /// </summary>
        public static bool TryParseDate(string? text, out DateTimeOffset? value)
        {
            value = null;
            if (text == null)
            {
                return true;
            }
            var t = text.Trim();
            if (t.Length == 0)
            {
                return true;
            }
            if (t.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase) || t.EndsWith(" GMT", StringComparison.OrdinalIgnoreCase))
            {
                t = t.Substring(0, t.Length - 4).TrimEnd();
            }
            if (IsAllDigits(t) && t.Length >= 9 && t.Length <= 13 && long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                try
                {
                    value = t.Length >= 12 ? DateTimeOffset.FromUnixTimeMilliseconds(epoch) : DateTimeOffset.FromUnixTimeSeconds(epoch);
                    return true;
                }
                catch (ArgumentOutOfRangeException)
                {
                    return false;
                }
            }
            if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
            {
                value = parsed;
                return true;
            }
            return false;
        }

        private static bool IsAllDigits(string text)
        {
            foreach (var c in text)
            {
                if (c < '0' || c > '9') return false;
            }
            return text.Length > 0;
        }
    }
}
