using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Onboarding.Groups;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Completes -Group (and -ExcludeGroup) with group display names from the tenant, quoted when needed.</summary>
    public sealed class GroupNameCompleter : IArgumentCompleter
    {
        private const int MaxResults = 25;
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var connection = Unwrap(fakeBoundParameters?["Connection"]) as ComplianceConnection ?? SessionConnection.Current;
            if (connection == null || !connection.IsConnected)
            {
                return Enumerable.Empty<CompletionResult>();
            }
            var typed = CompletionText.Unquote(wordToComplete);
            IReadOnlyList<string> names;
            try
            {
                using var cancellation = new CancellationTokenSource(Timeout);
                names = ComplianceGroupService.SuggestNamesAsync(connection, typed, MaxResults, cancellation.Token).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                return Enumerable.Empty<CompletionResult>(); // completion never fails loudly
            }
            return names.Select(n => new CompletionResult(CompletionText.Quote(n), n, CompletionResultType.ParameterValue, n)).ToList();
        }

        private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;
    }
}
