using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace AzureCompliance.Cmdlets.Devices
{
    /// <summary>Completes -Encoding with the names Import-ComplianceDevice understands.</summary>
    public sealed class EncodingNameCompleter : IArgumentCompleter
    {
        private static readonly string[] Names = { "utf8", "utf8BOM", "utf8NoBOM", "unicode", "bigendianunicode", "utf32", "ascii", "latin1" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Names.Where(n => n.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
