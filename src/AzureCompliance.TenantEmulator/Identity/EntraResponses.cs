using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>
/// Answers of the Microsoft identity platform: OAuth JSON with no-store caching, x-ms-request-id and
/// the client's client-request-id echoed. Errors carry the AADSTS code first in error_description,
/// then the trace lines, as Entra writes them.
/// </summary>
internal static class EntraResponses
{
    public static IResult Json(JsonNode body, int statusCode = StatusCodes.Status200OK) => new EntraResult(statusCode, body, null);

    public static IResult Error(int statusCode, string error, int code, string description, params int[] moreCodes) =>
        new EntraResult(statusCode, null, (error, code, description, moreCodes));

    private sealed class EntraResult(int statusCode, JsonNode? body, (string Error, int Code, string Description, int[] MoreCodes)? error) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var traceId = Guid.NewGuid().ToString();
            var correlationId = context.Request.Headers["client-request-id"].ToString();
            if (!Guid.TryParse(correlationId, out _))
                correlationId = Guid.NewGuid().ToString();

            var response = context.Response;
            response.StatusCode = statusCode;
            response.ContentType = "application/json; charset=utf-8";
            response.Headers.CacheControl = "no-store, no-cache";
            response.Headers.Pragma = "no-cache";
            response.Headers["x-ms-request-id"] = traceId;
            if (context.Request.Headers.ContainsKey("client-request-id"))
                response.Headers["client-request-id"] = correlationId;

            var payload = body;
            if (error is { } e)
            {
                var now = DateTime.UtcNow;
                var timestamp = now.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                var codes = new JsonArray(JsonValue.Create(e.Code));
                foreach (var more in e.MoreCodes)
                    codes.Add(JsonValue.Create(more));
                payload = new JsonObject
                {
                    ["error"] = e.Error,
                    ["error_description"] = $"AADSTS{e.Code}: {e.Description}\r\nTrace ID: {traceId}\r\nCorrelation ID: {correlationId}\r\nTimestamp: {timestamp}",
                    ["error_codes"] = codes,
                    ["timestamp"] = timestamp,
                    ["trace_id"] = traceId,
                    ["correlation_id"] = correlationId,
                    ["error_uri"] = $"{context.Request.Scheme}://{context.Request.Host}/error?code={e.Code}",
                };
            }
            return response.WriteAsync(payload!.ToJsonString(EmulatorJson.Options), context.RequestAborted);
        }
    }
}

/// <summary>The AADSTS errors the emulator gives, worded as Entra words them.</summary>
internal static class EntraErrors
{
    public static IResult TenantNotFound(string tenant) => EntraResponses.Error(400, "invalid_request", 90002,
        $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. "
        + "Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");

    public static IResult NoTenantInformation() => EntraResponses.Error(400, "invalid_request", 50059,
        "No tenant-identifying information found in either the request or implied by any provided credentials.");

    public static IResult MissingParameter(string name) => EntraResponses.Error(400, "invalid_request", 900144,
        $"The request body must contain the following parameter: '{name}'.");

    public static IResult PostOnly(string method) => EntraResponses.Error(405, "invalid_request", 900561,
        $"The endpoint only accepts POST, OPTIONS requests. Received a {method} request.");

    public static IResult UnsupportedGrantType(string grantType) => EntraResponses.Error(400, "unsupported_grant_type", 70003,
        $"The app requested an unsupported grant type '{grantType}'.");

    public static IResult ApplicationNotFound(string clientId, string tenantName) => EntraResponses.Error(400, "unauthorized_client", 700016,
        $"Application with identifier '{clientId}' was not found in the directory '{tenantName}'. This can happen if the application has not been installed "
        + "by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");

