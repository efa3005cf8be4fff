using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Http;

namespace AzureCompliance.Core.Registry
{
    /// <summary>One MDM instance registered on the tenant.</summary>
    public sealed class MdmInstance
    {
        public MdmInstance(string name, DateTimeOffset registeredOn, DateTimeOffset? lastSyncOn, string? partnerName = null,
            IEnumerable<string>? provisionedApps = null)
        {
            Name = name;
            RegisteredOn = registeredOn;
            LastSyncOn = lastSyncOn;
            PartnerName = partnerName;
            ProvisionedApps = (provisionedApps ?? Array.Empty<string>()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }

        public string Name { get; }
        public DateTimeOffset RegisteredOn { get; }
        /// <summary>The instance's last Send-DeviceCompliance run (its heartbeat).</summary>
        public DateTimeOffset? LastSyncOn { get; }
        /// <summary>The compliance partner (display name) this instance added or registered as; null when not recorded.</summary>
        public string? PartnerName { get; }
        /// <summary>
        /// The app (client) ids that provisioned the partner tenant for this instance. Intune provisions per calling app,
        /// so a second identity under the same SourceName (e.g. an Automation managed identity) needs its own provisioning.
        /// </summary>
        public IReadOnlyList<string> ProvisionedApps { get; }

        /// <summary>Whether the app <paramref name="clientId"/> is recorded as having provisioned the partner tenant for this instance.</summary>
        public bool IsProvisionedFor(string clientId) => ProvisionedApps.Contains(clientId, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The tenant-side registry of the MDM instances (SourceName) that share a tenant, so each instance sees the
    /// others before it de-provisions (seed: "Multiple Core support"). It lives in an open extension named
    /// <see cref="ExtensionName"/> on the tenant's organization object: readable by every instance's app, no
    /// extra infrastructure. Limits (Graph open extensions): 2 KB in all, so about eight instances with one provisioned app each (an entry takes about 190 bytes, each app about 40 more); values are
    /// primitives or arrays of primitives, so each instance is one string (a small JSON object); not available in the
    /// China cloud; writes are last-writer-wins, so each change is re-read and re-applied if another instance wrote
    /// at the same moment.
    /// </summary>
    public static class InstanceRegistry
    {
        public const string ExtensionName = "com.azurecompliance.instances";
        private const int MaxBytes = 2048;
        private const int Attempts = 3;

        // The default encoder writes each quote inside an entry as \u0022 and '+' as \u002B: a third of the 2 KB gone on
        // escapes. The body goes to Graph, never into HTML, so the minimal JSON escaping is safe here.
        private static readonly JsonSerializerOptions Compact = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static async Task<IReadOnlyList<MdmInstance>> GetAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            EnsureAvailable(connection);
            var (exists, instances) = await ReadAsync(connection, cancellationToken).ConfigureAwait(false);
            return exists ? instances : Array.Empty<MdmInstance>();
        }

        /// <summary>Adds this connection's instance (SourceName) if it is not registered yet. Returns false if it already was.</summary>
        public static Task<bool> RegisterAsync(ComplianceConnection connection, CancellationToken cancellationToken) =>
            RegisterAsync(connection, null, provisioned: false, cancellationToken);

        /// <summary>
        /// Adds this connection's instance, or records <paramref name="partnerName"/> as its partner (null keeps what is
        /// recorded) and, when <paramref name="provisioned"/>, the connection's app as one that provisioned the partner
        /// tenant. Returns false if it already was registered so.
        /// </summary>
        public static Task<bool> RegisterAsync(ComplianceConnection connection, string? partnerName, bool provisioned, CancellationToken cancellationToken)
        {
            bool AsWanted(MdmInstance i) => Same(i.Name, connection.SourceName) && (partnerName == null || Same(i.PartnerName ?? "", partnerName))
                && (!provisioned || i.IsProvisionedFor(connection.ClientId));
            return ChangeAsync(connection, "Registering this MDM instance", instances =>
            {
                if (instances.Any(AsWanted))
                {
                    return null;
                }
                var index = instances.FindIndex(i => Same(i.Name, connection.SourceName));
                var current = index >= 0 ? instances[index] : null;
                var apps = (current?.ProvisionedApps ?? Array.Empty<string>()).ToList();
                if (provisioned) apps.Add(connection.ClientId);
                var entry = new MdmInstance(connection.SourceName, current?.RegisteredOn ?? DateTimeOffset.UtcNow, current?.LastSyncOn, partnerName ?? current?.PartnerName, apps);
                if (index >= 0) instances[index] = entry; else instances.Add(entry);
                return instances;
            }, verify: instances => instances.Any(AsWanted), cancellationToken);
        }

        /// <summary>The partner this connection's instance (SourceName) is registered as; null when none is recorded.</summary>
        public static async Task<string?> PartnerOfAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            var instances = await GetAsync(connection, cancellationToken).ConfigureAwait(false);
            return instances.FirstOrDefault(i => Same(i.Name, connection.SourceName))?.PartnerName;
        }

        /// <summary>Removes one instance. Returns false if it was not registered.</summary>
        public static Task<bool> UnregisterAsync(ComplianceConnection connection, string name, CancellationToken cancellationToken) =>
            ChangeAsync(connection, "Unregistering MDM instance " + name, instances =>
                instances.RemoveAll(i => Same(i.Name, name)) == 0 ? null : instances,
                verify: instances => !instances.Any(i => Same(i.Name, name)), cancellationToken);

        /// <summary>Records this instance's last sync (its heartbeat), registering it if needed.</summary>
        public static Task<bool> RecordSyncAsync(ComplianceConnection connection, DateTimeOffset when, CancellationToken cancellationToken) =>
            ChangeAsync(connection, "Recording this MDM instance's sync", instances =>
            {
                var index = instances.FindIndex(i => Same(i.Name, connection.SourceName));
                var registered = index < 0 ? when : instances[index].RegisteredOn;
                var partner = index >= 0 ? instances[index].PartnerName : null;
                var apps = index >= 0 ? instances[index].ProvisionedApps : null;
                if (index >= 0) instances.RemoveAt(index);
                instances.Add(new MdmInstance(connection.SourceName, registered, when, partner, apps));
                return instances;
            }, verify: instances => instances.Any(i => Same(i.Name, connection.SourceName) && i.LastSyncOn >= when.AddSeconds(-1)), cancellationToken);

        /// <summary>Removes the whole registry (de-provisioning every instance).</summary>
        public static async Task ClearAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            EnsureAvailable(connection);
            var uri = ExtensionUri(connection, withName: true);
            using var _ = await JsonRequests.SendAsync(connection.Session, HttpMethod.Delete, uri, null, "Removing the MDM instance registry",
                cancellationToken, requiredPermission: PermissionCatalog.OrganizationReadWrite, grantedPermissions: connection.Permissions,
                notFoundIsNull: true).ConfigureAwait(false);
        }

