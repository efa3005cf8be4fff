using System;
using System.Collections.Generic;
using System.Globalization;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Policy
{
    /// <summary>
    /// Judges devices against one policy per platform. The rules are copied and precomputed when the evaluator is made
    /// (later changes to the policy objects do not affect it); evaluating a compliant device allocates only its result,
    /// parses versions without regex or LINQ, and never throws for bad device data: unknown platform, no policy,
    /// unreadable versions, missing values and future check-in dates become reasons. Thread-safe.
    /// </summary>
    public sealed class PolicyEvaluator
    {
        /// <summary>A check-in up to this far in the future is taken as clock skew between the MDM and this machine.</summary>
        public static readonly TimeSpan ClockSkewTolerance = TimeSpan.FromMinutes(5);

        private static readonly IReadOnlyList<ComplianceReason> UnknownPlatformReason = new[]
        {
            new ComplianceReason(ComplianceRule.Platform, "Android, iOS or macOS", "unknown",
                "The device's platform is not Android, iOS or macOS: no compliance policy applies to it."),
        };

        private readonly PlatformRules?[] _rules = new PlatformRules?[4];
        private readonly IReadOnlyList<ComplianceReason>[] _noPolicyReasons = new IReadOnlyList<ComplianceReason>[4];

        /// <summary>
        /// An evaluator for the enabled policies among <paramref name="policies"/> (one per platform), or for all of them
        /// with <paramref name="includeDisabled"/> (to try a policy before enabling it).
        /// </summary>
        /// <exception cref="ComplianceException">PolicyConflict: two policies for one platform.</exception>
        public PolicyEvaluator(IEnumerable<CompliancePolicy> policies, bool includeDisabled = false)
        {
            if (policies == null) throw new ArgumentNullException(nameof(policies));
            foreach (var policy in policies)
            {
                if (policy == null || (!policy.Enabled && !includeDisabled))
                {
                    continue;
                }
                var index = (int)policy.Platform;
                if (policy.Platform == DevicePlatform.Unknown || index < 0 || index >= _rules.Length)
                {
                    throw PolicyErrors.InvalidPlatform(policy.Name, policy.Platform.ToString());
                }
                var existing = _rules[index];
                if (existing != null)
                {
                    throw PolicyErrors.Conflict(policy.Platform, existing.Policy.Name, policy.Name, policy.SourceName);
                }
                _rules[index] = new PlatformRules(policy.Clone());
            }
            for (var i = 1; i < _rules.Length; i++)
            {
                var platform = (DevicePlatform)i;
                _noPolicyReasons[i] = new[]
                {
                    new ComplianceReason(ComplianceRule.Policy, "an enabled " + platform + " policy", "none",
                        "No enabled compliance policy for " + platform + ": the device is not evaluated and nothing is reported for it."),
                };
            }
        }

        /// <summary>The enabled policies of an MDM instance in the state store.</summary>
        public static PolicyEvaluator Load(StateStore store, string source) =>
            new PolicyEvaluator(CompliancePolicyStore.List(store, source));

        /// <summary>The policies this evaluator applies, one per platform.</summary>
        public IReadOnlyList<CompliancePolicy> Policies
        {
            get
            {
                var list = new List<CompliancePolicy>();
                foreach (var rules in _rules)
                {
                    if (rules != null) list.Add(rules.Policy.Clone());
                }
                return list;
            }
        }

        public bool HasPolicies
        {
            get
            {
                foreach (var rules in _rules)
                {
                    if (rules != null) return true;
                }
                return false;
            }
        }

        /// <summary>The policy for a platform (a copy), or null.</summary>
        public CompliancePolicy? PolicyFor(DevicePlatform platform)
        {
            var index = (int)platform;
            return index > 0 && index < _rules.Length ? _rules[index]?.Policy.Clone() : null;
        }

        public DeviceComplianceResult Evaluate(DeviceRecord device, DateTimeOffset now)
        {
            if (device == null) throw new ArgumentNullException(nameof(device));
            var index = (int)device.Platform;
            if (index <= 0 || index >= _rules.Length)
            {
                return new DeviceComplianceResult(device, null, UnknownPlatformReason, now);
            }
            var rules = _rules[index];
            if (rules == null)
            {
                return new DeviceComplianceResult(device, null, _noPolicyReasons[index], now);
            }

            List<ComplianceReason>? reasons = null;

            if (rules.RequireEntraRegistration && IsBlank(device.DeviceId))
            {
                Add(ref reasons, ComplianceRule.EntraRegistration, "an Entra device id", "none",
                    "The device is not registered in Entra (no Entra device id): it cannot be reported to Intune.");
            }

            if (rules.HasMinimumOs)
            {
                CheckVersion(ref reasons, device.OsVersion, rules.MinimumOs, rules.MinimumOsText, ComplianceRule.MinimumOsVersion, "OS version");
            }

            if (rules.HasMinimumClient)
            {
                CheckVersion(ref reasons, device.ClientVersion, rules.MinimumClient, rules.MinimumClientText, ComplianceRule.MinimumClientVersion, "MDM client version");
            }

            if (rules.BlockJailbroken)
            {
                var jailbroken = device.Jailbroken;
                if (jailbroken != false)
                {
                    Add(ref reasons, ComplianceRule.Jailbroken, "not jailbroken or rooted", jailbroken == true ? "jailbroken or rooted" : "not reported",
                        jailbroken == true ? "The device is jailbroken or rooted." : "The MDM did not report whether the device is jailbroken or rooted.");
                }
            }

            if (rules.RequireEncryption)
            {
                var encrypted = device.Encrypted;
                if (encrypted != true)
                {
                    Add(ref reasons, ComplianceRule.Encryption, "encrypted", encrypted == false ? "not encrypted" : "not reported",
                        encrypted == false ? "The device's storage is not encrypted." : "The MDM did not report whether the device's storage is encrypted.");
                }
            }

            if (rules.RequirePasscode)
            {
                var passcode = device.PasscodePresent;
                if (passcode != true)
                {
                    Add(ref reasons, ComplianceRule.Passcode, "a passcode", passcode == false ? "no passcode" : "not reported",
                        passcode == false ? "The device has no passcode." : "The MDM did not report whether the device has a passcode.");
                }
            }

            var checkIn = device.LastCheckIn;
            if (checkIn.HasValue)
            {
                var age = now - checkIn.Value;
                if (age < -ClockSkewTolerance)
                {
                    Add(ref reasons, ComplianceRule.CheckInDate, "a past check-in", Format(checkIn.Value),
                        "The last check-in " + Format(checkIn.Value) + " is in the future: the record cannot be trusted.");
                }
                else if (rules.HasMaximumAge && age > rules.MaximumAge)
                {
                    Add(ref reasons, ComplianceRule.CheckInAge, "within " + FormatAge(rules.MaximumAge), FormatAge(age) + " ago",
                        "The device last checked in " + FormatAge(age) + " ago (" + Format(checkIn.Value) + "); the policy allows " + FormatAge(rules.MaximumAge) + ".");
                }
            }
            else if (rules.HasMaximumAge)
            {
                Add(ref reasons, ComplianceRule.CheckInAge, "within " + FormatAge(rules.MaximumAge), "not reported",
                    "The MDM did not report when the device last checked in.");
            }

            return new DeviceComplianceResult(device, rules.Policy.Name, reasons, now);
        }

        private static void CheckVersion(ref List<ComplianceReason>? reasons, string? text, VersionValue minimum, string minimumText, string rule, string what)
        {
            if (VersionValue.TryParse(text, out var version))
            {
                if (version.CompareTo(minimum) < 0)
                {
                    Add(ref reasons, rule, minimumText + " or later", text!.Trim(),
                        "The " + what + " " + text.Trim() + " is below the minimum " + minimumText + ".");
                }
                return;
            }
            if (IsBlank(text))
            {
                Add(ref reasons, rule, minimumText + " or later", "not reported", "The MDM did not report the " + what + ".");
            }
            else
            {
                Add(ref reasons, rule, minimumText + " or later", text!.Trim() + " (unreadable)",
                    "The " + what + " '" + text.Trim() + "' is not a version that can be compared with " + minimumText + ".");
            }
        }

        private static void Add(ref List<ComplianceReason>? reasons, string rule, string expected, string actual, string message) =>
            (reasons ??= new List<ComplianceReason>(2)).Add(new ComplianceReason(rule, expected, actual, message));

        private static bool IsBlank(string? text)
        {
            if (text == null) return true;
            for (var i = 0; i < text.Length; i++)
            {
                if (!char.IsWhiteSpace(text[i])) return false;
            }
            return true;
        }

        private static string Format(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        internal static string FormatAge(TimeSpan age)
        {
            if (age.TotalDays >= 1) return age.TotalDays.ToString("0.#", CultureInfo.InvariantCulture) + " days";
            if (age.TotalHours >= 1) return age.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + " hours";
            return Math.Max(0, age.TotalMinutes).ToString("0", CultureInfo.InvariantCulture) + " minutes";
        }

        /// <summary>One platform's rules, precomputed.</summary>
        private sealed class PlatformRules
        {
            public PlatformRules(CompliancePolicy policy)
            {
                Policy = policy;
                if (policy.MinimumOsVersion != null)
                {
                    HasMinimumOs = true;
                    MinimumOs = VersionValue.From(policy.MinimumOsVersion);
                    MinimumOsText = policy.MinimumOsVersion.ToString();
                }
                if (policy.MinimumClientVersion != null)
                {
                    HasMinimumClient = true;
                    MinimumClient = VersionValue.From(policy.MinimumClientVersion);
                    MinimumClientText = policy.MinimumClientVersion.ToString();
                }
                if (policy.MaximumCheckInAge is TimeSpan age && age > TimeSpan.Zero)
                {
                    HasMaximumAge = true;
                    MaximumAge = age;
                }
                BlockJailbroken = policy.BlockJailbroken;
                RequireEncryption = policy.RequireEncryption;
                RequirePasscode = policy.RequirePasscode;
                RequireEntraRegistration = policy.RequireEntraRegistration;
            }

            public CompliancePolicy Policy { get; }
            public bool HasMinimumOs { get; }
            public VersionValue MinimumOs { get; }
            public string MinimumOsText { get; } = "";
            public bool HasMinimumClient { get; }
            public VersionValue MinimumClient { get; }
            public string MinimumClientText { get; } = "";
            public bool HasMaximumAge { get; }
            public TimeSpan MaximumAge { get; }
            public bool BlockJailbroken { get; }
            public bool RequireEncryption { get; }
            public bool RequirePasscode { get; }
            public bool RequireEntraRegistration { get; }
        }
    }
}
