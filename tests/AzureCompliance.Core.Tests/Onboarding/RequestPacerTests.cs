using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Core.Tests.Onboarding;

public sealed class RequestPacerTests
{
    /// <summary>A clock that only moves when the pacer waits (or the test says so).</summary>
    private sealed class FakeTime
    {
        public DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        public readonly List<TimeSpan> Waits = new();

        public Task Delay(TimeSpan wait, CancellationToken token)
        {
            Waits.Add(wait);
            Now += wait;
            return Task.CompletedTask;
        }
    }

    private static Task<int> Call(RequestPacer pacer, FakeTime time, bool throttled = false, TimeSpan? takes = null) =>
        pacer.RunAsync(() =>
        {
            time.Now += takes ?? TimeSpan.Zero;
            return Task.FromResult((1, throttled));
        }, CancellationToken.None);

    [Fact]
    public async Task Requests_start_one_interval_after_the_previous_one_ended()
    {
        var time = new FakeTime();
        var pacer = new RequestPacer(TimeSpan.FromSeconds(1), () => time.Now, time.Delay);
        await Call(pacer, time, takes: TimeSpan.FromMilliseconds(200));
        await Call(pacer, time);
        await Call(pacer, time);
        Assert.Equal(new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) }, time.Waits);
    }

    [Fact]
    public async Task No_wait_when_the_interval_already_passed()
    {
        var time = new FakeTime();
        var pacer = new RequestPacer(TimeSpan.FromSeconds(1), () => time.Now, time.Delay);
        await Call(pacer, time);
        time.Now += TimeSpan.FromSeconds(3);
        await Call(pacer, time);
        Assert.Empty(time.Waits);
    }

    [Fact]
    public async Task The_spacing_doubles_while_throttled_and_resets_after_a_clean_answer()
    {
        var time = new FakeTime();
        var pacer = new RequestPacer(TimeSpan.FromSeconds(1), () => time.Now, time.Delay);
        await Call(pacer, time, throttled: true);
        Assert.Equal(TimeSpan.FromSeconds(2), pacer.CurrentInterval);
        await Call(pacer, time, throttled: true);
        Assert.Equal(TimeSpan.FromSeconds(4), pacer.CurrentInterval);
        await Call(pacer, time);
        Assert.Equal(TimeSpan.FromSeconds(1), pacer.CurrentInterval);
        Assert.Equal(new[] { TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4) }, time.Waits);
    }

    [Fact]
    public async Task The_spacing_is_capped()
    {
        var time = new FakeTime();
        var pacer = new RequestPacer(TimeSpan.FromSeconds(1), () => time.Now, time.Delay);
        for (var i = 0; i < 10; i++) await Call(pacer, time, throttled: true);
        Assert.Equal(pacer.MaxInterval, pacer.CurrentInterval);
        Assert.Equal(TimeSpan.FromSeconds(16), pacer.MaxInterval);
    }

    [Fact]
    public async Task A_final_429_stretches_the_spacing_and_other_errors_do_not()
    {
        var time = new FakeTime();
        var pacer = new RequestPacer(TimeSpan.FromSeconds(1), () => time.Now, time.Delay);
        await Assert.ThrowsAsync<ComplianceServiceException>(() => pacer.RunAsync<int>(
            () => throw new ComplianceServiceException("Throttled", ComplianceErrorCategory.LimitsExceeded, "429", 429, null, null), CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(2), pacer.CurrentInterval);
        await Assert.ThrowsAsync<ComplianceServiceException>(() => pacer.RunAsync<int>(
            () => throw new ComplianceServiceException("BadRequest", ComplianceErrorCategory.InvalidArgument, "400", 400, null, null), CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(1), pacer.CurrentInterval);
    }

    [Fact]
    public async Task Concurrent_callers_take_turns()
    {
        var pacer = new RequestPacer(TimeSpan.FromMilliseconds(50));
        var running = 0;
        var maxRunning = 0;
        var tasks = Enumerable.Range(0, 4).Select(_ => pacer.RunAsync(async () =>
        {
            var now = Interlocked.Increment(ref running);
            maxRunning = Math.Max(maxRunning, now);
            await Task.Delay(5);
            Interlocked.Decrement(ref running);
            return (0, false);
        }, CancellationToken.None)).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(tasks);
        Assert.Equal(1, maxRunning);
        Assert.True(watch.ElapsedMilliseconds >= 140, "four requests 50 ms apart take at least 150 ms; took " + watch.ElapsedMilliseconds);
    }
}
