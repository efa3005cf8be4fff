using System.Web;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>Environment variables are process-wide: these tests run alone, against their own emulator.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ManagedIdentityCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "ManagedIdentity";
}

/// <summary>MSAL.NET's ManagedIdentityApplication against the App Service kind of endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER).</summary>
[Collection(ManagedIdentityCollection.Name)]
public sealed class ManagedIdentityTests : IDisposable
{
    private readonly EmulatorFixture _fixture;

    public ManagedIdentityTests(EmulatorFixture fixture)
    {
        _fixture = fixture;
        fixture.ResetBehaviour();
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", fixture.Server.ManagedIdentityEndpoint);
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", fixture.Server.ManagedIdentityHeader);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", null);
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", null);
    }

    private EmulatorServer Server => _fixture.Server;

    private static IManagedIdentityApplication App(ManagedIdentityId id, RecordingHttpClientFactory http) =>
        ManagedIdentityApplicationBuilder.Create(id).WithHttpClientFactory(http).Build();

    [Fact]
    public async Task System_assigned_identity_gets_a_v1_Azure_Storage_token_for_the_resource_as_named()
    {
        var result = await App(ManagedIdentityId.SystemAssigned, new RecordingHttpClientFactory())
            .AcquireTokenForManagedIdentity("https://storage.azure.com/").ExecuteAsync();

        var claims = TestTokens.Claims(result.AccessToken);
        Assert.Equal("https://storage.azure.com/", claims["aud"]!.ToString());
        Assert.Equal($"https://sts.windows.net/{DemoTenant.TenantId}/", claims["iss"]!.ToString());
        Assert.Equal("1.0", claims["ver"]!.ToString());
        Assert.Equal(DemoTenant.SystemManagedIdentityClientId, claims["appid"]!.ToString());
        Assert.Equal("2", claims["appidacr"]!.ToString());
        Assert.False(string.IsNullOrEmpty(claims["xms_mirid"]?.ToString()));
    }

    [Fact]
    public async Task System_assigned_identity_gets_a_Graph_token_the_way_App_Service_answers()
    {
        var http = new RecordingHttpClientFactory();

        var result = await App(ManagedIdentityId.SystemAssigned, http).AcquireTokenForManagedIdentity(Server.GraphEndpoint).ExecuteAsync();

        var claims = TestTokens.Claims(result.AccessToken);
        Assert.Equal(DemoTenant.SystemManagedIdentityClientId, claims["appid"]!.ToString());
        Assert.Equal(Server.GraphEndpoint, claims["aud"]!.ToString());
        Assert.Contains(claims["roles"]!.AsArray(), r => r!.ToString() == "DeviceManagementServiceConfig.ReadWrite.All");
        Assert.InRange(result.ExpiresOn - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));

        // What MSAL 4.92.0 sends: GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=..., secret in X-IDENTITY-HEADER.
        var request = Assert.Single(http.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal(Server.ManagedIdentityEndpoint, request.Uri.GetLeftPart(UriPartial.Path));
        var query = HttpUtility.ParseQueryString(request.Uri.Query);
        Assert.Equal("2019-08-01", query["api-version"]);
        Assert.Equal(Server.GraphEndpoint, query["resource"]);
        Assert.Null(query["client_id"]);
        Assert.Equal(Server.ManagedIdentityHeader, request.Headers["X-IDENTITY-HEADER"]);
    }

    [Fact]
    public async Task User_assigned_identity_is_chosen_by_client_id_and_gets_a_partner_token()
    {
        var http = new RecordingHttpClientFactory();
        var app = App(ManagedIdentityId.WithUserAssignedClientId(DemoTenant.UserManagedIdentityClientId), http);

        var result = await app.AcquireTokenForManagedIdentity(DemoTenant.IntuneResource).ExecuteAsync();

        var claims = TestTokens.Claims(result.AccessToken);
        Assert.Equal(DemoTenant.UserManagedIdentityClientId, claims["appid"]!.ToString());
        Assert.Equal(DemoTenant.IntuneResource, claims["aud"]!.ToString());
        Assert.Equal(DemoTenant.UserManagedIdentityClientId, HttpUtility.ParseQueryString(Assert.Single(http.Requests).Uri.Query)["client_id"]);
    }

    [Fact]
    public async Task Unknown_client_id_is_refused_as_App_Service_refuses_it()
    {
        var app = App(ManagedIdentityId.WithUserAssignedClientId(Guid.NewGuid().ToString()), new RecordingHttpClientFactory());

        var e = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForManagedIdentity(Server.GraphEndpoint).ExecuteAsync());

        Assert.Equal(400, e.StatusCode);
        Assert.Contains("No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.", e.Message);
    }

    [Fact]
    public async Task Wrong_identity_header_is_refused()
    {
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", "not-the-secret");
        var app = App(ManagedIdentityId.SystemAssigned, new RecordingHttpClientFactory());

        // MSAL keeps managed identity tokens in a process-wide cache: force the request.
        var e = await Assert.ThrowsAsync<MsalServiceException>(() => app.AcquireTokenForManagedIdentity(Server.GraphEndpoint).WithForceRefresh(true).ExecuteAsync());

        Assert.Equal(401, e.StatusCode);
    }
}
