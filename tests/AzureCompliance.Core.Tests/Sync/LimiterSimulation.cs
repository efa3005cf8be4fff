using AzureCompliance.Core.Sync;

namespace AzureCompliance.Core.Tests.Sync;


/// <summary>
/// A discrete-event simulation of uploads through <see cref="AdaptiveLimiter"/> against a service with a sliding-window
/// message budget (as the emulator and, presumably, Intune enforce it), in virtual time: the limiter's algorithm is
/// judged without sockets or timers. Messages go as <see cref="MessageCourier"/> sends them: each takes a slot, and a
/// throttled one releases it, waits out its Retry-After (whole seconds, at least 1) and takes a slot again.
/// </summary>
internal sealed class LimiterSimulation
{
    public int Budget { get; init; } = 50;
    public double Window { get; init; } = 1.0;
    public double Latency { get; init; } = 0.025;
    public double Jitter { get; init; } = 0.005;
    public int MaxConcurrency { get; init; } = 16;
    public double Duration { get; init; } = 30;
    /// <summary>Messages to upload (all ready at the start), or null for an endless supply over <see cref="Duration"/>.</summary>
    public int? Messages { get; init; }
    /// <summary>Share of requests answered 503 at random (not congestion: injected faults).</summary>
    public double Random503 { get; init; }
    public int Seed { get; init; } = 7;
    /// <summary>The budget changes to this value at <see cref="BudgetChangesAt"/> seconds (a service that lets more through).</summary>
    public int? LaterBudget { get; init; }
    public double BudgetChangesAt { get; init; } = double.MaxValue;
    /// <summary>The first time after <see cref="BudgetChangesAt"/> that a second's acceptances reached 90 % of the later budget.</summary>
    public double? FoundLaterBudgetAt { get; private set; }
    /// <summary>Receives one line per simulated second (rate, window, accepted, throttled), for tuning.</summary>
    public Action<string>? Trace { get; init; }

    /// <summary>What the run achieved; <see cref="Duration"/> is the simulated time (until the last message was accepted, with <see cref="Messages"/>).</summary>
    public sealed record Outcome(int Accepted, int Requests, int Throttled, double Ceiling, double Duration, double? FinalRate, long Pauses, long Cuts)
    {
        public double ShareOfCeiling => Accepted / (Ceiling * Duration);
        public double ThrottledShare => Requests == 0 ? 0 : (double)Throttled / Requests;
        public override string ToString() =>
            $"accepted {Accepted} in {Duration:0.00} s, ceiling {Ceiling * Duration:0} ({ShareOfCeiling:P1}), 429 {Throttled}/{Requests} ({ThrottledShare:P2}), rate {FinalRate:0.00}/s, pauses {Pauses}, cuts {Cuts}";
    }

    public Outcome Run()
    {
        var now = 0.0;
        var limiter = new AdaptiveLimiter(MaxConcurrency, () => now);
        var random = new Random(Seed);
        var events = new PriorityQueue<Action, double>();
        var serverLog = new Queue<double>();
        int accepted = 0, requests = 0, throttled = 0;
        var lastAccepted = 0.0;
        // Messages waiting for a slot (the courier's PutAsync calls in AcquireAsync).
        var ready = Messages ?? int.MaxValue;
        var waiting = false;

        double Delay() => Latency / 2 + (random.NextDouble() - 0.5) * Jitter;

        void Send(AdaptiveLimiter.Lease lease)
        {
            requests++;
            var arrival = now + Delay();
            events.Enqueue(() =>
            {
                // At the server.
                while (serverLog.Count > 0 && now - serverLog.Peek() >= Window) serverLog.Dequeue();
                int status;
                double retryAfter = 0;
                if (Random503 > 0 && random.NextDouble() < Random503)
                {
                    status = 503;
                }
                else if (serverLog.Count >= (now >= BudgetChangesAt && LaterBudget is { } later ? later : Budget))
                {
                    status = 429;
                    retryAfter = Math.Max(1, Math.Ceiling(serverLog.Peek() + Window - now));
                }
                else
                {
                    status = 200;
                    serverLog.Enqueue(now);
                }
                events.Enqueue(() =>
                {
                    // Back at the client.
                    if (status == 200)
                    {
                        if (Messages.HasValue || now <= Duration) accepted++;
                        lastAccepted = now;
                        lease.Complete(true);
                    }
                    else
                    {
                        if (status == 429) throttled++;
                        limiter.OnCongestion(lease, status == 429, status == 429 ? retryAfter : null);
                        lease.Complete(false);
                        var pause = status == 429 ? retryAfter : 0.5;
                        events.Enqueue(() => { ready++; Pump(); }, now + pause);
                    }
                    Pump();
                }, now + Delay());
            }, arrival);
        }

        void Pump()
        {
            if (waiting) return;
            while (ready > 0 && (Messages.HasValue || now <= Duration))
            {
                var lease = limiter.TryAcquire(out var wait);
                if (lease == null)
                {
                    if (wait > 0)
                    {
                        waiting = true;
                        events.Enqueue(() => { waiting = false; Pump(); }, now + wait);
                    }
                    return; // -1: a completion pumps again
                }
                ready--;
                Send(lease);
            }
        }

        Pump();
        var nextTrace = 1.0;
        int tracedAccepted = 0, tracedThrottled = 0;
        var end = Messages.HasValue ? double.MaxValue : Duration + 5;
        while (events.TryDequeue(out var action, out var time) && time <= end)
        {
            now = time;
            while (Trace != null && now >= nextTrace && (Messages.HasValue || nextTrace <= Duration))
            {
                Trace($"t={nextTrace:0} rate={limiter.Rate:0.00} ceiling={limiter.Ceiling:0.00} window={limiter.Window:0.0} inflight={limiter.InFlight} accepted={accepted - tracedAccepted} 429={throttled - tracedThrottled}");
                tracedAccepted = accepted;
                tracedThrottled = throttled;
                nextTrace += 1;
            }
            action();
            if (LaterBudget is { } grown && FoundLaterBudgetAt is null && now >= BudgetChangesAt + Window)
            {
                while (serverLog.Count > 0 && now - serverLog.Peek() >= Window) serverLog.Dequeue();
                if (serverLog.Count >= 0.9 * grown) FoundLaterBudgetAt = now;
            }
        }
        var duration = Messages.HasValue ? lastAccepted : Duration;
        return new Outcome(accepted, requests, throttled, Budget / Window, duration, limiter.Rate, limiter.Pauses, limiter.Cuts);
    }
}
