using System.Management.Automation;
using AzureCompliance.Core.State;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>
    /// The one way a -StatePath is resolved: against the PowerShell location (relative paths, PSDrives such as TestDrive:),
    /// not the process's working directory. Cmdlets pass their SessionState.Path; an argument completer can pass
    /// Runspace.DefaultRunspace.SessionStateProxy.Path and find the same file.
    /// </summary>
    internal static class StatePaths
    {
        /// <summary>
        /// The file-system path of a given -StatePath; null when none was given (the engine then uses the default,
        /// <see cref="StateWorkspace.For"/>).
        /// </summary>
        public static string? Resolve(PathIntrinsics location, string? statePath) =>
            string.IsNullOrWhiteSpace(statePath) ? null
            : IsBlobUrl(statePath!) ? statePath // state in Azure Storage: a URL, not a PowerShell path
            : location.GetUnresolvedProviderPathFromPSPath(statePath);

        private static bool IsBlobUrl(string statePath) =>
            statePath.StartsWith("https://", System.StringComparison.OrdinalIgnoreCase) || statePath.StartsWith("http://", System.StringComparison.OrdinalIgnoreCase);
    }
}
