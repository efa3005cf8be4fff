using System;
using AzureCompliance.Core.Connection;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// One Send-DeviceCompliance run: devices go in (<see cref="TryPost"/>, from the pipeline thread), are judged by the
    /// enabled policy of their platform, filtered by the group scope, compared with what Entra last confirmed, packed into
    /// data upload messages, recorded as sent, uploaded concurrently under an adaptive limit, and followed until the
    /// service confirms them. Memory stays flat: a bounded queue in front, a bounded number of messages in flight.
    /// Results, per-device errors and messages come out through <see cref="TryTakeEvent"/>; the caller drains them on its
    /// own thread. Dispose always: it stops what still runs and keeps everything confirmed recorded.
    /// </summary>
    public sealed class DeviceSyncRun : IDisposable
    {
        private static readonly AsyncLocal<RequestTag?> CurrentTag = new AsyncLocal<RequestTag?>();
        private const int MaxMessageAttempts = 3;
        private const int BreakerThreshold = 3;
        private static readonly TimeSpan MinPollDelay = TimeSpan.FromMilliseconds(40);
        private static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(5);

        private readonly SyncSetup _setup;
        private readonly DeviceSyncOptions _options;
        private readonly IOperationContext _context;
        private readonly Func<DateTimeOffset> _clock;
        private readonly CancellationTokenSource _cancellation;
        private readonly BlockingCollection<DeviceSyncInput> _input;
        private readonly ConcurrentQueue<DeviceSyncEvent> _events = new ConcurrentQueue<DeviceSyncEvent>();
        private readonly SyncStateStore _state;
        private readonly AdaptiveLimiter _limiter;
        private readonly SemaphoreSlim _messageSlots;
        private readonly SemaphoreSlim _pollGate;
        private readonly TaskCompletionSource<bool> _allDone = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Stopwatch _elapsed = Stopwatch.StartNew();
        private readonly DateTimeOffset _evaluatedAt;
        private readonly Counters _counters = new Counters();
        private readonly List<PackedDevice> _builder = new List<PackedDevice>();
        private readonly Dictionary<string, int> _builderIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        private Thread? _packer;
        private int _outstanding = 1; // the packer itself, then one per message
        private int _batchSize;
        /// <summary>How long the service takes to process a message, as observed (moving average); the first status read waits this long.</summary>
        private long _processingTicks = TimeSpan.FromMilliseconds(250).Ticks;
        private long _lastUpdateMs;
        private int _consecutiveTransportFailures;
        private ComplianceException? _fatal;
        private int _completed;
        private int _disposed;

        private DeviceSyncRun(SyncSetup setup, DeviceSyncOptions options, IOperationContext context, CancellationToken cancellationToken)
        {
            _setup = setup;
            _options = options;
            _context = context;
            _clock = options.Clock ?? (() => DateTimeOffset.UtcNow);
            _evaluatedAt = _clock();
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _batchSize = options.BatchSize;
            _input = new BlockingCollection<DeviceSyncInput>(Math.Max(256, options.BatchSize * 4));
            _state = new SyncStateStore(setup.Store, setup.Source);
            _limiter = new AdaptiveLimiter(options.MaxConcurrency);
            _messageSlots = new SemaphoreSlim(Math.Max(1, options.MaxMessagesInFlight ?? DeviceSyncOptions.DefaultMessagesInFlight(options.MaxConcurrency)));
            _pollGate = new SemaphoreSlim(options.StatusConcurrency);
        }

        public string StatePath => _setup.Store.Path;

        public bool WhatIf => _options.WhatIf;

        /// <summary>The scope in force, e.g. "All users" or the group names.</summary>
        public string Scope => _setup.Membership.Scope.ToString();

        internal AdaptiveLimiter Limiter => _limiter;

        internal SyncStateStore State => _state;

        private CancellationToken Token => _cancellation.Token;

        /// <summary>
        /// Starts a run for a connection: takes the state file's run lock (waiting up to LockTimeout; -WhatIf takes none),
        /// reads the group scope and the enabled policies, resolves the scope's members once, and settles the messages an
        /// earlier run left unconfirmed. Then devices may be posted.
        /// </summary>
        public static async Task<DeviceSyncRun> StartAsync(Connection.ComplianceConnection connection, DeviceSyncOptions options,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (connection == null) throw new ArgumentNullException(nameof(connection));
            options.Validate();
            if (connection.AuthType == ComplianceAuthType.DeviceCode && !options.WhatIf)
            {
                // Refused before anything is read: the partner API would answer every upload 401/403.
                throw ConnectionErrors.DelegatedPartnerApi(connection.TenantId);
            }
            var path = System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(options.StatePath) ? StateStore.DefaultPath : options.StatePath);
            if (options.WhatIf && !System.IO.File.Exists(path))
            {
                throw SyncErrors.ScopeNotSet(connection.SourceName, path);
            }

            RunLock? runLock = null;
            StateStore? store = null;
            // The caller's context serves the start; afterwards messages (e.g. from a lazy user lookup) become run events.
            var relay = new RelayContext(context);
            context = relay;
            try
            {
                if (!options.WhatIf)
                {
                    OwnerOnlyFiles.EnsureDirectory(System.IO.Path.GetDirectoryName(path)!);
                    context.WriteVerbose($"Taking the run lock of {path} (waiting up to {options.LockTimeout.TotalSeconds:0} s).");
                    runLock = await RunLock.AcquireAsync(path, options.LockTimeout, cancellationToken).ConfigureAwait(false);
                }
                store = StateStore.Open(path);
                var scope = GroupScope.Load(store, connection.SourceName) ?? throw SyncErrors.ScopeNotSet(connection.SourceName, path);
                var evaluator = PolicyEvaluator.Load(store, connection.SourceName);
                ReportPolicies(evaluator, context);
                var membership = await ScopeMembership.LoadAsync(connection, scope, context, cancellationToken).ConfigureAwait(false);
                var setup = new SyncSetup(connection.TenantId, connection.SourceName, store, runLock, evaluator, membership,
                    new PartnerUploadService(PartnerApiClient.For(connection)), connection.Session.RetryObserver);
                store = null;
                runLock = null;
                var run = await StartAsync(setup, options, context, cancellationToken).ConfigureAwait(false);
                relay.RedirectTo(run);
                return run;
            }
            finally
            {
                store?.Dispose();
                runLock?.Dispose();
            }
        }

        /// <summary>Starts a run over a prepared setup (tests and the benchmark use it with their own pieces).</summary>
        internal static async Task<DeviceSyncRun> StartAsync(SyncSetup setup, DeviceSyncOptions options, IOperationContext context,
            CancellationToken cancellationToken)
        {
            options.Validate();
            var run = new DeviceSyncRun(setup, options, context, cancellationToken);
            try
            {
                if (setup.RetryObserver != null)
                {
                    setup.RetryObserver.Retrying += run.OnRetrying;
                }
                if (!options.WhatIf)
                {
                    await run.ResolvePendingAsync().ConfigureAwait(false);
                }
                run._packer = new Thread(run.PackLoop) { IsBackground = true, Name = "AzureCompliance sync" };
                run._packer.Start();
                return run;
            }
            catch
            {
                run.Dispose();
                throw;
            }
        }

        private static void ReportPolicies(PolicyEvaluator evaluator, IOperationContext context)
        {
            if (!evaluator.HasPolicies)
            {
                context.WriteWarning("No compliance policy is enabled for this MDM instance: nothing will be uploaded. " +
                    "Create one with New-CompliancePolicy, or enable one with Enable-CompliancePolicy.");
                return;
            }
            foreach (var policy in evaluator.Policies)
            {
                context.WriteVerbose($"Policy for {policy.Platform}: {policy.Name}.");
            }
        }

        /// <summary>
        /// Queues one device; waits up to <paramref name="millisecondsTimeout"/> for room (the queue is bounded: this is
        /// how the pipeline is held back when uploads are slower than the input). False: no room yet, try again.
        /// </summary>
        public bool TryPost(DeviceSyncInput input, int millisecondsTimeout, CancellationToken cancellationToken)
        {
            ThrowIfFailed();
            return _input.TryAdd(input, millisecondsTimeout, cancellationToken);
        }

        public bool TryTakeEvent(out DeviceSyncEvent item) => _events.TryDequeue(out item!);

        /// <summary>Counters so far, for progress.</summary>
        public DeviceSyncSummary Snapshot() => _counters.ToSummary(_elapsed.Elapsed, _options.WhatIf, StatePath, stopped: Token.IsCancellationRequested);

        /// <summary>The adaptive limit now: concurrent uploads allowed, and the send rate (messages/s) if one was learned.</summary>
        public (int Concurrency, double? MessagesPerSecond) Limit => (_limiter.Concurrency, _limiter.Rate);

        /// <summary>No more input: sends what is left, follows every message, and returns the summary.</summary>
        public Task<DeviceSyncSummary> CompleteAsync()
        {
            if (!_input.IsAddingCompleted)
            {
                _input.CompleteAdding();
            }
            return WaitAsync();
        }

        private async Task<DeviceSyncSummary> WaitAsync()
        {
            try
            {
                var cancelled = Task.Delay(Timeout.Infinite, Token);
                await Task.WhenAny(_allDone.Task, cancelled).ConfigureAwait(false);
                ThrowIfFailed();
                Token.ThrowIfCancellationRequested();
                await _allDone.Task.ConfigureAwait(false);
                _state.Complete();
                ThrowIfFailed();
                var summary = _counters.ToSummary(_elapsed.Elapsed, _options.WhatIf, StatePath, stopped: false);
                if (summary.Pending > 0)
                {
                    Emit(DeviceSyncEvent.ForWarning($"{summary.Pending} uploaded devices are still being processed by the service; " +
                        "the next run checks them first and sends again only what it did not confirm."));
                }
                Interlocked.Exchange(ref _completed, 1);
                return summary;
            }
            catch (TaskCanceledException) when (_fatal != null)
            {
                throw _fatal;
            }
        }

        /// <summary>The summary as it stands (also after a failure or a stop).</summary>
        public DeviceSyncSummary Summary => _counters.ToSummary(_elapsed.Elapsed, _options.WhatIf, StatePath, stopped: Token.IsCancellationRequested && _completed == 0);

        private void ThrowIfFailed()
        {
            var fatal = Volatile.Read(ref _fatal);
            if (fatal != null)
            {
                throw fatal;
            }
        }

        // ---------------------------------------------------------------- packing (one dedicated thread)

        private void PackLoop()
        {
            var chunk = new List<PackedDevice>(_options.BatchSize);
            try
            {
                while (true)
                {
                    var idle = chunk.Count > 0 || _builder.Count > 0;
                    if (!_input.TryTake(out var item, idle ? (int)_options.IdleFlush.TotalMilliseconds : Timeout.Infinite, Token))
                    {
                        if (_input.IsCompleted)
                        {
                            break;
                        }
                        ProcessChunk(chunk);
                        Flush();
                        continue;
                    }
                    Interlocked.Increment(ref _counters.Received);
                    var candidate = Prepare(item);
                    if (candidate != null)
                    {
                        chunk.Add(candidate);
                        if (chunk.Count >= Volatile.Read(ref _batchSize) || chunk.Count >= _options.BatchSize)
                        {
                            ProcessChunk(chunk);
                        }
                    }
                }
                ProcessChunk(chunk);
                Flush();
            }
            catch (OperationCanceledException)
            {
                // Stopped: what was recorded as sent is settled by the next run.
            }
            catch (ObjectDisposedException) when (Token.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Fail(ex);
            }
            finally
            {
                Done();
            }
        }

        /// <summary>Judges one record; null when it is not to be sent (counted and reported here).</summary>
        private PackedDevice? Prepare(DeviceSyncInput input)
        {
            var device = input.Device;
            var id = device.DeviceId?.Trim();
            if (string.IsNullOrEmpty(id) || !Guid.TryParse(id, out _))
            {
                Interlocked.Increment(ref _counters.Invalid);
                var detail = string.IsNullOrEmpty(id)
                    ? "The device has no Entra device id (DeviceId): it is not registered in Entra and cannot be reported."
                    : $"The device id '{id}' is not an Entra device id (a GUID).";
                Emit(DeviceSyncEvent.ForError(new ComplianceException(string.IsNullOrEmpty(id) ? "DeviceIdMissing" : "InvalidDeviceId",
                    ComplianceErrorCategory.InvalidData, $"{Describe(device)}: {detail}", input.Target,
                    "Export the device's Entra (Azure AD) device id from the MDM, or register the device in Entra.")));
                Skip(device, DeviceSyncOutcome.Invalid, null, detail, null, null);
                return null;
            }

            var verdict = _setup.Evaluator.Evaluate(device, _evaluatedAt);
            if (!verdict.HasPolicy)
            {
                Interlocked.Increment(ref _counters.NoPolicy);
                Skip(device, DeviceSyncOutcome.NoPolicy, null, verdict.ReasonSummary, null, null);
                return null;
            }
            Interlocked.Increment(ref _counters.Evaluated);

            if (!_setup.Membership.TryResolveOwner(device.UserId, device.UserPrincipalName, out var owner, out var reason))
            {
                Interlocked.Increment(ref _counters.OutOfScope);
                Skip(device, DeviceSyncOutcome.OutOfScope, null, reason, device.IsRetired ? (bool?)null : verdict.IsCompliant, verdict.PolicyName);
                return null;
            }

            var missing = ComplianceMessages.MissingInventory(device.DeviceName, device.Platform, device.OsVersion);
            if (missing != null)
            {
                Interlocked.Increment(ref _counters.Invalid);
                var detail = $"The device has no {missing}: Intune requires them in every inventory report.";
                Emit(DeviceSyncEvent.ForError(new ComplianceException("DeviceInventoryIncomplete", ComplianceErrorCategory.InvalidData,
                    $"{Describe(device)}: {detail}", input.Target,
                    "Export the device's name, platform and OS version from the MDM (columns DeviceName, Platform/OperatingSystem, OsVersion).")));
                Skip(device, DeviceSyncOutcome.Invalid, null, detail, device.IsRetired ? (bool?)null : verdict.IsCompliant, verdict.PolicyName);
                return null;
            }

            return new PackedDevice(id!, device.DeviceName, device.UserPrincipalName, owner, device.Platform, device.OsVersion,
                device.LastCheckIn, verdict.IsCompliant, device.IsRetired, verdict.PolicyName, input.Target);
        }

        private void Skip(DeviceRecord device, DeviceSyncOutcome outcome, string? messageId, string? detail, bool? compliant, string? policy)
        {
            if (_options.PassThru)
            {
                Emit(DeviceSyncEvent.ForResult(new DeviceSyncResult(device.DeviceId, device.DeviceName, device.UserPrincipalName, device.UserId,
                    device.Platform, compliant, device.IsRetired, outcome, messageId, detail, policy)));
            }
        }

        /// <summary>Compares a chunk of candidates with the state (one query) and adds the changed ones to the open message.</summary>
        private void ProcessChunk(List<PackedDevice> chunk)
        {
            if (chunk.Count == 0)
            {
                return;
            }
            // The same device twice in one chunk: the later record wins.
            var last = new Dictionary<string, int>(chunk.Count, StringComparer.Ordinal);
            for (var i = 0; i < chunk.Count; i++)
            {
                last[chunk[i].Key] = i;
            }
            var rows = _state.LookupAsync(last.Keys).GetAwaiter().GetResult();
            for (var i = 0; i < chunk.Count; i++)
            {
                var device = chunk[i];
                device.Hash = ComplianceMessages.Hash(_setup.TenantId, device);
                if (last[device.Key] != i)
                {
                    Unchanged(device, "A later record of the same device in this run replaces this one.");
                    continue;
                }
                rows.TryGetValue(device.Key, out var row);
                if (!_options.Force && row != null)
                {
                    if (row.SentMessage == null && row.AcceptedHash == device.Hash)
                    {
                        Unchanged(device, "Entra already has this.");
                        continue;
                    }
                    if (row.SentMessage != null && row.SentHash == device.Hash)
                    {
                        Unchanged(device, "Already sent and waiting for the service's confirmation (message " + row.SentMessage + ").");
                        continue;
                    }
                }
                if (_options.WhatIf)
                {
                    Interlocked.Increment(ref _counters.Sent);
                    Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.WouldSend, null,
                        row?.AcceptedHash == null ? "Never confirmed by Entra." : row.AcceptedHash == device.Hash ? "Unchanged; sent because of -Force." : "Changed since Entra last confirmed it.")));
                    continue;
                }
                var floor = row?.LastUpdateMs ?? 0;
                if (_builderIndex.TryGetValue(device.Key, out var index))
                {
                    // Already in the open message (from an earlier chunk): replace it, later still.
                    floor = Math.Max(floor, _builder[index].LastUpdateMs);
                    Unchanged(_builder[index], "A later record of the same device in this run replaces this one.");
                    device.LastUpdateMs = NextUpdateTime(floor);
                    _builder[index] = device;
                    continue;
                }
                device.LastUpdateMs = NextUpdateTime(floor);
                _builderIndex[device.Key] = _builder.Count;
                _builder.Add(device);
                if (_builder.Count >= Volatile.Read(ref _batchSize))
                {
                    Flush();
                }
            }
            chunk.Clear();
        }

        private void Unchanged(PackedDevice device, string detail)
        {
            Interlocked.Increment(ref _counters.Unchanged);
            if (_options.PassThru)
            {
                Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.Unchanged, null, detail)));
            }
        }

        /// <summary>LastUpdateTime for an upload: now, but always after the device's previous upload (and unique in the run).</summary>
        private long NextUpdateTime(long previous)
        {
            var now = _clock().ToUnixTimeMilliseconds();
            var value = Math.Max(now, previous + 1);
            // Strictly increasing across the run as well, so a device re-sent in the same millisecond still moves forward.
            while (true)
            {
                var last = Interlocked.Read(ref _lastUpdateMs);
                var next = Math.Max(value, last);
                if (Interlocked.CompareExchange(ref _lastUpdateMs, next, last) == last)
                {
                    return next;
                }
            }
        }

        /// <summary>Sends the open message: waits for a slot, records it as sent, then uploads it on the thread pool.</summary>
        private void Flush()
        {
            if (_builder.Count == 0)
            {
                return;
            }
            var devices = _builder.ToArray();
            _builder.Clear();
            _builderIndex.Clear();
            _messageSlots.Wait(Token);
            var message = new UploadMessage(devices);
            message.Content = ComplianceMessages.BuildContentUtf8(_setup.TenantId, devices);
            var recorded = _state.RecordSentAsync(message.StateId, devices, _clock());
            Interlocked.Increment(ref _outstanding);
            Task.Run(() => RunMessageAsync(message, recorded));
        }

        // ---------------------------------------------------------------- uploading and following

        private async Task RunMessageAsync(UploadMessage message, Task recorded)
        {
            try
            {
                await recorded.ConfigureAwait(false);
                await UploadAndFollowAsync(message).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (Token.IsCancellationRequested)
            {
                // Stopped: the message stays recorded as sent; the next run asks the service about it.
            }
            catch (Exception ex)
            {
                Fail(ex);
            }
            finally
            {
                _messageSlots.Release();
                Done();
            }
        }

        /// <summary>Uploads a message and follows it to the end. True when the service confirmed every device in it.</summary>
        private async Task<bool> UploadAndFollowAsync(UploadMessage message)
        {
            var uploaded = await PutAsync(message).ConfigureAwait(false);
            if (uploaded == PutOutcome.Failed)
            {
                return false;
            }
            if (uploaded == PutOutcome.Split)
            {
                return message.SplitConfirmed;
            }
            return await FollowAsync(message).ConfigureAwait(false);
        }

        private enum PutOutcome { Uploaded, Split, Failed }

        private async Task<PutOutcome> PutAsync(UploadMessage message)
        {
            for (var attempt = 1; ; attempt++)
            {
                var lease = await _limiter.AcquireAsync(Token).ConfigureAwait(false);
                CurrentTag.Value = new RequestTag(this, lease, lease.StartedAt);
                try
                {
                    message.Content ??= ComplianceMessages.BuildContentUtf8(_setup.TenantId, message.Devices);
                    var answered = await _setup.Service.UploadAsync(message.Id, message.Content.Value, Token).ConfigureAwait(false);
                    lease.Complete(true);
                    Interlocked.Exchange(ref _consecutiveTransportFailures, 0);
                    message.Content = null;
                    if (!string.Equals(answered, message.StateId, StringComparison.OrdinalIgnoreCase))
                    {
                        await _state.RenameMessageAsync(message.StateId, answered).ConfigureAwait(false);
                        message.StateId = answered;
                    }
                    Interlocked.Add(ref _counters.Sent, message.Devices.Length);
                    Interlocked.Increment(ref _counters.Messages);
                    return PutOutcome.Uploaded;
                }
                catch (Exception raw) when (!Token.IsCancellationRequested && IsServiceFailure(raw))
                {
                    var ex = AsServiceFailure(raw, "Uploading device data");
                    lease.Complete(false);
                    if (ex.StatusCode == 429)
                    {
                        Interlocked.Increment(ref _counters.Throttled);
                    }
                    if (ex.StatusCode == 401 || ex.StatusCode == 403)
                    {
                        throw new ComplianceException(ex.ErrorId, ex.Category, "Uploading device compliance was refused: " + ex.Message, null,
                            ex.RecommendedAction ?? "Check that the app is a compliance partner of the tenant (Add-CompliancePartner) and connect again.", ex);
                    }
                    if (IsRejection(ex.StatusCode))
                    {
                        if (message.Devices.Length > 1)
                        {
                            message.SplitConfirmed = await SplitAsync(message, $"the service rejected the message ({ex.StatusCode})").ConfigureAwait(false);
                            return PutOutcome.Split;
                        }
                        await FailDevicesAsync(message, "The service rejected the upload: " + ex.Message, ComplianceErrorCategory.InvalidData).ConfigureAwait(false);
                        return PutOutcome.Failed;
                    }
                    // Throttled or unavailable after every retry, or no answer: it may have arrived all the same.
                    if (await ArrivedAsync(message).ConfigureAwait(false))
                    {
                        Interlocked.Add(ref _counters.Sent, message.Devices.Length);
                        Interlocked.Increment(ref _counters.Messages);
                        return PutOutcome.Uploaded;
                    }
                    if (attempt < MaxMessageAttempts)
                    {
                        Emit(DeviceSyncEvent.ForVerbose($"Upload of message {message.Id} failed ({ex.Message}); trying again."));
                        await Task.Delay(TimeSpan.FromTicks(_options.MessageRetryPause.Ticks * attempt), Token).ConfigureAwait(false);
                        continue;
                    }
                    await FailDevicesAsync(message, "The upload failed: " + ex.Message, ex.StatusCode == 0 ? ComplianceErrorCategory.ConnectionError : ComplianceErrorCategory.ResourceUnavailable).ConfigureAwait(false);
                    if (Interlocked.Increment(ref _consecutiveTransportFailures) >= BreakerThreshold)
                    {
                        throw new ComplianceException("ServiceUnavailable", ComplianceErrorCategory.ResourceUnavailable,
                            $"The partner API failed {BreakerThreshold} messages in a row ({ex.Message}); the run stops. What was confirmed stays recorded.",
                            null, "Try again later: the next run sends only what was not confirmed.", ex);
                    }
                    return PutOutcome.Failed;
                }
                finally
                {
                    lease.Complete(false);
                    CurrentTag.Value = null;
                }
            }
        }

        /// <summary>A failure of one request (an answer, no answer, or a timeout of the HTTP client), not of the run.</summary>
        private static bool IsServiceFailure(Exception exception) =>
            exception is ComplianceServiceException || exception is OperationCanceledException || exception is HttpRequestException || exception is System.IO.IOException;

        private static ComplianceServiceException AsServiceFailure(Exception exception, string operation) =>
            exception as ComplianceServiceException ?? new ComplianceServiceException("ServiceUnreachable", ComplianceErrorCategory.ConnectionError,
                $"{operation} got no answer ({exception.GetBaseException().Message}).", 0, null, null, null, null, exception);

        private static bool IsRejection(int status) =>
            status >= 400 && status < 500 && status != 404 && status != 408 && status != 409 && status != 429;

        /// <summary>After an upload without a usable answer: does the service know the message?</summary>
        private async Task<bool> ArrivedAsync(UploadMessage message)
        {
            try
            {
                var status = await ReadStatusAsync(message.StateId).ConfigureAwait(false);
                return status != null;
            }
            catch (ComplianceServiceException)
            {
                return false;
            }
        }

        private async Task<UploadStatus?> ReadStatusAsync(string messageId)
        {
            await _pollGate.WaitAsync(Token).ConfigureAwait(false);
            CurrentTag.Value = new RequestTag(this, null, _limiter.Now);
            try
            {
                return await _setup.Service.GetStatusAsync(messageId, Token).ConfigureAwait(false);
            }
            catch (Exception raw) when (!Token.IsCancellationRequested && IsServiceFailure(raw))
            {
                var ex = AsServiceFailure(raw, "Reading an upload's status");
                if (ex.StatusCode == 429)
                {
                    Interlocked.Increment(ref _counters.Throttled);
                }
                if (ReferenceEquals(ex, raw))
                {
                    throw;
                }
                throw ex;
            }
            finally
            {
                CurrentTag.Value = null;
                _pollGate.Release();
            }
        }

        /// <summary>Polls the message's status with back-off until Completed or Failed (or the wait limit).</summary>
        private async Task<bool> FollowAsync(UploadMessage message)
        {
            var estimate = TimeSpan.FromTicks(Interlocked.Read(ref _processingTicks));
            var delay = Clamp(TimeSpan.FromTicks(estimate.Ticks * 11 / 10) + TimeSpan.FromMilliseconds(10));
            var followUp = Clamp(TimeSpan.FromTicks(Math.Max(estimate.Ticks / 2, TimeSpan.FromMilliseconds(100).Ticks)));
            var deadline = DateTime.UtcNow + _options.MaxStatusWait;
            var since = Stopwatch.StartNew();
            var lastProcessing = TimeSpan.Zero;
            var notFound = 0;
            var resent = false;
            var polls = 0;
            while (true)
            {
                await Task.Delay(delay, Token).ConfigureAwait(false);
                polls++;
                UploadStatus? status;
                try
                {
                    status = await ReadStatusAsync(message.StateId).ConfigureAwait(false);
                }
                catch (ComplianceServiceException ex) when (!Token.IsCancellationRequested)
                {
                    if (ex.StatusCode == 401 || ex.StatusCode == 403)
                    {
                        throw;
                    }
                    if (DateTime.UtcNow + delay > deadline)
                    {
                        return LeavePending(message, "its status could not be read: " + ex.Message);
                    }
                    delay = Next(delay);
                    continue;
                }

                if (status == null)
                {
                    // The service answered the upload but does not know the message (yet).
                    notFound++;
                    if (notFound < 2)
                    {
                        delay = Next(delay);
                        continue;
                    }
                    if (!resent)
                    {
                        resent = true;
                        notFound = 0;
                        Emit(DeviceSyncEvent.ForVerbose($"The service does not know message {message.StateId}; uploading it again."));
                        message.Content = null;
                        if (await PutAsync(message).ConfigureAwait(false) != PutOutcome.Uploaded)
                        {
                            return message.SplitConfirmed;
                        }
                        continue;
                    }
                    await FailDevicesAsync(message, "The service lost the upload (its status is unknown after it was accepted).",
                        ComplianceErrorCategory.ResourceUnavailable).ConfigureAwait(false);
                    return false;
                }

                if (status.IsCompleted || status.IsFailed)
                {
                    ObserveProcessing(polls == 1, lastProcessing, since.Elapsed);
                    return await SettleAsync(message, status).ConfigureAwait(false);
                }

                lastProcessing = since.Elapsed;
                if (DateTime.UtcNow + followUp > deadline)
                {
                    return LeavePending(message, "the service is still processing it (" + status.Status + ")");
                }
                delay = followUp;
                followUp = Clamp(TimeSpan.FromTicks(followUp.Ticks * 3 / 2));
            }
        }

        /// <summary>
        /// A final status: Completed confirms the message, except devices the error detail names (the service did not
        /// process them, e.g. unknown in the directory); Failed fails the devices it names and sends the others again (or,
        /// naming none, splits the message to find the bad ones).
        /// </summary>
        private async Task<bool> SettleAsync(UploadMessage message, UploadStatus status)
        {
            var why = string.IsNullOrEmpty(status.ErrorCode) ? status.ErrorDetail ?? "no detail" : status.ErrorCode + ": " + (status.ErrorDetail ?? "");
            var named = NamedDevices(message, status.ErrorDetail);
            if (status.IsCompleted)
            {
                if (named.Count == 0 && !string.IsNullOrEmpty(status.ErrorCode))
                {
                    Emit(DeviceSyncEvent.ForVerbose($"Message {message.StateId} completed with {why}"));
                }
                var keys = named.Select(d => d.Key).ToList();
                await _state.AcceptAsync(message.StateId, _clock(), keys).ConfigureAwait(false);
                var confirmed = message.Devices.Where(d => !named.Contains(d)).ToArray();
                Confirm(message, confirmed);
                if (named.Count > 0)
                {
                    Fail(message, named, "The service did not process it (" + why + ").", ComplianceErrorCategory.ObjectNotFound);
                    return false;
                }
                return true;
            }

            if (named.Count > 0 && named.Count < message.Devices.Length)
            {
                // The service says which devices spoiled the message: they fail, the others go again.
                var rest = message.Devices.Where(d => !named.Contains(d)).ToArray();
                await _state.ReleaseAsync(message.StateId).ConfigureAwait(false);
                Fail(message, named, "The service failed the upload (" + why + ").", ComplianceErrorCategory.InvalidData);
                await SendAgainAsync(rest).ConfigureAwait(false);
                return false;
            }
            if (message.Devices.Length > 1 && named.Count == 0)
            {
                return await SplitAsync(message, "the service failed the message (" + why + ")").ConfigureAwait(false);
            }
            await FailDevicesAsync(message, "The service failed the upload (" + why + ").", ComplianceErrorCategory.InvalidData).ConfigureAwait(false);
            return false;
        }

        private static readonly System.Text.RegularExpressions.Regex GuidPattern = new System.Text.RegularExpressions.Regex(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>The message's devices whose ids the error detail names.</summary>
        private static HashSet<PackedDevice> NamedDevices(UploadMessage message, string? detail)
        {
            var named = new HashSet<PackedDevice>();
            if (string.IsNullOrEmpty(detail))
            {
                return named;
            }
            var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (System.Text.RegularExpressions.Match match in GuidPattern.Matches(detail!))
            {
                ids.Add(match.Value);
            }
            foreach (var device in message.Devices)
            {
                if (ids.Contains(device.Key))
                {
                    named.Add(device);
                }
            }
            return named;
        }

        private void Confirm(UploadMessage message, IReadOnlyList<PackedDevice> devices)
        {
            Interlocked.Add(ref _counters.Confirmed, devices.Count);
            var retired = 0;
            foreach (var device in devices)
            {
                if (device.IsRetired) retired++;
            }
            Interlocked.Add(ref _counters.Retired, retired);
            if (_options.PassThru)
            {
                foreach (var device in devices)
                {
                    Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.Confirmed, message.StateId, null)));
                }
            }
        }

        /// <summary>Counts and reports devices as failed (their state is released by the caller).</summary>
        private void Fail(UploadMessage message, IEnumerable<PackedDevice> devices, string why, ComplianceErrorCategory category)
        {
            foreach (var device in devices)
            {
                Interlocked.Increment(ref _counters.Failed);
                Emit(DeviceSyncEvent.ForError(new ComplianceException("DeviceUploadFailed", category,
                    $"{Describe(device)}: {why}", device.Target,
                    "The next Send-DeviceCompliance run sends it again; if it keeps failing, check the device's data (ids, user) and that it is registered in Entra.")));
                if (_options.PassThru)
                {
                    Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.Failed, message.StateId, why)));
                }
            }
        }

        /// <summary>Devices of a failed message go again in a new message (later LastUpdateTime), recorded before it is sent.</summary>
        private async Task<bool> SendAgainAsync(PackedDevice[] devices)
        {
            foreach (var device in devices)
            {
                device.LastUpdateMs = NextUpdateTime(device.LastUpdateMs);
            }
            var again = new UploadMessage(devices);
            await _state.RecordSentAsync(again.StateId, devices, _clock()).ConfigureAwait(false);
            return await UploadAndFollowAsync(again).ConfigureAwait(false);
        }

        private static TimeSpan Next(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(MaxPollDelay.Ticks, delay.Ticks * 2));

        private static TimeSpan Clamp(TimeSpan delay) =>
            delay < MinPollDelay ? MinPollDelay : delay > MaxPollDelay ? MaxPollDelay : delay;

        /// <summary>
        /// Learns how long processing takes, so the first status read usually finds the message done (one read per
        /// message): done at the first read → the estimate creeps down; done later → it moves to between the last read
        /// that found it processing and the one that found it done.
        /// </summary>
        private void ObserveProcessing(bool doneAtFirstRead, TimeSpan lastProcessing, TimeSpan done)
        {
            var observed = doneAtFirstRead ? TimeSpan.FromTicks(done.Ticks * 9 / 10) : TimeSpan.FromTicks((lastProcessing.Ticks + done.Ticks) / 2);
            var current = Interlocked.Read(ref _processingTicks);
            Interlocked.Exchange(ref _processingTicks, Clamp(TimeSpan.FromTicks((current * 4 + observed.Ticks) / 5)).Ticks);
        }

        private bool LeavePending(UploadMessage message, string why)
        {
            Interlocked.Add(ref _counters.Pending, message.Devices.Length);
            Emit(DeviceSyncEvent.ForVerbose($"Message {message.StateId} ({message.Devices.Length} devices) is left for the next run: {why}."));
            if (_options.PassThru)
            {
                foreach (var device in message.Devices)
                {
                    Emit(DeviceSyncEvent.ForResult(device.ToResult(DeviceSyncOutcome.Pending, message.StateId, why)));
                }
            }
            return false;
        }

        /// <summary>
        /// A message the service failed or rejected as a whole: its halves go again as new messages, down to single devices,
        /// so that one bad device fails alone. When both halves go through, the message was too big: later messages are
        /// made no bigger than a half.
        /// </summary>
        private async Task<bool> SplitAsync(UploadMessage message, string why)
        {
            var half = message.Devices.Length / 2;
            var parts = new[] { message.Devices.CopyRange(0, half), message.Devices.CopyRange(half, message.Devices.Length - half) };
            Emit(DeviceSyncEvent.ForVerbose($"Splitting message {message.StateId} ({message.Devices.Length} devices): {why}."));
            var tasks = new List<Task<bool>>(2);
            foreach (var part in parts)
            {
                tasks.Add(SendAgainAsync(part));
            }
            var results = await Task.WhenAll(tasks).ConfigureAwait(false);
            if (results[0] && results[1])
            {
                var smaller = Math.Max(1, half);
                if (smaller < Volatile.Read(ref _batchSize))
                {
                    Interlocked.Exchange(ref _batchSize, smaller);
                    Emit(DeviceSyncEvent.ForVerbose($"Both halves went through: messages now carry at most {smaller} devices."));
                }
                return true;
            }
            return false;
        }

        private async Task FailDevicesAsync(UploadMessage message, string why, ComplianceErrorCategory category)
        {
            await _state.ReleaseAsync(message.StateId).ConfigureAwait(false);
            Fail(message, message.Devices, why, category);
        }

        // ---------------------------------------------------------------- messages left by an earlier run

        private async Task ResolvePendingAsync()
        {
            var pending = await _state.PendingMessagesAsync().ConfigureAwait(false);
            if (pending.Count == 0)
            {
                return;
            }
            var devices = 0;
            foreach (var message in pending) devices += message.Devices;
            _context.WriteVerbose($"An earlier run left {pending.Count} messages ({devices} devices) unconfirmed: asking the service about them first.");
            var tasks = new List<Task>(pending.Count);
            foreach (var message in pending)
            {
                tasks.Add(ResolveAsync(message));
            }
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        private async Task ResolveAsync(PendingMessage message)
        {
            var delay = TimeSpan.FromMilliseconds(100);
            var deadline = DateTime.UtcNow + _options.MaxStatusWait;
            while (true)
            {
                UploadStatus? status;
                try
                {
                    status = await ReadStatusAsync(message.MessageId).ConfigureAwait(false);
                }
                catch (ComplianceServiceException ex) when (ex.StatusCode != 401 && ex.StatusCode != 403)
                {
                    _context.WriteVerbose($"The status of message {message.MessageId} could not be read ({ex.Message}); it stays pending.");
                    return;
                }
                if (status == null || status.IsFailed)
                {
                    // Never arrived, or failed: its devices are unconfirmed and go again when they come through the pipeline.
                    await _state.ReleaseAsync(message.MessageId).ConfigureAwait(false);
                    _context.WriteVerbose($"Message {message.MessageId} ({message.Devices} devices) " + (status == null ? "never reached the service" : "failed") + ": its devices will be sent again.");
                    return;
                }
                if (status.IsCompleted)
                {
                    await _state.AcceptAsync(message.MessageId, _clock()).ConfigureAwait(false);
                    Interlocked.Add(ref _counters.Recovered, message.Devices);
                    return;
                }
                if (DateTime.UtcNow + delay > deadline)
                {
                    _context.WriteVerbose($"Message {message.MessageId} is still processing; it stays pending.");
                    return;
                }
                await Task.Delay(delay, Token).ConfigureAwait(false);
                delay = Next(delay);
            }
        }

        // ---------------------------------------------------------------- plumbing

        private void OnRetrying(HttpRequestMessage request, int attempt, HttpStatusCode? status, TimeSpan delay, string reason)
        {
            var tag = CurrentTag.Value;
            if (tag == null || !ReferenceEquals(tag.Run, this) || !PartnerApiClient.IsDataUploadRequest(request))
            {
                return;
            }
            var code = (int?)status ?? 0;
            if (code == 429)
            {
                Interlocked.Increment(ref _counters.Throttled);
            }
            if (code == 429 || code == 503)
            {
                double? retryAfter = reason.StartsWith("Retry-After", StringComparison.Ordinal) ? delay.TotalSeconds : (double?)null;
                _limiter.OnCongestion(tag.StartedAt, code == 429, retryAfter);
                if (delay > TimeSpan.Zero) _limiter.OnRetryScheduled(_limiter.Now + delay.TotalSeconds);
                tag.Lease?.Park();
            }
        }

        internal void Emit(DeviceSyncEvent item) => _events.Enqueue(item);

        private void Fail(Exception exception)
        {
            var error = exception as ComplianceException ?? new ComplianceException("SyncFailed", ComplianceErrorCategory.NotSpecified,
                "Send-DeviceCompliance failed: " + exception.Message, null, null, exception);
            if (Interlocked.CompareExchange(ref _fatal, error, null) == null)
            {
                try
                {
                    _cancellation.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        private void Done()
        {
            if (Interlocked.Decrement(ref _outstanding) == 0)
            {
                _allDone.TrySetResult(true);
            }
        }

        private static string Describe(DeviceRecord device) =>
            string.IsNullOrWhiteSpace(device.DeviceName) ? "Device " + (device.DeviceId ?? device.Source ?? "(no id)") : $"Device '{device.DeviceName}' ({device.DeviceId ?? "no id"})";

        private static string Describe(PackedDevice device) =>
            string.IsNullOrWhiteSpace(device.DeviceName) ? "Device " + device.DeviceId : $"Device '{device.DeviceName}' ({device.DeviceId})";

        /// <summary>Stops what still runs (if the run did not complete), keeps every confirmation recorded, releases the state file.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            try
            {
                if (_completed == 0)
                {
                    _cancellation.Cancel();
                }
            }
            catch (ObjectDisposedException)
            {
            }
            if (_setup.RetryObserver != null)
            {
                _setup.RetryObserver.Retrying -= OnRetrying;
            }
            // Everything listens to the token: the packer and the uploads end within moments.
            if (_packer == null)
            {
                _allDone.TrySetResult(true); // the start failed or was stopped: nothing was packed or uploaded
            }
            _packer?.Join(TimeSpan.FromSeconds(5));
            _allDone.Task.Wait(TimeSpan.FromSeconds(5));
            _state.Dispose();
            _setup.Dispose();
            _input.Dispose();
            _cancellation.Dispose();
        }

        private sealed class RequestTag
        {
            public RequestTag(DeviceSyncRun run, AdaptiveLimiter.Lease? lease, double startedAt)
            {
                Run = run;
                Lease = lease;
                StartedAt = startedAt;
            }

            public DeviceSyncRun Run { get; }
            public AdaptiveLimiter.Lease? Lease { get; }
            public double StartedAt { get; }
        }

        private sealed class UploadMessage
        {
            public UploadMessage(PackedDevice[] devices)
            {
                Id = Guid.NewGuid();
                StateId = Id.ToString();
                Devices = devices;
            }

            public Guid Id { get; }
            /// <summary>The id the state records and the status is read by (the service's MessageId once it answered).</summary>
            public string StateId { get; set; }
            public PackedDevice[] Devices { get; }
            /// <summary>The serialized entities (UTF-8) while the message is not uploaded yet.</summary>
            public ArraySegment<byte>? Content { get; set; }
            public bool SplitConfirmed { get; set; }
        }

        private sealed class Counters
        {
            public long Received, Evaluated, OutOfScope, NoPolicy, Invalid, Unchanged, Sent, Confirmed, Failed, Retired, Pending, Recovered, Messages, Throttled;

            public DeviceSyncSummary ToSummary(TimeSpan elapsed, bool whatIf, string statePath, bool stopped)
            {
                var sent = Interlocked.Read(ref Sent);
                return new DeviceSyncSummary
                {
                    Received = Interlocked.Read(ref Received),
                    Evaluated = Interlocked.Read(ref Evaluated),
                    OutOfScope = Interlocked.Read(ref OutOfScope),
                    NoPolicy = Interlocked.Read(ref NoPolicy),
                    Invalid = Interlocked.Read(ref Invalid),
                    Unchanged = Interlocked.Read(ref Unchanged),
                    Sent = sent,
                    Confirmed = Interlocked.Read(ref Confirmed),
                    Failed = Interlocked.Read(ref Failed),
                    Retired = Interlocked.Read(ref Retired),
                    Pending = Interlocked.Read(ref Pending),
                    Recovered = Interlocked.Read(ref Recovered),
                    Messages = Interlocked.Read(ref Messages),
                    Throttled = Interlocked.Read(ref Throttled),
                    Elapsed = elapsed,
                    DevicesPerSecond = whatIf || elapsed.TotalSeconds <= 0 ? 0 : Math.Round(sent / elapsed.TotalSeconds, 1),
                    WhatIf = whatIf,
                    Stopped = stopped,
                    StatePath = statePath,
                };
            }
        }
    }

    /// <summary>What a run works with: the tenant, the state, the policies, the scope and the service.</summary>
    internal sealed class SyncSetup : IDisposable
    {
        public SyncSetup(string tenantId, string source, StateStore store, RunLock? runLock, PolicyEvaluator evaluator,
            ScopeMembership membership, IDataUploadService service, Connection.RetryObserverHub? retryObserver)
        {
            TenantId = tenantId;
            Source = source;
            Store = store;
            RunLock = runLock;
            Evaluator = evaluator;
            Membership = membership;
            Service = service;
            RetryObserver = retryObserver;
        }

        public string TenantId { get; }
        public string Source { get; }
        public StateStore Store { get; }
        public RunLock? RunLock { get; }
        public PolicyEvaluator Evaluator { get; }
        public ScopeMembership Membership { get; }
        public IDataUploadService Service { get; }
        public Connection.RetryObserverHub? RetryObserver { get; }
        /// <summary>Whether Dispose closes the store (tests keep theirs open to look at it).</summary>
        public bool OwnsStore { get; set; } = true;

        public void Dispose()
        {
            if (OwnsStore)
            {
                Store.Dispose();
            }
            RunLock?.Dispose();
        }
    }

    /// <summary>Passes messages to the caller's context while a run starts, then into the run's events.</summary>
    internal sealed class RelayContext : IOperationContext
    {
        private readonly IOperationContext _start;
        private volatile DeviceSyncRun? _run;

        public RelayContext(IOperationContext start) => _start = start;

        public void RedirectTo(DeviceSyncRun run) => _run = run;

        public void WriteVerbose(string message)
        {
            var run = _run;
            if (run != null) run.Emit(DeviceSyncEvent.ForVerbose(message));
            else _start.WriteVerbose(message);
        }

        public void WriteDebug(string message)
        {
            if (_run == null) _start.WriteDebug(message);
        }

        public void WriteWarning(string message)
        {
            var run = _run;
            if (run != null) run.Emit(DeviceSyncEvent.ForWarning(message));
            else _start.WriteWarning(message);
        }

        public void WriteHostMessage(string message) => WriteVerbose(message);

        public void WriteProgress(OperationProgress progress)
        {
            if (_run == null) _start.WriteProgress(progress);
        }

        public bool ShouldProcess(string target, string action) => true;
    }

    internal static class SyncErrors
    {
        public static ComplianceException ScopeNotSet(string source, string statePath) =>
            new ComplianceException("ScopeNotSet", ComplianceErrorCategory.InvalidOperation,
                $"No group scope is recorded for this MDM instance ('{source}') in the state file {statePath}: Send-DeviceCompliance does not know whose devices to report.",
                statePath, "Run Set-ComplianceGroup -AllUsers, or Set-ComplianceGroup -Group <groups>, with the same -StatePath, then send again.");
    }

    internal static class ArrayExtensions
    {
        public static T[] CopyRange<T>(this T[] source, int start, int length)
        {
            var copy = new T[length];
            Array.Copy(source, start, copy, 0, length);
            return copy;
        }
    }
}
