using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>
/// POST /{tenant}/oauth2/v2.0/token and /devicecode: client credentials (secret or certificate),
/// device code and refresh token grants, answered as the Microsoft identity platform answers them.
/// </summary>
internal sealed class TokenEndpoint(
    TenantState tenant,
    EmulatorEndpoints endpoints,
    EmulatorSettings settings,
    EmulatorOptions options,
    TokenIssuer issuer,
    ClientAuthenticator authenticator,
    ResourceResolver resources,
    DeviceCodeStore deviceCodes,
    RefreshTokenStore refreshTokens,
    TimeProvider time)
{
    public const string DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";
    /// <summary>MSAL.NET sends the short form; Entra takes both.</summary>
    public const string DeviceCodeGrantTypeShort = "device_code";
    private static readonly string[] UserTenantAliases = ["common", "organizations"];

    public async Task<IResult> TokenAsync(HttpContext context, string tenantSegment)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
            return EntraErrors.PostOnly(context.Request.Method);
        var userFlowAlias = UserTenantAliases.Contains(tenantSegment, StringComparer.OrdinalIgnoreCase);
        if (!userFlowAlias && !tenant.IsTenant(tenantSegment))
            return EntraErrors.TenantNotFound(tenantSegment);

        var form = await ReadFormAsync(context.Request);
        var grantType = form["grant_type"].ToString();
        if (grantType.Length == 0)
            return EntraErrors.MissingParameter("grant_type");
        if (grantType is not ("client_credentials" or DeviceCodeGrantType or DeviceCodeGrantTypeShort or "refresh_token"))
            return EntraErrors.UnsupportedGrantType(grantType);
        if (grantType == "client_credentials" && userFlowAlias)
            return EntraErrors.NoTenantInformation();

        var clientId = form["client_id"].ToString();
        if (clientId.Length == 0)
            return EntraErrors.MissingParameter("client_id");
        var app = tenant.FindApplication(clientId);
        if (app is null)
            return EntraErrors.ApplicationNotFound(clientId, tenant.DisplayName);

        return grantType switch
        {
            "client_credentials" => ClientCredentials(context.Request, form, app),
            DeviceCodeGrantType or DeviceCodeGrantTypeShort => DeviceCode(context.Request, form, app),
            _ => RefreshToken(context.Request, form, app),
        };
    }

    public async Task<IResult> DeviceAuthorizationAsync(HttpContext context, string tenantSegment)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
            return EntraErrors.PostOnly(context.Request.Method);
        if (!UserTenantAliases.Contains(tenantSegment, StringComparer.OrdinalIgnoreCase) && !tenant.IsTenant(tenantSegment))
            return EntraErrors.TenantNotFound(tenantSegment);

        var form = await ReadFormAsync(context.Request);
        var clientId = form["client_id"].ToString();
        if (clientId.Length == 0)
            return EntraErrors.MissingParameter("client_id");
        var app = tenant.FindApplication(clientId);
        if (app is null)
            return EntraErrors.ApplicationNotFound(clientId, tenant.DisplayName);
        var scopeText = form["scope"].ToString();
        if (scopeText.Length == 0)
            return EntraErrors.MissingParameter("scope");
        var (scope, error) = ParseDelegatedScope(scopeText, app);
        if (error is not null)
            return error;

        var entry = deviceCodes.Create(app.AppId, scope!);
        var verificationUri = endpoints.DeviceCodeVerificationUri;
        return EntraResponses.Json(new JsonObject
        {
            ["user_code"] = entry.UserCode,
            ["device_code"] = entry.DeviceCode,
            ["verification_uri"] = verificationUri,
            ["expires_in"] = (int)DeviceCodeStore.Lifetime.TotalSeconds,
            ["interval"] = (int)settings.DeviceCodePollingInterval.TotalSeconds,
            ["message"] = $"To sign in, use a web browser to open the page {verificationUri} and enter the code {entry.UserCode} to authenticate.",
        });
    }

    private IResult ClientCredentials(HttpRequest request, IFormCollection form, ApplicationRegistration app)
    {
        var failure = authenticator.Authenticate(request, form, app, out var method);
        if (failure is not null)
            return failure;

        var scopeText = form["scope"].ToString();
        if (scopeText.Length == 0)
            return EntraErrors.MissingParameter("scope");
        var scope = ResourceResolver.Parse(scopeText, endpoints.GraphEndpoint);
        if (scope is null || scope.OpenIdScopes.Count > 0)
            return EntraErrors.InvalidScope(scopeText);
        if (!scope.IsDefault)
            return EntraErrors.ScopeNotDefault(scopeText);
        var resource = resources.Resolve(scope.Resource);
        if (resource is null)
            return EntraErrors.ResourceNotFound(scope.Resource, tenant.DisplayName);

        var token = issuer.CreateAccessToken(new AccessTokenDescriptor
        {
            ClientId = app.AppId,
            Audience = resource.Audience,
            Version = resource.TokenVersion,
            Roles = tenant.GetApplicationPermissions(app.AppId, resource.ServicePrincipal.Id),
            ClientAuthenticationMethod = method,
            AppDisplayName = app.DisplayName,
        });
        return EntraResponses.Json(new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)issuer.TokenLifetime.TotalSeconds,
            ["ext_expires_in"] = (long)issuer.TokenLifetime.TotalSeconds,
            ["access_token"] = token,
        });
    }

    private IResult DeviceCode(HttpRequest request, IFormCollection form, ApplicationRegistration app)
    {
        var code = form["device_code"].ToString();
        if (code.Length == 0)
            return EntraErrors.MissingParameter("device_code");
        var entry = deviceCodes.Find(code);
        if (entry is null || !string.Equals(entry.ClientId, app.AppId, StringComparison.OrdinalIgnoreCase))
            return EntraErrors.DeviceCodeInvalid();

        var age = time.GetUtcNow() - entry.IssuedAt;
        if (age > DeviceCodeStore.Lifetime)
            return EntraErrors.DeviceCodeExpired();
        if (age < options.DeviceCodeApprovalDelay)
            return EntraErrors.AuthorizationPending();

        var failure = AuthenticateUserFlowClient(request, form, app, out var method);
        if (failure is not null)
            return failure;
        if (entry.Redeemed || !deviceCodes.TryRedeem(entry))
            return EntraErrors.DeviceCodeRedeemed();

        return DelegatedTokens(app, tenant.DeviceCodeUser, entry.Scope, method, form["client_info"] == "1");
    }

    private IResult RefreshToken(HttpRequest request, IFormCollection form, ApplicationRegistration app)
    {
        var token = form["refresh_token"].ToString();
        if (token.Length == 0)
            return EntraErrors.MissingParameter("refresh_token");
        var entry = refreshTokens.Find(token);
        if (entry is null)
            return EntraErrors.RefreshTokenInvalid();
        if (!string.Equals(entry.ClientId, app.AppId, StringComparison.OrdinalIgnoreCase))
            return EntraErrors.GrantClientMismatch();

        var failure = AuthenticateUserFlowClient(request, form, app, out var method);
        if (failure is not null)
            return failure;

        var scopeText = form["scope"].ToString();
        if (scopeText.Length == 0)
            return EntraErrors.MissingParameter("scope");
        var (scope, error) = ParseDelegatedScope(scopeText, app);
        if (error is not null)
            return error;
        var user = tenant.FindUser(entry.UserId.ToString());
        if (user is null)
            return EntraErrors.RefreshTokenInvalid();
        return DelegatedTokens(app, user, scope!, method, form["client_info"] == "1");
    }

    /// <summary>Public clients need no credential; a confidential app that does not allow public client flows must present one.</summary>
    private IResult? AuthenticateUserFlowClient(HttpRequest request, IFormCollection form, ApplicationRegistration app, out string method)
    {
        method = "0";
        if (ClientAuthenticator.HasCredential(request, form))
            return authenticator.Authenticate(request, form, app, out method);
        return app.IsFallbackPublicClient == true ? null : EntraErrors.MissingClientCredential();
    }

    private (ScopeRequest? Scope, IResult? Error) ParseDelegatedScope(string scopeText, ApplicationRegistration app)
    {
        var scope = ResourceResolver.Parse(scopeText, endpoints.GraphEndpoint);
        if (scope is null)
            return (null, EntraErrors.InvalidScope(scopeText));
        var resource = resources.Resolve(scope.Resource);
        if (resource is null)
            return (null, EntraErrors.ResourceNotFound(scope.Resource, tenant.DisplayName));
        if (resource.IsGraph && !scope.IsDefault
            && scope.Names.Any(n => !app.DelegatedPermissions.Contains(n, StringComparer.OrdinalIgnoreCase)))
            return (null, EntraErrors.ConsentRequired(app.AppId, app.DisplayName));
        return (scope, null);
    }

    private IResult DelegatedTokens(ApplicationRegistration app, DirectoryUser user, ScopeRequest scope, string method, bool clientInfo)
    {
        var resource = resources.Resolve(scope.Resource)!;
        // Entra grants every consented permission of the resource, whatever subset was asked for.
        var granted = resource.IsGraph ? app.DelegatedPermissions : ["user_impersonation"];
        var accessToken = issuer.CreateAccessToken(new AccessTokenDescriptor
        {
            ClientId = app.AppId,
            Audience = resource.Audience,
            Version = resource.TokenVersion,
            Scopes = granted,
            ObjectId = user.Id,
            UserPrincipalName = user.UserPrincipalName,
            UserDisplayName = user.DisplayName,
            AppDisplayName = app.DisplayName,
            ClientAuthenticationMethod = method,
        });
        // Graph scopes come back as bare names, other resources' with their resource prefix.
        var returned = (resource.IsGraph ? granted : granted.Select(g => $"{scope.Resource.TrimEnd('/')}/{g}"))
            .Concat(scope.OpenIdScopes.Where(s => !string.Equals(s, "offline_access", StringComparison.OrdinalIgnoreCase)));
        var body = new JsonObject
        {
            ["token_type"] = "Bearer",
            ["scope"] = string.Join(' ', returned),
            ["expires_in"] = (long)issuer.TokenLifetime.TotalSeconds,
            ["ext_expires_in"] = (long)issuer.TokenLifetime.TotalSeconds,
            ["access_token"] = accessToken,
            ["refresh_token"] = refreshTokens.Issue(app.AppId, user.Id),
            ["id_token"] = issuer.CreateIdToken(app.AppId, user),
        };
        if (clientInfo)
            body["client_info"] = issuer.CreateClientInfo(user);
        return EntraResponses.Json(body);
    }

    private static async Task<IFormCollection> ReadFormAsync(HttpRequest request) =>
        request.HasFormContentType ? await request.ReadFormAsync(request.HttpContext.RequestAborted) : FormCollection.Empty;
}
