using System.Net;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using Microsoft.Identity.Client;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>Sign-in through real MSAL.NET 4.92 and raw HTTP: grants, what MSAL sends, and Entra's errors.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class SignInTests
{
    private const string IntuneScope = "https://api.manage.microsoft.com//.default";
    private readonly EmulatorFixture _fixture;

    public SignInTests(EmulatorFixture fixture)
    {
        _fixture = fixture;
        fixture.ResetBehaviour();
    }

    private EmulatorServer Server => _fixture.Server;
    private string GraphScope => $"{Server.GraphEndpoint}/.default";
    private string TokenEndpoint => $"{Server.AuthorityHost}/{DemoTenant.TenantId}/oauth2/v2.0/token";

    private ConfidentialClientApplicationBuilder Confidential(string clientId = DemoTenant.AppClientId, string tenant = DemoTenant.TenantId) =>
        ConfidentialClientApplicationBuilder.Create(clientId)
            .WithAuthority($"{Server.AuthorityHost}/{tenant}", false)
            .WithInstanceDiscovery(false);

    private IConfidentialClientApplication SecretClient(string clientId = DemoTenant.AppClientId, string secret = DemoTenant.AppSecret, string tenant = DemoTenant.TenantId) =>
        Confidential(clientId, tenant).WithClientSecret(secret).Build();

    private IPublicClientApplication PublicClient(string clientId = DemoTenant.AppClientId, IMsalHttpClientFactory? http = null)
    {
        var builder = PublicClientApplicationBuilder.Create(clientId)
            .WithAuthority($"{Server.AuthorityHost}/{DemoTenant.TenantId}", false)
            .WithInstanceDiscovery(false);
        return (http is null ? builder : builder.WithHttpClientFactory(http)).Build();
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> PostTokenAsync(Dictionary<string, string> form, string tenant = DemoTenant.TenantId)
    {
        using var response = await _fixture.Http.PostAsync($"/{tenant}/oauth2/v2.0/token", new FormUrlEncodedContent(form));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static void AssertEntraError(JsonObject body, string error, int code)
    {
        Assert.Equal(error, body["error"]!.ToString());
        Assert.StartsWith($"AADSTS{code}: ", body["error_description"]!.ToString());
        Assert.Contains("\r\nTrace ID: ", body["error_description"]!.ToString());
        Assert.Equal(code, body["error_codes"]![0]!.GetValue<int>());
        foreach (var field in new[] { "timestamp", "trace_id", "correlation_id" })
            Assert.False(string.IsNullOrEmpty(body[field]?.ToString()), field);
    }

    private static async Task<MsalServiceException> AssertMsalFailsAsync(Func<Task> call, int status, string errorCode, int aadsts)
    {
        var e = await Assert.ThrowsAsync<MsalServiceException>(call);
        Assert.Equal(status, e.StatusCode);
        Assert.Equal(errorCode, e.ErrorCode);
        Assert.Contains($"AADSTS{aadsts}:", e.Message);
        return e;
    }

    [Fact]
    public async Task Msal_client_secret_gets_a_Graph_token_with_the_granted_roles()
    {
        var result = await SecretClient().AcquireTokenForClient([GraphScope]).ExecuteAsync();

        var header = TestTokens.Header(result.AccessToken);
        var claims = TestTokens.Claims(result.AccessToken);
        Assert.Equal("RS256", header["alg"]!.ToString());
        Assert.False(string.IsNullOrEmpty(header["kid"]?.ToString()));
        Assert.Equal(Server.GraphEndpoint, claims["aud"]!.ToString());
        Assert.Equal(DemoTenant.TenantId, claims["tid"]!.ToString());
        Assert.Equal(DemoTenant.AppClientId, claims["appid"]!.ToString());
        Assert.Equal(DemoTenant.AppClientId, claims["azp"]!.ToString());
        Assert.Equal($"{Server.AuthorityHost}/{DemoTenant.TenantId}/v2.0", claims["iss"]!.ToString());
        var roles = claims["roles"]!.AsArray().Select(r => r!.ToString()).ToArray();
        Assert.Contains("Organization.ReadWrite.All", roles);
        Assert.Contains("Policy.ReadWrite.ConditionalAccess", roles);
        Assert.Equal(10, roles.Length);
        Assert.Null(claims["scp"]);
        Assert.InRange(claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>(), 3599, 3600);
        Assert.InRange(result.ExpiresOn - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task Msal_client_secret_gets_a_partner_api_token_and_a_domain_authority_works()
    {
        var result = await SecretClient(tenant: DemoTenant.CustomDomain).AcquireTokenForClient([IntuneScope]).ExecuteAsync();

        var claims = TestTokens.Claims(result.AccessToken);
        Assert.Equal(DemoTenant.IntuneResource, claims["aud"]!.ToString());
        Assert.Equal(DemoTenant.TenantId, claims["tid"]!.ToString());
    }

    [Fact]
    public async Task Reader_app_token_carries_only_its_permission()
    {
        var result = await SecretClient(DemoTenant.ReaderClientId, DemoTenant.ReaderSecret).AcquireTokenForClient([GraphScope]).ExecuteAsync();

        Assert.Equal(["Organization.Read.All"], TestTokens.Claims(result.AccessToken)["roles"]!.AsArray().Select(r => r!.ToString()));
    }

    [Fact]
    public async Task Msal_certificate_assertion_is_accepted_and_names_the_token_endpoint_as_audience()
    {
        using var certificate = TestTokens.NewCertificate();
        Server.Tenant.AddCertificateCredential(DemoTenant.ReaderClientId, certificate);
        var http = new RecordingHttpClientFactory();
        var app = Confidential(DemoTenant.ReaderClientId).WithCertificate(certificate).WithHttpClientFactory(http).Build();

        var result = await app.AcquireTokenForClient([GraphScope]).ExecuteAsync();

        Assert.Equal("2", TestTokens.Claims(result.AccessToken)["appidacr"]!.ToString());
        var form = System.Web.HttpUtility.ParseQueryString(http.Requests.Single(r => r.Uri.AbsolutePath.EndsWith("/token")).Body!);
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"]);
        var assertion = form["client_assertion"]!;
        var claims = TestTokens.Claims(assertion);
        var header = TestTokens.Header(assertion);
        // What MSAL 4.92.0 sends: PS256 signed, key named by x5t#S256 only, aud = the token endpoint of the
        // authority as configured, iss = sub = client id, nbf/exp as strings of Unix seconds, a jti.
        Assert.Equal("PS256", header["alg"]!.ToString());
        Assert.NotNull(header["x5t#S256"]);
        Assert.Null(header["x5t"]);
        Assert.Equal(TokenEndpoint, claims["aud"]!.ToString());
        Assert.Equal(DemoTenant.ReaderClientId, claims["iss"]!.ToString());
        Assert.Equal(DemoTenant.ReaderClientId, claims["sub"]!.ToString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, claims["exp"]!.GetValueKind());
        Assert.NotNull(claims["jti"]);
    }

    [Fact]
    public async Task Unregistered_certificate_is_refused_with_AADSTS700027()
    {
        using var certificate = TestTokens.NewCertificate("CN=not registered");
        var app = Confidential().WithCertificate(certificate).Build();

        await AssertMsalFailsAsync(() => app.AcquireTokenForClient([GraphScope]).ExecuteAsync(), 401, "invalid_client", 700027);
    }

    [Fact]
    public async Task Assertion_with_another_audience_is_refused_with_AADSTS700023()
    {
        using var certificate = TestTokens.NewCertificate();
        Server.Tenant.AddCertificateCredential(DemoTenant.AppClientId, certificate);
        foreach (var audience in new[] { $"{Server.AuthorityHost}/{DemoTenant.TenantId}/v2.0", "https://login.microsoftonline.com/" + DemoTenant.TenantId + "/oauth2/v2.0/token" })
        {
            var (status, body) = await PostTokenAsync(new()
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = DemoTenant.AppClientId,
                ["scope"] = GraphScope,
                ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ["client_assertion"] = TestTokens.Assertion(certificate, DemoTenant.AppClientId, audience),
            });
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            AssertEntraError(body, "invalid_client", 700023);
        }
    }

    [Fact]
    public async Task Hand_made_assertions_for_domain_audience_pass_and_expired_or_foreign_ones_fail()
    {
        using var certificate = TestTokens.NewCertificate();
        Server.Tenant.AddCertificateCredential(DemoTenant.AppClientId, certificate);
        Dictionary<string, string> Form(string assertion) => new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = DemoTenant.AppClientId,
            ["scope"] = GraphScope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        };

        var (ok, okBody) = await PostTokenAsync(Form(TestTokens.Assertion(certificate, DemoTenant.AppClientId, $"{Server.AuthorityHost}/{DemoTenant.Domain}/oauth2/v2.0/token")));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.NotNull(okBody["access_token"]);

        var (expired, expiredBody) = await PostTokenAsync(Form(TestTokens.Assertion(certificate, DemoTenant.AppClientId, TokenEndpoint, DateTimeOffset.UtcNow.AddHours(-2))));
        Assert.Equal(HttpStatusCode.Unauthorized, expired);
        AssertEntraError(expiredBody, "invalid_client", 700024);

        var (wrongIssuer, wrongIssuerBody) = await PostTokenAsync(Form(TestTokens.Assertion(certificate, DemoTenant.AppClientId, TokenEndpoint, issuer: DemoTenant.ReaderClientId)));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongIssuer);
        AssertEntraError(wrongIssuerBody, "invalid_client", 700021);

        using var expiredCertificate = TestTokens.NewCertificate("CN=expired", DateTimeOffset.UtcNow.AddDays(-1));
        Server.Tenant.AddCertificateCredential(DemoTenant.AppClientId, expiredCertificate);
        var (oldKey, oldKeyBody) = await PostTokenAsync(Form(TestTokens.Assertion(expiredCertificate, DemoTenant.AppClientId, TokenEndpoint)));
        Assert.Equal(HttpStatusCode.Unauthorized, oldKey);
        AssertEntraError(oldKeyBody, "invalid_client", 700027);
        Assert.Contains("The key used is expired.", oldKeyBody["error_description"]!.ToString());

        var (garbage, garbageBody) = await PostTokenAsync(Form("not-a-jwt"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage);
        AssertEntraError(garbageBody, "invalid_request", 50027);
    }

    [Fact]
    public async Task Wrong_secret_is_401_invalid_client_AADSTS7000215()
    {
        await AssertMsalFailsAsync(() => SecretClient(secret: "wrong").AcquireTokenForClient([GraphScope]).ExecuteAsync(), 401, "invalid_client", 7000215);

        var (status, body) = await PostTokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = DemoTenant.AppClientId,
            ["client_secret"] = "wrong",
            ["scope"] = GraphScope,
        });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        AssertEntraError(body, "invalid_client", 7000215);
    }

    [Fact]
    public async Task Unknown_client_is_400_unauthorized_client_AADSTS700016()
    {
        var unknown = Guid.NewGuid().ToString();
        var e = await AssertMsalFailsAsync(() => SecretClient(unknown).AcquireTokenForClient([GraphScope]).ExecuteAsync(), 400, "unauthorized_client", 700016);
        Assert.Contains($"Application with identifier '{unknown}' was not found in the directory 'Contoso'", e.Message);
    }

    [Fact]
    public async Task Unknown_tenant_is_400_invalid_request_AADSTS90002()
    {
        await AssertMsalFailsAsync(() => SecretClient(tenant: "fabrikam.onmicrosoft.com").AcquireTokenForClient([GraphScope]).ExecuteAsync(), 400, "invalid_request", 90002);

        using var discovery = await _fixture.Http.GetAsync($"/{Guid.NewGuid()}/v2.0/.well-known/openid-configuration");
        Assert.Equal(HttpStatusCode.BadRequest, discovery.StatusCode);
        Assert.Contains("AADSTS90002", await discovery.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Azure_Storage_gets_a_v1_token_with_the_global_issuer_and_no_roles()
    {
        var result = await SecretClient().AcquireTokenForClient(["https://storage.azure.com/.default"]).ExecuteAsync();

        var claims = TestTokens.Claims(result.AccessToken);
        Assert.Equal("https://storage.azure.com", claims["aud"]!.ToString());
        Assert.Equal($"https://sts.windows.net/{DemoTenant.TenantId}/", claims["iss"]!.ToString());
        Assert.Equal("1.0", claims["ver"]!.ToString());
        Assert.Equal(DemoTenant.TenantId, claims["tid"]!.ToString());
        Assert.Equal(DemoTenant.AppClientId, claims["appid"]!.ToString());
        Assert.Equal("1", claims["appidacr"]!.ToString());
        Assert.False(string.IsNullOrEmpty(claims["oid"]?.ToString()));
        Assert.Null(claims["azp"]);
        // Storage access is Azure RBAC on the account, not app roles.
        Assert.Null(claims["roles"]);
    }

    [Fact]
    public async Task Unknown_resource_is_AADSTS500011_and_a_scope_without_default_AADSTS1002012()
    {
        await AssertMsalFailsAsync(() => SecretClient().AcquireTokenForClient(["https://graph.microsoft.com/.default"]).ExecuteAsync(), 400, "invalid_resource", 500011);

        var (status, body) = await PostTokenAsync(new()
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = DemoTenant.AppClientId,
            ["client_secret"] = DemoTenant.AppSecret,
            ["scope"] = $"{Server.GraphEndpoint}/User.Read.All",
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertEntraError(body, "invalid_scope", 1002012);
    }

    [Fact]
    public async Task Missing_parameters_and_grant_types_get_Entra_errors()
    {
        var (noGrant, noGrantBody) = await PostTokenAsync(new() { ["client_id"] = DemoTenant.AppClientId });
        Assert.Equal(HttpStatusCode.BadRequest, noGrant);
        AssertEntraError(noGrantBody, "invalid_request", 900144);

        var (badGrant, badGrantBody) = await PostTokenAsync(new() { ["grant_type"] = "password", ["client_id"] = DemoTenant.AppClientId });
        Assert.Equal(HttpStatusCode.BadRequest, badGrant);
        AssertEntraError(badGrantBody, "unsupported_grant_type", 70003);

        var (noSecret, noSecretBody) = await PostTokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = DemoTenant.AppClientId, ["scope"] = GraphScope });
        Assert.Equal(HttpStatusCode.Unauthorized, noSecret);
        AssertEntraError(noSecretBody, "invalid_client", 7000218);
    }

    [Fact]
    public async Task Msal_device_code_flow_signs_in_the_demo_user_and_refreshes()
    {
        var http = new RecordingHttpClientFactory();
        var app = PublicClient(http: http);
        DeviceCodeResult? shown = null;
        string[] scopes = [GraphScope];

        var result = await app.AcquireTokenWithDeviceCode(scopes, code =>
        {
            shown = code;
            return Task.CompletedTask;
        }).ExecuteAsync();

        Assert.NotNull(shown);
        Assert.Equal($"To sign in, use a web browser to open the page {Server.AuthorityHost}/devicelogin and enter the code {shown!.UserCode} to authenticate.", shown.Message);
        Assert.Equal(DemoTenant.DeviceCodeUser, result.Account.Username);
        Assert.Equal(DemoTenant.TenantId, result.TenantId);
        var claims = TestTokens.Claims(result.AccessToken);
        Assert.Equal(Server.GraphEndpoint, claims["aud"]!.ToString());
        Assert.Contains("Policy.ReadWrite.ConditionalAccess", claims["scp"]!.ToString().Split(' '));
        Assert.Equal(DemoTenant.DeviceCodeUser, claims["preferred_username"]!.ToString());
        Assert.Equal(Server.Tenant.DeviceCodeUser.Id.ToString(), claims["oid"]!.ToString());
        Assert.Null(claims["roles"]);
        Assert.Contains(http.Requests, r => r.Body?.Contains("client_info=1") == true);

        var refreshed = await app.AcquireTokenSilent(scopes, result.Account).WithForceRefresh(true).ExecuteAsync();
        Assert.NotEqual(result.AccessToken, refreshed.AccessToken);
        Assert.Contains(http.Requests, r => r.Body?.Contains("grant_type=refresh_token") == true);

        var partner = await app.AcquireTokenSilent([IntuneScope], result.Account).ExecuteAsync();
        Assert.Equal(DemoTenant.IntuneResource, TestTokens.Claims(partner.AccessToken)["aud"]!.ToString());
    }

    [Fact]
    public async Task Device_code_is_pending_until_approved_and_needs_a_public_client()
    {
        using var response = await _fixture.Http.PostAsync($"/{DemoTenant.TenantId}/oauth2/v2.0/devicecode", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = DemoTenant.ReaderClientId,
            ["scope"] = $"{GraphScope} offline_access openid profile",
        }));
        var code = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(1, code["interval"]!.GetValue<int>());
        Assert.Equal(900, code["expires_in"]!.GetValue<int>());
        Dictionary<string, string> Poll() => new()
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
            ["client_id"] = DemoTenant.ReaderClientId,
            ["device_code"] = code["device_code"]!.ToString(),
        };

        var (pending, pendingBody) = await PostTokenAsync(Poll());
        Assert.Equal(HttpStatusCode.BadRequest, pending);
        AssertEntraError(pendingBody, "authorization_pending", 70016);

        await Task.Delay(1100);
        // "Contoso Reader" does not allow public client flows.
        var (confidential, confidentialBody) = await PostTokenAsync(Poll());
        Assert.Equal(HttpStatusCode.Unauthorized, confidential);
        AssertEntraError(confidentialBody, "invalid_client", 7000218);
    }

    [Fact]
    public async Task Discovery_documents_point_at_the_emulator_and_publish_the_signing_key()
    {
        var configuration = JsonNode.Parse(await _fixture.Http.GetStringAsync($"/{DemoTenant.Domain}/v2.0/.well-known/openid-configuration"))!;
        Assert.Equal($"{Server.AuthorityHost}/{DemoTenant.TenantId}/v2.0", configuration["issuer"]!.ToString());
        Assert.Equal(TokenEndpoint, configuration["token_endpoint"]!.ToString());
        Assert.Equal($"{Server.AuthorityHost}/{DemoTenant.TenantId}/oauth2/v2.0/devicecode", configuration["device_authorization_endpoint"]!.ToString());

        var keys = JsonNode.Parse(await _fixture.Http.GetStringAsync(configuration["jwks_uri"]!.ToString()))!["keys"]!.AsArray();
        var token = await _fixture.GetTokenAsync();
        Assert.Contains(keys, k => k!["kid"]!.ToString() == TestTokens.Header(token)["kid"]!.ToString());

        var instance = JsonNode.Parse(await _fixture.Http.GetStringAsync($"/common/discovery/instance?api-version=1.1&authorization_endpoint={Uri.EscapeDataString(Server.AuthorityHost + "/" + DemoTenant.TenantId + "/oauth2/v2.0/authorize")}"))!;
        Assert.Equal(Server.BaseAddress.Authority, instance["metadata"]![0]!["preferred_network"]!.ToString());
    }

    [Fact]
    public async Task Granted_and_revoked_roles_show_in_new_tokens()
    {
        Server.Tenant.GrantAppRoles(DemoTenant.ReaderClientId, "Application.Read.All");
        try
        {
            var granted = TestTokens.Claims(await _fixture.GetTokenAsync(DemoTenant.ReaderClientId, DemoTenant.ReaderSecret))["roles"]!.AsArray();
            Assert.Contains(granted, r => r!.ToString() == "Application.Read.All");
        }
        finally
        {
            Server.Tenant.RevokeAppRoles(DemoTenant.ReaderClientId, "Application.Read.All");
        }
        var revoked = TestTokens.Claims(await _fixture.GetTokenAsync(DemoTenant.ReaderClientId, DemoTenant.ReaderSecret))["roles"]!.AsArray();
        Assert.DoesNotContain(revoked, r => r!.ToString() == "Application.Read.All");
        Assert.Throws<ArgumentException>(() => Server.Tenant.GrantAppRoles(DemoTenant.ReaderClientId, "No.Such.Permission"));
    }

    [Fact]
    public async Task Sign_in_is_not_subject_to_service_faults_unless_a_rule_says_so()
    {
        Server.Settings.AddFaultRule(new FaultRule { Name = "all", ServiceUnavailableProbability = 1 });
        Assert.False(string.IsNullOrEmpty(await _fixture.GetTokenAsync()));

        Server.Settings.AddFaultRule(new FaultRule { Name = "all", ServiceUnavailableProbability = 1, AppliesToSignIn = true });
        var e = await Assert.ThrowsAsync<MsalServiceException>(() => SecretClient().AcquireTokenForClient([GraphScope]).ExecuteAsync());
        Assert.Equal(503, e.StatusCode);
    }
}
