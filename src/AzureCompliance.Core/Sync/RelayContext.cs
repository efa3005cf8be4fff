using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Sync
{
    /// <summary>Passes messages to the caller's context while a run starts, then into the run's events.</summary>
    internal sealed class RelayContext : IOperationContext
    {
        private readonly IOperationContext _start;
        private volatile SyncEventSink? _run;

        public RelayContext(IOperationContext start) => _start = start;

        public void RedirectTo(SyncEventSink run) => _run = run;

        public void WriteVerbose(string message)
        {
            var run = _run;
            if (run != null) run.Verbose(message);
            else _start.WriteVerbose(message);
        }

        public void WriteDebug(string message)
        {
            if (_run == null) _start.WriteDebug(message);
        }

        public void WriteWarning(string message)
        {
            var run = _run;
            if (run != null) run.Warning(message);
            else _start.WriteWarning(message);
        }

        public void WriteHostMessage(string message) => WriteVerbose(message);

        public void WriteProgress(OperationProgress progress)
        {
            if (_run == null) _start.WriteProgress(progress);
        }

        public bool ShouldProcess(string target, string action) => true;
    }
}
