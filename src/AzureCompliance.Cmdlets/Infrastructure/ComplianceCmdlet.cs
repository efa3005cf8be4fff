using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>
    /// Base of every cmdlet: runs engine work off the pipeline thread with a cancellation token that Ctrl+C
    /// (StopProcessing) cancels, serves the engine's channel (<see cref="PipelineBridge"/>, one per command) by blocking on
    /// it while the work runs, ends every progress bar, and turns engine errors into error records with a stable ErrorId,
    /// a category and the target.
    /// </summary>
    public abstract class ComplianceCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private PipelineBridge? _bridge;

        protected CancellationToken CancellationToken => _cancellation.Token;

        /// <summary>The engine's channel to this command; made on first use, on the pipeline thread.</summary>
        private protected PipelineBridge Bridge => _bridge ??= new PipelineBridge(this, _cancellation.Token);

        protected override void StopProcessing() => _cancellation.Cancel();

        protected override void EndProcessing() => _cancellation.Dispose();

        /// <summary>Runs engine work and waits for it while serving its channel; rethrows its error unwrapped.</summary>
        private protected T Run<T>(Func<PipelineBridge, CancellationToken, Task<T>> work)
        {
            var bridge = Bridge;
            var token = _cancellation.Token;
            try
            {
                return Await(Task.Run(() => work(bridge, token), token));
            }
            finally
            {
                bridge.CompleteProgress();
            }
        }

        private protected void Run(Func<PipelineBridge, CancellationToken, Task> work) =>
            Run<bool>(async (bridge, token) => { await work(bridge, token).ConfigureAwait(false); return true; });

        /// <summary>
        /// Waits for engine work already under way (e.g. a long run's post or end) while serving its channel; Ctrl+C stops
        /// the command at once. Its error comes back unwrapped.
        /// </summary>
        private protected T Await<T>(Task<T> work)
        {
            try
            {
                return Bridge.Pump(work);
            }
            catch (OperationCanceledException) when (_cancellation.Token.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        private protected void Await(Task work) =>
            Await(work.ContinueWith(done => { done.GetAwaiter().GetResult(); return true; },
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));

        /// <summary>Runs engine work; an engine error becomes a terminating error of this cmdlet.</summary>
        private protected T RunOrThrow<T>(Func<PipelineBridge, CancellationToken, Task<T>> work)
        {
            try
            {
                return Run(work);
            }
            catch (ComplianceException ex)
            {
                ThrowTerminatingError(ErrorRecords.From(ex));
                throw; // not reached
            }
        }

        private protected void RunOrThrow(Func<PipelineBridge, CancellationToken, Task> work) =>
            RunOrThrow<bool>(async (bridge, token) => { await work(bridge, token).ConfigureAwait(false); return true; });

        protected void WriteError(ComplianceException exception) => WriteError(ErrorRecords.From(exception));

        /// <summary>Writes the engine's per-item problems as non-terminating errors, in order (the pipeline goes on).</summary>
        protected void WriteErrors(System.Collections.Generic.IEnumerable<ComplianceException> errors)
        {
            foreach (var error in errors)
            {
                WriteError(error);
            }
        }

        protected void ThrowTerminatingError(ComplianceException exception) => ThrowTerminatingError(ErrorRecords.From(exception));

        /// <summary>The end of the command (also after Ctrl+C or an error): progress bars end, late engine messages go nowhere.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (disposing && _bridge != null)
            {
                _bridge.CompleteProgress();
                _bridge.Dispose();
            }
        }
    }
}
