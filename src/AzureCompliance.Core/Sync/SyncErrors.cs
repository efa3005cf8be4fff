using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Sync
{
    internal static class SyncErrors
    {
        public static ComplianceException ScopeNotSet(string source, string statePath) =>
            new ComplianceException("ScopeNotSet", ComplianceErrorCategory.InvalidOperation,
                $"No group scope is recorded for this MDM instance ('{source}') in the state file {statePath}: Send-DeviceCompliance does not know whose devices to report.",
                statePath, "Run Set-ComplianceGroup -AllUsers, or Set-ComplianceGroup -Group <groups>, with the same -StatePath, then send again.");
    }

    internal static class ArrayExtensions
    {
        public static T[] CopyRange<T>(this T[] source, int start, int length)
        {
            var copy = new T[length];
            System.Array.Copy(source, start, copy, 0, length);
            return copy;
        }
    }
}
