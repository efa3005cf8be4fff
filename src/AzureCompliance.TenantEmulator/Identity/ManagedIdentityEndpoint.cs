using System.Globalization;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>
/// The App Service / Functions / Automation managed identity endpoint (IDENTITY_ENDPOINT, api-version 2019-08-01):
/// GET ?resource=...[&amp;client_id=|mi_res_id=|principal_id=] with the X-IDENTITY-HEADER secret.
/// Errors use the App Service shape {"statusCode","message","correlationId"}.
/// </summary>
internal sealed class ManagedIdentityEndpoint(
    TenantState tenant,
    TokenIssuer issuer,
    ResourceResolver resources,
    ManagedIdentitySecret secret,
    TimeProvider time)
{
    public const string ApiVersion = "2019-08-01";
    public const string SecretHeader = "X-IDENTITY-HEADER";

    public IResult Token(HttpContext context)
    {
        var query = context.Request.Query;
        if (!string.Equals(context.Request.Headers[SecretHeader].ToString(), secret.Value, StringComparison.Ordinal))
            return Error(401, $"Unauthorized. The request does not carry a valid {SecretHeader} header.");
        if (query["api-version"].ToString() != ApiVersion)
            return Error(400, $"The api-version '{query["api-version"]}' is not supported. Supported versions: {ApiVersion}.");
        var resourceName = query["resource"].ToString();
        if (resourceName.Length == 0)
            return Error(400, "Required query variable 'resource' is missing.");

        string? clientId = query["client_id"], resourceId = query["mi_res_id"], principalId = query["principal_id"];
        if (new[] { clientId, resourceId, principalId }.Count(v => !string.IsNullOrEmpty(v)) > 1)
            return Error(400, "Only one of client_id, mi_res_id or principal_id may be specified.");
        var identity = !string.IsNullOrEmpty(resourceId) ? tenant.FindManagedIdentityByResourceId(resourceId)
            : !string.IsNullOrEmpty(principalId) ? (Guid.TryParse(principalId, out var oid) ? tenant.FindManagedIdentityByObjectId(oid) : null)
            : tenant.FindManagedIdentity(string.IsNullOrEmpty(clientId) ? null : clientId);
        if (identity is null)
            return Error(400, "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.");

        // App Service asks Entra on the identity's behalf; Entra's refusal comes back inside the App Service error.
        var resource = resources.Resolve(resourceName.EndsWith("/.default", StringComparison.Ordinal) ? resourceName[..^"/.default".Length] : resourceName);
        if (resource is null)
            return Error(400, $"AADSTS500011: The resource principal named {resourceName} was not found in the tenant named {tenant.DisplayName}. "
                + "This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. "
                + "You might have sent your authentication request to the wrong tenant.");

        var expiresOn = time.GetUtcNow() + issuer.TokenLifetime;
        var token = issuer.CreateAccessToken(new AccessTokenDescriptor
        {
            ClientId = identity.ClientId,
            Audience = resource.Audience,
            Version = resource.TokenVersion,
            Roles = tenant.GetApplicationPermissions(identity.ClientId, resource.ServicePrincipal.Id),
            ObjectId = identity.ServicePrincipalId,
            AppDisplayName = identity.DisplayName,
            ClientAuthenticationMethod = "2",
            ManagedIdentityResourceId = identity.ResourceId,
        });
        return Results.Json(new JsonObject
        {
            ["access_token"] = token,
            ["expires_on"] = expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["resource"] = resourceName,
            ["token_type"] = "Bearer",
            ["client_id"] = identity.ClientId,
        }, EmulatorJson.Options);
    }

    private static IResult Error(int statusCode, string message) => Results.Json(new JsonObject
    {
        ["statusCode"] = statusCode,
        ["message"] = message,
        ["correlationId"] = Guid.NewGuid().ToString(),
    }, EmulatorJson.Options, statusCode: statusCode);
}

/// <summary>The IDENTITY_HEADER value: a per-start secret, as the platform rotates it.</summary>
internal sealed class ManagedIdentitySecret
{
    public string Value { get; } = Guid.NewGuid().ToString("N");
}
