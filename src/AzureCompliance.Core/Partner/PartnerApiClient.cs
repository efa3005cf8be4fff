using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using AzureCompliance.Core.Http;

namespace AzureCompliance.Core.Partner
{
    /// <summary>The partner API's base URIs for a tenant (PROTOCOL.md 3.1).</summary>
    internal sealed class PartnerEndpoints
    {
        public PartnerEndpoints(Uri tenantSync, Uri deviceSync, DateTimeOffset discoveredOn)
        {
            TenantSync = tenantSync;
            DeviceSync = deviceSync;
            DiscoveredOn = discoveredOn;
        }

        public Uri TenantSync { get; }
        public Uri DeviceSync { get; }
        public DateTimeOffset DiscoveredOn { get; }
    }

    /// <summary>A partner compliance policy as the Intune partner API reports it.</summary>
    internal sealed class PartnerPolicyInfo
    {
        public PartnerPolicyInfo(string id, string displayName, string platform)
        {
            Id = id;
            DisplayName = displayName;
            Platform = platform;
        }

        public string Id { get; }
        public string DisplayName { get; }
        public string Platform { get; }
    }

    /// <summary>Processing state of one data upload message (PROTOCOL.md 3.5).</summary>
    internal sealed class UploadStatus
    {
        public UploadStatus(string status, string? errorCode, string? errorDetail)
        {
            Status = status;
            ErrorCode = errorCode;
            ErrorDetail = errorDetail;
        }

