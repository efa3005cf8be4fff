using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Tenant;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests.Graph;

/// <summary>The generated large tenant and fixture key credentials.</summary>
public sealed class LargeTenantTests
{
    [Fact]
    public void Hundred_thousand_users_are_generated_quickly_with_nested_groups()
    {
        var tenant = TenantState.Load();
        var before = tenant.Users.Count;
        var watch = Stopwatch.StartNew();
        var population = tenant.AddGeneratedUsers(100_000);
        var members = tenant.GetTransitiveMembersOrdered(population.ParentGroupId);
        watch.Stop();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(before + 100_000, tenant.Users.Count);
        Assert.Equal(100_000 + 10, members.Count);
        var intune = tenant.SubscribedSkus.Single(s => s.SkuId == new Guid(DemoTenant.IntuneSkuId));
        Assert.True(intune.PrepaidUnits.Enabled > intune.ConsumedUnits);
        Assert.Throws<InvalidOperationException>(() => tenant.AddGeneratedUsers(1));
    }

    [Fact]
    public async Task A_generated_tenant_pages_transitive_members_by_999()
    {
        await using var emulator = new EmulatorFixture();
        await emulator.InitializeAsync(new EmulatorOptions { GeneratedUsers = 5_000, StrictSchema = true });
        emulator.ResetBehaviour();
        var token = await emulator.GetTokenAsync();
        var (response, body) = await emulator.GetAsync("groups?$filter=" + Uri.EscapeDataString($"displayName eq '{DemoTenant.GeneratedStaffGroup}'"), token);
        var groupId = body!["value"]![0]!["id"]!.ToString();

        var count = 0;
        var pages = 0;
        string? next = $"groups/{groupId}/transitiveMembers/microsoft.graph.user?$top=999&$select=id";
        while (next is not null)
        {
            (response, body) = await emulator.GraphAsync(HttpMethod.Get, next.Replace($"{emulator.Server.GraphEndpoint}/v1.0/", "", StringComparison.Ordinal), token);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            count += body!["value"]!.AsArray().Count;
            pages++;
            next = body["@odata.nextLink"]?.ToString();
        }
        Assert.Equal(5_000, count);
        Assert.Equal(6, pages);
    }

    [Fact]
    public void Fixture_key_credentials_are_registered()
    {
        using var certificate = TestTokens.NewCertificate("CN=fixture key credential");
        var fixture = JsonNode.Parse(typeof(EmulatorServer).Assembly.GetManifestResourceStream("AzureCompliance.TenantEmulator.DemoTenant.json")!)!;
        fixture["applications"]![0]!["keyCredentials"] = new JsonArray(new JsonObject
        {
            ["type"] = "AsymmetricX509Cert",
            ["usage"] = "Verify",
            ["key"] = Convert.ToBase64String(certificate.Export(X509ContentType.Cert)),
        });
        var path = Path.Combine(Path.GetTempPath(), $"fixture-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, fixture.ToJsonString());
        try
        {
            var tenant = TenantState.Load(path);
            var app = tenant.FindApplication(DemoTenant.AppClientId)!;
            var key = Assert.Single(app.KeyCredentials);
            Assert.Equal(certificate.Thumbprint, key.Certificate!.Thumbprint);
            Assert.False(key.Certificate.HasPrivateKey);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
