using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using AzureCompliance.Core.Http;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Sync
{
    /// <summary>Entra's view of one device (Graph <c>device</c>): what Get-DeviceCompliance returns.</summary>
    public sealed class EntraDeviceCompliance
    {
        internal EntraDeviceCompliance(JsonElement item)
        {
            ObjectId = JsonRequests.String(item, "id") ?? "";
            DeviceId = JsonRequests.String(item, "deviceId") ?? "";
            DisplayName = JsonRequests.String(item, "displayName");
            IsCompliant = Bool(item, "isCompliant");
            IsManaged = Bool(item, "isManaged");
            TrustType = JsonRequests.String(item, "trustType");
            OperatingSystem = JsonRequests.String(item, "operatingSystem");
            OperatingSystemVersion = JsonRequests.String(item, "operatingSystemVersion");
            ApproximateLastSignIn = Date(item, "approximateLastSignInDateTime");
            RegistrationDateTime = Date(item, "registrationDateTime");
        }

        /// <summary>The id device registration gave the device (what the MDM knows it by).</summary>
        public string DeviceId { get; }
        /// <summary>The directory object id.</summary>
        public string ObjectId { get; }
        public string? DisplayName { get; }
        /// <summary>Entra's compliance flag as the compliance partner last set it; null when never set.</summary>
        public bool? IsCompliant { get; }
        /// <summary>Whether an MDM manages the device (false once the partner reported it retired).</summary>
        public bool? IsManaged { get; }
        /// <summary>Workplace (registered), AzureAd (joined) or ServerAd (hybrid joined).</summary>
        public string? TrustType { get; }
        public string? OperatingSystem { get; }
        public string? OperatingSystemVersion { get; }
        public DateTimeOffset? ApproximateLastSignIn { get; }
        public DateTimeOffset? RegistrationDateTime { get; }

        public override string ToString() => $"{DisplayName ?? DeviceId}: {(IsCompliant == true ? "compliant" : IsCompliant == false ? "not compliant" : "no compliance")}";

        private static bool? Bool(JsonElement item, string name) =>
            item.TryGetProperty(name, out var value) && (value.ValueKind == JsonValueKind.True || value.ValueKind == JsonValueKind.False)
                ? value.GetBoolean() : (bool?)null;

        private static DateTimeOffset? Date(JsonElement item, string name) =>
            DateTimeOffset.TryParse(JsonRequests.String(item, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : (DateTimeOffset?)null;
    }

    /// <summary>
    /// Reads devices from Entra by their device ids: <c>GET /devices?$filter=deviceId in ('…', …)</c>, fifteen ids per
    /// request (the most an <c>in</c> clause of a directory query takes), a few requests at a time.
    /// </summary>
    public static class EntraDeviceReader
    {
        public const int IdsPerRequest = 15;
        private const int Parallel = 4;
        internal const string Select = "id,deviceId,displayName,isCompliant,isManaged,trustType,operatingSystem,operatingSystemVersion,approximateLastSignInDateTime,registrationDateTime";

        /// <summary>
        /// Entra's device for each id (case-insensitive), or no entry when Entra has none. Ids that are not GUIDs are never
        /// sent (they cannot be device ids and must not reach the filter); they simply have no entry.
        /// </summary>
        public static async Task<IReadOnlyDictionary<string, EntraDeviceCompliance>> GetAsync(ComplianceConnection connection,
            IEnumerable<string> deviceIds, CancellationToken cancellationToken)
        {
            var ids = deviceIds.Select(i => i?.Trim() ?? "").Where(i => Guid.TryParse(i, out _)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var found = new Dictionary<string, EntraDeviceCompliance>(StringComparer.OrdinalIgnoreCase);
            var chunks = new List<List<string>>();
            for (var i = 0; i < ids.Count; i += IdsPerRequest)
            {
                chunks.Add(ids.GetRange(i, Math.Min(IdsPerRequest, ids.Count - i)));
            }
            using var gate = new SemaphoreSlim(Parallel);
            var tasks = chunks.Select(async chunk =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await ReadChunkAsync(connection, chunk, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }).ToList();
            foreach (var devices in await Task.WhenAll(tasks).ConfigureAwait(false))
            {
                foreach (var device in devices)
                {
                    if (!found.ContainsKey(device.DeviceId))
                    {
                        found[device.DeviceId] = device;
                    }
                }
            }
            return found;
        }

        private static async Task<List<EntraDeviceCompliance>> ReadChunkAsync(ComplianceConnection connection, List<string> ids, CancellationToken cancellationToken)
        {
            var filter = new StringBuilder("deviceId in (");
            for (var i = 0; i < ids.Count; i++)
            {
                if (i > 0) filter.Append(',');
                filter.Append('\'').Append(ids[i]).Append('\'');
            }
            filter.Append(')');
            var first = new Uri($"{connection.Session.GraphRoot}/devices?$filter={Uri.EscapeDataString(filter.ToString())}&$select={Select}");
            var devices = new List<EntraDeviceCompliance>(ids.Count);
            await GraphPager.ForEachItemAsync(connection.Session, first, "Reading devices from Entra", PermissionCatalog.DeviceRead, connection.Permissions,
                item => devices.Add(new EntraDeviceCompliance(item)), cancellationToken).ConfigureAwait(false);
            return devices;
        }
    }

    /// <summary>The MDM's verdict on a device, as Compare-DeviceCompliance puts it beside Entra's.</summary>
    public enum MdmVerdict
    {
        Compliant,
        NotCompliant,
        /// <summary>Retired in the MDM: Entra should no longer show it managed or compliant.</summary>
        Retired,
        /// <summary>No enabled policy for its platform: the MDM reports nothing, so Entra should not show it compliant.</summary>
        NotEvaluated,
        /// <summary>Its user is outside the group scope: nothing is reported for it.</summary>
        OutOfScope,
    }

    /// <summary>One device's MDM verdict beside Entra's view, and whether they agree.</summary>
    public sealed class DeviceComplianceDrift
    {
        internal DeviceComplianceDrift(DeviceRecord device, MdmVerdict verdict, string? policyName, EntraDeviceCompliance? entra)
        {
            DeviceId = device.DeviceId ?? "";
            DeviceName = device.DeviceName ?? entra?.DisplayName;
            UserPrincipalName = device.UserPrincipalName;
            Platform = device.Platform;
            MdmVerdict = verdict;
            PolicyName = policyName;
            InEntra = entra != null;
            EntraIsCompliant = entra?.IsCompliant;
            EntraIsManaged = entra?.IsManaged;
            Entra = entra;
            switch (verdict)
            {
                case MdmVerdict.Compliant:
                case MdmVerdict.NotCompliant:
                    var expected = verdict == MdmVerdict.Compliant;
                    InSync = entra != null && entra.IsCompliant == expected && entra.IsManaged == true;
                    Detail = entra == null ? "Entra has no device with this id."
                        : InSync ? null
                        : entra.IsCompliant == null ? "Entra has no compliance for the device yet: send it (Send-DeviceCompliance)."
                        : entra.IsCompliant != expected ? $"Entra says {(entra.IsCompliant == true ? "compliant" : "not compliant")}, the MDM says {(expected ? "compliant" : "not compliant")}: send it again."
                        : "Entra does not show the device as managed.";
                    break;
                case MdmVerdict.Retired:
                    InSync = entra == null || (entra.IsManaged != true && entra.IsCompliant != true);
                    Detail = InSync ? null : "Retired in the MDM, but Entra still shows it managed or compliant: send it (Send-DeviceCompliance) to remove its compliance.";
                    break;
                default:
                    InSync = entra == null || entra.IsCompliant != true;
                    Detail = InSync ? null : (verdict == MdmVerdict.OutOfScope
                        ? "Outside the group scope, so no longer reported, but Entra still shows it compliant."
                        : "No enabled policy for its platform, so no longer reported, but Entra still shows it compliant.");
                    break;
            }
        }

        public string DeviceId { get; }
        public string? DeviceName { get; }
        public string? UserPrincipalName { get; }
        public DevicePlatform Platform { get; }
        public MdmVerdict MdmVerdict { get; }
        public string? PolicyName { get; }
        public bool InEntra { get; }
        public bool? EntraIsCompliant { get; }
        public bool? EntraIsManaged { get; }
        /// <summary>Entra shows what the MDM's verdict means for it.</summary>
        public bool InSync { get; }
        /// <summary>What differs, and what to do; null when in sync.</summary>
        public string? Detail { get; }
        public EntraDeviceCompliance? Entra { get; }

        public override string ToString() => $"{DeviceName ?? DeviceId}: {MdmVerdict}, Entra {(EntraIsCompliant?.ToString() ?? "none")}, {(InSync ? "in sync" : "drift")}";
    }

    /// <summary>
    /// Puts the MDM's verdict (the enabled policy of each platform, and the recorded group scope) beside Entra's view, for
    /// Compare-DeviceCompliance. The policies and the scope's members are read once.
    /// </summary>
    public sealed class DeviceComplianceComparer
    {
        private readonly ComplianceConnection _connection;
        private readonly PolicyEvaluator _evaluator;
        private readonly ScopeMembership? _membership;

        private DeviceComplianceComparer(ComplianceConnection connection, PolicyEvaluator evaluator, ScopeMembership? membership)
        {
            _connection = connection;
            _evaluator = evaluator;
            _membership = membership;
        }

        public static async Task<DeviceComplianceComparer> CreateAsync(ComplianceConnection connection, string? statePath, IOperationContext context,
            CancellationToken cancellationToken)
        {
            var path = System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(statePath) ? StateStore.DefaultPath : statePath);
            PolicyEvaluator evaluator;
            GroupScope? scope = null;
            if (System.IO.File.Exists(path))
            {
                using var store = StateStore.Open(path);
                evaluator = PolicyEvaluator.Load(store, connection.SourceName);
                scope = GroupScope.Load(store, connection.SourceName);
            }
            else
            {
                evaluator = new PolicyEvaluator(Array.Empty<CompliancePolicy>());
            }
            if (!evaluator.HasPolicies)
            {
                context.WriteWarning($"MDM instance '{connection.SourceName}' has no enabled compliance policy in {path}: every device compares as not evaluated.");
            }
            ScopeMembership? membership = null;
            if (scope == null)
            {
                context.WriteVerbose("No group scope is recorded: every device counts as in scope.");
            }
            else
            {
                membership = await ScopeMembership.LoadAsync(connection, scope, context, cancellationToken).ConfigureAwait(false);
            }
            return new DeviceComplianceComparer(connection, evaluator, membership);
        }

        public async Task<IReadOnlyList<DeviceComplianceDrift>> CompareAsync(IReadOnlyList<DeviceRecord> devices, CancellationToken cancellationToken)
        {
            var entra = await EntraDeviceReader.GetAsync(_connection, devices.Select(d => d.DeviceId ?? ""), cancellationToken).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            var drift = new List<DeviceComplianceDrift>(devices.Count);
            foreach (var device in devices)
            {
                var verdict = _evaluator.Evaluate(device, now);
                MdmVerdict mdm;
                if (!verdict.HasPolicy)
                {
                    mdm = MdmVerdict.NotEvaluated;
                }
                else if (_membership != null && !_membership.TryResolveOwner(device.UserId, device.UserPrincipalName, out _, out _))
                {
                    mdm = MdmVerdict.OutOfScope;
                }
                else if (device.IsRetired)
                {
                    mdm = MdmVerdict.Retired;
                }
                else
                {
                    mdm = verdict.IsCompliant ? MdmVerdict.Compliant : MdmVerdict.NotCompliant;
                }
                entra.TryGetValue(device.DeviceId?.Trim() ?? "", out var view);
                drift.Add(new DeviceComplianceDrift(device, mdm, verdict.PolicyName, view));
            }
            return drift;
        }
    }
}
