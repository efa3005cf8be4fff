using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Identity;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>
/// The partner API's handlers. Every call needs a bearer token for https://api.manage.microsoft.com/ from this
/// tenant (else 401 with WWW-Authenticate); a tenant id in the URL or body other than the token's gives 403.
/// </summary>
internal sealed partial class PartnerApi(
    TenantState tenant,
    AccessTokenValidator validator,
    EmulatorEndpoints endpoints,
    EmulatorSettings settings,
    MessageBudget budget,
    PartnerMessageProcessor processor,
    TimeProvider time,
    ILogger<PartnerApi> logger)
{
    private static readonly string[] Audiences = [DemoTenant.IntuneResource];

    [GeneratedRegex(@"^/PartnerTenants\(guid'(?<id>[^']*)'\)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PartnerTenantPath();

    [GeneratedRegex(@"^/PartnerCompliancePolicies$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PoliciesPath();

    [GeneratedRegex(@"^/PartnerCompliancePolicies\(guid'(?<id>[^']*)'\)(?<assign>/Assign)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PolicyPath();

    [GeneratedRegex(@"^/DataUploadMessages\(guid'(?<id>[^']*)'\)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MessagePath();

    private string TenantSyncRoot => endpoints.Root + PartnerPaths.TenantSync;

    public Task TenantSyncAsync(HttpContext context) => RunAsync(context, async () =>
    {
        var path = Rest(context, PartnerPaths.TenantSync);
        var method = context.Request.Method;
        if (PartnerTenantPath().Match(path) is { Success: true } tenantMatch)
        {
            var caller = Authenticate(context, PartnerApiVersions.TenantSyncAll, FirstPartyApps.UpdateDeviceAttributes);
            RequireMethod(context, "PUT");
            return await ProvisionAsync(context, caller, tenantMatch.Groups["id"].Value);
        }
        if (PoliciesPath().IsMatch(path))
        {
            var caller = Authenticate(context, PartnerApiVersions.TenantSyncAll, FirstPartyApps.ManagePartnerCompliancePolicy);
            RequireMethod(context, "GET", "POST");
            return HttpMethods.IsGet(method) ? ListPolicies(caller) : await CreatePolicyAsync(context, caller);
        }
        if (PolicyPath().Match(path) is { Success: true } policyMatch)
        {
            var caller = Authenticate(context, PartnerApiVersions.TenantSyncAll, FirstPartyApps.ManagePartnerCompliancePolicy);
            var policy = FindPolicy(caller, policyMatch.Groups["id"].Value);
            if (policyMatch.Groups["assign"].Success)
            {
                RequireMethod(context, "POST");
                return await AssignAsync(context, policy);
            }
            RequireMethod(context, "GET");
            return new PartnerResult(200, PolicyJson(policy, withMetadata: true));
        }
        Authenticate(context, null);
        throw NoSuchResource(path);
    });

    public Task DeviceSyncAsync(HttpContext context) => RunAsync(context, async () =>
    {
        var path = Rest(context, PartnerPaths.DeviceSync);
        if (MessagePath().Match(path) is { Success: true } match)
        {
            var caller = Authenticate(context, PartnerApiVersions.DeviceSyncAll, FirstPartyApps.UpdateDeviceAttributes);
            RequireMethod(context, "PUT", "GET");
            var id = ParseKey(match.Groups["id"].Value, "DataUploadMessages");
            return HttpMethods.IsPut(context.Request.Method) ? await UploadAsync(context, caller, id) : MessageStatus(caller, id);
        }
        Authenticate(context, null);
        throw NoSuchResource(path);
    });

    // PUT PartnerTenants(guid'<tenant>'): {"Provisioned":1|2,"PartnerEnrollmentUrl","PartnerRemediationUrl"}
    private async Task<PartnerResult> ProvisionAsync(HttpContext context, CallerIdentity caller, string key)
    {
        var tenantId = ParseKey(key, "PartnerTenants");
        RequireOwnTenant(caller, tenantId);
        using var body = await ReadBodyAsync(context);
        var root = body.RootElement;
        var provisioned = Property(root, "Provisioned") switch
        {
            { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var v) && v is 1 or 2 => (PartnerProvisioning)n.GetInt32(),
            null => throw PartnerException.BadRequest("The required property 'Provisioned' is missing (1 = provisioned, 2 = deprovisioned)."),
            var other => throw PartnerException.BadRequest($"'Provisioned' must be 1 (provisioned) or 2 (deprovisioned), not {other.Value.GetRawText()}."),
        };
        var enrollment = OptionalUrl(root, "PartnerEnrollmentUrl");
        var remediation = OptionalUrl(root, "PartnerRemediationUrl");
        var record = tenant.SetPartnerTenantState(caller.ClientId, provisioned, enrollment, remediation, time.GetUtcNow());
        return new PartnerResult(200, new JsonObject
        {
            ["Key"] = record.Key.ToString(),
            ["ContextId"] = record.TenantId.ToString(),
            ["Provisioned"] = (int)record.Provisioned,
            ["HttpStatusCode"] = 200,
            ["ErrorDetail"] = null,
        });
    }

    private PartnerResult ListPolicies(CallerIdentity caller) => new(200, new JsonObject
    {
        ["odata.metadata"] = $"{TenantSyncRoot}/$metadata#PartnerCompliancePolicies",
        ["value"] = new JsonArray(tenant.PartnerCompliancePoliciesOf(caller.ClientId).Select(p => (JsonNode)PolicyJson(p, withMetadata: false)).ToArray()),
    });

    // POST PartnerCompliancePolicies: {"DisplayName","Description","Platform","PartnerManagedCompliance":true}
    private async Task<PartnerResult> CreatePolicyAsync(HttpContext context, CallerIdentity caller)
    {
        using var body = await ReadBodyAsync(context);
        var root = body.RootElement;
        var displayName = Property(root, "DisplayName") is { ValueKind: JsonValueKind.String } n && !string.IsNullOrWhiteSpace(n.GetString())
            ? n.GetString()!
            : throw PartnerException.BadRequest("'DisplayName' is required and must be a non-empty string.");
        var description = Property(root, "Description") switch
        {
            null or { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } d => d.GetString(),
            _ => throw PartnerException.BadRequest("'Description' must be a string."),
        };
        var platformText = Property(root, "Platform") is { ValueKind: JsonValueKind.String } p ? p.GetString() : null;
        var platform = Platforms.FirstOrDefault(x => string.Equals(x, platformText, StringComparison.OrdinalIgnoreCase))
            ?? throw PartnerException.BadRequest($"'Platform' must be one of {string.Join(", ", Platforms)}{(platformText is null ? "" : $", not '{platformText}'")}.");
        if (Property(root, "PartnerManagedCompliance") is { } managed && managed.ValueKind != JsonValueKind.True)
            throw PartnerException.BadRequest("'PartnerManagedCompliance' must be true: a partner can only create partner-managed compliance policies.");

        var (policy, created) = tenant.AddPartnerCompliancePolicy(caller.ClientId, displayName, description, platform, time.GetUtcNow());
        if (!created)
        {
            throw new PartnerException(409, "Request_Conflict",
                $"A partner compliance policy for {platform} already exists for this partner ('{policy.DisplayName}', Id {policy.Id}). "
                + "A partner has one partner compliance policy per platform; list them with GET PartnerCompliancePolicies.");
        }
        return new PartnerResult(201, PolicyJson(policy, withMetadata: true))
        {
            Location = $"{TenantSyncRoot}/PartnerCompliancePolicies(guid'{policy.Id}')",
        };
    }

    // POST PartnerCompliancePolicies(guid'<id>')/Assign: {"assignments":["<group id>", ...]}
    private async Task<PartnerResult> AssignAsync(HttpContext context, PartnerCompliancePolicy policy)
    {
        using var body = await ReadBodyAsync(context);
        if (Property(body.RootElement, "assignments") is not { ValueKind: JsonValueKind.Array } array)
            throw PartnerException.BadRequest("'assignments' is required: an array of group object ids.");
        var groups = new List<Guid>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !Guid.TryParse(item.GetString(), out var groupId))
                throw PartnerException.BadRequest($"'assignments' holds {item.GetRawText()}, which is not a group object id.");
            if (tenant.FindGroup(groupId) is null)
                throw PartnerException.BadRequest($"The group '{groupId}' does not exist in the tenant.");
            groups.Add(groupId);
        }
        var assigned = tenant.AssignPartnerCompliancePolicy(policy.Id, groups) ?? throw PolicyNotFound(policy.Id.ToString());
        return new PartnerResult(200, new JsonObject
        {
            ["odata.metadata"] = $"{TenantSyncRoot}/$metadata#Edm.String",
            ["value"] = new JsonObject { ["assignments"] = new JsonArray(assigned.Assignments.Select(g => (JsonNode)g.ToString()).ToArray()) }.ToJsonString(),
        });
    }

    // PUT DataUploadMessages(guid'<id>'): {"TenantId","UploadTime","Content"}
    private async Task<PartnerResult> UploadAsync(HttpContext context, CallerIdentity caller, Guid messageId)
    {
        var apiVersion = context.Request.Query["api-version"].ToString();
        if (budget.TryTake(caller.TenantId, caller.ClientId) is { } wait)
        {
            tenant.PartnerStatistics.BudgetRejection();
            throw new PartnerException(429, "Request_Throttled",
                $"The partner's data upload budget for this tenant ({settings.Partner.MessagesPerWindow} messages per {settings.Partner.Window.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s) is used up. Retry after the time in Retry-After.")
            {
                RetryAfter = wait,
            };
        }

        try
        {
            using var body = await ReadBodyAsync(context);
            var root = body.RootElement;
            var tenantId = Property(root, "TenantId") is { ValueKind: JsonValueKind.String } t && Guid.TryParse(t.GetString(), out var parsedTenant)
                ? parsedTenant
                : throw PartnerException.BadRequest("'TenantId' is required and must be the tenant's id (a GUID).");
            RequireOwnTenant(caller, tenantId);
            var partner = tenant.PartnerTenantState(caller.ClientId);
            var requiresProvisioning = settings.Partner.RequireProvisionedTenant;
            if (requiresProvisioning && partner?.Provisioned != PartnerProvisioning.Provisioned)
            {
                throw new PartnerException(403, "Partner_TenantNotProvisioned", partner is null
                    ? $"The partner application '{caller.ClientId}' is not provisioned in tenant '{tenantId}': provision it with PUT PartnerTenants(guid'{tenantId}') first."
                    : $"The partner application '{caller.ClientId}' is deprovisioned in tenant '{tenantId}' (Provisioned = 2) and cannot upload device data.");
            }

            if (tenant.FindPartnerMessageEntry(messageId) is { } known)
                return Repeat(caller, known);

            // UTC with Z, as Fleet's client writes it (toISOString); an offset or a local time is refused (our reading).
            if (Property(root, "UploadTime") is not { ValueKind: JsonValueKind.String } uploadTime
                || uploadTime.GetString() is not { } uploadText || !uploadText.EndsWith('Z')
                || !DateTimeOffset.TryParse(uploadText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
                throw PartnerException.BadRequest("'UploadTime' is required and must be an ISO 8601 date and time in UTC ending in Z.");
            var content = Property(root, "Content") ?? throw PartnerException.BadRequest("'Content' is required.");
            var updates = DataUploadParser.Parse(content, apiVersion, tenantId, settings.Partner.MaxDevicesPerMessage);

            var now = time.GetUtcNow();
            var entry = new PartnerMessageEntry
            {
                MessageId = messageId,
                AppId = caller.ClientId,
                TenantId = tenantId,
                ApiVersion = apiVersion,
                ReceivedAt = now,
                DueAt = now + settings.Partner.ProcessingDelay,
                RequiresProvisioning = requiresProvisioning,
                NotManagedClearsCompliance = settings.Partner.NotManagedClearsCompliance,
                RequiresEligibleUsers = settings.Partner.RequireEligibleUsers,
                Updates = updates,
                DeviceCount = updates.Length,
            };
            var stored = tenant.AddOrGetPartnerMessage(entry, out var added);
            if (!added)
                return Repeat(caller, stored);
            tenant.PartnerStatistics.MessageReceived(updates.Length);
            processor.Enqueue(entry);
            return new PartnerResult(202, new JsonObject { ["MessageId"] = messageId.ToString() });
        }
        catch (PartnerException e) when (e.StatusCode is >= 400 and < 500)
        {
            tenant.PartnerStatistics.MessageRejected();
            throw;
        }
    }

    /// <summary>A message id PUT again: answered as before, not processed again.</summary>
    private PartnerResult Repeat(CallerIdentity caller, PartnerMessageEntry known)
    {
        if (!string.Equals(known.AppId, caller.ClientId, StringComparison.OrdinalIgnoreCase))
            throw new PartnerException(409, "Request_Conflict", $"The message id '{known.MessageId}' is already used by another partner application.");
        tenant.CountPartnerMessageRepeat(known);
        tenant.PartnerStatistics.MessageRepeated();
        return new PartnerResult(200, new JsonObject { ["MessageId"] = known.MessageId.ToString() });
    }

    // GET DataUploadMessages(guid'<id>')
    private PartnerResult MessageStatus(CallerIdentity caller, Guid messageId)
    {
        var entry = tenant.FindPartnerMessageEntry(messageId);
        if (entry is null || !string.Equals(entry.AppId, caller.ClientId, StringComparison.OrdinalIgnoreCase))
            throw PartnerException.NotFound($"The data upload message '{messageId}' does not exist.");
        processor.ProcessIfDue(entry);
        var message = tenant.FindPartnerMessage(messageId)!;
        return new PartnerResult(200, new JsonObject
        {
            ["MessageId"] = message.MessageId.ToString(),
            ["Status"] = message.Status.ToString(),
            ["ErrorCode"] = message.ErrorCode,
            ["ErrorDetail"] = message.ErrorDetail,
        });
    }

    private static readonly string[] Platforms = ["iOS", "Android", "macOS"];

    private PartnerCompliancePolicy FindPolicy(CallerIdentity caller, string key)
    {
        var id = ParseKey(key, "PartnerCompliancePolicies");
        var policy = tenant.FindPartnerCompliancePolicy(id);
        return policy is not null && string.Equals(policy.AppId, caller.ClientId, StringComparison.OrdinalIgnoreCase)
            ? policy
            : throw PolicyNotFound(key);
    }

    private static PartnerException PolicyNotFound(string key) =>
        PartnerException.NotFound($"The partner compliance policy '{key}' does not exist.");

    private JsonObject PolicyJson(PartnerCompliancePolicy policy, bool withMetadata)
    {
        var json = new JsonObject();
        if (withMetadata)
            json["odata.metadata"] = $"{TenantSyncRoot}/$metadata#PartnerCompliancePolicies/@Element";
        json["odata.id"] = $"{TenantSyncRoot}/PartnerCompliancePolicies(guid'{policy.Id}')";
        json["odata.etag"] = $"W/\"datetime'{Uri.EscapeDataString(policy.CreatedDateTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture))}'\"";
        json["Id"] = policy.Id.ToString();
        json["DisplayName"] = policy.DisplayName;
        json["Description"] = policy.Description;
        json["Platform"] = policy.Platform;
        json["PartnerPolicyId"] = policy.PartnerPolicyId.ToString();
        json["PartnerManagedCompliance"] = policy.PartnerManagedCompliance;
        return json;
    }

    /// <summary>
    /// Validates the bearer token (and api-version when <paramref name="versions"/> is given), then the Intune API app role
    /// the call needs: partner calls are app-only (a delegated token is refused), with the role granted to the app.
    /// </summary>
    private CallerIdentity Authenticate(HttpContext context, string[]? versions, string? requiredRole = null)
    {
        var (caller, failure) = validator.Validate(context.Request.Headers.Authorization.ToString(), Audiences);
        if (failure is not null)
        {
            var noToken = failure == TokenFailure.Empty;
            var challenge = $"Bearer authorization_uri=\"{endpoints.AuthorityHost}/common/oauth2/authorize\", resource_id=\"{DemoTenant.IntuneResource}\""
                + (noToken ? "" : $", error=\"invalid_token\", error_description=\"{failure.Message.Split('\n')[0].Replace("\"", "'", StringComparison.Ordinal)}\"");
            var code = failure == TokenFailure.Expired ? "Authentication_ExpiredToken"
                : noToken || failure == TokenFailure.NoDots || failure == TokenFailure.Malformed ? "Authentication_MissingOrMalformed"
                : "Authentication_Unauthorized";
            throw new PartnerException(401, code, failure.Message) { WwwAuthenticate = challenge };
        }
        if (versions is not null)
        {
            var version = context.Request.Query["api-version"].ToString();
            if (version.Length == 0)
                throw new PartnerException(400, "Request_BadRequest", $"The api-version query parameter is required (supported: {string.Join(", ", versions)}).");
            if (!versions.Contains(version, StringComparer.Ordinal))
                throw new PartnerException(400, "Request_BadRequest", $"The api-version '{version}' is not supported (supported: {string.Join(", ", versions)}).");
        }
        if (requiredRole is not null)
        {
            if (!caller!.IsAppOnly)
                throw new PartnerException(403, "Authorization_RequestDenied",
                    "The partner API accepts application tokens only; a token for a signed-in user (delegated) is not authorized.");
            if (!caller.Roles.Contains(requiredRole, StringComparer.Ordinal))
                throw new PartnerException(403, "Authorization_RequestDenied",
                    $"The application '{caller.ClientId}' lacks the Microsoft Intune API permission '{requiredRole}' this call needs.");
        }
        return caller!;
    }

    private static void RequireOwnTenant(CallerIdentity caller, Guid tenantId)
    {
        if (tenantId != caller.TenantId)
            throw new PartnerException(403, "Authorization_RequestDenied",
                $"The access token was issued for tenant '{caller.TenantId}' and does not grant access to tenant '{tenantId}'.");
    }

    private static void RequireMethod(HttpContext context, params string[] allowed)
    {
        if (!allowed.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
        {
            context.Response.Headers.Allow = string.Join(", ", allowed);
            throw new PartnerException(405, "Request_BadRequest", $"The HTTP method '{context.Request.Method}' is not allowed on this resource (allowed: {string.Join(", ", allowed)}).");
        }
    }

    private static Guid ParseKey(string key, string entitySet) =>
        Guid.TryParse(key, out var id) ? id : throw PartnerException.BadRequest($"'{key}' is not a valid key of {entitySet}: expected guid'<GUID>'.");

    private static PartnerException NoSuchResource(string path) =>
        PartnerException.NotFound($"The resource '{path.TrimStart('/')}' does not exist.");

    private static string Rest(HttpContext context, string prefix)
    {
        var path = context.Request.Path.Value ?? "";
        return path.Length > prefix.Length ? path[prefix.Length..].TrimEnd('/') : "";
    }

    // Left out or null: none. Present: a real absolute https URL (Intune sends users there); "" is refused (our reading).
    private static string? OptionalUrl(JsonElement root, string name) => Property(root, name) switch
    {
        null or { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } s when Uri.TryCreate(s.GetString(), UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps => s.GetString(),
        _ => throw PartnerException.BadRequest($"'{name}' must be an absolute https URL."),
    };

    /// <summary>A property of a JSON object by its exact name (PROTOCOL.md 3 spells each; other casing is refused).</summary>
    internal static JsonElement? Property(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
                return property.Value;
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                throw PartnerException.BadRequest($"'{property.Name}' is not a property of this request; the name is '{name}' (names are case-sensitive).");
        }
        return null;
    }

    private static async Task<JsonDocument> ReadBodyAsync(HttpContext context)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw PartnerException.BadRequest($"The request body is not valid JSON: {e.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw PartnerException.BadRequest("The request body must be a JSON object.");
        }
        return document;
    }

    private async Task RunAsync(HttpContext context, Func<Task<PartnerResult>> handler)
    {
        PartnerErrors.EnsureRequestId(context);
        try
        {
            var result = await handler();
            context.Response.StatusCode = result.StatusCode;
            if (result.Location is not null)
                context.Response.Headers.Location = result.Location;
            context.Response.ContentType = "application/json; odata=minimalmetadata; charset=utf-8";
            await context.Response.WriteAsync(result.Body.ToJsonString(EmulatorJson.Options), context.RequestAborted);
        }
        catch (PartnerException e) when (!context.Response.HasStarted)
        {
            if (e.WwwAuthenticate is not null)
                context.Response.Headers.WWWAuthenticate = e.WwwAuthenticate;
            if (e.RetryAfter is { } wait)
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await PartnerErrors.WriteAsync(context, e.StatusCode, e.Code, e.Message);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            logger.LogError(e, "Partner handler failed for {Method} {Path}", context.Request.Method, context.Request.Path);
            await PartnerErrors.WriteAsync(context, 500, "Service_InternalServerError", "Encountered an internal error. Please try again.");
        }
    }

    private sealed record PartnerResult(int StatusCode, JsonObject Body)
    {
        public string? Location { get; init; }
    }
}
