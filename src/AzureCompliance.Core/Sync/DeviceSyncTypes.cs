using System;
using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Sync
{
    /// <summary>What happened to one device in a Send-DeviceCompliance run.</summary>
    public enum DeviceSyncOutcome
    {
        /// <summary>Uploaded, and the service confirmed the message (Completed): Entra has it.</summary>
        Confirmed,
        /// <summary>Uploaded, but the service rejected it (Failed) or it could not be uploaded; the next run sends it again.</summary>
        Failed,
        /// <summary>Uploaded; the service had not finished processing when the run ended. The next run checks it first.</summary>
        Pending,
        /// <summary>Entra already has exactly this (same content as last confirmed): nothing sent.</summary>
        Unchanged,
        /// <summary>The device's user is outside the recorded group scope: nothing sent.</summary>
        OutOfScope,
        /// <summary>No enabled policy for the device's platform (or an unknown platform): nothing sent.</summary>
        NoPolicy,
        /// <summary>The record cannot be reported (no Entra device id): nothing sent.</summary>
        Invalid,
        /// <summary>-WhatIf: this would be sent.</summary>
        WouldSend,
        /// <summary>
        /// Not sent: the run was stopped before the device's message was uploaded or confirmed, or the host declined it
        /// (-Confirm); the next run takes care of it.
        /// </summary>
        NotSent,
    }

    /// <summary>One device's result of a Send-DeviceCompliance run (emitted with -PassThru).</summary>
    public sealed class DeviceSyncResult
    {
        internal DeviceSyncResult(string? deviceId, string? deviceName, string? userPrincipalName, string? userId, DevicePlatform platform,
            bool? isCompliant, bool isRetired, DeviceSyncOutcome outcome, string? messageId, string? detail, string? policyName)
        {
            DeviceId = deviceId;
            DeviceName = deviceName;
            UserPrincipalName = userPrincipalName;
            UserId = userId;
            Platform = platform;
            IsCompliant = isCompliant;
            IsRetired = isRetired;
            Outcome = outcome;
            MessageId = messageId;
            Detail = detail;
            PolicyName = policyName;
        }

        public string? DeviceId { get; }
        public string? DeviceName { get; }
        public string? UserPrincipalName { get; }
        /// <summary>The owner's Entra object id as uploaded.</summary>
        public string? UserId { get; }
        public DevicePlatform Platform { get; }
        /// <summary>The policy's verdict; null when the device was not evaluated (no policy, invalid) or is retired.</summary>
        public bool? IsCompliant { get; }
        /// <summary>Reported as no longer managed: its compliance data is removed from Entra.</summary>
        public bool IsRetired { get; }
        public DeviceSyncOutcome Outcome { get; }
        /// <summary>The data upload message that carried the device, when one did.</summary>
        public string? MessageId { get; }
        /// <summary>Why the device was skipped or failed.</summary>
        public string? Detail { get; }
        public string? PolicyName { get; }

        public override string ToString() => $"{DeviceName ?? DeviceId}: {Outcome}";
    }

    /// <summary>The one summary object a Send-DeviceCompliance run ends with.</summary>
    public sealed class DeviceSyncSummary
    {
        /// <summary>The tenant the run synced (the connection's tenant id): runs over many tenants report one summary each.</summary>
        public string TenantId { get; internal set; } = "";
        /// <summary>Device records received from the pipeline.</summary>
        public long Received { get; internal set; }
        /// <summary>Devices judged by an enabled policy.</summary>
        public long Evaluated { get; internal set; }
        public long OutOfScope { get; internal set; }
        /// <summary>Devices of a platform without an enabled policy (or of an unknown platform): nothing uploaded for them.</summary>
        public long NoPolicy { get; internal set; }
        /// <summary>Records that cannot be reported (no Entra device id).</summary>
        public long Invalid { get; internal set; }
        /// <summary>Devices whose content Entra already confirmed: not sent again.</summary>
        public long Unchanged { get; internal set; }
        /// <summary>Device payloads uploaded in this run (with -WhatIf: that would be uploaded).</summary>
        public long Sent { get; internal set; }
        /// <summary>Devices whose upload the service confirmed (Completed).</summary>
        public long Confirmed { get; internal set; }
        public long Failed { get; internal set; }
        /// <summary>Retired devices whose removal the service confirmed.</summary>
        public long Retired { get; internal set; }
        /// <summary>Uploaded devices whose messages were still processing at the end; the next run resolves them first.</summary>
        public long Pending { get; internal set; }
        /// <summary>Devices of an earlier, interrupted run that this run found confirmed (and did not send again).</summary>
        public long Recovered { get; internal set; }
        /// <summary>Data upload messages sent.</summary>
        public long Messages { get; internal set; }
        /// <summary>Answers 429 (throttled) the service gave to this run's uploads and status reads.</summary>
        public long Throttled { get; internal set; }
        public TimeSpan Elapsed { get; internal set; }
        /// <summary>Uploaded devices per second of the run.</summary>
        public double DevicesPerSecond { get; internal set; }
        /// <summary>-WhatIf: nothing was sent; Sent counts what would have been.</summary>
        public bool WhatIf { get; internal set; }
        /// <summary>Ctrl+C stopped the run; what was confirmed stays recorded.</summary>
        public bool Stopped { get; internal set; }
        public string StatePath { get; internal set; } = "";

        public override string ToString() =>
            $"Received {Received}, sent {Sent}, confirmed {Confirmed}, failed {Failed}, unchanged {Unchanged}, out of scope {OutOfScope}, no policy {NoPolicy} in {Elapsed.TotalSeconds:0.0} s";
    }
}
