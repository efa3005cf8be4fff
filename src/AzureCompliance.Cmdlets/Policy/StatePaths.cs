using System.Management.Automation;
using AzureCompliance.Core.State;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>How a -StatePath value becomes a file path, for the cmdlets and their argument completers alike.</summary>
    internal static class StatePaths
    {
        /// <summary>Empty: the per-user default; otherwise resolved against the PowerShell location (not the process folder).</summary>
        public static string Resolve(PathIntrinsics paths, string? statePath) =>
            string.IsNullOrEmpty(statePath) ? StateStore.DefaultPath : paths.GetUnresolvedProviderPathFromPSPath(statePath);
    }
}
