using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>
    /// Base of every cmdlet: runs engine work off the pipeline thread with a cancellation token that Ctrl+C
    /// (StopProcessing) cancels, relays its messages to the pipeline, and turns engine errors into error
    /// records with a stable ErrorId, a category and the target.
    /// </summary>
    public abstract class ComplianceCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();

        protected CancellationToken CancellationToken => _cancellation.Token;

        protected override void StopProcessing() => _cancellation.Cancel();

        protected override void EndProcessing() => _cancellation.Dispose();

        /// <summary>Runs engine work and waits for it while relaying its output; rethrows its error unwrapped.</summary>
        private protected T Run<T>(Func<PipelineBridge, CancellationToken, Task<T>> work)
        {
            using var bridge = new PipelineBridge(this);
            var token = _cancellation.Token;
            var task = Task.Run(() => work(bridge, token), token);
            try
            {
                return bridge.Pump(task);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        private protected void Run(Func<PipelineBridge, CancellationToken, Task> work) =>
            Run<bool>(async (bridge, token) => { await work(bridge, token).ConfigureAwait(false); return true; });

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
    }

    internal static class ErrorRecords
    {
        public static ErrorRecord From(ComplianceException exception)
        {
            var category = Enum.TryParse<ErrorCategory>(exception.Category.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
            var record = new ErrorRecord(exception, exception.ErrorId, category, exception.Target);
            if (!string.IsNullOrEmpty(exception.RecommendedAction))
            {
                record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = exception.RecommendedAction };
            }
            return record;
        }

        public static ErrorRecord InvalidArgument(string errorId, string message, object? target) =>
            From(new ComplianceException(errorId, ComplianceErrorCategory.InvalidArgument, message, target));
    }
}
