using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// Conditional Access policies (/identity/conditionalAccess/policies): list, create (201), get, update (204), delete (204).
/// A policy needs a display name, a state, users and applications conditions that include something, and grant or session
/// controls. Reads need Policy.Read.All; writes need Policy.ReadWrite.ConditionalAccess together with Policy.Read.All or
/// Application.Read.All (Graph docs). Throttled at 1 request/s per tenant without Retry-After (published limits).
/// </summary>
internal sealed class ConditionalAccessModule : IGraphEndpointModule
{
    private const string Path = "/identity/conditionalAccess/policies";
    private const string ContextPath = "identity/conditionalAccess/policies";
    private const string TypeName = "microsoft.graph.conditionalAccessPolicy";
    private static readonly string[] ReadPermissions = ["Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"];
    private static readonly string[] WritePermissions = ["Policy.ReadWrite.ConditionalAccess"];
    private static readonly string[] WriteCompanions = ["Policy.Read.All", "Application.Read.All"];
    private static readonly string[] States = ["enabled", "disabled", "enabledForReportingButNotEnforced"];
    private static readonly string[] Platforms = ["android", "iOS", "windows", "windowsPhone", "macOS", "linux", "all"];
    private static readonly string[] GrantControls =
        ["block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication", "passwordChange", "riskRemediation"];
    private static readonly string[] SpecialUsers = ["All", "None", "GuestsOrExternalUsers"];
    private static readonly string[] SpecialApplications = ["All", "None", "Office365", "MicrosoftAdminPortals"];
    private static readonly string[] ReadOnly = ["id", "createdDateTime", "modifiedDateTime", "deletedDateTime"];

    public void Map(GraphRouteBuilder routes)
    {
        routes.MapGet(Path, (GraphRequest request) =>
                request.Collection(request.Tenant.ConditionalAccessPolicies, ContextPath, new CollectionOptions
                {
                    IsDirectoryObject = false,
                    GraphTypeName = TypeName,
                    FilterableProperties = ["id", "displayName", "state", "createdDateTime", "modifiedDateTime"],
                }))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapGet(Path + "/{id}", (GraphRequest request, string id) =>
                request.Entity(Find(request, id), ContextPath, graphTypeName: TypeName))
            .RequireGraphPermissions(ReadPermissions);

        routes.MapPost(Path, async (GraphRequest request) =>
            {
                RequireCompanion(request);
                var body = await request.ReadBodyAsync();
                RejectReadOnly(body);
                var policy = new JsonObject
                {
                    ["id"] = Guid.NewGuid().ToString(),
                    ["templateId"] = null,
                    ["displayName"] = null,
                    ["description"] = null,
                    ["createdDateTime"] = Now(),
                    ["modifiedDateTime"] = null,
                    ["state"] = null,
                    ["sessionControls"] = null,
                    ["conditions"] = null,
                    ["grantControls"] = null,
                };
                foreach (var (name, value) in body)
                {
                    if (!name.StartsWith('@'))
                        policy[name] = value?.DeepClone();
                }
                Validate(request, policy);
                Normalize(policy);
                request.Tenant.SaveConditionalAccessPolicy(policy);
                return request.Created(policy, ContextPath, $"{request.ServiceRoot}/{ContextPath}/{policy["id"]}", TypeName);
            })
            .RequireGraphPermissions(WritePermissions);

        routes.MapPatch(Path + "/{id}", async (GraphRequest request, string id) =>
            {
                RequireCompanion(request);
                var policy = Find(request, id);
                var body = await request.ReadBodyAsync();
                RejectReadOnly(body);
                Merge(policy, body);
                Validate(request, policy);
                Normalize(policy);
                policy["modifiedDateTime"] = Now();
                request.Tenant.SaveConditionalAccessPolicy(policy);
                return request.NoContent();
            })
            .RequireGraphPermissions(WritePermissions);

        routes.MapDelete(Path + "/{id}", (GraphRequest request, string id) =>
            {
                RequireCompanion(request);
                return request.Tenant.RemoveConditionalAccessPolicy(id) ? request.NoContent() : throw NotFound(id);
            })
            .RequireGraphPermissions(WritePermissions);
    }

    private static JsonObject Find(GraphRequest request, string id) => request.Tenant.FindConditionalAccessPolicy(id) ?? throw NotFound(id);

    private static GraphException NotFound(string id) =>
        new(404, "ResourceNotFound", $"Policy with id '{id}' was not found.");