        /// <summary>Completed, Failed, or anything else while the service is still processing.</summary>
        public string Status { get; }
        public string? ErrorCode { get; }
        public string? ErrorDetail { get; }
        public bool IsCompleted => string.Equals(Status, "Completed", StringComparison.OrdinalIgnoreCase);
        public bool IsFailed => string.Equals(Status, "Failed", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The Intune partner compliance API (PROTOCOL.md 3): endpoint discovery through Graph, tenant provisioning,
    /// partner compliance policies and device data upload messages, all with the partner-resource token and the
    /// connection's retrying HTTP pipeline. One client per connection; discovered endpoints are kept 24 hours.
    /// </summary>
    internal sealed class PartnerApiClient
    {
        internal const string IntuneAppId = "0000000a-0000-0000-c000-000000000000";
        internal const string TenantSyncProvider = "PartnerTenantDataSyncService";
        internal const string DeviceSyncProvider = "PartnerDeviceDataSyncService";
        private const string TenantApiVersion = "1.6";
        private const string DeviceApiVersion = "1.2";
        private static readonly TimeSpan EndpointLifetime = TimeSpan.FromHours(24);
        private static readonly ConditionalWeakTable<ComplianceConnection, PartnerApiClient> Clients =
            new ConditionalWeakTable<ComplianceConnection, PartnerApiClient>();

        private readonly ComplianceConnection _connection;
        private readonly SemaphoreSlim _discovery = new SemaphoreSlim(1, 1);
        private PartnerEndpoints? _endpoints;

        private PartnerApiClient(ComplianceConnection connection) => _connection = connection;

        /// <summary>One client per connection object, released with it.</summary>
        public static PartnerApiClient For(ComplianceConnection connection) => Clients.GetValue(connection, c => new PartnerApiClient(c));

        private ServiceSession Session => _connection.Session;

        public async Task<PartnerEndpoints> GetEndpointsAsync(CancellationToken cancellationToken)
        {
            if (_connection.AuthType == ComplianceAuthType.DeviceCode)
            {
                throw ConnectionErrors.DelegatedPartnerApi(_connection.TenantId);
            }
            _ = Session.Environment.PartnerResource; // a cloud without a known partner resource is refused here, before any call
            var known = _endpoints;
            if (known != null && DateTimeOffset.UtcNow - known.DiscoveredOn < EndpointLifetime)
            {
                return known;
            }

            await _discovery.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_endpoints != null && DateTimeOffset.UtcNow - _endpoints.DiscoveredOn < EndpointLifetime)
                {
                    return _endpoints;
                }
                var graph = Session.Graph;
                var principals = await GraphErrors.CallAsync(
                    () => graph.ServicePrincipals.GetAsync(r =>
                    {
                        r.QueryParameters.Filter = $"appId eq '{IntuneAppId}'";
                        r.QueryParameters.Select = new[] { "id", "appId", "displayName" };
                    }, cancellationToken),
                    "Finding the Intune service principal", PermissionCatalog.ApplicationRead, _connection.Permissions).ConfigureAwait(false);
                var intune = principals?.Value?.FirstOrDefault()
                    ?? throw new ComplianceException("IntuneNotFound", ComplianceErrorCategory.ObjectNotFound,
                        "The tenant has no Intune service principal (appId " + IntuneAppId + "): Intune is not set up in this tenant.",
                        _connection.TenantId, "Make sure the tenant has a Microsoft Intune subscription.");
                var endpoints = await GraphErrors.CallAsync(
                    () => graph.ServicePrincipals[intune.Id].Endpoints.GetAsync(cancellationToken: cancellationToken),
                    "Reading the Intune partner endpoints", PermissionCatalog.ApplicationRead, _connection.Permissions).ConfigureAwait(false);
                var list = endpoints?.Value ?? new List<Microsoft.Graph.Models.Endpoint>();
                Uri Find(string provider)
                {
                    var found = list.Where(e => string.Equals(e.ProviderName, provider, StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(e.Uri, UriKind.Absolute, out _))
                        .Select(e => new Uri(e.Uri!.TrimEnd('/')))
                        .FirstOrDefault()
                        ?? throw new ComplianceException("PartnerEndpointNotFound", ComplianceErrorCategory.ObjectNotFound,
                            $"Intune publishes no {provider} endpoint for this tenant.", _connection.TenantId,
                            "Add the MDM as a compliance partner (Add-CompliancePartner) and make sure Intune is licensed in the tenant.");
                    // The endpoint list is data from the directory, not a promise: no token goes to a host outside the cloud's Intune hosts.
                    if (!Session.Environment.IsTrustedPartnerEndpoint(found))
                    {
                        throw new ComplianceException("PartnerEndpointUntrusted", ComplianceErrorCategory.SecurityError,
                            $"The Intune service principal lists {found.GetLeftPart(UriPartial.Authority)} as its {provider} endpoint, which is not an https address under " +
                            $"{Session.Environment.IntuneHostSuffix ?? "the cloud's Intune hosts"}; no token is sent there.", found.GetLeftPart(UriPartial.Authority),
                            "Check the Microsoft Intune service principal's endpoints in the tenant (GET /servicePrincipals(appId='" + IntuneAppId + "')/endpoints); " +
                            "for a custom cloud pass -PartnerResource with its Intune partner API resource.");
                    }
                    return found;
                }
                var discovered = new PartnerEndpoints(Find(TenantSyncProvider), Find(DeviceSyncProvider), DateTimeOffset.UtcNow);
                Session.TrustPartnerEndpoint(discovered.TenantSync);
                Session.TrustPartnerEndpoint(discovered.DeviceSync);
                _endpoints = discovered;
                return discovered;
            }
            finally
            {
                _discovery.Release();
            }
        }

        /// <summary>
        /// Runs a partner call; when it fails in a way that suggests the endpoint moved (404, 410, 421, or the host could not
        /// be reached), discovers the endpoints again once and, if they changed, repeats the call at the new address.
        /// </summary>
        private async Task<T> FollowingMovesAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
        {
            var before = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (ComplianceServiceException ex) when (SuggestsMovedEndpoint(ex))
            {
                if (!await RediscoverAsync(before, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }
                return await call().ConfigureAwait(false);
            }
        }

        internal static bool SuggestsMovedEndpoint(ComplianceServiceException error) =>
            error.StatusCode == 404 || error.StatusCode == 410 || error.StatusCode == 421 ||
            (error.StatusCode == 0 && error.Category == ComplianceErrorCategory.ConnectionError);

        /// <summary>Forgets <paramref name="stale"/> and discovers again; true when the endpoints now differ.</summary>
        private async Task<bool> RediscoverAsync(PartnerEndpoints stale, CancellationToken cancellationToken)
        {
            await _discovery.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (ReferenceEquals(_endpoints, stale))
                {
                    _endpoints = null;
                }
            }
            finally
            {
                _discovery.Release();
            }
            var fresh = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            return fresh.TenantSync != stale.TenantSync || fresh.DeviceSync != stale.DeviceSync;
        }

        /// <summary>PUT PartnerTenants: 1 provisions the tenant for this partner, 2 deprovisions it. Returns the echoed state.</summary>
        public Task<int> SetTenantProvisioningAsync(bool provisioned, Uri? enrollmentUrl, Uri? remediationUrl, CancellationToken cancellationToken) =>
            FollowingMovesAsync(() => SetTenantProvisioningOnceAsync(provisioned, enrollmentUrl, remediationUrl, cancellationToken), cancellationToken);

        private async Task<int> SetTenantProvisioningOnceAsync(bool provisioned, Uri? enrollmentUrl, Uri? remediationUrl, CancellationToken cancellationToken)
        {
            var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            var uri = new Uri($"{endpoints.TenantSync}/PartnerTenants(guid'{_connection.TenantId}')?api-version={TenantApiVersion}");
            // The URLs go only when known, and only as https (Intune sends users there); never as empty strings.
            var fields = new Dictionary<string, object> { ["Provisioned"] = provisioned ? 1 : 2 };
            if (enrollmentUrl != null)
            {
                fields["PartnerEnrollmentUrl"] = RequireHttps(enrollmentUrl, "EnrollmentUrl").AbsoluteUri;
            }
            if (remediationUrl != null)
            {
                fields["PartnerRemediationUrl"] = RequireHttps(remediationUrl, "RemediationUrl").AbsoluteUri;
            }
            var body = JsonSerializer.Serialize(fields);
            using var answer = await SendAsync(HttpMethod.Put, uri, body, provisioned ? "Provisioning the partner tenant" : "Deprovisioning the partner tenant", cancellationToken).ConfigureAwait(false);
            return answer.RootElement.TryGetProperty("Provisioned", out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : (provisioned ? 1 : 2);
        }

        /// <summary>Creates the partner compliance policy, or finds it when the service answers 409 (it already exists).</summary>
        public Task<PartnerPolicyInfo> EnsureCompliancePolicyAsync(string displayName, string description, string platform, CancellationToken cancellationToken) =>
            FollowingMovesAsync(() => EnsureCompliancePolicyOnceAsync(displayName, description, platform, cancellationToken), cancellationToken);

        private async Task<PartnerPolicyInfo> EnsureCompliancePolicyOnceAsync(string displayName, string description, string platform, CancellationToken cancellationToken)
        {
            var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            var uri = new Uri($"{endpoints.TenantSync}/PartnerCompliancePolicies?api-version={TenantApiVersion}");
            var body = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["DisplayName"] = displayName,
                ["Description"] = description,
                ["Platform"] = platform,
                ["PartnerManagedCompliance"] = true,
            });
            try
            {
                // Safe to repeat: a partner has one policy per platform, and a second create answers 409 (handled below).
                using var created = await SendAsync(HttpMethod.Post, uri, body, "Creating the partner compliance policy", cancellationToken, repeatable: true).ConfigureAwait(false);
                return ReadPolicy(created.RootElement, displayName, platform);
            }
            catch (ComplianceServiceException ex) when (ex.StatusCode == 409)
            {
                var existing = (await ListCompliancePoliciesAsync(cancellationToken).ConfigureAwait(false))
                    .FirstOrDefault(p => string.Equals(p.DisplayName, displayName, StringComparison.OrdinalIgnoreCase) &&
                                         string.Equals(p.Platform, platform, StringComparison.OrdinalIgnoreCase))
                    ?? (await ListCompliancePoliciesAsync(cancellationToken).ConfigureAwait(false))
                        .FirstOrDefault(p => string.Equals(p.Platform, platform, StringComparison.OrdinalIgnoreCase));
                return existing ?? throw ex;
            }
        }

