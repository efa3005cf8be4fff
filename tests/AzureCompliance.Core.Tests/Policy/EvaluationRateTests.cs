using System.Diagnostics;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Policy;
using Xunit.Abstractions;

namespace AzureCompliance.Core.Tests.Policy;

/// <summary>Measures the evaluation rate on one core; prints it, asserts only the verdict counts (timing is not a test).</summary>
public sealed class EvaluationRateTests
{
    private readonly ITestOutputHelper _output;

    public EvaluationRateTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void One_million_generated_devices()
    {
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        var ios = CompliancePolicy.CreateDefault("iOS", DevicePlatform.iOS);
        ios.RequirePasscode = true;
        ios.MaximumCheckInAge = TimeSpan.FromDays(14);
        var android = CompliancePolicy.CreateDefault("Android", DevicePlatform.Android);
        android.RequireEncryption = true;
        var mac = CompliancePolicy.CreateDefault("macOS", DevicePlatform.macOS);
        var evaluator = new PolicyEvaluator(new[] { ios, android, mac });

        const int count = 1_000_000;
        var osVersions = new[] { "17.5.1", "16.7.8", "11.4", "18.1", "14", "8.1.0 (build 123)", "13.0", "12.0.1-beta" };
        var devices = new DeviceRecord[count];
        var random = new Random(42);
        for (var i = 0; i < count; i++)
        {
            var platform = (DevicePlatform)(1 + i % 3);
            devices[i] = new DeviceRecord
            {
                DeviceId = Guid.NewGuid().ToString(),
                DeviceName = "device-" + i,
                Platform = platform,
                OsVersion = osVersions[random.Next(osVersions.Length)],
                ClientVersion = random.Next(10) == 0 ? "7.9" : "12.11.0",
                Jailbroken = random.Next(50) == 0,
                Encrypted = random.Next(20) != 0,
                PasscodePresent = random.Next(20) != 0,
                LastCheckIn = now.AddHours(-random.Next(24 * 20)),
                MdmState = "Active",
            };
        }

        // Warm up (JIT), then measure on this thread.
        for (var i = 0; i < 10_000; i++) evaluator.Evaluate(devices[i], now);
        var compliant = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            if (evaluator.Evaluate(devices[i], now).IsCompliant) compliant++;
        }
        stopwatch.Stop();
        var rate = count / stopwatch.Elapsed.TotalSeconds;
        _output.WriteLine($"Evaluated {count:N0} devices in {stopwatch.Elapsed.TotalMilliseconds:N0} ms on one core: {rate:N0} devices/s ({compliant:N0} compliant).");
        Console.WriteLine($"[evaluation rate] {rate:N0} devices/s ({count:N0} devices, {stopwatch.Elapsed.TotalMilliseconds:N0} ms, {compliant:N0} compliant)");
        Assert.InRange(compliant, 1, count - 1);
    }
}
