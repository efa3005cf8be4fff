using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.State;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>
    /// A cmdlet that works on the module's state (policies, group scope, licensing intent, the sync journal): the one
    /// declaration of -StatePath, resolved against the PowerShell location (<see cref="StatePaths"/>) and opened through
    /// one <see cref="StateWorkspace"/>. The MDM instance (source) is -SourceName, else the connection's SourceName,
    /// else the machine name.
    /// </summary>
    public abstract class StateCmdlet : ConnectedCmdlet
    {
        /// <summary>The state file; by default the per-user one (see StateStore.DefaultPath).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        /// <summary>-StatePath resolved against the PowerShell location; null when none was given (the engine then uses the default).</summary>
        protected string? ResolvedStatePath => StatePaths.Resolve(SessionState.Path, StatePath);

        /// <summary>Where this command's state lives, opened only through this.</summary>
        protected StateWorkspace Workspace => OrThrow(() => StateWorkspace.For(ResolvedStatePath, Connection ?? SessionConnection.Current));

        /// <summary>The source a command works on: the given name, else the connection's SourceName, else the machine name.</summary>
        protected string ResolveSource(string? sourceName) =>
            !string.IsNullOrWhiteSpace(sourceName) ? sourceName!
            : (Connection ?? SessionConnection.Current)?.SourceName ?? System.Environment.MachineName;

        /// <summary>Opens (creating if needed) the state for changes, or ends the command with the engine's error.</summary>
        protected StateStore OpenStore() => OrThrow(() => Workspace.Open());

        /// <summary>Opens existing state to read it; null (and nothing created) when there is none.</summary>
        protected StateStore? OpenExistingStore() => OrThrow(() => Workspace.OpenForReading());

        /// <summary>Makes the store's changes durable where the state lives before they are reported, or ends the command with the engine's error.</summary>
        protected void Save(StateStore store) => OrThrow(() => { store.Save(); return true; });

        private T OrThrow<T>(Func<T> open)
        {
            try
            {
                return open();
            }
            catch (ComplianceException ex)
            {
                ThrowTerminatingError(ex);
                throw; // not reached
            }
        }

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