        public Task<IReadOnlyList<PartnerPolicyInfo>> ListCompliancePoliciesAsync(CancellationToken cancellationToken) =>
            FollowingMovesAsync(() => ListCompliancePoliciesOnceAsync(cancellationToken), cancellationToken);

        private async Task<IReadOnlyList<PartnerPolicyInfo>> ListCompliancePoliciesOnceAsync(CancellationToken cancellationToken)
        {
            var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            var uri = new Uri($"{endpoints.TenantSync}/PartnerCompliancePolicies?api-version={TenantApiVersion}");
            using var answer = await SendAsync(HttpMethod.Get, uri, null, "Listing the partner compliance policies", cancellationToken).ConfigureAwait(false);
            var policies = new List<PartnerPolicyInfo>();
            if (answer.RootElement.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in value.EnumerateArray())
                {
                    policies.Add(ReadPolicy(item, "", ""));
                }
            }
            return policies;
        }

        /// <summary>Assigns a partner compliance policy to groups (replaces its assignments).</summary>
        public Task AssignCompliancePolicyAsync(string policyId, IReadOnlyList<string> groupIds, CancellationToken cancellationToken) =>
            FollowingMovesAsync(async () => { await AssignCompliancePolicyOnceAsync(policyId, groupIds, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken);

        private async Task AssignCompliancePolicyOnceAsync(string policyId, IReadOnlyList<string> groupIds, CancellationToken cancellationToken)
        {
            // The id comes from the service's answer or the state file: only a GUID goes into the URL, in its canonical form.
            var id = PartnerPolicyIds.Parse(policyId);
            var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            var uri = new Uri($"{endpoints.TenantSync}/PartnerCompliancePolicies(guid'{id:D}')/Assign?api-version={TenantApiVersion}");
            var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["assignments"] = groupIds });
            // Safe to repeat: Assign replaces the policy's assignments.
            using var _ = await SendAsync(HttpMethod.Post, uri, body, "Assigning the partner compliance policy", cancellationToken, repeatable: true).ConfigureAwait(false);
        }

