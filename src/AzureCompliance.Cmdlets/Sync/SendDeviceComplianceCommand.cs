using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Cmdlets.Policy;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Cmdlets.Devices;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Cmdlets.Sync
{
    /// <summary>
    /// Sends device compliance to Entra through the Intune partner API: judges each piped device with the enabled policy
    /// of its platform, skips devices outside the group scope and devices Entra already has unchanged, uploads the rest
    /// many per message under an adaptive limit, follows every message until the service confirms it, and ends with one
    /// summary. The state file records what was sent before it is sent and what was confirmed when it is, so an
    /// interrupted run loses nothing.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "DeviceCompliance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = RecordSet)]
    [OutputType(typeof(DeviceSyncSummary), typeof(DeviceSyncResult))]
    public sealed class SendDeviceComplianceCommand : DeviceInputCmdlet, IDisposable
    {
        /// <summary>The progress bar's activity id: the same for every record of a run.</summary>
        internal const int ProgressActivityId = 0x5DC0;
        private const string ProgressActivity = "Send-DeviceCompliance";

        /// <summary>Progress goes out under this source id (not the runtime's own), so it can be completed also while the pipeline stops.</summary>
        private static long s_lastProgressSource = 0x5DC0_0000_0000;
        private readonly long _progressSource = Interlocked.Increment(ref s_lastProgressSource);
        private bool _progressCompleted;
        private DeviceSyncRun? _run;
        private ComplianceConnection? _connection;
        private bool _declined;
        private bool _progressShown;
        private long _posted;
        private readonly Stopwatch _progressClock = Stopwatch.StartNew();
        /// <summary>The run's events and progress ticks come here; the pipeline thread runs them while it waits on the run.</summary>
        private readonly HostPump _pump = new HostPump();
        private Timer? _progressTicks;
        private TimeSpan _lastProgress = TimeSpan.FromSeconds(-1);

        /// <summary>Send every device, also those Entra already has unchanged.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Emit a DeviceSyncResult per device, besides the summary.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Devices per data upload message.</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int BatchSize { get; set; } = 100;

        /// <summary>At most this many uploads at once; the adaptive limit stays at or below it.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int MaxConcurrency { get; set; } = 16;

        /// <summary>Seconds to wait for another run that uses the same state file, before refusing (StateInUse).</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int LockTimeout { get; set; } = 30;

        protected override void BeginProcessing()
        {
            _connection = RequireConnection();
            var path = ResolvedStatePath;
            var description = $"Send the compliance of the piped devices to tenant {_connection.TenantDomain ?? _connection.TenantId} " +
                $"as MDM instance '{_connection.SourceName}' (state {Workspace.Location}).";
            var whatIf = false;
            if (!ShouldProcess(description, description + " Continue?", "Send device compliance", out var reason))
            {
                if (reason != ShouldProcessReason.WhatIf)
                {
                    _declined = true;
                    return;
                }
                whatIf = true;
            }

            var options = new DeviceSyncOptions
            {
                StatePath = path,
                Force = Force.IsPresent,
                PassThru = PassThru.IsPresent,
                WhatIf = whatIf,
                BatchSize = BatchSize,
                MaxConcurrency = MaxConcurrency,
                LockTimeout = TimeSpan.FromSeconds(LockTimeout),
            };
            var connection = _connection;
            try
            {
                _run = RunOrThrow((bridge, token) => DeviceSyncRun.StartAsync(connection, options, bridge, token));
            }
            catch (PipelineStoppedException)
            {
                CompleteProgress();
                throw;
            }
            _run.DeliverEventsTo(item => _pump.Post(() => Write(item)));
            _progressTicks = new Timer(_ => _pump.Post(() => ShowProgress(force: false)), null, 250, 250);
            _pump.RunQueued();
        }

        protected override void ProcessRecord()
        {
            if (_declined || _run == null)
            {
                return;
            }
            var input = CurrentInput();
            if (input == null)
            {
                return;
            }
            Guard(() =>
            {
                var posted = _run.PostAsync(input, CancellationToken);
                _pump.Pump(posted);
                posted.GetAwaiter().GetResult();
                _posted++;
                ShowProgress(force: false);
            });
        }

        protected override void EndProcessing()
        {
            try
            {
                if (_declined || _run == null)
                {
                    return;
                }
                var run = _run;
                DeviceSyncSummary? summary = null;
                Guard(() =>
                {
                    var completion = run.CompleteAsync();
                    _pump.Pump(completion);
                    summary = completion.GetAwaiter().GetResult();
                });
                Drain();
                CompleteProgress();
                WriteObject(summary);
            }
            finally
            {
                base.EndProcessing();
            }
        }

        /// <summary>Runs a step that waits on the run: a run failure becomes the summary and a terminating error; Ctrl+C stops.</summary>
        private void Guard(Action step)
        {
            try
            {
                step();
            }
            catch (Exception ex) when (Unwrap(ex) is OperationCanceledException && CancellationToken.IsCancellationRequested)
            {
                CompleteProgress();
                throw new PipelineStoppedException();
            }
            catch (PipelineStoppedException)
            {
                CompleteProgress();
                throw;
            }
            catch (Exception ex) when (Unwrap(ex) is ComplianceException failure)
            {
                Drain();
                CompleteProgress();
                WriteObject(_run!.Summary);
                ThrowTerminatingError(ErrorRecords.From(failure));
            }
        }

        private static Exception Unwrap(Exception exception) =>
            exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1 ? aggregate.InnerExceptions[0] : exception;

        /// <summary>The piped device as the engine takes it; null (after an error) when its values cannot make a record.</summary>
        private DeviceSyncInput? CurrentInput()
        {
            var record = ReadDevice(_posted + 1);
            return record == null ? null : new DeviceSyncInput(record);
        }

        /// <summary>Stops the progress ticks and writes what the run reported and nobody wrote yet (on the pipeline thread).</summary>
        private void Drain()
        {
            _progressTicks?.Dispose();
            _progressTicks = null;
            _pump.RunQueued();
        }

        /// <summary>Writes one thing the run reported; runs on the pipeline thread (through the pump).</summary>
        private void Write(DeviceSyncEvent item)
        {
            if (item.Error != null)
            {
                WriteError(ErrorRecords.From(item.Error));
            }
            else if (item.Warning != null)
            {
                WriteWarning(item.Warning);
            }
            else if (item.Verbose != null)
            {
                WriteVerbose(item.Verbose);
            }
            else if (item.Result != null)
            {
                var result = item.Result;
                if (result.Outcome == DeviceSyncOutcome.WouldSend)
                {
                    // -WhatIf: the engine's "What if:" line names the device and what would go.
                    ShouldProcess(DescribeTarget(result), result.IsRetired ? "Send as retired (remove its compliance data)"
                        : result.IsCompliant == true ? "Send compliance: compliant" : "Send compliance: not compliant");
                }
                if (PassThru)
                {
                    WriteObject(result);
                }
            }
        }

        private static string DescribeTarget(DeviceSyncResult result) =>
            string.IsNullOrWhiteSpace(result.DeviceName) ? "Device " + result.DeviceId : $"Device '{result.DeviceName}' ({result.DeviceId})";

        private void ShowProgress(bool force)
        {
            var run = _run;
            if (run == null)
            {
                return;
            }
            var now = _progressClock.Elapsed;
            if (!force && now - _lastProgress < TimeSpan.FromMilliseconds(250))
            {
                return;
            }
            _lastProgress = now;
            var s = run.Snapshot();
            var (concurrency, rate) = run.Limit;
            var status = run.WhatIf
                ? $"Received {s.Received}; would send {s.Sent}; unchanged {s.Unchanged}; out of scope {s.OutOfScope}; no policy {s.NoPolicy}"
                : $"Received {s.Received}; sent {s.Sent}, confirmed {s.Confirmed}, failed {s.Failed}; unchanged {s.Unchanged}; " +
                  $"out of scope {s.OutOfScope}; no policy {s.NoPolicy}; limit {concurrency} at once" +
                  (rate.HasValue ? $", {rate.Value.ToString("0.#", CultureInfo.InvariantCulture)} messages/s" : "");
            _progressShown = true;
            _progressCompleted = false;
            CommandRuntime.WriteProgress(_progressSource, new ProgressRecord(ProgressActivityId, ProgressActivity, status) { PercentComplete = -1 });
        }

        /// <summary>Ends the progress bar; safe to call at any point, also while the pipeline stops.</summary>
        private void CompleteProgress()
        {
            if (_progressCompleted)
            {
                return;
            }
            _progressCompleted = true;
            var done = new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed };
            try
            {
                CommandRuntime.WriteProgress(_progressSource, done);
            }
            catch (PipelineStoppedException)
            {
                // Ctrl+C: the runtime takes no more writes, but the host still shows the bar; end it there.
                try
                {
                    Host.UI.WriteProgress(_progressSource, done);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    // No host to write to any more.
                }
            }
            catch (InvalidOperationException)
            {
                // No host to write to any more.
            }
        }

        /// <summary>Ctrl+C, an error or the end: stops what still runs; what the service confirmed stays recorded.</summary>
        public void Dispose()
        {
            // Stopped between two records (Ctrl+C while upstream commands ran): the bar still ends here.
            _progressTicks?.Dispose();
            _progressTicks = null;
            if (_progressShown)
            {
                CompleteProgress();
            }
            _pump.Dispose();
            _run?.Dispose();
            _run = null;
        }
    }
}
