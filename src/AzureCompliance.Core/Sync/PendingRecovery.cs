using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// Before any device is packed: asks the service about the messages an earlier run recorded as sent and did not
    /// settle. Completed ones are accepted (their devices are not sent again), failed or unknown ones released (their
    /// devices go again when they come through the pipeline), the rest stay pending.
    /// </summary>
    internal sealed class PendingRecovery
    {
        private readonly ISyncJournal _journal;
        private readonly StatusReader _status;
        private readonly SyncEventSink _sink;
        private readonly IOperationContext _context;
        private readonly Func<DateTimeOffset> _clock;
        private readonly TimeSpan _maxStatusWait;
        private readonly CancellationToken _token;

        public PendingRecovery(ISyncJournal journal, StatusReader status, SyncEventSink sink, IOperationContext context, Func<DateTimeOffset> clock,
            TimeSpan maxStatusWait, CancellationToken token)
        {
            _journal = journal;
            _status = status;
            _sink = sink;
            _context = context;
            _clock = clock;
            _maxStatusWait = maxStatusWait;
            _token = token;
        }

        public async Task ResolveAsync()
        {
            var pending = await _journal.PendingMessagesAsync().ConfigureAwait(false);
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
            var deadline = DateTime.UtcNow + _maxStatusWait;
            while (true)
            {
                UploadStatus? status;
                try
                {
                    status = await _status.ReadAsync(message.MessageId).ConfigureAwait(false);
                }
                catch (ComplianceServiceException ex) when (Throttling.IsCongestion(ex.StatusCode) && DateTime.UtcNow + Throttling.Longer(delay, ex.RetryAfter) <= deadline)
                {
                    // Throttled: read again after the wait the service asked for.
                    delay = Throttling.Longer(delay, ex.RetryAfter);
                    await Task.Delay(delay, _token).ConfigureAwait(false);
                    delay = PollDelays.Next(delay);
                    continue;
                }
                catch (ComplianceServiceException ex) when (ex.StatusCode != 401 && ex.StatusCode != 403)
                {
                    _context.WriteVerbose($"The status of message {message.MessageId} could not be read ({ex.Message}); it stays pending.");
                    return;
                }
                if (status == null || status.IsFailed)
                {
                    // Never arrived, or failed: its devices are unconfirmed and go again when they come through the pipeline.
                    await _journal.ReleaseAsync(message.MessageId).ConfigureAwait(false);
                    _context.WriteVerbose($"Message {message.MessageId} ({message.Devices} devices) " + (status == null ? "never reached the service" : "failed") + ": its devices will be sent again.");
                    return;
                }
                if (status.IsCompleted)
                {
                    await _journal.AcceptAsync(message.MessageId, _clock()).ConfigureAwait(false);
                    _sink.Recovered(message.Devices);
                    return;
                }
                if (DateTime.UtcNow + delay > deadline)
                {
                    _context.WriteVerbose($"Message {message.MessageId} is still processing; it stays pending.");
                    return;
                }
                await Task.Delay(delay, _token).ConfigureAwait(false);
                delay = PollDelays.Next(delay);
            }
        }
    }
}
