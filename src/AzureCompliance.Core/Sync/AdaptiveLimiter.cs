using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// How many uploads may run at once and how fast new ones may start, learned from the service's answers. Two limits:
    /// <list type="bullet">
    /// <item>a concurrency window (AIMD): +1 per success until the first congestion signal (slow start), then +1/window per
    /// success; halved on a 429 or 503;</item>
    /// <item>a send rate (messages per second): it starts low and doubles every <see cref="SlowStartDoubling"/> seconds until
    /// the service first pushes back; then the rate the service actually accepted over the last second is taken as the
    /// budget (Wmax), the rate drops to <see cref="Beta"/> Wmax, climbs back to <see cref="Target"/> Wmax within
    /// <see cref="Recovery"/> seconds, and then probes above it slowly (faster the longer nothing pushes back), so a budget
    /// that grew is found again (after a hold of <see cref="HoldPerConfirmation"/> seconds per cut that confirmed the
    /// estimate). A message budget per time window is a rate limit that concurrency alone cannot find.</item>
    /// </list>
    /// One cut per round trip: a signal from a request that started before the last cut says nothing new and is ignored.
    /// A throttled request that waits out its Retry-After and goes again counts against the rate when it goes. When the
    /// service keeps pushing back (<see cref="PauseAfterCuts"/> cuts with no success between), no new request starts until
    /// its Retry-After has passed. Time is in seconds from an arbitrary origin; thread-safe.
    /// </summary>
    internal sealed class AdaptiveLimiter
    {
        /// <summary>The rate right after a cut, as a share of the budget estimate.</summary>
        public const double Beta = 0.85;
        /// <summary>The rate right after a cut when the budget estimate confirms the previous one (within 5 %): a smaller dip.</summary>
        public const double ConfirmedBeta = 0.92;
        /// <summary>Where the rate settles after a cut, as a share of the budget estimate.</summary>
        public const double Target = 0.96;
        /// <summary>Seconds to climb from Beta to Target after a cut.</summary>
        public const double Recovery = 1.0;
        /// <summary>Probing above Target: + (ProbeLinear s + ProbeQuadratic s^2) Wmax, s seconds after the recovery.</summary>
        public const double ProbeLinear = 0.003;
        public const double ProbeQuadratic = 0.0015;
        /// <summary>Seconds the rate holds at Target before it probes, per cut that confirmed the estimate (at most <see cref="MaxConfirmations"/>).</summary>
        public const double HoldPerConfirmation = 4.0;
        public const int MaxConfirmations = 2;
        public const double InitialRate = 8;
        public const double SlowStartDoubling = 0.25;
        public const int PauseAfterCuts = 3;
        public const double MinimumRate = 0.2;
        private const double MaximumRate = 1_000_000;
        private const int LogSize = 4096;

        private readonly object _sync = new object();
        private readonly Func<double> _clock;
        private readonly double _origin;
        // Times of recent successes (for the accepted rate when the service pushes back).
        private readonly double[] _successLog = new double[LogSize];
        private long _successes;
        // Send times of the last second: after a push-back, no second may hold more sends than the rate allows.
        private readonly Queue<double> _recentSends = new Queue<double>();
        // Throttled requests that go again at these times, outside the limiter: each takes a send slot then.

        private double _window;
        private bool _slowStart = true;
        private int _inFlight;

        private bool _learned;
        private double _wMax;
        private double _epochStart;
        private double _beta = Beta;
        private int _confirmations;
        private double _tat = double.NegativeInfinity;

        private double _lastCut = double.NegativeInfinity;
        private double _lastWindowCut = double.NegativeInfinity;
        private int _cutsInARow;
        private double _pausedUntil = double.NegativeInfinity;

        public AdaptiveLimiter(int maxConcurrency, Func<double>? clock = null, int initialWindow = 2)
        {
            if (maxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(maxConcurrency));
            MaxConcurrency = maxConcurrency;
            _window = Math.Min(Math.Max(1, initialWindow), maxConcurrency);
            _clock = clock ?? StopwatchClock();
            _origin = _clock();
        }

        public int MaxConcurrency { get; }

        /// <summary>The concurrency window now (at least 1).</summary>
        public double Window { get { lock (_sync) return _window; } }

        public int Concurrency { get { lock (_sync) return Math.Max(1, (int)_window); } }

        public int InFlight { get { lock (_sync) return _inFlight; } }

        /// <summary>The send rate now, in messages per second.</summary>
        public double Rate { get { lock (_sync) return RateAt(_clock()); } }

        /// <summary>The budget estimate (messages per second the service accepted when it last pushed back), or null before that.</summary>
        public double? Ceiling { get { lock (_sync) return _learned ? _wMax : (double?)null; } }

        public long Congestions { get; private set; }

        public long Cuts { get; private set; }

        public long Pauses { get; private set; }

        public double Now => _clock();

        /// <summary>
        /// Takes a slot if one is free now. Otherwise returns null with how long to wait: a positive number of seconds, or
        /// -1 to wait until a running request finishes.
        /// </summary>
        public Lease? TryAcquire(out double wait)
        {
            lock (_sync)
            {
                var now = _clock();
                if (now < _pausedUntil)
                {
                    wait = _pausedUntil - now;
                    return null;
                }
                if (_inFlight >= Math.Max(1, (int)_window))
                {
                    wait = -1;
                    return null;
                }
                var rate = RateAt(now);
                var interval = 1 / rate;
                if (_tat > now)
                {
                    wait = _tat - now;
                    return null;
                }
                while (_recentSends.Count > 0 && now - _recentSends.Peek() >= 1.0)
                {
                    _recentSends.Dequeue();
                }
                if (_learned && _recentSends.Count >= Math.Max(1, rate))
                {
                    // A burst (slow start, or retries going again) still fills the last second: wait until it slides out.
                    wait = Math.Max(0.001, _recentSends.Peek() + 1.0 - now);
                    return null;
                }
                _recentSends.Enqueue(now);
                _tat = Math.Max(_tat, now - CatchUp(interval)) + interval;
                _inFlight++;
                wait = 0;
                return new Lease(this, now);
            }
        }

        /// <summary>Waits for a slot (see <see cref="TryAcquire"/>).</summary>
        public async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var lease = TryAcquire(out var wait);
                if (lease != null)
                {
                    return lease;
                }
                if (wait < 0)
                {
                    await WaitForReleaseAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(wait * 1000, 1000))), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private TaskCompletionSource<bool> _released = NewSignal();

        private static TaskCompletionSource<bool> NewSignal() => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        private async Task WaitForReleaseAsync(CancellationToken cancellationToken)
        {
            Task signal;
            lock (_sync)
            {
                if (_inFlight < Math.Max(1, (int)_window))
                {
                    return;
                }
                signal = _released.Task;
            }
            var delay = Task.Delay(250, cancellationToken);
            await Task.WhenAny(signal, delay).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        private void SignalRelease()
        {
            TaskCompletionSource<bool> signal;
            lock (_sync)
            {
                signal = _released;
                _released = NewSignal();
            }
            signal.TrySetResult(true);
        }

        /// <summary>
        /// The service answered 429 (<paramref name="throttled"/>) or 503 to a request of this lease; <paramref name="retryAfter"/>
        /// in seconds, if it said.
        /// </summary>
        public void OnCongestion(Lease? lease, bool throttled, double? retryAfter) => OnCongestion(lease?.StartedAt ?? _clock(), throttled, retryAfter);

        /// <summary>
        /// The service answered 429 (<paramref name="throttled"/>: its budget is spent) or 503 (it is overloaded) to a request
        /// that started at <paramref name="startedAt"/> (also a status read, which takes no slot). Both halve the concurrency
        /// window; a 429 also sets the rate from the budget estimate. Once per round trip.
        /// </summary>
        public void OnCongestion(double startedAt, bool throttled, double? retryAfter)
        {
            lock (_sync)
            {
                var now = _clock();
                Congestions++;
                if (startedAt < (throttled ? _lastCut : _lastWindowCut))
                {
                    return; // sent before the last cut: already accounted for
                }
                _window = Math.Max(1, _window / 2);
                _slowStart = false;
                _lastWindowCut = now;
                if (!throttled)
                {
                    return;
                }

                // The most the service accepted in any one second of the last few is the best estimate of its budget (a
                // budget per second can never have let more through); never below half of what was sent in the last second,
                // since a stall with little accepted is no budget of zero.
                while (_recentSends.Count > 0 && now - _recentSends.Peek() >= 1.0)
                {
                    _recentSends.Dequeue();
                }
                var sentLastSecond = _recentSends.Count;
                var accepted = BestAcceptedRate(now);
                // At a small budget, half of a burst sent is no floor: it is well above what the service lets through.
                var floor = accepted >= SmallBudget || accepted <= 0 ? sentLastSecond / 2.0 : 0;
                var wMax = Math.Max(MinimumRate, Math.Max(floor, accepted));
                var confirmed = _learned && Math.Abs(wMax - _wMax) <= 0.05 * _wMax;
                _beta = confirmed ? ConfirmedBeta : Beta;
                _confirmations = confirmed ? _confirmations + 1 : 0;
                _wMax = wMax;
                _learned = true;
                _epochStart = now;
                _tat = Math.Max(_tat, now);

                _lastCut = now;
                Cuts++;
                _cutsInARow++;
                if (_cutsInARow >= PauseAfterCuts && retryAfter.HasValue && retryAfter.Value > 0)
                {
                    _pausedUntil = Math.Max(_pausedUntil, now + retryAfter.Value);
                    Pauses++;
                }
            }
        }

        /// <summary>
        /// How much of a late start may be made up: a timer's oversleep (half an interval, at most 10 ms), not an idle
        /// while. At a few messages a second, half an interval would send two messages a bare second apart, which a
        /// budget per second answers with a 429 as often as not.
        /// </summary>
        private static double CatchUp(double interval) => Math.Min(interval / 2, MaximumCatchUp);

        private const double MaximumCatchUp = 0.010;

        private void Complete(Lease lease, bool success)
        {
            lock (_sync)
            {
                _inFlight--;
                if (success)
                {
                    var now = _clock();
                    _successLog[_successes % LogSize] = now;
                    _successes++;
                    _cutsInARow = 0;
                    _window = Math.Min(MaxConcurrency, _slowStart ? _window + 1 : _window + 1 / _window);
                    if (_learned && lease.StartedAt < _lastCut)
                    {
                        // In flight when the service pushed back, and accepted: the estimate made at the cut could not count
                        // it (at a budget of 2, the first cut would otherwise learn 1 and the run would crawl at half speed).
                        var accepted = BestAcceptedRate(now);
                        if (accepted > _wMax)
                        {
                            _wMax = accepted;
                        }
                    }
                }
            }
            SignalRelease();
        }

        /// <summary>
        /// Before the first push-back: InitialRate doubling every SlowStartDoubling seconds. After: Beta Wmax rising to
        /// Target Wmax over Recovery seconds, then probing above it.
        /// </summary>
        private double RateAt(double now)
        {
            double rate;
            if (!_learned)
            {
                rate = InitialRate * Math.Pow(2, Math.Min(60, (now - _origin) / SlowStartDoubling));
            }
            else
            {
                var t = now - _epochStart;
                if (t < Recovery)
                {
                    rate = _wMax * (_beta + (Target - _beta) * t / Recovery);
                }
                else
                {
                    // Each cut that found the budget where the last one did holds the rate at Target a while longer before
                    // probing: a budget that holds is not worth a 429 every few seconds (at 2 messages a second each costs a
                    // message's worth of budget). Any other cut starts afresh, so a budget that grew is still found.
                    var s = Math.Max(0, t - Recovery - HoldPerConfirmation * Math.Min(MaxConfirmations, _confirmations));
                    rate = _wMax * (Target + ProbeLinear * s + ProbeQuadratic * s * s);
                }
            }
            return Math.Min(MaximumRate, Math.Max(MinimumRate, rate));
        }

        /// <summary>
        /// The most successes that fell in any one-second span of the last <see cref="EstimateHorizon"/> seconds, or, below
        /// <see cref="SmallBudget"/>, the successes' rate over that span when lower.
        /// </summary>
        private double BestAcceptedRate(double now)
        {
            var count = (int)Math.Min(_successes, LogSize);
            if (count == 0)
            {
                return 0;
            }
            // Successes newest first: times[0] is the latest.
            var n = 0;
            while (n < count && now - _successLog[(_successes - 1 - n) % LogSize] <= EstimateHorizon)
            {
                n++;
            }
            if (n == 0)
            {
                return 0;
            }
            var best = 0;
            var tail = 0;
            for (var head = 0; head < n; head++)
            {
                var headTime = _successLog[(_successes - 1 - head) % LogSize];
                while (_successLog[(_successes - 1 - tail) % LogSize] - headTime > 1.0)
                {
                    tail++;
                }
                best = Math.Max(best, head - tail + 1);
            }
            if (best < SmallBudget && n >= 3)
            {
                // A few messages a second: a count per second is too coarse (jitter puts 3 of a budget of 2 in one second);
                // the spacing of the successes over the horizon is finer, and cannot exceed what the service let through.
                var span = _successLog[(_successes - 1) % LogSize] - _successLog[(_successes - n) % LogSize];
                if (span > 0)
                {
                    return Math.Min(best, (n - 1) / span);
                }
            }
            return best;
        }

        /// <summary>Below this many messages a second, the budget estimate is taken from the successes' spacing.</summary>
        public const int SmallBudget = 8;

        /// <summary>Seconds of history the budget estimate looks at.</summary>
        public const double EstimateHorizon = 3.0;

        private static Func<double> StopwatchClock()
        {
            var watch = Stopwatch.StartNew();
            return () => watch.Elapsed.TotalSeconds;
        }

        /// <summary>A started request's slot: complete it once.</summary>
        public sealed class Lease
        {
            private readonly AdaptiveLimiter _owner;
            private int _done;

            internal Lease(AdaptiveLimiter owner, double startedAt)
            {
                _owner = owner;
                StartedAt = startedAt;
            }

            public double StartedAt { get; }
            public void Complete(bool success)
            {
                if (Interlocked.Exchange(ref _done, 1) == 0)
                {
                    _owner.Complete(this, success);
                }
            }
        }
    }
}
