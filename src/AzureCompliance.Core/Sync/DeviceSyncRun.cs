using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// One Send-DeviceCompliance run: devices go in (<see cref="PostAsync"/>, from the host), are judged by the
    /// enabled policy of their platform, filtered by the group scope (<see cref="DeviceTriage"/>), compared with what Entra
    /// last confirmed and packed into data upload messages (<see cref="DeltaPacker"/>), recorded as sent, uploaded
    /// concurrently under an adaptive limit, and followed until the service confirms them (<see cref="MessageCourier"/>).
    /// Memory stays flat: a bounded queue in front (<see cref="PostAsync"/> completes when it took the device), a bounded
    /// number of messages in flight. Results (-PassThru), per-device errors and messages go to the
    /// <see cref="IOperationContext"/> the run was started with, as they happen; the engine asks that context
    /// (ShouldProcess) before it sends a device, and keeps from every write when the context previews (-WhatIf).
    /// Dispose always: it stops what still runs and keeps everything confirmed recorded. <see cref="SyncRunFactory"/> builds it.
    /// </summary>
    public sealed class DeviceSyncRun : IDisposable
    {
        private readonly SyncSetup _setup;
        private readonly DeviceSyncOptions _options;
        private readonly bool _whatIf;
        private readonly SyncRunControl _control;
        private readonly SyncEventSink _sink;
        private readonly ISyncJournal _journal;
        private readonly AdaptiveLimiter _limiter;
        private readonly DeltaPacker _packer;
        private readonly Stopwatch _elapsed = Stopwatch.StartNew();
        private int _completed;
        private int _disposed;

        internal DeviceSyncRun(SyncSetup setup, DeviceSyncOptions options, bool whatIf, SyncRunControl control, SyncEventSink sink, ISyncJournal journal,
            AdaptiveLimiter limiter, DeltaPacker packer)
        {
            _setup = setup;
            _options = options;
            _whatIf = whatIf;
            _control = control;
            _sink = sink;
            _journal = journal;
            _limiter = limiter;
            _packer = packer;
        }

        public string StatePath => _journal.Path;

        public bool WhatIf => _whatIf;

        /// <summary>The scope in force, e.g. "All users" or the group names.</summary>
        public string Scope => _setup.Membership.Scope.ToString();

        private CancellationToken Token => _control.Token;

        /// <summary>
        /// Starts a run for a connection: takes the state file's run lock (waiting up to LockTimeout; -WhatIf takes none),
        /// reads the group scope and the enabled policies, resolves the scope's members once, and settles the messages an
        /// earlier run left unconfirmed. Then devices may be posted. Everything the run reports goes to
        /// <paramref name="context"/> (from the run's threads); with <see cref="IOperationContext.WhatIf"/> nothing is
        /// written and nothing is sent.
        /// </summary>
        public static Task<DeviceSyncRun> StartAsync(Connection.ComplianceConnection connection, DeviceSyncOptions options,
            IOperationContext context, CancellationToken cancellationToken) =>
            SyncRunFactory.StartAsync(connection, options, context, cancellationToken);

        /// <summary>Starts a run over a prepared setup (tests and the benchmark use it with their own pieces).</summary>
        internal static Task<DeviceSyncRun> StartAsync(SyncSetup setup, DeviceSyncOptions options, IOperationContext context,
            CancellationToken cancellationToken) =>
            SyncRunFactory.StartAsync(setup, options, context, cancellationToken);

        /// <summary>
        /// Queues one device; the task completes once the bounded queue took it (at once when there is room). A run that
        /// failed meanwhile throws its error. A host that serves the context on its own thread blocks on that channel while
        /// it waits for the task, so it writes what the run reports and answers what it asks, and polls nothing.
        /// </summary>
        public Task PostAsync(DeviceSyncInput input, CancellationToken cancellationToken)
        {
            _control.ThrowIfFailed();
            if (_packer.TryPost(input, 0, cancellationToken))
            {
                return Task.CompletedTask;
            }
            return PostWhenRoomAsync(input, cancellationToken);
        }

        private async Task PostWhenRoomAsync(DeviceSyncInput input, CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Token);
            try
            {
                await _packer.PostAsync(input, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _control.ThrowIfFailed();
                throw;
            }
        }

        /// <summary>Counters so far, for progress.</summary>
        public DeviceSyncSummary Snapshot() => _sink.Counters.ToSummary(_setup.TenantId, _elapsed.Elapsed, _whatIf, StatePath, stopped: Token.IsCancellationRequested);

        /// <summary>The adaptive limit now: concurrent uploads allowed, and the send rate (messages/s) if one was learned.</summary>
        public (int Concurrency, double? MessagesPerSecond) Limit => (_limiter.Concurrency, _limiter.Rate);

        /// <summary>No more input: sends what is left, follows every message, and returns the summary.</summary>
        public Task<DeviceSyncSummary> CompleteAsync()
        {
            _packer.CompleteAdding();
            return WaitAsync();
        }

        private async Task<DeviceSyncSummary> WaitAsync()
        {
            try
            {
                var cancelled = Task.Delay(Timeout.Infinite, Token);
                await Task.WhenAny(_control.AllDone, cancelled).ConfigureAwait(false);
                _control.ThrowIfFailed();
                Token.ThrowIfCancellationRequested();
                await _control.AllDone.ConfigureAwait(false);
                _journal.Complete();
                _control.ThrowIfFailed();
                var summary = _sink.Counters.ToSummary(_setup.TenantId, _elapsed.Elapsed, _whatIf, StatePath, stopped: false);
                if (summary.Pending > 0)
                {
                    _sink.Warning($"{summary.Pending} uploaded devices are still being processed by the service; " +
                        "the next run checks them first and sends again only what it did not confirm.");
                }
                Interlocked.Exchange(ref _completed, 1);
                if (!_whatIf && summary.Sent > 0)
                {
                    await RecordHeartbeatAsync().ConfigureAwait(false);
                }
                return summary;
            }
            catch (TaskCanceledException) when (_control.Fatal != null)
            {
                throw _control.Fatal;
            }
        }

        /// <summary>This instance's last sync goes to the tenant's registry; failing that is worth a warning, not the run.</summary>
        private async Task RecordHeartbeatAsync()
        {
            if (_setup.Heartbeat == null)
            {
                return;
            }
            try
            {
                await _setup.Heartbeat(Token).ConfigureAwait(false);
            }
            catch (ComplianceException ex)
            {
                _sink.Warning("The devices were sent, but this MDM instance's last sync could not be recorded in the tenant's registry: " + ex.Message);
            }
        }

        /// <summary>The summary as it stands (also after a failure or a stop).</summary>
        public DeviceSyncSummary Summary => _sink.Counters.ToSummary(_setup.TenantId, _elapsed.Elapsed, _whatIf, StatePath, stopped: Token.IsCancellationRequested && _completed == 0);

        /// <summary>Stops what still runs (if the run did not complete), keeps every confirmation recorded, releases the state file.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            if (_completed == 0)
            {
                _control.Cancel();
            }
            // Everything listens to the token: the packer and the uploads end within moments.
            if (!_packer.Started)
            {
                _control.NothingStarted(); // the start failed or was stopped: nothing was packed or uploaded
            }
            _packer.Join(TimeSpan.FromSeconds(5));
            _control.AllDone.Wait(TimeSpan.FromSeconds(5));
            _journal.Dispose();
            _setup.Dispose();
            _packer.Dispose();
            _control.Dispose();
        }
    }
}
