using AzureCompliance.Core.Sync;
using Xunit.Abstractions;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>The adaptive upload limit: AIMD on concurrency, a learned rate for message budgets, Retry-After.</summary>
public sealed class AdaptiveLimiterTests
{
    private readonly ITestOutputHelper _output;
    private double _now;

    public AdaptiveLimiterTests(ITestOutputHelper output) => _output = output;

    private AdaptiveLimiter Limiter(int max = 16) => new(max, () => _now);

    [Fact]
    public void The_window_grows_by_one_per_success_until_the_first_push_back_then_halves()
    {
        var limiter = Limiter();
        Assert.Equal(2, limiter.Concurrency);
        for (var i = 0; i < 6; i++)
        {
            _now += 1;
            limiter.TryAcquire(out _)!.Complete(true);
        }
        Assert.Equal(8, limiter.Concurrency);
        _now += 1;
        limiter.OnCongestion(_now, throttled: false, retryAfter: null);
        Assert.Equal(4, limiter.Concurrency);
        // After the first push-back: +1/window per success (additive).
        for (var i = 0; i < 5; i++)
        {
            _now += 1;
            limiter.TryAcquire(out _)!.Complete(true);
        }
        Assert.Equal(5, limiter.Concurrency);
        Assert.Null(limiter.Ceiling); // a 503 says "overloaded", not "budget spent"
    }

    [Fact]
    public void A_full_window_waits_for_a_release_and_a_slot_is_freed_once()
    {
        var limiter = Limiter(max: 2);
        var first = limiter.TryAcquire(out _)!;
        _now += 1;
        var second = limiter.TryAcquire(out _)!;
        _now += 1;
        Assert.Null(limiter.TryAcquire(out var wait));
        Assert.Equal(-1, wait);
        first.Complete(false);
        first.Complete(true); // completing twice does not free a slot twice
        Assert.Equal(1, limiter.InFlight);
        Assert.NotNull(limiter.TryAcquire(out _));
        Assert.Equal(2, limiter.InFlight);
        second.Complete(true);
        Assert.Equal(1, limiter.InFlight);
    }

    [Fact]
    public void A_429_sets_the_rate_from_what_the_service_accepted_and_ignores_requests_sent_before_the_cut()
    {
        var limiter = Limiter();
        // 40 accepted over the last second.
        for (var i = 0; i < 40; i++)
        {
            _now += 0.025;
            var lease = limiter.TryAcquire(out var wait);
            while (lease == null)
            {
                _now += Math.Max(0.001, wait);
                lease = limiter.TryAcquire(out wait);
            }
            lease.Complete(true);
        }
        var before = _now;
        _now += 0.01;
        limiter.OnCongestion(_now, throttled: true, retryAfter: 1);
        Assert.InRange(limiter.Ceiling!.Value, 35, 41);
        Assert.InRange(limiter.Rate, 0.84 * limiter.Ceiling.Value, 0.86 * limiter.Ceiling.Value);
        var cuts = limiter.Cuts;
        limiter.OnCongestion(before, throttled: true, retryAfter: 1);
        Assert.Equal(cuts, limiter.Cuts);
        // Recovers to 96 % of the estimate within a second, then probes above it.
        _now += 1.0;
        Assert.InRange(limiter.Rate / limiter.Ceiling.Value, 0.955, 0.965);
        _now += 10;
        Assert.True(limiter.Rate > limiter.Ceiling.Value, "probes above the estimate after a quiet while");
    }

    [Fact]
    public void A_success_that_was_in_flight_at_the_cut_raises_the_estimate_it_could_not_count()
    {
        // A budget of 2 a second: two requests go, the first is accepted, a third is refused before the second's answer.
        var limiter = Limiter();
        var first = limiter.TryAcquire(out _)!;
        _now += 0.13;
        var second = limiter.TryAcquire(out _)!;
        _now += 0.2;
        first.Complete(true);
        var third = limiter.TryAcquire(out _)!;
        _now += 0.05;
        third.Complete(false);
        limiter.OnCongestion(third, throttled: true, retryAfter: 1);
        Assert.Equal(1, limiter.Ceiling);
        _now += 0.01;
        second.Complete(true);
        Assert.Equal(2, limiter.Ceiling);
        _now += 1.5;
        Assert.InRange(limiter.Rate, 1.9, 2.0);
        // A success sent after the cut does not move the estimate: it is what the rate already allows.
        var later = limiter.TryAcquire(out _)!;
        _now += 0.05;
        later.Complete(true);
        Assert.Equal(2, limiter.Ceiling);
    }

