using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>Reads the rule parameters the policy cmdlets share.</summary>
    internal static class PolicyParameters
    {
        /// <summary>Empty or null → no minimum; a version → it; anything else → an InvalidVersion error for this item (false).</summary>
        public static bool TryApplyVersion(StateCmdlet cmdlet, string parameter, string? text, Action<Version?> apply)
        {
            if (!cmdlet.MyInvocation.BoundParameters.ContainsKey(parameter))
            {
                return true;
            }
            if (string.IsNullOrWhiteSpace(text))
            {
                apply(null);
                return true;
            }
            if (!VersionString.TryParse(text, out var version))
            {
                cmdlet.WriteError(Infrastructure.ErrorRecords.From(PolicyErrors.InvalidVersion("-" + parameter, text)));
                return false;
            }
            apply(version);
            return true;
        }

        /// <summary>Words for a change list: "MinimumOsVersion 12.0 → 15.0".</summary>
        public static void Describe(List<string> changes, string name, object? before, object? after)
        {
            var b = Text(before);
            var a = Text(after);
            if (b != a)
            {
                changes.Add($"{name} {b} -> {a}");
            }
        }

        private static string Text(object? value) => value switch
        {
            null => "(none)",
            TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }
}
