using System;

namespace AzureCompliance.Core.Devices
{
    /// <summary>
    /// Version strings as MDMs export them: "17.1.2", "14", "8.1.0 (build 123)", "v12", "12.0.1-beta", "iOS 17.5",
    /// "Android 14 (API 34)". Up to four numeric parts; missing parts count as 0, so "14" = "14.0" = "14.0.0".
    /// A word before the number (letters, spaces, '@', ':') and anything after it that does not continue the number
    /// are ignored. Unreadable: empty text, no number, an empty part ("12..1", "12."), more than four parts, a part over 999,999,999.
    /// </summary>
    public static class VersionString
    {
        private const int MaxPrefix = 32;

        /// <summary>Parses without allocating except for the Version it returns; the parts given are kept (at least major.minor).</summary>
        public static bool TryParse(string? text, out Version version)
        {
            if (!VersionValue.TryParse(text, out var value))
            {
                version = null!;
                return false;
            }
            version = value.ToVersion();
            return true;
        }

        /// <summary>Compares two versions with missing parts as 0 (System.Version would order 14.0 before 14.0.0).</summary>
        public static int Compare(Version? left, Version? right)
        {
            if (ReferenceEquals(left, right)) return 0;
            if (left is null) return -1;
            if (right is null) return 1;
            return VersionValue.From(left).CompareTo(VersionValue.From(right));
        }

        /// <summary>
        /// Compares two version strings. Unreadable or missing versions order before every readable one (two unreadable ones
        /// compare by ordinal text), so a sort puts them first.
        /// </summary>
        public static int Compare(string? left, string? right)
        {
            var leftOk = VersionValue.TryParse(left, out var l);
            var rightOk = VersionValue.TryParse(right, out var r);
            if (leftOk && rightOk) return l.CompareTo(r);
            if (leftOk) return 1;
            if (rightOk) return -1;
            return string.CompareOrdinal(left, right);
        }

        /// <summary>Normalised text of a readable version ("v12" → "12.0", "8.1.0 (build 123)" → "8.1.0"), or null.</summary>
        public static string? Normalize(string? text) => TryParse(text, out var version) ? version.ToString() : null;

        internal static int MaxPrefixLength => MaxPrefix;
    }

    /// <summary>A parsed version without allocation, for the evaluation hot path.</summary>
    internal readonly struct VersionValue : IComparable<VersionValue>
    {
        private const int MaxPart = 999_999_999;

        public VersionValue(int major, int minor, int build, int revision, int parts)
        {
            Major = major;
            Minor = minor;
            Build = build;
            Revision = revision;
            Parts = parts;
        }

        public int Major { get; }
        public int Minor { get; }
        public int Build { get; }
        public int Revision { get; }
        /// <summary>How many parts the text had (1-4).</summary>
        public int Parts { get; }

        public static VersionValue From(Version version) =>
            new VersionValue(version.Major, Math.Max(version.Minor, 0), Math.Max(version.Build, 0), Math.Max(version.Revision, 0),
                version.Revision >= 0 ? 4 : version.Build >= 0 ? 3 : 2);

        public Version ToVersion() =>
            Parts >= 4 ? new Version(Major, Minor, Build, Revision)
            : Parts == 3 ? new Version(Major, Minor, Build)
            : new Version(Major, Minor);

        public int CompareTo(VersionValue other)
        {
            if (Major != other.Major) return Major < other.Major ? -1 : 1;
            if (Minor != other.Minor) return Minor < other.Minor ? -1 : 1;
            if (Build != other.Build) return Build < other.Build ? -1 : 1;
            if (Revision != other.Revision) return Revision < other.Revision ? -1 : 1;
            return 0;
        }

        public override string ToString() => ToVersion().ToString();

        public static bool TryParse(string? text, out VersionValue value)
        {
            value = default;
            if (text == null)
            {
                return false;
            }
            var length = text.Length;
            var i = 0;
            // A leading word: "v", "iOS ", "Android ", "Mobile@Work ", "Version: ".
            while (i < length && !IsDigit(text[i]))
            {
                var c = text[i];
                if (!(char.IsLetter(c) || char.IsWhiteSpace(c) || c == '@' || c == ':') || i >= VersionString.MaxPrefixLength)
                {
                    return false;
                }
                i++;
            }
            if (i == length)
            {
                return false;
            }

            var major = 0;
            var minor = 0;
            var build = 0;
            var revision = 0;
            var parts = 0;
            while (true)
            {
                if (i >= length || !IsDigit(text[i]))
                {
                    return false; // an empty part: "12..1", "12.", ".5"
                }
                long part = 0;
                while (i < length && IsDigit(text[i]))
                {
                    part = part * 10 + (text[i] - '0');
                    if (part > MaxPart)
                    {
                        return false;
                    }
                    i++;
                }
                switch (parts)
                {
                    case 0: major = (int)part; break;
                    case 1: minor = (int)part; break;
                    case 2: build = (int)part; break;
                    default: revision = (int)part; break;
                }
                parts++;
                if (i < length && text[i] == '.')
                {
                    if (parts == 4)
                    {
                        return false; // "1.2.3.4.5": not a version we can compare safely
                    }
                    i++;
                    continue;
                }
                break; // end, or a suffix: " (build 123)", "-beta", "b2"
            }
            value = new VersionValue(major, minor, build, revision, parts);
            return true;
        }

        private static bool IsDigit(char c) => c >= '0' && c <= '9';
    }
}
