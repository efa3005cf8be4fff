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
    public sealed class TestDeviceComplianceCommand : StateCmdlet
    {
        private const string RecordSet = "Record";
        private const string PropertySet = "Properties";

        private PolicyEvaluator? _evaluator;
        private long _received;
        private long _nonCompliant;

        /// <summary>A device record (Import-ComplianceDevice output), or a result whose Device is re-evaluated.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RecordSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public DeviceRecord? Device { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [Alias("AzureDeviceId", "EntraDeviceId")]
        [AllowNull, AllowEmptyString]
        public string? DeviceId { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? DeviceName { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? UserPrincipalName { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? UserId { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? Platform { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? OsVersion { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? ClientVersion { get; set; }

        /// <summary>True/false, or yes/no text as exports write it.</summary>
        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public object? Jailbroken { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public object? Encrypted { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [Alias("Passcode")]
        [AllowNull]
        public object? PasscodePresent { get; set; }

        /// <summary>A DateTime/DateTimeOffset, or text (ISO 8601; without an offset it is UTC).</summary>
        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public object? LastCheckIn { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? MdmState { get; set; }

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
                        WriteWarning($"Source '{source}' has no enabled compliance policy in {ResolvedStatePath}: every device is reported without a policy " +
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
            DeviceRecord record;
            if (ParameterSetName == RecordSet)
            {
                if (Device == null)
                {
                    return;
                }
                record = Device;
            }
            else
            {
                try
                {
                    record = DeviceRecordFactory.FromValues(new Dictionary<DeviceField, string?>
                    {
                        [DeviceField.DeviceId] = DeviceId,
                        [DeviceField.DeviceName] = DeviceName,
                        [DeviceField.UserPrincipalName] = UserPrincipalName,
                        [DeviceField.UserId] = UserId,
                        [DeviceField.Platform] = Platform,
                        [DeviceField.OsVersion] = OsVersion,
                        [DeviceField.ClientVersion] = ClientVersion,
                        [DeviceField.Jailbroken] = Text(Jailbroken),
                        [DeviceField.Encrypted] = Text(Encrypted),
                        [DeviceField.PasscodePresent] = Text(PasscodePresent),
                        [DeviceField.LastCheckIn] = Text(LastCheckIn),
                        [DeviceField.MdmState] = MdmState,
                    }, now, "Device " + (DeviceName ?? DeviceId ?? "#" + _received.ToString(CultureInfo.InvariantCulture)));
                }
                catch (DeviceRowException ex)
                {
                    WriteError(ex);
                    return;
                }
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

        /// <summary>Pipeline values as invariant text: bools, dates (DateTime without a kind is UTC), numbers.</summary>
        private static string? Text(object? value)
        {
            if (value is PSObject wrapped)
            {
                value = wrapped.BaseObject;
            }
            switch (value)
            {
                case null:
                    return null;
                case string text:
                    return text;
                case bool flag:
                    return flag ? "true" : "false";
                case DateTimeOffset time:
                    return time.ToString("o", CultureInfo.InvariantCulture);
                case DateTime time:
                    return (time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : new DateTimeOffset(time))
                        .ToString("o", CultureInfo.InvariantCulture);
                case IFormattable formattable:
                    return formattable.ToString(null, CultureInfo.InvariantCulture);
                default:
                    return value.ToString();
            }
        }
    }
}
