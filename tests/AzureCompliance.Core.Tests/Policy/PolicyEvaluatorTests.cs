using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Core.Tests.Policy;

public sealed class PolicyEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static CompliancePolicy Ios(Action<CompliancePolicy>? change = null)
    {
        var policy = CompliancePolicy.CreateDefault("iOS baseline", DevicePlatform.iOS);
        change?.Invoke(policy);
        return policy;
    }

    private static DeviceRecord GoodIphone(Action<DeviceRecord>? change = null)
    {
        var device = new DeviceRecord
        {
            DeviceId = "f695c552-ea98-56ca-8705-c280dd91d04a",
            DeviceName = "iPhone-Adele",
            Platform = DevicePlatform.iOS,
            OsVersion = "17.5.1",
            ClientVersion = "12.11.0",
            Jailbroken = false,
            Encrypted = true,
            PasscodePresent = true,
            LastCheckIn = Now.AddHours(-3),
            MdmState = "Active",
        };
        change?.Invoke(device);
        return device;
    }

    private static DeviceComplianceResult Evaluate(DeviceRecord device, params CompliancePolicy[] policies) =>
        new PolicyEvaluator(policies.Length == 0 ? new[] { Ios() } : policies).Evaluate(device, Now);

    [Fact]
    public void Seed_defaults()
    {
        var ios = CompliancePolicy.CreateDefault("i", DevicePlatform.iOS);
        Assert.Equal(new Version(12, 0), ios.MinimumOsVersion);
        Assert.Equal(new Version(12, 0), ios.MinimumClientVersion);
        var android = CompliancePolicy.CreateDefault("a", DevicePlatform.Android);
        Assert.Equal(new Version(8, 0), android.MinimumOsVersion);
        Assert.Equal(new Version(8, 0), android.MinimumClientVersion);
        var mac = CompliancePolicy.CreateDefault("m", DevicePlatform.macOS);
        Assert.Equal(new Version(13, 0), mac.MinimumOsVersion);
        Assert.Null(mac.MinimumClientVersion);
        Assert.All(new[] { ios, android, mac }, p =>
        {
            Assert.True(p.BlockJailbroken);
            Assert.True(p.RequireEntraRegistration);
            Assert.False(p.RequireEncryption);
            Assert.False(p.RequirePasscode);
            Assert.Null(p.MaximumCheckInAge);
            Assert.True(p.Enabled);
        });
    }

    [Fact]
    public void A_good_device_is_compliant_with_no_reasons()
    {
        var result = Evaluate(GoodIphone());
        Assert.True(result.IsCompliant);
        Assert.True(result.HasPolicy);
        Assert.Empty(result.Reasons);
        Assert.Equal("iOS baseline", result.PolicyName);
        Assert.Equal("iPhone-Adele", result.DeviceName);
        Assert.Equal(DevicePlatform.iOS, result.Platform);
        Assert.Equal(Now, result.EvaluatedOn);
        Assert.Equal("", result.ReasonSummary);
    }

    [Theory]
    [InlineData("11.4", false)]
    [InlineData("12", true)]
    [InlineData("12.0.0", true)]
    [InlineData("11.99.99", false)]
    [InlineData("12.0.1-beta", true)]
    [InlineData("iOS 16.7 (20H19)", true)]
    public void Minimum_os_version(string os, bool compliant)
    {
        var result = Evaluate(GoodIphone(d => d.OsVersion = os));
        Assert.Equal(compliant, result.IsCompliant);
        if (!compliant)
        {
            var reason = Assert.Single(result.Reasons);
            Assert.Equal(ComplianceRule.MinimumOsVersion, reason.Rule);
            Assert.Equal("12.0 or later", reason.Expected);
            Assert.Equal(os, reason.Actual);
            Assert.Contains("below the minimum 12.0", reason.Message);
        }
    }

    [Theory]
    [InlineData("banana", "banana (unreadable)")]
    [InlineData("17..1", "17..1 (unreadable)")]
    [InlineData(null, "not reported")]
    [InlineData("  ", "not reported")]
    public void Unreadable_or_missing_os_version_is_a_reason_not_a_crash(string? os, string actual)
    {
        var reason = Assert.Single(Evaluate(GoodIphone(d => d.OsVersion = os)).Reasons);
        Assert.Equal(ComplianceRule.MinimumOsVersion, reason.Rule);
        Assert.Equal(actual, reason.Actual);
    }

    [Fact]
    public void Minimum_client_version()
    {
        var reason = Assert.Single(Evaluate(GoodIphone(d => d.ClientVersion = "11.9.2")).Reasons);
        Assert.Equal(ComplianceRule.MinimumClientVersion, reason.Rule);
        Assert.True(Evaluate(GoodIphone(d => d.ClientVersion = "12.0")).IsCompliant);
        Assert.True(Evaluate(GoodIphone(d => d.ClientVersion = null), Ios(p => p.MinimumClientVersion = null)).IsCompliant);
    }

    [Theory]
    [InlineData(true, "jailbroken or rooted")]
    [InlineData(null, "not reported")]
    public void Jailbroken_devices_and_unreported_ones_are_blocked(bool? jailbroken, string actual)
    {
        var reason = Assert.Single(Evaluate(GoodIphone(d => d.Jailbroken = jailbroken)).Reasons);
        Assert.Equal(ComplianceRule.Jailbroken, reason.Rule);
        Assert.Equal(actual, reason.Actual);
        Assert.True(Evaluate(GoodIphone(d => d.Jailbroken = jailbroken), Ios(p => p.BlockJailbroken = false)).IsCompliant);
    }

    [Theory]
    [InlineData(false, "not encrypted")]
    [InlineData(null, "not reported")]
    public void Encryption_when_required(bool? encrypted, string actual)
    {
        Assert.True(Evaluate(GoodIphone(d => d.Encrypted = encrypted)).IsCompliant); // not required by default
        var reason = Assert.Single(Evaluate(GoodIphone(d => d.Encrypted = encrypted), Ios(p => p.RequireEncryption = true)).Reasons);
        Assert.Equal(ComplianceRule.Encryption, reason.Rule);
        Assert.Equal(actual, reason.Actual);
    }

    [Theory]
    [InlineData(false, "no passcode")]
    [InlineData(null, "not reported")]
    public void Passcode_when_required(bool? passcode, string actual)
    {
        Assert.True(Evaluate(GoodIphone(d => d.PasscodePresent = passcode)).IsCompliant);
        var reason = Assert.Single(Evaluate(GoodIphone(d => d.PasscodePresent = passcode), Ios(p => p.RequirePasscode = true)).Reasons);
        Assert.Equal(ComplianceRule.Passcode, reason.Rule);
        Assert.Equal(actual, reason.Actual);
    }

    [Fact]
    public void Maximum_check_in_age()
    {
        var weekly = Ios(p => p.MaximumCheckInAge = TimeSpan.FromDays(7));
        Assert.True(Evaluate(GoodIphone(d => d.LastCheckIn = Now.AddDays(-6.9)), weekly).IsCompliant);
        var stale = Assert.Single(Evaluate(GoodIphone(d => d.LastCheckIn = Now.AddDays(-10)), weekly).Reasons);
        Assert.Equal(ComplianceRule.CheckInAge, stale.Rule);
        Assert.Equal("within 7 days", stale.Expected);
        Assert.Equal("10 days ago", stale.Actual);
        var unknown = Assert.Single(Evaluate(GoodIphone(d => d.LastCheckIn = null), weekly).Reasons);
        Assert.Equal("not reported", unknown.Actual);
        Assert.True(Evaluate(GoodIphone(d => d.LastCheckIn = Now.AddYears(-1))).IsCompliant); // no limit by default
        Assert.True(Evaluate(GoodIphone(d => d.LastCheckIn = Now.AddYears(-1)), Ios(p => p.MaximumCheckInAge = TimeSpan.Zero)).IsCompliant);
    }

    [Fact]
    public void A_future_check_in_is_a_reason_beyond_the_clock_skew()
    {
        Assert.True(Evaluate(GoodIphone(d => d.LastCheckIn = Now.AddMinutes(4))).IsCompliant);
        var reason = Assert.Single(Evaluate(GoodIphone(d => d.LastCheckIn = Now.AddDays(30))).Reasons);
        Assert.Equal(ComplianceRule.CheckInDate, reason.Rule);
        Assert.Contains("in the future", reason.Message);
    }

    [Fact]
    public void Entra_registration()
    {
        var reason = Assert.Single(Evaluate(GoodIphone(d => d.DeviceId = null)).Reasons);
        Assert.Equal(ComplianceRule.EntraRegistration, reason.Rule);
        Assert.True(Evaluate(GoodIphone(d => d.DeviceId = ""), Ios(p => p.RequireEntraRegistration = false)).IsCompliant);
    }

    [Fact]
    public void Every_broken_rule_is_listed()
    {
        var strict = Ios(p => { p.RequireEncryption = true; p.RequirePasscode = true; p.MaximumCheckInAge = TimeSpan.FromDays(1); });
        var device = new DeviceRecord { Platform = DevicePlatform.iOS, OsVersion = "10.3.3", ClientVersion = "11.0", Jailbroken = true, Encrypted = false, PasscodePresent = false, LastCheckIn = Now.AddDays(-3) };
        var result = Evaluate(device, strict);
        Assert.False(result.IsCompliant);
        Assert.Equal(new[] { ComplianceRule.EntraRegistration, ComplianceRule.MinimumOsVersion, ComplianceRule.MinimumClientVersion, ComplianceRule.Jailbroken,
            ComplianceRule.Encryption, ComplianceRule.Passcode, ComplianceRule.CheckInAge }, result.Reasons.Select(r => r.Rule));
        Assert.Contains("; ", result.ReasonSummary);
    }

    [Fact]
    public void Unknown_platform_and_missing_policy_are_reasons_without_a_policy()
    {
        var unknown = Evaluate(new DeviceRecord { DeviceId = "x", PlatformName = "Windows" });
        Assert.False(unknown.IsCompliant);
        Assert.False(unknown.HasPolicy);
        Assert.Equal(ComplianceRule.Platform, Assert.Single(unknown.Reasons).Rule);

        var android = Evaluate(GoodIphone(d => d.Platform = DevicePlatform.Android));
        Assert.False(android.IsCompliant);
        Assert.False(android.HasPolicy);
        Assert.Null(android.PolicyName);
        var reason = Assert.Single(android.Reasons);
        Assert.Equal(ComplianceRule.Policy, reason.Rule);
        Assert.Contains("No enabled compliance policy for Android", reason.Message);
    }

    [Fact]
    public void Disabled_policies_are_ignored_unless_asked_for()
    {
        var disabled = Ios(p => p.Enabled = false);
        Assert.False(new PolicyEvaluator(new[] { disabled }).HasPolicies);
        Assert.False(new PolicyEvaluator(new[] { disabled }).Evaluate(GoodIphone(), Now).HasPolicy);
        Assert.True(new PolicyEvaluator(new[] { disabled }, includeDisabled: true).Evaluate(GoodIphone(), Now).IsCompliant);
    }

    [Fact]
    public void Each_platform_uses_its_own_policy()
    {
        var android = CompliancePolicy.CreateDefault("Android baseline", DevicePlatform.Android);
        var evaluator = new PolicyEvaluator(new[] { Ios(), android });
        var pixel = GoodIphone(d => { d.Platform = DevicePlatform.Android; d.OsVersion = "8.1.0"; d.ClientVersion = "8.0"; });
        Assert.Equal("Android baseline", evaluator.Evaluate(pixel, Now).PolicyName);
        Assert.True(evaluator.Evaluate(pixel, Now).IsCompliant);
        Assert.False(evaluator.Evaluate(GoodIphone(d => d.OsVersion = "8.1.0"), Now).IsCompliant);
        Assert.Equal(2, evaluator.Policies.Count);
        Assert.Equal("Android baseline", evaluator.PolicyFor(DevicePlatform.Android)!.Name);
        Assert.Null(evaluator.PolicyFor(DevicePlatform.macOS));
    }

    [Fact]
    public void Two_policies_for_one_platform_conflict()
    {
        var ex = Assert.Throws<ComplianceException>(() => new PolicyEvaluator(new[] { Ios(), Ios(p => p.Name = "other") }));
        Assert.Equal("PolicyConflict", ex.ErrorId);
        Assert.Equal("InvalidPolicyPlatform", Assert.Throws<ComplianceException>(() => new PolicyEvaluator(new[] { new CompliancePolicy("x", DevicePlatform.Unknown) })).ErrorId);
    }

    [Fact]
    public void The_evaluator_keeps_a_snapshot_of_the_rules()
    {
        var policy = Ios();
        var evaluator = new PolicyEvaluator(new[] { policy });
        policy.MinimumOsVersion = new Version(99, 0);
        Assert.True(evaluator.Evaluate(GoodIphone(), Now).IsCompliant);
    }

    [Fact]
    public void Retired_devices_are_still_evaluated_and_flagged()
    {
        var result = Evaluate(GoodIphone(d => d.MdmState = "Retired"));
        Assert.True(result.IsRetired);
        Assert.True(result.IsCompliant);
    }

    [Fact]
    public void The_compliant_path_allocates_only_the_result()
    {
        var evaluator = new PolicyEvaluator(new[] { Ios(p => { p.RequireEncryption = true; p.RequirePasscode = true; p.MaximumCheckInAge = TimeSpan.FromDays(30); }) });
        var device = GoodIphone();
        evaluator.Evaluate(device, Now); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            evaluator.Evaluate(device, Now);
        }
        var perDevice = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000.0;
        Assert.True(perDevice <= 64, $"{perDevice} bytes per compliant device");
    }
}
