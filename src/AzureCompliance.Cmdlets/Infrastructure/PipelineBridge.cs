using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>
    /// The host's end of the engine's channel, and the one pump: PowerShell accepts Write* and ShouldProcess only on the
    /// pipeline thread, so calls from engine threads are queued, and <see cref="Pump{T}"/> runs them on that thread while
    /// it blocks waiting for a piece of work (a single-answer call, or a long run's post or end). Nothing polls: the
    /// work's completion and Ctrl+C wake it. One bridge serves a cmdlet for its whole life.
    /// </summary>
    internal sealed class PipelineBridge : IOperationContext, IDisposable
    {
        private static readonly Action Wake = () => { };
        /// <summary>Progress goes out under a source id of our own (not the runtime's), so it can be completed also while the pipeline stops.</summary>
        private static long s_lastProgressSource = 0x5DC0_0000_0000;

        private readonly PSCmdlet _cmdlet;
        private readonly BlockingCollection<Action> _queue = new BlockingCollection<Action>();
        private readonly int _pipelineThreadId = Thread.CurrentThread.ManagedThreadId;
        private readonly CancellationToken _stop;
        /// <summary>Cancelled when the command is over: a request still waiting for an answer gets none.</summary>
        private readonly CancellationTokenSource _closed;
        private readonly long _progressSource = Interlocked.Increment(ref s_lastProgressSource);
        /// <summary>Activities shown and not completed yet (pipeline thread only).</summary>
        private readonly Dictionary<int, string> _openProgress = new Dictionary<int, string>();

        /// <summary>Made on the pipeline thread; <paramref name="stop"/> is the cmdlet's Ctrl+C.</summary>
        public PipelineBridge(PSCmdlet cmdlet, CancellationToken stop)
        {
            _cmdlet = cmdlet;
            _stop = stop;
            _closed = CancellationTokenSource.CreateLinkedTokenSource(stop);
            WhatIf = IsWhatIf(cmdlet);
            stop.Register(() => Post(Wake));
        }

        public bool WhatIf { get; }

        public void WriteVerbose(string message) => Post(() => _cmdlet.WriteVerbose(message));
        public void WriteDebug(string message) => Post(() => _cmdlet.WriteDebug(message));
        public void WriteWarning(string message) => Post(() => _cmdlet.WriteWarning(message));
        public void WriteHostMessage(string message) =>
            Post(() => _cmdlet.WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST" }));
        public void WriteError(ComplianceException error) => Post(() => _cmdlet.WriteError(ErrorRecords.From(error)));
        public void WriteResult(object result) => Post(() => _cmdlet.WriteObject(result));
        public void WriteProgress(OperationProgress progress) => Post(() => ShowProgress(progress));

        public bool ShouldProcess(string target, string action) => Ask(() => _cmdlet.ShouldProcess(target, action));

        public bool[] ShouldProcess(IReadOnlyList<ProposedChange> changes) =>
            Ask(() =>
            {
                var answers = new bool[changes.Count];
                for (var i = 0; i < answers.Length; i++)
                {
                    answers[i] = _cmdlet.ShouldProcess(changes[i].Target, changes[i].Action);
                }
                return answers;
            });

        /// <summary>Queues something for the pipeline thread (from any thread); on the pipeline thread it runs at once.</summary>
        public void Post(Action action)
        {
            if (Thread.CurrentThread.ManagedThreadId == _pipelineThreadId)
            {
                action();
                return;
            }
            try
            {
                _queue.Add(action);
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is ObjectDisposedException)
            {
                // The command is over: a late message from a stopping engine has nobody to go to.
            }
        }

        /// <summary>
        /// Runs queued calls on the pipeline thread, blocking between them, until <paramref name="work"/> completes; then
        /// what is still queued; then returns its outcome (its error unwrapped). Ctrl+C ends the wait at once with
        /// <see cref="OperationCanceledException"/>: the work is left to its own cancellation.
        /// </summary>
        public T Pump<T>(Task<T> work)
        {
            if (!work.IsCompleted)
            {
                work.ContinueWith(_ => Post(Wake), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                while (!work.IsCompleted)
                {
                    _stop.ThrowIfCancellationRequested();
                    _queue.Take()();
                }
            }
            RunQueued();
            return work.GetAwaiter().GetResult();
        }

        public void Pump(Task work) => Pump(work.ContinueWith(done => { done.GetAwaiter().GetResult(); return true; },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));

        /// <summary>Runs what is queued now, without waiting.</summary>
        public void RunQueued()
        {
            while (_queue.TryTake(out var action))
            {
                action();
            }
        }

        /// <summary>Ends every progress bar still shown; safe at any point, also while the pipeline stops (Ctrl+C).</summary>
        public void CompleteProgress()
        {
            foreach (var open in new List<KeyValuePair<int, string>>(_openProgress))
            {
                ShowProgress(new OperationProgress(open.Key, open.Value, "Done", completed: true));
            }
        }

        private void ShowProgress(OperationProgress progress)
        {
            var record = new ProgressRecord(progress.ActivityId, progress.Activity, progress.Status)
            {
                PercentComplete = progress.PercentComplete,
                RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            if (progress.Completed)
            {
                _openProgress.Remove(progress.ActivityId);
            }
            else
            {
                _openProgress[progress.ActivityId] = progress.Activity;
            }
            try
            {
                _cmdlet.CommandRuntime.WriteProgress(_progressSource, record);
            }
            catch (PipelineStoppedException) when (progress.Completed)
            {
                // Ctrl+C: the runtime takes no more writes, but the host still shows the bar; end it there.
                try
                {
                    _cmdlet.Host.UI.WriteProgress(_progressSource, record);
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    // No host to write to any more.
                }
            }
            catch (InvalidOperationException) when (progress.Completed)
            {
                // No host to write to any more.
            }
        }

        /// <summary>Runs <paramref name="function"/> on the pipeline thread and waits for its answer (from an engine thread).</summary>
        private T Ask<T>(Func<T> function)
        {
            if (Thread.CurrentThread.ManagedThreadId == _pipelineThreadId)
            {
                return function();
            }
            var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() =>
            {
                try
                {
                    answer.SetResult(function());
                }
                catch (Exception ex)
                {
                    answer.SetException(ex);
                }
            });
            try
            {
                answer.Task.Wait(_closed.Token);
            }
            catch (ObjectDisposedException)
            {
                throw new OperationCanceledException("The command is over: nobody answers any more.");
            }
            return answer.Task.GetAwaiter().GetResult();
        }

        /// <summary>-WhatIf in effect for this command: the switch, or else $WhatIfPreference (as PowerShell decides it).</summary>
        private static bool IsWhatIf(PSCmdlet cmdlet)
        {
            if (cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound))
            {
                return LanguagePrimitives.IsTrue(bound);
            }
            var attribute = (CmdletAttribute?)Attribute.GetCustomAttribute(cmdlet.GetType(), typeof(CmdletAttribute));
            return attribute?.SupportsShouldProcess == true && LanguagePrimitives.IsTrue(cmdlet.GetVariableValue("WhatIfPreference"));
        }

        public void Dispose()
        {
            _queue.CompleteAdding();
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
