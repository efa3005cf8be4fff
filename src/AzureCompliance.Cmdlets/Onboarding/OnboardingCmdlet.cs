using System.Collections.Generic;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Base of the onboarding cmdlets: a tenant connection, engine per-item errors written in order, identity binding.</summary>
    public abstract class OnboardingCmdlet : ConnectedCmdlet
    {
        /// <summary>Writes the engine's per-item problems as non-terminating errors (the pipeline goes on).</summary>
        protected void WriteErrors(IEnumerable<ComplianceException> errors)
        {
            foreach (var error in errors)
            {
                WriteError(error);
            }
        }

        /// <summary>A -StatePath as a file system path (relative paths and PSDrives resolved); null for the default.</summary>
        protected string? ResolveStatePath(string? statePath) => StatePaths.Resolve(SessionState.Path, statePath);
    }
}