    [Fact]
    public void Cuts_that_confirm_the_estimate_hold_the_rate_below_it_longer_before_probing()
    {
        var limiter = Limiter();
        void CutAt(int accepted)
        {
            // `accepted` successes over the last second, then a 429.
            for (var i = 0; i < accepted; i++)
            {
                _now += 1.0 / accepted;
                var lease = limiter.TryAcquire(out var wait);
                while (lease == null)
                {
                    _now += Math.Max(0.001, wait);
                    lease = limiter.TryAcquire(out wait);
                }
                lease.Complete(true);
            }
            _now += 0.001;
            limiter.OnCongestion(_now, throttled: true, retryAfter: 1);
        }

        CutAt(40);
        var firstCut = _now;
        _now = firstCut + AdaptiveLimiter.Recovery + 3;
        Assert.True(limiter.Rate > AdaptiveLimiter.Target * limiter.Ceiling!.Value, "a first estimate is probed at once");
        CutAt(40);
        CutAt(40);
        var confirmedCut = _now;
        _now = confirmedCut + AdaptiveLimiter.Recovery + 2 * AdaptiveLimiter.HoldPerConfirmation - 0.5;
        Assert.Equal(AdaptiveLimiter.Target * limiter.Ceiling!.Value, limiter.Rate, 3);
        _now = confirmedCut + AdaptiveLimiter.Recovery + 2 * AdaptiveLimiter.HoldPerConfirmation + 3;
        Assert.True(limiter.Rate > AdaptiveLimiter.Target * limiter.Ceiling.Value, "it probes after the hold");
        // An estimate that moved starts afresh: probed at once again.
        _now += AdaptiveLimiter.EstimateHorizon + 1;
        CutAt(20);
        Assert.InRange(limiter.Ceiling!.Value, 19, 21);
        var movedCut = _now;
        _now = movedCut + AdaptiveLimiter.Recovery + 3;
        Assert.True(limiter.Rate > AdaptiveLimiter.Target * limiter.Ceiling!.Value);
    }

    [Theory]
    [InlineData(2, 4)]
    [InlineData(50, 100)]
    public void A_budget_that_grew_is_found_again_within_half_a_minute(int budget, int later)
    {
        var simulation = new LimiterSimulation { Budget = budget, LaterBudget = later, BudgetChangesAt = 60, Duration = 150, Latency = 0.03, Jitter = 0.02 };
        var outcome = simulation.Run();
        _output.WriteLine($"found at {simulation.FoundLaterBudgetAt:0.0} s; {outcome}");
        Assert.NotNull(simulation.FoundLaterBudgetAt);
        Assert.InRange(simulation.FoundLaterBudgetAt!.Value, 60, 90);
    }

    [Fact]
    public void Repeated_push_back_without_success_pauses_until_Retry_After()
    {
        var limiter = Limiter();
        for (var i = 0; i < AdaptiveLimiter.PauseAfterCuts; i++)
        {
            _now += 0.1;
            limiter.OnCongestion(_now, throttled: true, retryAfter: 3);
        }
        Assert.Null(limiter.TryAcquire(out var wait));
        Assert.InRange(wait, 2.9, 3.0);
        _now += 3.01;
        Assert.NotNull(limiter.TryAcquire(out _));
        Assert.Equal(1, limiter.Pauses);
    }

    [Theory]
    [InlineData(50, 1.0, 0.0)]
    [InlineData(100, 1.0, 0.0)]
    [InlineData(100, 1.0, 0.05)]
    public void Against_a_message_budget_it_stays_near_the_ceiling_and_is_rarely_throttled(int budget, double window, double random503)
    {
        var outcome = new LimiterSimulation { Budget = budget, Window = window, Latency = 0.025, Duration = 60, Random503 = random503 }.Run();
        _output.WriteLine(outcome.ToString());
        Assert.True(outcome.ShareOfCeiling >= 0.9, outcome.ToString());
        Assert.True(outcome.ThrottledShare < 0.01, outcome.ToString());
    }

    [Theory]
    [InlineData(1, 25)]
    [InlineData(2, 50)]
    [InlineData(5, 125)]
    public void At_a_small_budget_a_short_run_uploads_near_the_ceiling(int budget, int messages)
    {
        var outcome = new LimiterSimulation { Budget = budget, Messages = messages, Latency = 0.03, Jitter = 0.02, Trace = _output.WriteLine }.Run();
        _output.WriteLine(outcome.ToString());
        Assert.Equal(messages, outcome.Accepted);
        // The ideal is the budget from the first second on; each second-long Retry-After at a budget of 1 or 2 costs ~2-4 %,
        // so the 429s must stay few (a first cut, then probes held back while the estimate holds).
        Assert.True(outcome.ShareOfCeiling >= 0.91, outcome.ToString());
        Assert.True(outcome.Throttled <= 4, outcome.ToString());
    }
}
