using System;
using System.Collections.Generic;
using System.Linq;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Onboarding
{
    /// <summary>The platforms a compliance partner can be onboarded for (Intune: Android, iOS, macOS), and their names on each wire.</summary>
    public static class OnboardingPlatforms
    {
        public static IReadOnlyList<DevicePlatform> All { get; } = new[] { DevicePlatform.Android, DevicePlatform.iOS, DevicePlatform.macOS };

        /// <summary>The names the -Platform parameters accept and complete.</summary>
        public static IReadOnlyList<string> Names { get; } = All.Select(p => p.ToString()).ToArray();

        /// <summary>The platform list to work on: distinct, in Android, iOS, macOS order; Unknown is refused.</summary>
        public static IReadOnlyList<DevicePlatform> Normalize(IEnumerable<DevicePlatform>? platforms)
        {
            var list = (platforms ?? Array.Empty<DevicePlatform>()).Distinct().ToList();
            if (list.Contains(DevicePlatform.Unknown))
            {
                throw new ComplianceException("InvalidPlatform", ComplianceErrorCategory.InvalidArgument,
                    "The platform Unknown cannot be onboarded. Use " + string.Join(", ", Names) + ".", DevicePlatform.Unknown);
            }
            return All.Where(list.Contains).ToList();
        }

        /// <summary>The platform's value in conditionalAccessPlatforms.includePlatforms (Graph enum conditionalAccessDevicePlatform).</summary>
        internal static string ConditionalAccessName(DevicePlatform platform) =>
            platform == DevicePlatform.Android ? "android" : platform == DevicePlatform.iOS ? "iOS" : "macOS";

        internal static DevicePlatform? FromConditionalAccessName(string? name)
        {
            switch ((name ?? "").ToLowerInvariant())
            {
                case "android": return DevicePlatform.Android;
                case "ios": return DevicePlatform.iOS;
                case "macos": return DevicePlatform.macOS;
                default: return null;
            }
        }

        /// <summary>Parses a partner API or user spelling (android, IOS, MacOS...); null when it is none of the three.</summary>
        internal static DevicePlatform? Parse(string? name)
        {
            switch ((name ?? "").Trim().ToLowerInvariant())
            {
                case "android": return DevicePlatform.Android;
                case "ios": return DevicePlatform.iOS;
                case "macos": return DevicePlatform.macOS;
                default: return null;
            }
        }
    }

    /// <summary>Helpers for OData query text.</summary>
    internal static class OData
    {
        /// <summary>A string literal for $filter: single quotes around, a quote inside doubled ('' ), so a name cannot alter the filter.</summary>
        public static string Literal(string value) => "'" + value.Replace("'", "''") + "'";

        public static bool IsGuid(string? value) => Guid.TryParse(value?.Trim(), out _);
    }
}
