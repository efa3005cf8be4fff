using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.State;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>
    /// A cmdlet that works on the module's local state (policies, group scope): -StatePath chooses the state file and
    /// the MDM instance (source) is -SourceName, else the connection's SourceName, else the machine name.
    /// </summary>
    public abstract class StateCmdlet : ConnectedCmdlet
    {
        /// <summary>The state file; by default the per-user one (see StateStore.DefaultPath).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        protected string ResolvedStatePath => StatePaths.ResolveOrDefault(SessionState.Path, StatePath);

        /// <summary>The source a command works on: the given name, else the connection's SourceName, else the machine name.</summary>
        protected string ResolveSource(string? sourceName) =>
            !string.IsNullOrWhiteSpace(sourceName) ? sourceName!
            : (Connection ?? SessionConnection.Current)?.SourceName ?? System.Environment.MachineName;

        /// <summary>Opens (creating if needed) the state file, or ends the command with the engine's error.</summary>
        protected StateStore OpenStore()
        {
            try
            {
                return StateStore.Open(ResolvedStatePath);
            }
            catch (ComplianceException ex)
            {
                ThrowTerminatingError(ex);
                throw; // not reached
            }
        }

        /// <summary>Opens the state file if it exists; null (and no file created) when it does not.</summary>
        protected StateStore? OpenExistingStore() => File.Exists(ResolvedStatePath) ? OpenStore() : null;

        /// <summary>Runs engine work; its error becomes a non-terminating error of this pipeline item. False when it failed.</summary>
        private protected bool TryRun<T>(Func<PipelineBridge, CancellationToken, Task<T>> work, out T result)
        {
            try
            {
                result = Run(work);
                return true;
            }
            catch (ComplianceException ex)
            {
                WriteError(ex);
                result = default!;
                return false;
            }
        }

        /// <summary>Runs a local engine call; its error becomes a non-terminating error. False when it failed.</summary>
        protected bool TryLocal<T>(Func<T> work, out T result)
        {
            try
            {
                result = work();
                return true;
            }
            catch (ComplianceException ex)
            {
                WriteError(ex);
                result = default!;
                return false;
            }
        }
    }
}
