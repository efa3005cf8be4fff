using System;

namespace AzureCompliance.Core.Devices
{
    /// <summary>The device platforms an Intune compliance partner reports. Unknown: the MDM's platform name was not recognised.</summary>
    public enum DevicePlatform
    {
        Unknown,
        Android,
        iOS,
        macOS,
    }

    /// <summary>
    /// One device as an MDM exports it: its Entra identity, owner, platform, versions and security state.
    /// Import-ComplianceDevice makes these from MDM exports; any object with the same property names works too.
    /// </summary>
    public sealed class DeviceRecord
    {
        private string? _platformName;
        private string? _mdmState;
        private bool _isRetired;

        /// <summary>The Entra (Azure AD) device id: the directory object's deviceId, not its object id.</summary>
        public string? DeviceId { get; set; }

        public string? DeviceName { get; set; }

        public string? UserPrincipalName { get; set; }

        /// <summary>The owner's Entra object id.</summary>
        public string? UserId { get; set; }

        /// <summary>The platform as the MDM exported it (e.g. "iOS 17.5", "Android Enterprise"). Setting it sets Platform when the name is recognised.</summary>
        public string? PlatformName
        {
            get => _platformName;
            set
            {
                _platformName = value;
                var parsed = DevicePlatforms.Parse(value);
                if (parsed != DevicePlatform.Unknown)
                {
                    Platform = parsed;
                }
            }
        }

        /// <summary>The parsed platform; Unknown if the MDM's name was not recognised.</summary>
        public DevicePlatform Platform { get; set; }

        public string? OsVersion { get; set; }

        /// <summary>The MDM client (agent) version on the device, e.g. Mobile@Work 12.1.0.</summary>
        public string? ClientVersion { get; set; }

        /// <summary>Jailbroken (iOS) or rooted (Android); null when the MDM did not report it.</summary>
        public bool? Jailbroken { get; set; }

        public bool? Encrypted { get; set; }

        public bool? PasscodePresent { get; set; }

        /// <summary>When the device last checked in with the MDM.</summary>
        public DateTimeOffset? LastCheckIn { get; set; }

        /// <summary>The MDM's state of the device as exported, e.g. Active, Retired, Wiped.</summary>
        public string? MdmState
        {
            get => _mdmState;
            set
            {
                _mdmState = value;
                _isRetired = MdmStates.IsRetired(value);
            }
        }

        /// <summary>The MDM state says the device is retired, wiped or removed: its compliance data must leave Entra.</summary>
        public bool IsRetired => _isRetired;

        /// <summary>Where the record came from, e.g. "devices.csv line 17", for messages.</summary>
        public string? Source { get; set; }

        public override string ToString() => DeviceName ?? DeviceId ?? Source ?? "(device)";
    }

    /// <summary>Recognises the platform names MDMs export.</summary>
    public static class DevicePlatforms
    {
        /// <summary>
        /// "iOS", "iOS 17.5", "iPadOS", "iPhone", "iPad", "Apple iOS" → iOS; "Android", "Android Enterprise", "Android 14" → Android;
        /// "macOS", "Mac OS X", "OS X", "Mac" → macOS; anything else (Windows, empty, …) → Unknown. Case-insensitive.
        /// </summary>
        public static DevicePlatform Parse(string? name)
        {
            if (name == null)
            {
                return DevicePlatform.Unknown;
            }
            var text = name.Trim();
            if (text.Length == 0)
            {
                return DevicePlatform.Unknown;
            }
            if (StartsWithWord(text, "Apple "))
            {
                text = text.Substring(6).TrimStart();
            }
            if (StartsWithWord(text, "iOS") || StartsWithWord(text, "iPadOS") || StartsWithWord(text, "iPhone") ||
                StartsWithWord(text, "iPad") || StartsWithWord(text, "iPod") || StartsWithWord(text, "iPhone OS"))
            {
                return DevicePlatform.iOS;
            }
            if (StartsWithWord(text, "Android"))
            {
                return DevicePlatform.Android;
            }
            if (StartsWithWord(text, "macOS") || StartsWithWord(text, "Mac OS X") || StartsWithWord(text, "Mac OS") ||
                StartsWithWord(text, "OS X") || StartsWithWord(text, "OSX") || StartsWithWord(text, "Mac") || StartsWithWord(text, "Macintosh"))
            {
                return DevicePlatform.macOS;
            }
            return DevicePlatform.Unknown;
        }

        /// <summary>The platform's name as Intune's partner API spells it (Android, iOS, macOS).</summary>
        public static string ToPartnerName(DevicePlatform platform) => platform.ToString();

        private static bool StartsWithWord(string text, string word)
        {
            if (!text.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            if (text.Length == word.Length || word[word.Length - 1] == ' ')
            {
                return true;
            }
            var next = text[word.Length];
            return !char.IsLetter(next);
        }
    }

    /// <summary>Reads the MDM state of a device.</summary>
    public static class MdmStates
    {
        private static readonly string[] RetiredMarkers = { "retire", "wipe", "removed", "deleted", "unenrol", "deactivat", "decommission" };

        /// <summary>
        /// True when the state names a device that left management: Retired, Wiped, Selective Wipe, Removed, Deleted,
        /// Unenrolled, Deactivated, Decommissioned, Control Removed (MaaS360), also as "Pending Retire" and the like.
        /// </summary>
        public static bool IsRetired(string? state)
        {
            if (string.IsNullOrEmpty(state))
            {
                return false;
            }
            foreach (var marker in RetiredMarkers)
            {
                if (state!.IndexOf(marker, StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
