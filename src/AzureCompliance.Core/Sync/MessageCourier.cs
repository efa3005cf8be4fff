using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// The message stage: takes packed messages (<see cref="Dispatch"/>, from the packer), records each as sent, uploads it
    /// under the adaptive limit, follows its status until the service settles it, and splits what the service rejects down
    /// to the device at fault. A bounded number of messages is in flight; the packer waits for a free slot.
    /// </summary>
    internal sealed class MessageCourier
    {
        private const int MaxMessageAttempts = 3;
        private const int BreakerThreshold = 3;
        /// <summary>Answers 429/503 a message may get (each waited out) before it counts as one failed attempt.</summary>
        private const int MaxThrottledAnswers = 8;

        private readonly string _tenantId;
        private readonly IDataUploadService _service;
        private readonly DeviceSyncOptions _options;
        private readonly ISyncJournal _journal;
        private readonly AdaptiveLimiter _limiter;
        private readonly StatusReader _status;
        private readonly SyncEventSink _sink;
        private readonly SyncRunControl _control;
        private readonly UpdateClock _updates;
        private readonly PollDelays _delays = new PollDelays();
        private readonly SemaphoreSlim _messageSlots;
        private int _batchSize;
        private int _consecutiveTransportFailures;

        public MessageCourier(string tenantId, IDataUploadService service, DeviceSyncOptions options, ISyncJournal journal, AdaptiveLimiter limiter,
            StatusReader status, SyncEventSink sink, SyncRunControl control, UpdateClock updates)
        {
            _tenantId = tenantId;
            _service = service;
            _options = options;
            _journal = journal;
            _limiter = limiter;
            _status = status;
            _sink = sink;
            _control = control;
            _updates = updates;
            _batchSize = options.BatchSize;
            _messageSlots = new SemaphoreSlim(Math.Max(1, options.MaxMessagesInFlight ?? DeviceSyncOptions.DefaultMessagesInFlight(options.MaxConcurrency)));
        }

        /// <summary>Devices per message now: the option, or less once a split showed that smaller messages go through.</summary>
        public int BatchSize => Volatile.Read(ref _batchSize);

        private CancellationToken Token => _control.Token;

        /// <summary>Hands a packed message over: waits for a slot, records it as sent, then uploads it on the thread pool.</summary>
        public void Dispatch(PackedDevice[] devices)
        {
            _messageSlots.Wait(Token);
            // The content is built when the message goes (PutAsync), not here: a run packs up to MaxMessagesInFlight
            // messages ahead of a slow budget, and many runs in one process would hold all their payloads at once.
            var message = new UploadMessage(devices);
            var recorded = _journal.RecordSentAsync(message.StateId, devices, _updates.Now);
            _control.Begin();
            Task.Run(() => RunMessageAsync(message, recorded));
        }

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
                _control.Fail(ex);
            }
            finally
            {
                _messageSlots.Release();
                _control.Done();
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
            var throttledAnswers = 0;
            for (var attempt = 1; ; attempt++)
            {
                var lease = await _limiter.AcquireAsync(Token).ConfigureAwait(false);
                try
                {
                    message.Content ??= ComplianceMessages.BuildContentUtf8(_tenantId, message.Devices);
                    var answered = await _service.UploadAsync(message.Id, message.Content.Value, Token).ConfigureAwait(false);
                    lease.Complete(true);
                    Interlocked.Exchange(ref _consecutiveTransportFailures, 0);
                    message.Content = null;
                    if (!string.Equals(answered, message.StateId, StringComparison.OrdinalIgnoreCase))
                    {
                        await _journal.RenameMessageAsync(message.StateId, answered).ConfigureAwait(false);
                        message.StateId = answered;
                    }
                    _sink.Uploaded(message.Devices.Length);
                    return PutOutcome.Uploaded;
                }
                catch (Exception raw) when (!Token.IsCancellationRequested && ServiceFailures.IsServiceFailure(raw))
                {
                    var ex = ServiceFailures.AsServiceFailure(raw, "Uploading device data");
                    lease.Complete(false);
                    if (ex.StatusCode == 429)
                    {
                        _sink.Throttled();
                    }
                    if (Throttling.IsCongestion(ex.StatusCode))
                    {
                        // Answered before the service acted: the message did not arrive. The limiter learns from it, and the
                        // message goes again through the limiter once the wait the service asked for is over.
                        _limiter.OnCongestion(lease.StartedAt, ex.StatusCode == 429, ex.RetryAfter?.TotalSeconds);
                        if (++throttledAnswers < MaxThrottledAnswers && Throttling.MayWait(ex.RetryAfter))
                        {
                            await Task.Delay(Throttling.Wait(ex.RetryAfter, throttledAnswers), Token).ConfigureAwait(false);
                            attempt--;
                            continue;
                        }
                    }
                    if (ex.StatusCode == 401 || ex.StatusCode == 403)
                    {
                        throw new ComplianceException(ex.ErrorId, ex.Category, "Uploading device compliance was refused: " + ex.Message, null,
                            ex.RecommendedAction ?? "Check that the app is a compliance partner of the tenant (Add-CompliancePartner) and connect again.", ex);
                    }
                    if (ServiceFailures.IsRejection(ex.StatusCode))
                    {
                        if (message.Devices.Length > 1)
                        {
                            message.SplitConfirmed = await SplitAsync(message, $"the service rejected the message ({ex.StatusCode})").ConfigureAwait(false);
                            return PutOutcome.Split;
                        }
                        await FailDevicesAsync(message, "The service rejected the upload: " + ex.Message, ComplianceErrorCategory.InvalidData).ConfigureAwait(false);
                        return PutOutcome.Failed;
                    }
                    // Throttled or unavailable after every wait, or no answer: it may have arrived all the same.
                    if (await _status.ArrivedAsync(message.StateId).ConfigureAwait(false))
                    {
                        _sink.Uploaded(message.Devices.Length);
                        return PutOutcome.Uploaded;
                    }
                    if (attempt < MaxMessageAttempts)
                    {
                        _sink.Verbose($"Upload of message {message.Id} failed ({ex.Message}); trying again.");
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
                }
            }
        }

        /// <summary>Polls the message's status with back-off until Completed or Failed (or the wait limit).</summary>
        private async Task<bool> FollowAsync(UploadMessage message)
        {
            var estimate = _delays.ProcessingEstimate;
            var delay = PollDelays.Clamp(TimeSpan.FromTicks(estimate.Ticks * 11 / 10) + TimeSpan.FromMilliseconds(10));
            var followUp = PollDelays.Clamp(TimeSpan.FromTicks(Math.Max(estimate.Ticks / 2, TimeSpan.FromMilliseconds(100).Ticks)));
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
                    status = await _status.ReadAsync(message.StateId).ConfigureAwait(false);
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
                    delay = Throttling.Longer(PollDelays.Next(delay), ex.RetryAfter);
                    continue;
                }

                if (status == null)
                {
                    // The service answered the upload but does not know the message (yet).
                    notFound++;
                    if (notFound < 2)
                    {
                        delay = PollDelays.Next(delay);
                        continue;
                    }
                    if (!resent)
                    {
                        resent = true;
                        notFound = 0;
                        _sink.Verbose($"The service does not know message {message.StateId}; uploading it again.");
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
                    _delays.ObserveProcessing(polls == 1, lastProcessing, since.Elapsed);
                    return await SettleAsync(message, status).ConfigureAwait(false);
                }

                lastProcessing = since.Elapsed;
                if (DateTime.UtcNow + followUp > deadline)
                {
                    return LeavePending(message, "the service is still processing it (" + status.Status + ")");
                }
                delay = followUp;
                followUp = PollDelays.Clamp(TimeSpan.FromTicks(followUp.Ticks * 3 / 2));
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
                    _sink.Verbose($"Message {message.StateId} completed with {why}");
                }
                var keys = named.Select(d => d.Key).ToList();
                await _journal.AcceptAsync(message.StateId, _updates.Now, keys).ConfigureAwait(false);
                var confirmed = message.Devices.Where(d => !named.Contains(d)).ToArray();
                _sink.Confirmed(message.StateId, confirmed);
                if (named.Count > 0)
                {
                    _sink.Failed(message.StateId, named, "The service did not process it (" + why + ").", ComplianceErrorCategory.ObjectNotFound);
                    return false;
                }
                return true;
            }

            if (named.Count > 0 && named.Count < message.Devices.Length)
            {
                // The service says which devices spoiled the message: they fail, the others go again.
                var rest = message.Devices.Where(d => !named.Contains(d)).ToArray();
                await _journal.ReleaseAsync(message.StateId).ConfigureAwait(false);
                _sink.Failed(message.StateId, named, "The service failed the upload (" + why + ").", ComplianceErrorCategory.InvalidData);
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

        /// <summary>Devices of a failed message go again in a new message (later LastUpdateTime), recorded before it is sent.</summary>
        private async Task<bool> SendAgainAsync(PackedDevice[] devices)
        {
            foreach (var device in devices)
            {
                device.LastUpdateMs = _updates.Next(device.LastUpdateMs);
            }
            var again = new UploadMessage(devices);
            await _journal.RecordSentAsync(again.StateId, devices, _updates.Now).ConfigureAwait(false);
            return await UploadAndFollowAsync(again).ConfigureAwait(false);
        }

        private bool LeavePending(UploadMessage message, string why)
        {
            _sink.LeftPending(message.StateId, message.Devices, why);
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
            _sink.Verbose($"Splitting message {message.StateId} ({message.Devices.Length} devices): {why}.");
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
                    _sink.Verbose($"Both halves went through: messages now carry at most {smaller} devices.");
                }
                return true;
            }
            return false;
        }

        private async Task FailDevicesAsync(UploadMessage message, string why, ComplianceErrorCategory category)
        {
            await _journal.ReleaseAsync(message.StateId).ConfigureAwait(false);
            _sink.Failed(message.StateId, message.Devices, why, category);
        }
    }
}
