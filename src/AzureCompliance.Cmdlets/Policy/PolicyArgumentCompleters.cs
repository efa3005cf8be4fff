using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>
    /// Completes -Name with the policies of the source in the state file (-StatePath and -SourceName as typed so far).
    /// Only reads: a missing or foreign file is neither created nor changed; -StatePath resolves as the cmdlet resolves it.
    /// </summary>
    public sealed class PolicyNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var statePath = fakeBoundParameters?["StatePath"] as string;
            var source = fakeBoundParameters?["SourceName"] as string;
            if (string.IsNullOrWhiteSpace(source))
            {
                // As the cmdlet decides it: the -Connection typed so far (one of several tenants' connections), else the session's.
                var given = fakeBoundParameters?["Connection"];
                var connection = (given is PSObject wrapped ? wrapped.BaseObject : given) as Core.Connection.ComplianceConnection ?? SessionConnection.Current;
                source = connection?.SourceName ?? Environment.MachineName;
            }
            IReadOnlyList<string> names;
            try
            {
                // Completion runs inside the running pipeline, where the runspace's SessionStateProxy is off limits;
                // a script block on this thread sees the session's current location.
                var found = ScriptBlock.Create("$ExecutionContext.SessionState.Path").Invoke();
                if (found.Count != 1 || !(found[0]?.BaseObject is PathIntrinsics paths))
                {
                    return Enumerable.Empty<CompletionResult>();
                }
                var path = StatePaths.ResolveOrDefault(paths, statePath);
                names = CompliancePolicyStore.ListNames(path, source!);
            }
            catch (Exception)
            {
                return Enumerable.Empty<CompletionResult>(); // completion never fails loudly
            }
            var typed = (wordToComplete ?? "").Trim('\'', '"');
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
            return names.Where(n => pattern.IsMatch(n))
                .Select(n => new CompletionResult(Quote(n), n, CompletionResultType.ParameterValue, n))
                .ToList();
        }

        private static string Quote(string name) =>
            name.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '@', '#' }) >= 0
                ? "'" + name.Replace("'", "''") + "'"
                : name;
    }
}
