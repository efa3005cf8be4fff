using System.Management.Automation.Language;
using System.Threading;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.Groups;

namespace AzureCompliance.Cmdlets.Onboarding
{
    internal static class CompletionText
    {
        public static string Unquote(string? word) => (word ?? "").Trim().Trim('\'', '"').Replace("''", "'");

        /// <summary>A name as PowerShell needs it typed: single-quoted (quotes doubled) when it holds spaces or special characters.</summary>
        public static string Quote(string name) =>
            name.Length == 0 || name.IndexOfAny(new[] { ' ', '\t', '\'', '"', '$', '`', '(', ')', '{', '}', '[', ']', ';', ',', '&', '@', '#', '|', '<', '>' }) >= 0
                ? "'" + name.Replace("'", "''") + "'"
                : name;
    }
}