        private static async Task<bool> ChangeAsync(ComplianceConnection connection, string operation,
            Func<List<MdmInstance>, List<MdmInstance>?> change, Func<List<MdmInstance>, bool> verify, CancellationToken cancellationToken)
        {
            EnsureAvailable(connection);
            for (var attempt = 1; ; attempt++)
            {
                var (exists, current) = await ReadAsync(connection, cancellationToken).ConfigureAwait(false);
                var changed = change(current.ToList());
                if (changed == null)
                {
                    return false;
                }

                var json = Serialize(changed);
                if (Encoding.UTF8.GetByteCount(json) > MaxBytes)
                {
                    throw new ComplianceException("RegistryFull", ComplianceErrorCategory.LimitsExceeded,
                        $"The tenant's MDM instance registry would exceed the 2 KB an open extension may hold ({changed.Count} instances).",
                        connection.TenantId, "Unregister instances that no longer exist (Disconnect-ComplianceTenant -Deprovision on them), or use shorter -SourceName values.");
                }

                var method = exists ? new HttpMethod("PATCH") : HttpMethod.Post;
                using (await JsonRequests.SendAsync(connection.Session, method, ExtensionUri(connection, withName: exists), json, operation,
                    cancellationToken, requiredPermission: PermissionCatalog.OrganizationReadWrite, grantedPermissions: connection.Permissions).ConfigureAwait(false))
                {
                }

                // Another instance may have written between our read and write: make sure our change stands.
                var (_, after) = await ReadAsync(connection, cancellationToken).ConfigureAwait(false);
                if (verify(after.ToList()) || attempt >= Attempts)
                {
                    return true;
                }
            }
        }