        /// <summary>
        /// PUT one data upload message (PROTOCOL.md 3.4) and return the MessageId the service answers with (the id to read
        /// its status by), or <paramref name="messageId"/> when the answer carries none. Idempotent by message id.
        /// <paramref name="contentUtf8"/> is the entity array as UTF-8 JSON; it travels as the JSON string Content, written
        /// straight into the UTF-8 body (no UTF-16 copy of a large message).
        /// </summary>
        public Task<string> UploadMessageAsync(Guid messageId, ArraySegment<byte> contentUtf8, CancellationToken cancellationToken) =>
            FollowingMovesAsync(() => UploadMessageOnceAsync(messageId, contentUtf8, cancellationToken), cancellationToken);

        private async Task<string> UploadMessageOnceAsync(Guid messageId, ArraySegment<byte> contentUtf8, CancellationToken cancellationToken)
        {
            var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            var uri = new Uri($"{endpoints.DeviceSync}/DataUploadMessages(guid'{messageId}')?api-version={DeviceApiVersion}");
            var body = new System.IO.MemoryStream(contentUtf8.Count + contentUtf8.Count / 8 + 256);
            using (var writer = new Utf8JsonWriter(body))
            {
                writer.WriteStartObject();
                writer.WriteString("TenantId", _connection.TenantId);
                writer.WriteString("UploadTime", Sync.ComplianceMessages.FormatTime(DateTimeOffset.UtcNow));
                writer.WriteString("Content", new ReadOnlySpan<byte>(contentUtf8.Array, contentUtf8.Offset, contentUtf8.Count));
                writer.WriteEndObject();
            }
            using var request = new HttpRequestMessage(HttpMethod.Put, uri)
            {
                Content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length),
            };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
#pragma warning disable CS0618 // HttpRequestMessage.Properties is the netstandard2.0 API.
            request.Properties[AuthorizationHandler.ScopeProperty] = Session.Environment.PartnerScope;
#pragma warning restore CS0618
            HttpResponseMessage response;
            try
            {
                response = await Session.UploadHttp.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw GraphErrors.Translate(ex, "Uploading device data", null, null, uri.GetLeftPart(UriPartial.Path));
            }
            using (response)
            {
                var text = response.Content == null ? "" : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    string? code = null, detail = null;
                    try
                    {
                        using var error = JsonDocument.Parse(text);
                        var root = error.RootElement;
                        var inner = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) ? e : root;
                        code = String(inner, "code") ?? String(inner, "ErrorCode");
                        detail = inner.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object ? String(m, "value") : String(inner, "message") ?? String(inner, "ErrorDetail") ?? String(inner, "Message");
                    }
                    catch (JsonException)
                    {
                        detail = text.Length > 200 ? text.Substring(0, 200) : text;
                    }
                    var requestId = response.Headers.TryGetValues("request-id", out var ids) ? ids.FirstOrDefault() : null;
                    var failure = GraphErrors.FromStatus((int)response.StatusCode, code, detail ?? response.ReasonPhrase, requestId,
                        "Uploading device data", null, null, uri.GetLeftPart(UriPartial.Path));
                    failure.RetryAfter = ResilientHttpHandler.RetryAfter(response);
                    throw failure;
                }
                string? answered = null;
                if (!string.IsNullOrWhiteSpace(text))
                {
                    try
                    {
                        using var answer = JsonDocument.Parse(text);
                        answered = String(answer.RootElement, "MessageId");
                    }
                    catch (JsonException)
                    {
                        // An answer without a body we can read: the message id we sent stands.
                    }
                }
                return string.IsNullOrWhiteSpace(answered) ? messageId.ToString() : answered!.Trim();
            }
        }

        /// <summary>The status of a data upload message (PROTOCOL.md 3.5), or null when the service does not know the message (404).</summary>
        public Task<UploadStatus?> FindUploadStatusAsync(string messageId, CancellationToken cancellationToken) =>
            FollowingMovesAsync(() => FindUploadStatusOnceAsync(messageId, cancellationToken), cancellationToken);

        private async Task<UploadStatus?> FindUploadStatusOnceAsync(string messageId, CancellationToken cancellationToken)
        {
            var endpoints = await GetEndpointsAsync(cancellationToken).ConfigureAwait(false);
            var uri = new Uri($"{endpoints.DeviceSync}/DataUploadMessages(guid'{Uri.EscapeDataString(messageId)}')?api-version={DeviceApiVersion}");
            using var answer = await JsonRequests.SendAsync(Session, HttpMethod.Get, uri, null, "Reading an upload's status", cancellationToken,
                scope: Session.Environment.PartnerScope, notFoundIsNull: true, client: Session.UploadHttp).ConfigureAwait(false);
            if (answer == null)
            {
                return null;
            }
            var root = answer.RootElement;
            return new UploadStatus(String(root, "Status") ?? "Unknown", String(root, "ErrorCode"), String(root, "ErrorDetail"));
        }

        private async Task<JsonDocument> SendAsync(HttpMethod method, Uri uri, string? body, string operation, CancellationToken cancellationToken, bool repeatable = false) =>
            (await JsonRequests.SendAsync(Session, method, uri, body, operation, cancellationToken, scope: Session.Environment.PartnerScope, repeatable: repeatable).ConfigureAwait(false))!;

        private static PartnerPolicyInfo ReadPolicy(JsonElement element, string displayName, string platform) =>
            new PartnerPolicyInfo(String(element, "Id") ?? "", String(element, "DisplayName") ?? displayName, String(element, "Platform") ?? platform);

        private static string? String(JsonElement element, string name) => JsonRequests.String(element, name);

        internal static Uri RequireHttps(Uri url, string parameter) =>
            url.IsAbsoluteUri && url.Scheme == Uri.UriSchemeHttps ? url
                : throw new ComplianceException("InvalidPartnerUrl", ComplianceErrorCategory.InvalidArgument,
                    $"-{parameter} must be an absolute https URL; '{url}' is not.", url, $"Pass the MDM's https page for -{parameter}, or leave it out.");

    }
}
