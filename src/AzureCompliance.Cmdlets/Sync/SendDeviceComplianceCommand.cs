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
    public sealed class SendDeviceComplianceCommand : DeviceInputCmdlet
    {
        /// <summary>The progress bar's activity id: the same for every record of a run.</summary>
        internal const int ProgressActivityId = 0x5DC0;
        private const string ProgressActivity = "Send-DeviceCompliance";

        private DeviceSyncRun? _run;
        private long _posted;
        private readonly Stopwatch _progressClock = Stopwatch.StartNew();
        /// <summary>Ticks that post a progress update to the pipeline thread (through the bridge) while it waits on the run.</summary>
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
            var connection = RequireConnection();
            // No question here: the engine asks ShouldProcess per device it would send (before it writes anything), and
            // with -WhatIf it takes no lock, settles nothing and sends nothing.
            var options = new DeviceSyncOptions
            {
                StatePath = ResolvedStatePath,
                Force = Force.IsPresent,
                PassThru = PassThru.IsPresent,
                BatchSize = BatchSize,
                MaxConcurrency = MaxConcurrency,
                LockTimeout = TimeSpan.FromSeconds(LockTimeout),
            };
            _run = RunOrThrow((bridge, token) => DeviceSyncRun.StartAsync(connection, options, bridge, token));
            var bridge = Bridge;
            _progressTicks = new Timer(_ => bridge.Post(() => ShowProgress()), null, 250, 250);
        }

        protected override void ProcessRecord()
        {
            if (_run == null)
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
                Await(_run.PostAsync(input, CancellationToken));
                _posted++;
                ShowProgress();
            });
        }

        protected override void EndProcessing()
        {
            try
            {
                if (_run == null)
                {
                    return;
                }
                var run = _run;
                DeviceSyncSummary? summary = null;
                Guard(() => summary = Await(run.CompleteAsync()));
                StopProgressTicks();
                Bridge.CompleteProgress();
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
                StopProgressTicks();
                Bridge.CompleteProgress();
                throw new PipelineStoppedException();
            }
            catch (PipelineStoppedException)
            {
                StopProgressTicks();
                Bridge.CompleteProgress();
                throw;
            }
            catch (Exception ex) when (Unwrap(ex) is ComplianceException failure)
            {
                StopProgressTicks();
                Bridge.RunQueued();
                Bridge.CompleteProgress();
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

        private void StopProgressTicks()
        {
            _progressTicks?.Dispose();
            _progressTicks = null;
        }

        /// <summary>Shows the run's counts, at most every 250 ms (pipeline thread).</summary>
        private void ShowProgress()
        {
            var run = _run;
            if (run == null)
            {
                return;
            }
            var now = _progressClock.Elapsed;
            if (now - _lastProgress < TimeSpan.FromMilliseconds(250))
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
            Bridge.WriteProgress(new OperationProgress(ProgressActivityId, ProgressActivity, status));
        }

        /// <summary>Ctrl+C, an error or the end: stops what still runs; what the service confirmed stays recorded.</summary>
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                StopProgressTicks();
                // Stopped between two records (Ctrl+C while upstream commands ran): the bar still ends (in the base).
                base.Dispose(disposing);
                _run?.Dispose();
                _run = null;
            }
        }
    }
}
