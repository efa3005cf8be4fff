using System;

namespace AzureCompliance.Core.Diagnostics
{
    /// <summary>Progress of a long operation. PercentComplete -1 = unknown; Completed ends the progress bar.</summary>
    public sealed class OperationProgress
    {
        public OperationProgress(int activityId, string activity, string status, int percentComplete = -1, bool completed = false)
        {
            ActivityId = activityId;
            Activity = activity;
            Status = status;
            PercentComplete = percentComplete;
            Completed = completed;
        }

        public int ActivityId { get; }
        public string Activity { get; }
        public string Status { get; }
        public int PercentComplete { get; }
        public bool Completed { get; }
    }

    /// <summary>
    /// How the engine talks back to whoever runs it (a cmdlet, a test, the benchmark) without knowing PowerShell.
    /// Implementations must accept calls from any thread: the cmdlets queue them to the pipeline thread.
    /// </summary>
    public interface IOperationContext
    {
        void WriteVerbose(string message);
        void WriteDebug(string message);
        void WriteWarning(string message);
        /// <summary>A message for the person at the console (e.g. the device code instructions).</summary>
        void WriteHostMessage(string message);
        void WriteProgress(OperationProgress progress);
        /// <summary>Asks whether a change may be made (-WhatIf / -Confirm). False means: do not send it.</summary>
        bool ShouldProcess(string target, string action);
    }

    /// <summary>A context that discards messages and allows every change; for engine callers without a host.</summary>
    public sealed class SilentOperationContext : IOperationContext
    {
        public static readonly SilentOperationContext Instance = new SilentOperationContext();

        public void WriteVerbose(string message) { }
        public void WriteDebug(string message) { }
        public void WriteWarning(string message) { }
        public void WriteHostMessage(string message) { }
        public void WriteProgress(OperationProgress progress) { }
        public bool ShouldProcess(string target, string action) => true;
    }
}
