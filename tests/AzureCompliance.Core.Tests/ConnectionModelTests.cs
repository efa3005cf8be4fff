using System.Text;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Core.Tests;

public sealed class ConnectionModelTests
{
    private static string Jwt(string payloadJson)
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return B64("{\"alg\":\"none\"}") + "." + B64(payloadJson) + ".sig";
    }

    [Fact]
    public void Claims_give_tenant_app_roles_and_scopes()
    {
        var claims = TokenClaims.Read(Jwt("{\"tid\":\"t1\",\"appid\":\"a1\",\"roles\":[\"Group.Read.All\",\"Device.Read.All\"],\"scp\":\"User.Read  Policy.Read.All\",\"preferred_username\":\"u@x\"}"));
        Assert.Equal("t1", claims.TenantId);
        Assert.Equal("a1", claims.AppId);
        Assert.Equal(new[] { "Group.Read.All", "Device.Read.All" }, claims.Roles);
        Assert.Equal(new[] { "User.Read", "Policy.Read.All" }, claims.Scopes);
        Assert.Equal("u@x", claims.UserName);
    }

    [Fact]
    public void An_unreadable_token_gives_empty_claims()
    {
        var claims = TokenClaims.Read("opaque-token");
        Assert.Null(claims.TenantId);
        Assert.Empty(claims.Roles);
        Assert.Empty(TokenClaims.Read("a.%%%.c").Roles);
    }

    [Theory]
    [InlineData("Global", "https://graph.microsoft.com", "https://login.microsoftonline.com", "https://api.manage.microsoft.com/")]
    [InlineData("usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us", "https://api.manage.microsoft.us/")]
    [InlineData("USGovDoD", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us", "https://api.manage.microsoft.us/")]
    [InlineData("China", "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn", null)]
    public void Each_cloud_pairs_its_own_sign_in_and_graph(string name, string graph, string login, string? partner)
    {
        var environment = CloudEnvironment.FromName(name);
        Assert.Equal(graph, environment.GraphEndpoint);
        Assert.Equal(login, environment.AuthorityHost);
        Assert.Equal(graph + "/.default", environment.GraphScope);
        Assert.Equal(partner, environment.KnownPartnerResource);
        if (partner != null) Assert.Equal(partner + "/.default", environment.PartnerScope);
        Assert.False(environment.IsCustom);
    }

    [Fact]
    public void Custom_endpoints_must_be_https()
    {
        var custom = CloudEnvironment.Custom(new Uri("https://127.0.0.1:5443/"), new Uri("https://127.0.0.1:5443"));
        Assert.True(custom.IsCustom);
        Assert.Equal("https://127.0.0.1:5443", custom.GraphEndpoint);
        Assert.Throws<ArgumentException>(() => CloudEnvironment.Custom(new Uri("http://127.0.0.1:5443"), new Uri("https://127.0.0.1:5443")));
        Assert.Throws<ArgumentException>(() => CloudEnvironment.FromName("Mars"));
    }

    [Fact]
    public void Stronger_permissions_satisfy_weaker_requirements()
    {
        var granted = new[] { "Directory.Read.All", "Organization.ReadWrite.All", "DeviceManagementServiceConfig.ReadWrite.All", "User.ReadWrite.All", "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess",
            "update_device_attributes", "manage_partner_compliance_policy" };
        Assert.Empty(PermissionCatalog.Missing(granted));
        var missing = PermissionCatalog.Missing(new[] { "Group.Read.All" }).Select(m => m.Permission).ToList();
        Assert.Contains("Device.Read.All", missing);
        Assert.DoesNotContain("Group.Read.All", missing);
        Assert.Equal(PermissionCatalog.Required.Count, PermissionCatalog.Missing(Array.Empty<string>()).Count);
    }
}
