using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>One unit of work: the differences of one item, made by one call of an existing service.</summary>
    internal sealed class ConfigurationStep
    {
        public ConfigurationStep(int order, string target, IReadOnlyList<ComplianceConfigurationChange> changes,
            Func<IOperationContext, CancellationToken, Task> apply)
        {
            Order = order;
            Target = target;
            Changes = changes;
            Apply = apply;
        }

        /// <summary>Partner before scope, scope before licences and policies, report-only before enforced.</summary>
        public int Order { get; }
        public string Target { get; }
        public IReadOnlyList<ComplianceConfigurationChange> Changes { get; }
        public Func<IOperationContext, CancellationToken, Task> Apply { get; }
    }

    /// <summary>
    /// What it takes to make the tenant match a configuration file: the differences in the order they are applied.
    /// Every check (groups, limits, platforms held by other partners, the lock-out rule) has passed when a plan exists.
    /// </summary>
    public sealed class ConfigurationPlan
    {
        private readonly List<ConfigurationStep> _steps;

        internal ConfigurationPlan(IEnumerable<ConfigurationStep> steps) =>
            _steps = steps.Select((s, i) => (s, i)).OrderBy(p => p.s.Order).ThenBy(p => p.i).Select(p => p.s).ToList();

        internal IReadOnlyList<ConfigurationStep> Steps => _steps;

        /// <summary>Every difference, in the order Set-ComplianceConfiguration applies them.</summary>
        public IReadOnlyList<ComplianceConfigurationChange> Changes => _steps.SelectMany(s => s.Changes).ToList();

        public bool IsEmpty => _steps.Count == 0;
    }

    /// <summary>Runs a plan step by step; each step asks -WhatIf/-Confirm once, listing its differences with old and new values.</summary>
    public static class ConfigurationApplier
    {
        public static async Task<IReadOnlyList<ComplianceConfigurationChange>> ApplyAsync(ConfigurationPlan plan, IOperationContext context,
            CancellationToken cancellationToken)
        {
            var applied = new List<ComplianceConfigurationChange>();
            var approved = new ApprovedOperationContext(context);
            foreach (var step in plan.Steps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var action = string.Join("; ", step.Changes.Select(c => c.Description + " [" + c.Location + "]"));
                if (!context.ShouldProcess(step.Target, action))
                {
                    continue;
                }
                await step.Apply(approved, cancellationToken).ConfigureAwait(false);
                foreach (var change in step.Changes)
                {
                    change.Applied = true;
                    applied.Add(change);
                }
            }
            return applied;
        }
    }
}
