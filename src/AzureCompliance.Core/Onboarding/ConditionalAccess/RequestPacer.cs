using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Onboarding.ConditionalAccess
{
    /// <summary>
    /// Spaces requests out: one at a time, each starting at least <see cref="Interval"/> after the previous one ended.
    /// When a request had to be retried after a 429, the next one waits twice as long (and the pause grows while 429s
    /// continue, up to <see cref="MaxInterval"/>), so a tenant shared with other apps settles instead of being hammered.
    /// </summary>
    internal sealed class RequestPacer
    {
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);
        private readonly Func<DateTimeOffset> _clock;
        private readonly Func<TimeSpan, CancellationToken, Task> _delay;
        private DateTimeOffset _next = DateTimeOffset.MinValue;
        private TimeSpan _current;

        public RequestPacer(TimeSpan interval, Func<DateTimeOffset>? clock = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
        {
            Interval = interval;
            _current = interval;
            _clock = clock ?? (() => DateTimeOffset.UtcNow);
            _delay = delay ?? Task.Delay;
        }

        public TimeSpan Interval { get; }
        public TimeSpan MaxInterval => TimeSpan.FromTicks(Interval.Ticks * 16);
        /// <summary>The pause the next request will keep after the previous one (grows after 429s).</summary>
        public TimeSpan CurrentInterval => _current;

        /// <summary>Runs one request in its turn. <paramref name="call"/> returns its result and whether it was throttled (429) on the way.</summary>
        public async Task<T> RunAsync<T>(Func<Task<(T Result, bool Throttled)>> call, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var wait = _next - _clock();
                if (wait > TimeSpan.Zero)
                {
                    await _delay(wait, cancellationToken).ConfigureAwait(false);
                }
                var throttled = false;
                try
                {
                    var (result, wasThrottled) = await call().ConfigureAwait(false);
                    throttled = wasThrottled;
                    return result;
                }
                catch (ComplianceServiceException ex) when (ex.StatusCode == 429)
                {
                    throttled = true;
                    throw;
                }
                finally
                {
                    _current = throttled
                        ? TimeSpan.FromTicks(Math.Min(_current.Ticks * 2, MaxInterval.Ticks))
                        : Interval;
                    _next = _clock() + _current;
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>
    /// Conditional Access is throttled at 1 request per second per tenant, for all apps together, and its 429s carry no
    /// Retry-After (PROTOCOL.md 2). Every Conditional Access call of the module goes through the pacer of its tenant (shared
    /// by every connection to that tenant in the process); the connection's retry handler backs off exponentially on a 429
    /// without Retry-After, and the pacer stretches its spacing while 429s keep coming.
    /// </summary>
    internal static class ConditionalAccessPacing
    {
        /// <summary>One second, and a tenth to spare: timers and the service's clock are not exact to the millisecond.</summary>
        internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(1100);
        private static readonly ConcurrentDictionary<string, RequestPacer> Pacers = new ConcurrentDictionary<string, RequestPacer>(StringComparer.OrdinalIgnoreCase);

        public static RequestPacer For(ComplianceConnection connection) =>
            Pacers.GetOrAdd(connection.GraphEndpoint + "|" + connection.TenantId, _ => new RequestPacer(Interval));

        /// <summary>Runs one Conditional Access call in the tenant's turn, reporting its back-offs as verbose messages.</summary>
        public static Task<T> RunAsync<T>(ComplianceConnection connection, Func<Task<T>> call, IOperationContext context, CancellationToken cancellationToken)
        {
            return For(connection).RunAsync(async () =>
            {
                var throttled = false;
                void OnRetry(HttpRequestMessage request, int attempt, HttpStatusCode? status, TimeSpan delay, string reason)
                {
                    if ((int?)status == 429 && IsConditionalAccess(request.RequestUri))
                    {
                        throttled = true;
                        context.WriteVerbose($"Conditional Access answered 429 (attempt {attempt}, {reason}): waiting {delay.TotalSeconds:0.#} s before trying again.");
                    }
                }
                var hub = connection.Session.RetryObserver;
                hub.Retrying += OnRetry;
                try
                {
                    var result = await call().ConfigureAwait(false);
                    return (result, throttled);
                }
                finally
                {
                    hub.Retrying -= OnRetry;
                }
            }, cancellationToken);
        }

        public static async Task RunAsync(ComplianceConnection connection, Func<Task> call, IOperationContext context, CancellationToken cancellationToken) =>
            await RunAsync(connection, async () => { await call().ConfigureAwait(false); return true; }, context, cancellationToken).ConfigureAwait(false);

        private static bool IsConditionalAccess(Uri? uri) =>
            uri != null && uri.AbsolutePath.IndexOf("/identity/conditionalAccess", StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
