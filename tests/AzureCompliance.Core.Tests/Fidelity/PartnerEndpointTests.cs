using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;

namespace AzureCompliance.Core.Tests.Fidelity;

/// <summary>Discovered partner endpoints are checked before a token goes there, and followed once when they move (issue 8, point 7).</summary>
public sealed class PartnerEndpointTests : IClassFixture<EmulatedTenant>
{
    private readonly EmulatedTenant _tenant;

    public PartnerEndpointTests(EmulatedTenant tenant) => _tenant = tenant;

    [Theory]
    [InlineData("https://partner.contoso.example")]
    [InlineData("http://127.0.0.1:9")]
    public async Task An_endpoint_outside_the_cloud_s_Intune_hosts_gets_no_token(string published)
    {
        _tenant.Server.Settings.PartnerEndpointBase = published;
        try
        {
            var connection = await _tenant.ConnectAsync("endpoints-untrusted");
            var error = await Assert.ThrowsAsync<ComplianceException>(() => PartnerApiClient.For(connection).SetTenantProvisioningAsync(true, null, null, default));
            Assert.Equal("PartnerEndpointUntrusted", error.ErrorId);
            Assert.Equal(ComplianceErrorCategory.SecurityError, error.Category);
        }
        finally
        {
            _tenant.Server.Settings.PartnerEndpointBase = null;
        }
    }

    [Fact]
    public async Task A_moved_endpoint_is_discovered_again_once()
    {
        var root = new Uri(_tenant.Server.GraphEndpoint).GetLeftPart(UriPartial.Authority);
        _tenant.Server.Settings.PartnerEndpointBase = root + "/retired";
        var connection = await _tenant.ConnectAsync("endpoints-moved");
        var client = PartnerApiClient.For(connection);
        var stale = await client.GetEndpointsAsync(default);
        Assert.EndsWith("/retired/PartnerTenantDataSync", stale.TenantSync.AbsolutePath);

        _tenant.Server.Settings.PartnerEndpointBase = null; // Intune moved the API back to its current address
        Assert.Equal(1, await client.SetTenantProvisioningAsync(true, null, null, default));
        Assert.DoesNotContain("/retired", (await client.GetEndpointsAsync(default)).TenantSync.AbsolutePath);
    }

    [Fact]
    public void Only_https_hosts_under_the_partner_resource_s_domain_are_trusted()
    {
        var global = CloudEnvironment.Global;
        Assert.Equal("manage.microsoft.com", global.IntuneHostSuffix);
        Assert.True(global.IsTrustedPartnerEndpoint(new Uri("https://fef.msua06.manage.microsoft.com/TrafficGateway/TrafficRoutingService/PartnerTenantDataSync")));
        Assert.False(global.IsTrustedPartnerEndpoint(new Uri("http://fef.msua06.manage.microsoft.com/x")));
        Assert.False(global.IsTrustedPartnerEndpoint(new Uri("https://manage.microsoft.com.evil.example/x")));
        Assert.False(global.IsTrustedPartnerEndpoint(new Uri("https://fef.manage.microsoft.us/x")));
        Assert.True(CloudEnvironment.USGov.IsTrustedPartnerEndpoint(new Uri("https://fef.msub01.manage.microsoft.us/x")));
    }
}

/// <summary>The partner API resource per cloud, -PartnerResource, and China's missing open extensions (issue 8, point 3).</summary>
public sealed class NationalCloudTests
{
    [Fact]
    public void Each_cloud_has_its_partner_resource_and_an_unverified_one_must_be_given()
    {
        Assert.Equal("https://api.manage.microsoft.com/", CloudEnvironment.Global.PartnerResource);
        Assert.Equal("https://api.manage.microsoft.us/", CloudEnvironment.USGov.PartnerResource);
        Assert.Equal("https://api.manage.microsoft.us/", CloudEnvironment.USGovDoD.PartnerResource);
        Assert.Equal("https://api.manage.microsoft.us//.default", CloudEnvironment.USGov.PartnerScope);

        Assert.Null(CloudEnvironment.China.KnownPartnerResource);
        var unknown = Assert.Throws<ComplianceException>(() => CloudEnvironment.China.PartnerScope);
        Assert.Equal("PartnerResourceUnknown", unknown.ErrorId);
        Assert.Contains("-PartnerResource", unknown.RecommendedAction);

        var given = CloudEnvironment.China.WithPartnerResource(new Uri("https://api.manage.example.cn"));
        Assert.Equal("https://api.manage.example.cn/", given.PartnerResource);
        Assert.Equal("China", given.Name);
        Assert.False(given.HasOpenExtensions);
        Assert.Throws<ArgumentException>(() => CloudEnvironment.Global.WithPartnerResource(new Uri("http://api.manage.microsoft.com/")));
    }

    [Fact]
    public async Task The_instance_registry_refuses_clearly_in_the_China_cloud()
    {
        var session = new ServiceSession(CloudEnvironment.China, new TokenProvider(new NoTokens()), AzureCompliance.Core.Http.RetryPolicy.Default);
        var connection = new ComplianceConnection(session, Guid.NewGuid().ToString(), null, null, Guid.NewGuid().ToString(),
            ComplianceAuthType.ClientSecret, null, "china-1", Array.Empty<string>(), Array.Empty<string>());
        var error = await Assert.ThrowsAsync<ComplianceException>(() => AzureCompliance.Core.Registry.InstanceRegistry.GetAsync(connection, default));
        Assert.Equal("InstanceRegistryUnavailable", error.ErrorId);
        Assert.Contains("open extensions do not exist", error.Message);
    }

    private sealed class NoTokens : ITokenSource
    {
        public Task<AccessToken> AcquireAsync(string scope, bool forceRefresh, CancellationToken cancellationToken) => throw new InvalidOperationException("no call expected");
        public Task ClearAsync() => Task.CompletedTask;
    }
}
