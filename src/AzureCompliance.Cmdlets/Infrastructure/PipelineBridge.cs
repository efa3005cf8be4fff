using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>
    /// Lets engine code running on worker threads talk to PowerShell, which only accepts Write* and
    /// ShouldProcess on the pipeline thread: calls are queued and run by <see cref="Pump"/> on that thread.
    /// </summary>
    internal sealed class PipelineBridge : IOperationContext, IDisposable
    {
        private readonly Cmdlet _cmdlet;
        private readonly BlockingCollection<Action> _queue = new BlockingCollection<Action>();
        private readonly int _pipelineThreadId = Thread.CurrentThread.ManagedThreadId;

        public PipelineBridge(Cmdlet cmdlet) => _cmdlet = cmdlet;

        public void WriteVerbose(string message) => Post(() => _cmdlet.WriteVerbose(message));
        public void WriteDebug(string message) => Post(() => _cmdlet.WriteDebug(message));
        public void WriteWarning(string message) => Post(() => _cmdlet.WriteWarning(message));
        public void WriteHostMessage(string message) =>
            Post(() => _cmdlet.WriteInformation(new HostInformationMessage { Message = message }, new[] { "PSHOST" }));

        public void WriteProgress(OperationProgress progress) => Post(() =>
        {
            var record = new ProgressRecord(progress.ActivityId, progress.Activity, progress.Status)
            {
                PercentComplete = progress.PercentComplete,
                RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            _cmdlet.WriteProgress(record);
        });

        public bool ShouldProcess(string target, string action) => Invoke(() => _cmdlet.ShouldProcess(target, action));

        public void WriteObject(object value) => Post(() => _cmdlet.WriteObject(value));

        public void WriteError(ErrorRecord record) => Post(() => _cmdlet.WriteError(record));

        /// <summary>Runs queued calls on the pipeline thread until the work finishes, then returns its outcome.</summary>
        public T Pump<T>(Task<T> work)
        {
            work.ContinueWith(_ => _queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            foreach (var action in _queue.GetConsumingEnumerable())
            {
                action();
            }
            return work.GetAwaiter().GetResult();
        }

        private void Post(Action action)
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
            catch (InvalidOperationException)
            {
                // The work already finished (a late message from a cancelled task): nothing listens any more.
            }
        }

        private T Invoke<T>(Func<T> function)
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
            return answer.Task.GetAwaiter().GetResult();
        }

        public void Dispose() => _queue.Dispose();
    }
}
