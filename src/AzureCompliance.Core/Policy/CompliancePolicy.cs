using System;
using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Policy
{
    /// <summary>
    /// A partner device compliance policy of one MDM instance (source) for one platform: the rules its devices must meet.
    /// It lives in the MDM, i.e. in the module's state store; Intune only holds a partner policy with its name and platform.
    /// At most one enabled policy per platform per source; a disabled policy uploads nothing for its platform.
    /// </summary>
    public sealed class CompliancePolicy
    {
        public CompliancePolicy()
        {
            Name = "";
        }

        public CompliancePolicy(string name, DevicePlatform platform)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Platform = platform;
        }

        public string Name { get; set; }

        public DevicePlatform Platform { get; set; }

        public bool Enabled { get; set; } = true;

        /// <summary>Devices below this OS version are not compliant; null: no minimum.</summary>
        public Version? MinimumOsVersion { get; set; }

        /// <summary>Devices whose MDM client (e.g. Mobile@Work) is below this version are not compliant; null: no minimum.</summary>
        public Version? MinimumClientVersion { get; set; }

        /// <summary>Jailbroken or rooted devices, and devices that do not report it, are not compliant.</summary>
        public bool BlockJailbroken { get; set; }

        public bool RequireEncryption { get; set; }

        public bool RequirePasscode { get; set; }

        /// <summary>Devices that have not checked in with the MDM for longer are not compliant; null: no limit.</summary>
        public TimeSpan? MaximumCheckInAge { get; set; }

        /// <summary>Devices without an Entra device id (not registered in Entra) are not compliant.</summary>
        public bool RequireEntraRegistration { get; set; }

        /// <summary>The partner compliance policy's id in Intune, once created there.</summary>
        public string? IntunePolicyId { get; set; }

        public DateTimeOffset Created { get; set; }

        public DateTimeOffset Modified { get; set; }

        /// <summary>The MDM instance the policy belongs to (the connection's SourceName).</summary>
        public string? SourceName { get; set; }

        /// <summary>A policy with the defaults of its platform (see <see cref="PolicyDefaults"/>).</summary>
        public static CompliancePolicy CreateDefault(string name, DevicePlatform platform)
        {
            var policy = new CompliancePolicy(name, platform);
            PolicyDefaults.Apply(policy);
            return policy;
        }

        public CompliancePolicy Clone() => (CompliancePolicy)MemberwiseClone();

        public override string ToString() => $"{Name} ({Platform}{(Enabled ? "" : ", disabled")})";
    }

    /// <summary>
    /// Default rules of a new policy. iOS and Android follow the MobileIron Core guide: OS iOS 12.0 / Android 8.0 and
    /// Mobile@Work iOS 12.0 / Android 8.0. macOS: OS 13.0 (Ventura, the oldest release Apple still patched when this was
    /// written) and no client minimum (Mobile@Work has no macOS client; Macs are managed through the MDM profile).
    /// Every platform: block jailbroken/rooted devices and require Entra registration (a device without an Entra device
    /// id cannot be reported anyway); encryption, passcode and check-in age are off until asked for.
    /// </summary>
    public static class PolicyDefaults
    {
        public static Version? MinimumOsVersion(DevicePlatform platform)
        {
            switch (platform)
            {
                case DevicePlatform.iOS: return new Version(12, 0);
                case DevicePlatform.Android: return new Version(8, 0);
                case DevicePlatform.macOS: return new Version(13, 0);
                default: return null;
            }
        }

        public static Version? MinimumClientVersion(DevicePlatform platform)
        {
            switch (platform)
            {
                case DevicePlatform.iOS: return new Version(12, 0);
                case DevicePlatform.Android: return new Version(8, 0);
                default: return null;
            }
        }

        public const bool BlockJailbroken = true;
        public const bool RequireEntraRegistration = true;
        public const bool RequireEncryption = false;
        public const bool RequirePasscode = false;

        public static void Apply(CompliancePolicy policy)
        {
            policy.MinimumOsVersion = MinimumOsVersion(policy.Platform);
            policy.MinimumClientVersion = MinimumClientVersion(policy.Platform);
            policy.BlockJailbroken = BlockJailbroken;
            policy.RequireEntraRegistration = RequireEntraRegistration;
            policy.RequireEncryption = RequireEncryption;
            policy.RequirePasscode = RequirePasscode;
            policy.MaximumCheckInAge = null;
        }
    }

    /// <summary>The stable names of the rules a <see cref="ComplianceReason"/> refers to.</summary>
    public static class ComplianceRule
    {
        /// <summary>The device's platform is not Android, iOS or macOS.</summary>
        public const string Platform = "Platform";
        /// <summary>No enabled policy for the device's platform: nothing is reported for it.</summary>
        public const string Policy = "Policy";
        public const string EntraRegistration = "EntraRegistration";
        public const string MinimumOsVersion = "MinimumOsVersion";
        public const string MinimumClientVersion = "MinimumClientVersion";
        public const string Jailbroken = "Jailbroken";
        public const string Encryption = "Encryption";
        public const string Passcode = "Passcode";
        public const string CheckInAge = "CheckInAge";
        /// <summary>The last check-in is in the future (beyond the clock skew tolerance): the record cannot be trusted.</summary>
        public const string CheckInDate = "CheckInDate";
    }
}