    private static GraphException BadRequest(string message) => new(400, "BadRequest", message);

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);

    /// <summary>Writes need Policy.ReadWrite.ConditionalAccess and also Policy.Read.All or Application.Read.All.</summary>
    private static void RequireCompanion(GraphRequest request)
    {
        if (!request.Caller.HasAnyPermission(WriteCompanions))
            throw new GraphException(403, "AccessDenied", "You cannot perform the requested operation, required scopes are missing in the token.");
    }

    private static void RejectReadOnly(JsonObject body)
    {
        // Graph ignores server-set values sent back on create/update (clients often PATCH a policy they read): drop them.
        foreach (var name in ReadOnly)
            body.Remove(name);
    }

    /// <summary>PATCH: objects merge property by property; arrays and primitives replace.</summary>
    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (name.StartsWith('@'))
                continue;
            if (value is JsonObject inner && target[name] is JsonObject existing)
                Merge(existing, inner);
            else
                target[name] = value?.DeepClone();
        }
    }

    private static void Validate(GraphRequest request, JsonObject policy)
    {
        if (policy["displayName"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetValue<string>()))
            throw BadRequest("1001: The displayName property is required and cannot be empty.");
        if (policy["state"]?.GetValueKind() != JsonValueKind.String || !States.Contains(policy["state"]!.GetValue<string>()))
            throw BadRequest($"1002: Invalid policy state '{policy["state"]?.ToString()}'. Valid states: {string.Join(", ", States)}.");
        if (policy["conditions"] is not JsonObject conditions)
            throw BadRequest("1003: The conditions property is required.");
        // clientAppTypes is required (Graph docs, conditionalAccessConditionSet); Graph does not default it to "all".
        if (conditions["clientAppTypes"] is not JsonArray { Count: > 0 })
            throw BadRequest("1064: conditions.clientAppTypes is required: set it to [\"all\"] or the client app types the policy applies to.");

        // Users: something must be included.
        if (conditions["users"] is not JsonObject users
            || !new[] { "includeUsers", "includeGroups", "includeRoles" }.Any(p => users[p] is JsonArray { Count: > 0 })
            && users["includeGuestsOrExternalUsers"] is null)
            throw BadRequest("1004: Conditions must include users: set conditions.users.includeUsers, includeGroups or includeRoles (for example \"All\" or \"None\").");
        CheckStrings(users, "includeUsers");
        CheckStrings(users, "excludeUsers");
        CheckStrings(users, "includeGroups");
        CheckStrings(users, "excludeGroups");
        CheckStrings(users, "includeRoles");
        CheckStrings(users, "excludeRoles");
        foreach (var property in new[] { "includeUsers", "excludeUsers" })
        {
            foreach (var value in Strings(users, property))
            {
                if (SpecialUsers.Contains(value, StringComparer.OrdinalIgnoreCase))
                    continue;
                if (!Guid.TryParse(value, out var id))
                    throw BadRequest($"1005: '{value}' in conditions.users.{property} is not a user object id, All, None or GuestsOrExternalUsers.");
                if (request.Tenant.FindUser(id.ToString()) is null)
                    throw BadRequest($"1006: The user '{value}' in conditions.users.{property} does not exist in the tenant.");
            }
        }
        foreach (var property in new[] { "includeGroups", "excludeGroups" })
        {
            foreach (var value in Strings(users, property))
            {
                if (!Guid.TryParse(value, out var id))
                    throw BadRequest($"1005: '{value}' in conditions.users.{property} is not a group object id.");
                if (request.Tenant.FindGroup(id) is null)
                    throw BadRequest($"1006: The group '{value}' in conditions.users.{property} does not exist in the tenant.");
            }
        }
        foreach (var property in new[] { "includeRoles", "excludeRoles" })
        {
            foreach (var value in Strings(users, property).Where(v => !Guid.TryParse(v, out _)))
                throw BadRequest($"1005: '{value}' in conditions.users.{property} is not a directory role template id.");
        }

        // Applications: something must be included.
        if (conditions["applications"] is not JsonObject applications
            || !new[] { "includeApplications", "includeUserActions", "includeAuthenticationContextClassReferences" }.Any(p => applications[p] is JsonArray { Count: > 0 })
            && applications["applicationFilter"] is null)
            throw BadRequest("1007: Conditions must include applications: set conditions.applications.includeApplications (All, None, Office365 or application ids) or includeUserActions.");
        foreach (var property in new[] { "includeApplications", "excludeApplications" })
        {
            CheckStrings(applications, property);
            foreach (var value in Strings(applications, property).Where(v => !SpecialApplications.Contains(v, StringComparer.OrdinalIgnoreCase) && !Guid.TryParse(v, out _)))
                throw BadRequest($"1008: '{value}' in conditions.applications.{property} is not an application id, All, None, Office365 or MicrosoftAdminPortals.");
        }

        if (conditions["platforms"] is JsonObject platforms)
        {
            CheckStrings(platforms, "includePlatforms");
            CheckStrings(platforms, "excludePlatforms");
            if (Strings(platforms, "includePlatforms").Count == 0)
                throw BadRequest("1009: conditions.platforms.includePlatforms must not be empty when platforms are set.");
            foreach (var value in Strings(platforms, "includePlatforms").Concat(Strings(platforms, "excludePlatforms")).Where(v => !Platforms.Contains(v)))
                throw BadRequest($"1009: '{value}' is not a conditionalAccessDevicePlatform ({string.Join(", ", Platforms)}).");
        }
        else if (conditions["platforms"] is not null)
        {
            throw BadRequest("1009: conditions.platforms must be an object.");
        }

        // Controls: grant or session.
        var grant = policy["grantControls"] as JsonObject;
        if (policy["grantControls"] is not null and not JsonObject)
            throw BadRequest("1010: grantControls must be an object.");
        if (grant is null && policy["sessionControls"] is not JsonObject)
            throw BadRequest("1010: A policy needs grantControls or sessionControls.");
        if (grant is not null)
        {
            CheckStrings(grant, "builtInControls");
            var controls = Strings(grant, "builtInControls");
            if (controls.Count == 0 && Strings(grant, "termsOfUse").Count == 0 && Strings(grant, "customAuthenticationFactors").Count == 0 && grant["authenticationStrength"] is null)
                throw BadRequest("1010: grantControls must contain at least one control (builtInControls, termsOfUse or authenticationStrength).");
            foreach (var control in controls.Where(c => !GrantControls.Contains(c)))
                throw BadRequest($"1011: '{control}' is not a conditionalAccessGrantControl.");
            if (controls.Contains("block") && controls.Count > 1)
                throw BadRequest("1012: The block control cannot be combined with other grant controls.");
            var op = grant["operator"]?.ToString();
            if (op is not null && op is not ("AND" or "OR"))
                throw BadRequest($"1013: Invalid grantControls.operator '{op}': AND or OR.");
            if (op is null && controls.Count > 1)
                throw BadRequest("1013: grantControls.operator (AND or OR) is required with more than one control.");
        }
    }

    private static void CheckStrings(JsonObject owner, string property)
    {
        if (owner[property] is null)
            return;
        if (owner[property] is not JsonArray array || array.Any(v => v?.GetValueKind() != JsonValueKind.String))
            throw BadRequest($"'{property}' must be a collection of strings.");
    }

    private static List<string> Strings(JsonObject owner, string property) =>
        owner[property] is JsonArray array ? array.Select(v => v!.GetValue<string>()).ToList() : [];

    /// <summary>What Graph returns: every collection of the users/applications/platforms conditions and grant controls present.</summary>
    private static void Normalize(JsonObject policy)
    {
        var conditions = (JsonObject)policy["conditions"]!;
        EnsureArrays(conditions, "signInRiskLevels", "userRiskLevels", "servicePrincipalRiskLevels");
        foreach (var name in new[] { "platforms", "locations", "devices", "clientApplications", "authenticationFlows", "insiderRiskLevels" })
        {
            if (!conditions.ContainsKey(name))
                conditions[name] = null;
        }
        EnsureArrays((JsonObject)conditions["users"]!, "includeUsers", "excludeUsers", "includeGroups", "excludeGroups", "includeRoles", "excludeRoles");
        EnsureArrays((JsonObject)conditions["applications"]!, "includeApplications", "excludeApplications", "includeUserActions", "includeAuthenticationContextClassReferences");
        if (conditions["platforms"] is JsonObject platforms)
            EnsureArrays(platforms, "includePlatforms", "excludePlatforms");
        if (policy["grantControls"] is JsonObject grant)
        {
            EnsureArrays(grant, "builtInControls", "customAuthenticationFactors", "termsOfUse");
            if (!grant.ContainsKey("operator"))
                grant["operator"] = "OR";
        }
    }

    private static void EnsureArrays(JsonObject owner, params string[] names)
    {
        foreach (var name in names)
        {
            if (owner[name] is null)
                owner[name] = new JsonArray();
        }
    }
}
