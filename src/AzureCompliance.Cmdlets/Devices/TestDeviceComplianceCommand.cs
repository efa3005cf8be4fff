using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Policy;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Devices
{
    /// <summary>
    /// Evaluates devices against the compliance policies without sending anything: one result per device with the
    /// reasons (rule, expected, actual) for the non-compliant ones. Input: DeviceRecord objects, or any object with
    /// the property names (DeviceId, Platform, OsVersion, ...).
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "DeviceCompliance", DefaultParameterSetName = RecordSet)]
    [OutputType(typeof(DeviceComplianceResult))]
    public sealed class TestDeviceComplianceCommand : DeviceInputCmdlet
    {
        private PolicyEvaluator? _evaluator;
        private long _received;
        private long _nonCompliant;

        /// <summary>Evaluate with these policies (enabled or not) instead of the source's enabled policies in the state file.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public CompliancePolicy[]? Policy { get; set; }

        /// <summary>Whose policies to use; by default the connection's SourceName, else this computer's name.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SourceName { get; set; }

        /// <summary>Emit only the results of devices that are not compliant (including those no policy applies to).</summary>
        [Parameter]
        public SwitchParameter NonCompliantOnly { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                if (Policy != null)
                {
                    _evaluator = new PolicyEvaluator(Policy, includeDisabled: true);
                }
                else
                {
                    var source = ResolveSource(SourceName);
                    using var store = OpenExistingStore();
                    _evaluator = store == null ? new PolicyEvaluator(Array.Empty<CompliancePolicy>()) : PolicyEvaluator.Load(store, source);
                    if (!_evaluator.HasPolicies)
                    {
                        WriteWarning($"Source '{source}' has no enabled compliance policy in {Workspace.Location}: every device is reported without a policy " +
                            "(and Send-DeviceCompliance would send nothing). Create one with New-CompliancePolicy, or pass -Policy.");
                    }
                }
            }
            catch (ComplianceException ex)
            {
                ThrowTerminatingError(ex);
            }
            WriteVerbose("Evaluating with: " + (_evaluator!.HasPolicies ? string.Join(", ", PolicyNames(_evaluator)) : "no policy"));
        }

        protected override void ProcessRecord()
        {
            _received++;
            var now = DateTimeOffset.UtcNow;
            var record = ReadDevice(_received);
            if (record == null)
            {
                return;
            }

            var result = _evaluator!.Evaluate(record, now);
            if (!result.IsCompliant)
            {
                _nonCompliant++;
            }
            else if (NonCompliantOnly)
            {
                return;
            }
            WriteObject(result);
        }

        protected override void EndProcessing()
        {
            WriteVerbose($"Evaluated {_received} device(s): {_nonCompliant} not compliant.");
            base.EndProcessing();
        }

        private static IEnumerable<string> PolicyNames(PolicyEvaluator evaluator)
        {
            foreach (var policy in evaluator.Policies)
            {
                yield return $"{policy.Name} ({policy.Platform})";
            }
        }
    }
}