    public static IResult MissingClientCredential() => EntraResponses.Error(401, "invalid_client", 7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");

    public static IResult InvalidClientSecret(string clientId) => EntraResponses.Error(401, "invalid_client", 7000215,
        $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'.");

    public static IResult ExpiredClientSecret(string clientId) => EntraResponses.Error(401, "invalid_client", 7000222,
        $"The provided client secret keys for app '{clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, "
        + "or consider using certificate credentials for added security: https://aka.ms/certCreds.");

    public static IResult CertificateNotRegistered(string clientId, string thumbprint) => EntraResponses.Error(401, "invalid_client", 700027,
        "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., "
        + $"Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{clientId}'. "
        + "Review the documentation at https://docs.microsoft.com/en-us/graph/deployment-guide for more information.]");

    public static IResult AssertionSignatureInvalid() => EntraResponses.Error(401, "invalid_client", 700027,
        "Client assertion failed signature validation.");

    public static IResult CertificateExpired(string clientId, X509Certificate2 certificate) => EntraResponses.Error(401, "invalid_client", 700027,
        $"Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '{certificate.Thumbprint}', "
        + $"Found key 'Start={certificate.NotBefore.ToUniversalTime():MM/dd/yyyy HH:mm:ss}, End={certificate.NotAfter.ToUniversalTime():MM/dd/yyyy HH:mm:ss}', "
        + $"Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{clientId}'.]");

    public static IResult AssertionMalformed() => EntraResponses.Error(400, "invalid_request", 50027,
        "JWT token is invalid or malformed.");

    public static IResult AssertionTypeInvalid(string type) => EntraResponses.Error(400, "invalid_request", 50027,
        $"Invalid client assertion type '{type}'.");

    public static IResult AssertionAudience() => EntraResponses.Error(401, "invalid_client", 700023,
        "Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .");

    public static IResult AssertionSubject() => EntraResponses.Error(401, "invalid_client", 700021,
        "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .");

    public static IResult AssertionLifetime(DateTimeOffset now, DateTimeOffset? notBefore, DateTimeOffset? expires) => EntraResponses.Error(401, "invalid_client", 700024,
        $"Client assertion is not within its valid time range. Current time: {now:yyyy-MM-ddTHH:mm:ss.fffffffZ}, assertion valid from {notBefore:yyyy-MM-ddTHH:mm:ss.fffffffZ}, "
        + $"expiry time of assertion {expires:yyyy-MM-ddTHH:mm:ss.fffffffZ}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .");

    public static IResult ScopeNotDefault(string scope) => EntraResponses.Error(400, "invalid_scope", 1002012,
        $"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");

    public static IResult InvalidScope(string scope) => EntraResponses.Error(400, "invalid_scope", 70011,
        $"The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.");

    public static IResult ResourceNotFound(string resource, string tenantName) => EntraResponses.Error(400, "invalid_resource", 500011,
        $"The resource principal named {resource} was not found in the tenant named {tenantName}. This can happen if the application has not been installed by the "
        + "administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.");

    public static IResult ConsentRequired(string clientId, string appName) => EntraResponses.Error(400, "invalid_grant", 65001,
        $"The user or administrator has not consented to use the application with ID '{clientId}' named '{appName}'. Send an interactive authorization request for this user and resource.");

    public static IResult AuthorizationPending() => EntraResponses.Error(400, "authorization_pending", 70016,
        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.");

    public static IResult DeviceCodeExpired() => EntraResponses.Error(400, "expired_token", 70020,
        "The provided value for the input parameter 'device_code' is not valid. This device code has expired.");

    public static IResult DeviceCodeInvalid() => EntraResponses.Error(400, "invalid_grant", 70000,
        "The provided value for the input parameter 'device_code' is not valid.");

    public static IResult DeviceCodeRedeemed() => EntraResponses.Error(400, "invalid_grant", 54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");

    public static IResult RefreshTokenInvalid() => EntraResponses.Error(400, "invalid_grant", 9002313,
        "Invalid request. Request is malformed or invalid.");

    public static IResult GrantClientMismatch() => EntraResponses.Error(400, "invalid_grant", 70000,
        "Provided grant is invalid or malformed.");
}