        private static async Task<(bool Exists, IReadOnlyList<MdmInstance> Instances)> ReadAsync(ComplianceConnection connection, CancellationToken cancellationToken)
        {
            using var document = await JsonRequests.SendAsync(connection.Session, HttpMethod.Get, ExtensionUri(connection, withName: true), null,
                "Reading the MDM instance registry", cancellationToken, requiredPermission: PermissionCatalog.OrganizationRead,
                grantedPermissions: connection.Permissions, notFoundIsNull: true).ConfigureAwait(false);
            if (document == null)
            {
                return (false, Array.Empty<MdmInstance>());
            }

            var instances = new List<MdmInstance>();
            if (document.RootElement.TryGetProperty("instances", out var array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in array.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String && TryParseEntry(item.GetString()!, out var instance))
                    {
                        instances.Add(instance);
                    }
                }
            }
            return (true, instances);
        }

        /// <summary>The extension's body. Graph requires @odata.type and extensionName on create and on update alike.</summary>
        internal static string Serialize(IEnumerable<MdmInstance> instances)
        {
            var body = new Dictionary<string, object>
            {
                ["@odata.type"] = "microsoft.graph.openTypeExtension",
                ["extensionName"] = ExtensionName,
                ["instances"] = instances.Select(Entry).ToList(),
            };
            return JsonSerializer.Serialize(body, Compact);
        }

        private static string Entry(MdmInstance instance)
        {
            var entry = new Dictionary<string, object?>
            {
                ["name"] = instance.Name,
                ["registered"] = instance.RegisteredOn.ToString("o"),
                ["lastSync"] = instance.LastSyncOn?.ToString("o"),
            };
            if (instance.PartnerName != null)
            {
                entry["partner"] = instance.PartnerName; // only when known: the registry holds 2 KB in all
            }
            if (instance.ProvisionedApps.Count > 0)
            {
                entry["apps"] = instance.ProvisionedApps;
            }
            return JsonSerializer.Serialize(entry, Compact);
        }

        /// <summary>
        /// Open extensions do not exist in the China cloud (Graph docs, extensibility overview): refuse clearly there rather
        /// than fail on a Graph error or, worse, carry on as if no other instance existed.
        /// </summary>
        internal static void EnsureAvailable(ComplianceConnection connection)
        {
            if (!connection.Session.Environment.HasOpenExtensions)
            {
                throw new ComplianceException("InstanceRegistryUnavailable", ComplianceErrorCategory.ResourceUnavailable,
                    $"The tenant-side registry of MDM instances lives in a Graph open extension, and open extensions do not exist in the {connection.Session.Environment.Name} cloud: " +
                    "this instance cannot register itself or see other instances there.",
                    connection.TenantId,
                    "In the China cloud run one MDM instance (one -SourceName) per tenant and keep the list of instances yourself; " +
                    "de-provision only when no other instance uses the tenant. The other steps (partner, groups, policies, uploads) are unaffected.");
            }
        }

        private static Uri ExtensionUri(ComplianceConnection connection, bool withName) =>
            new Uri($"{connection.Session.GraphRoot}/organization/{connection.TenantId}/extensions" + (withName ? "/" + ExtensionName : ""));

        /// <summary>One registry entry: a string holding {"name":..,"registered":..,"lastSync":..,"partner":..,"apps":[..]}; anything else is skipped.</summary>
        private static bool TryParseEntry(string text, out MdmInstance instance)
        {
            instance = null!;
            try
            {
                using var entry = JsonDocument.Parse(text);
                var name = JsonRequests.String(entry.RootElement, "name");
                if (string.IsNullOrEmpty(name))
                {
                    return false;
                }
                instance = new MdmInstance(name!, Date(entry.RootElement, "registered") ?? DateTimeOffset.MinValue, Date(entry.RootElement, "lastSync"),
                    JsonRequests.String(entry.RootElement, "partner"), Apps(entry.RootElement));
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        /// <summary>The entry's provisioned app ids; none when absent (entries written before they were recorded).</summary>
        private static IEnumerable<string> Apps(JsonElement item) =>
            item.TryGetProperty("apps", out var apps) && apps.ValueKind == JsonValueKind.Array
                ? apps.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToList()
                : Enumerable.Empty<string>();

        private static DateTimeOffset? Date(JsonElement item, string name) =>
            DateTimeOffset.TryParse(JsonRequests.String(item, name), out var value) ? value : (DateTimeOffset?)null;

        private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    }
}
