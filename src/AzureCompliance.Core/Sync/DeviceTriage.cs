using System;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// The first stage: judges one record on its own (Entra device id, the enabled policy of its platform, the group
    /// scope) and says whether it goes on to the delta. Touches no state and reports nothing itself.
    /// </summary>
    internal sealed class DeviceTriage
    {
        private readonly PolicyEvaluator _evaluator;
        private readonly ScopeMembership _membership;
        private readonly DateTimeOffset _evaluatedAt;

        public DeviceTriage(PolicyEvaluator evaluator, ScopeMembership membership, DateTimeOffset evaluatedAt)
        {
            _evaluator = evaluator;
            _membership = membership;
            _evaluatedAt = evaluatedAt;
        }

        public TriageVerdict Judge(DeviceSyncInput input)
        {
            var device = input.Device;
            var id = device.DeviceId?.Trim();
            if (string.IsNullOrEmpty(id) || !Guid.TryParse(id, out _))
            {
                var detail = string.IsNullOrEmpty(id)
                    ? "The device has no Entra device id (DeviceId): it is not registered in Entra and cannot be reported."
                    : $"The device id '{id}' is not an Entra device id (a GUID).";
                var error = new ComplianceException(string.IsNullOrEmpty(id) ? "DeviceIdMissing" : "InvalidDeviceId",
                    ComplianceErrorCategory.InvalidData, $"{SyncEventSink.Describe(device)}: {detail}", input.Target,
                    "Export the device's Entra (Azure AD) device id from the MDM, or register the device in Entra.");
                return TriageVerdict.Skip(DeviceSyncOutcome.Invalid, detail, null, null, error);
            }

            var verdict = _evaluator.Evaluate(device, _evaluatedAt);
            if (!verdict.HasPolicy)
            {
                return TriageVerdict.Skip(DeviceSyncOutcome.NoPolicy, verdict.ReasonSummary, null, null, null);
            }

            if (!_membership.TryResolveOwner(device.UserId, device.UserPrincipalName, out var owner, out var reason))
            {
                return TriageVerdict.Skip(DeviceSyncOutcome.OutOfScope, reason, device.IsRetired ? (bool?)null : verdict.IsCompliant, verdict.PolicyName, null);
            }

            var missing = ComplianceMessages.MissingInventory(device.DeviceName, device.Platform, device.OsVersion);
            if (missing != null)
            {
                var detail = $"The device has no {missing}: Intune requires them in every inventory report.";
                var error = new ComplianceException("DeviceInventoryIncomplete", ComplianceErrorCategory.InvalidData,
                    $"{SyncEventSink.Describe(device)}: {detail}", input.Target,
                    "Export the device's name, platform and OS version from the MDM (columns DeviceName, Platform/OperatingSystem, OsVersion).");
                return TriageVerdict.Skip(DeviceSyncOutcome.Invalid, detail, device.IsRetired ? (bool?)null : verdict.IsCompliant, verdict.PolicyName, error);
            }

            return TriageVerdict.Pass(new PackedDevice(id!, device.DeviceName, device.UserPrincipalName, owner, device.Platform, device.OsVersion,
                device.LastCheckIn, verdict.IsCompliant, device.IsRetired, verdict.PolicyName, input.Target));
        }
    }

    /// <summary>Triage's answer: the device to pack, or why it is not sent.</summary>
    internal readonly struct TriageVerdict
    {
        private TriageVerdict(PackedDevice? device, DeviceSyncOutcome outcome, string? detail, bool? isCompliant, string? policyName, ComplianceException? error)
        {
            Device = device;
            Outcome = outcome;
            Detail = detail;
            IsCompliant = isCompliant;
            PolicyName = policyName;
            Error = error;
        }

        /// <summary>The device to compare with the state; null when it is skipped.</summary>
        public PackedDevice? Device { get; }
        /// <summary>Why it is skipped (Invalid, NoPolicy or OutOfScope).</summary>
        public DeviceSyncOutcome Outcome { get; }
        public string? Detail { get; }
        public bool? IsCompliant { get; }
        public string? PolicyName { get; }
        /// <summary>The per-device error of an invalid record.</summary>
        public ComplianceException? Error { get; }

        public static TriageVerdict Pass(PackedDevice device) => new TriageVerdict(device, DeviceSyncOutcome.WouldSend, null, null, null, null);

        public static TriageVerdict Skip(DeviceSyncOutcome outcome, string? detail, bool? isCompliant, string? policyName, ComplianceException? error) =>
            new TriageVerdict(null, outcome, detail, isCompliant, policyName, error);
    }
}
