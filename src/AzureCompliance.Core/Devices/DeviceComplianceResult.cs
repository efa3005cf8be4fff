using System;
using System.Collections.Generic;
using System.Text;

namespace AzureCompliance.Core.Devices
{
    /// <summary>Why a device is not compliant: which rule, what it expects and what the device has.</summary>
    public sealed class ComplianceReason
    {
        public ComplianceReason(string rule, string expected, string actual, string message)
        {
            Rule = rule ?? throw new ArgumentNullException(nameof(rule));
            Expected = expected ?? "";
            Actual = actual ?? "";
            Message = message ?? "";
        }

        /// <summary>The rule's stable name (see AzureCompliance.Core.Policy.ComplianceRule).</summary>
        public string Rule { get; }
        public string Expected { get; }
        public string Actual { get; }
        public string Message { get; }

        public override string ToString() => Message;
    }

    /// <summary>
    /// The verdict on one device: what Test-DeviceCompliance emits and Send-DeviceCompliance accepts from the pipeline.
    /// </summary>
    public sealed class DeviceComplianceResult
    {
        private static readonly IReadOnlyList<ComplianceReason> NoReasons = Array.Empty<ComplianceReason>();

        public DeviceComplianceResult(DeviceRecord device, string? policyName, IReadOnlyList<ComplianceReason>? reasons, DateTimeOffset evaluatedOn)
        {
            Device = device ?? throw new ArgumentNullException(nameof(device));
            PolicyName = policyName;
            Reasons = reasons ?? NoReasons;
            EvaluatedOn = evaluatedOn;
        }

        public string? DeviceId => Device.DeviceId;
        public string? DeviceName => Device.DeviceName;
        public string? UserPrincipalName => Device.UserPrincipalName;
        public string? UserId => Device.UserId;
        public DevicePlatform Platform => Device.Platform;

        /// <summary>True when an enabled policy applied and the device broke none of its rules.</summary>
        public bool IsCompliant => PolicyName != null && Reasons.Count == 0;

        /// <summary>Every broken rule; empty for a compliant device.</summary>
        public IReadOnlyList<ComplianceReason> Reasons { get; }

        /// <summary>The policy that judged the device; null when none applies to its platform (the device is then not reported).</summary>
        public string? PolicyName { get; }

        /// <summary>A policy judged the device. False: unknown platform or no enabled policy for it, so nothing is uploaded for it.</summary>
        public bool HasPolicy => PolicyName != null;

        public bool IsRetired => Device.IsRetired;

        public DateTimeOffset EvaluatedOn { get; }

        public DeviceRecord Device { get; }

        /// <summary>The reasons' messages on one line, for tables and logs.</summary>
        public string ReasonSummary
        {
            get
            {
                if (Reasons.Count == 0)
                {
                    return "";
                }
                if (Reasons.Count == 1)
                {
                    return Reasons[0].Message;
                }
                var text = new StringBuilder();
                foreach (var reason in Reasons)
                {
                    if (text.Length > 0) text.Append("; ");
                    text.Append(reason.Message);
                }
                return text.ToString();
            }
        }

        public override string ToString() => $"{DeviceName ?? DeviceId}: {(IsCompliant ? "compliant" : "not compliant")}";
    }
}
