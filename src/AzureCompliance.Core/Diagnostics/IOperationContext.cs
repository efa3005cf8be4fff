using System;
using System.Collections.Generic;

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

    /// <summary>One change the engine is about to make, as it asks the host about it: what it changes and how.</summary>
    public readonly struct ProposedChange
    {
        public ProposedChange(string target, string action)
        {
            Target = target;
            Action = action;
        }

        public string Target { get; }
        public string Action { get; }
    }

    /// <summary>
    /// The one channel from the engine to whoever runs it (a cmdlet, a test, the benchmark), without PowerShell types:
    /// messages, progress, per-item errors and results go out; ShouldProcess is a request the host answers
    /// (-WhatIf / -Confirm). Implementations must accept calls from any thread: the cmdlets queue them to the pipeline
    /// thread and answer ShouldProcess there.
    /// </summary>
    public interface IOperationContext
    {
        void WriteVerbose(string message);
        void WriteDebug(string message);
        void WriteWarning(string message);
        /// <summary>A message for the person at the console (e.g. the device code instructions).</summary>
        void WriteHostMessage(string message);
        void WriteProgress(OperationProgress progress);
        /// <summary>A per-item failure (e.g. one device): the operation goes on. Failures that end it are thrown instead.</summary>
        void WriteError(ComplianceException error);
        /// <summary>An object for the host's output (e.g. a device's result with -PassThru).</summary>
        void WriteResult(object result);
        /// <summary>
        /// True when the host only previews changes (-WhatIf): every ShouldProcess answers false after saying what would be
        /// done, and the engine keeps from writing anything, also its own state.
        /// </summary>
        bool WhatIf { get; }
        /// <summary>Asks whether a change may be made (-WhatIf / -Confirm). False means: do not make it.</summary>
        bool ShouldProcess(string target, string action);
        /// <summary>
        /// Asks about several changes in one request (one round trip to the host when the engine works on another thread);
        /// the answer for each change, in order.
        /// </summary>
        bool[] ShouldProcess(IReadOnlyList<ProposedChange> changes);
    }

    /// <summary>A context that discards messages, errors and results and allows every change; for engine callers without a host.</summary>
    public sealed class SilentOperationContext : IOperationContext
    {
        public static readonly SilentOperationContext Instance = new SilentOperationContext();

        public void WriteVerbose(string message) { }
        public void WriteDebug(string message) { }
        public void WriteWarning(string message) { }
        public void WriteHostMessage(string message) { }
        public void WriteProgress(OperationProgress progress) { }
        public void WriteError(ComplianceException error) { }
        public void WriteResult(object result) { }
        public bool WhatIf => false;
        public bool ShouldProcess(string target, string action) => true;
        public bool[] ShouldProcess(IReadOnlyList<ProposedChange> changes) => OperationContexts.Approve(changes);
    }

    /// <summary>Helpers for implementations of <see cref="IOperationContext"/>.</summary>
    public static class OperationContexts
    {
        /// <summary>Every change approved.</summary>
        public static bool[] Approve(IReadOnlyList<ProposedChange> changes)
        {
            if (changes == null) throw new ArgumentNullException(nameof(changes));
            var answers = new bool[changes.Count];
            for (var i = 0; i < answers.Length; i++)
            {
                answers[i] = true;
            }
            return answers;
        }

        /// <summary>Asks <paramref name="context"/> about each change in turn (for contexts that answer on the caller's thread).</summary>
        public static bool[] AskEach(IOperationContext context, IReadOnlyList<ProposedChange> changes)
        {
            if (changes == null) throw new ArgumentNullException(nameof(changes));
            var answers = new bool[changes.Count];
            for (var i = 0; i < answers.Length; i++)
            {
                answers[i] = context.ShouldProcess(changes[i].Target, changes[i].Action);
            }
            return answers;
        }
    }
}
