using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>Readiness on a 100,000-user tenant: the counts come from paged group membership, not a request per user.</summary>
public sealed class OnboardingLargeTenantTests : IAsyncLifetime
{
    private const int Users = 100_000;
    private EmulatorServer _server = null!;
    private readonly PowerShellSession _session = new();
    private readonly string _statePath = Path.Combine(Path.GetTempPath(), "azc-large-" + Guid.NewGuid().ToString("N") + ".db");

    public async Task InitializeAsync()
    {
        _server = await EmulatorServer.StartAsync(new EmulatorOptions { GeneratedUsers = Users });
        EmulatorServer.TrustCertificate(_server.ServerCertificate);
        _server.Settings.ClearThrottleRules();
    }

    public async Task DisposeAsync()
    {
        _session.Dispose();
        await _server.DisposeAsync();
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(_statePath) + "*"))
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Readiness_counts_a_hundred_thousand_users_from_paged_membership()
    {
        var variables = new Dictionary<string, object?>
        {
            ["AuthorityHost"] = _server.AuthorityHost,
            ["GraphEndpoint"] = _server.GraphEndpoint,
            ["TenantId"] = DemoTenant.TenantId,
            ["ClientId"] = DemoTenant.AppClientId,
            ["SecureSecret"] = TenantFixture.ToSecureString(DemoTenant.AppSecret),
            ["StatePath"] = _statePath,
            ["Group"] = DemoTenant.GeneratedStaffGroup,
        };
        var setup = _session.Run(TenantFixture.ConnectWithSecret + " | Out-Null; " +
            "Add-CompliancePartner -DisplayName 'Large MDM' -Platform Android -Group $Group -WarningAction SilentlyContinue | Out-Null; " +
            "Set-ComplianceGroup -Group $Group -StatePath $StatePath -WarningAction SilentlyContinue | Out-Null", variables);
        setup.AssertNoErrors();

        var before = _server.Journal.Entries.Count;
        var result = _session.Run("Test-ComplianceTenant -StatePath $StatePath");
        result.AssertNoErrors();
        var requests = _server.Journal.Entries.Count - before;

        var licensed = result.Output.Single(o => o.Properties["Name"].Value.ToString() == "Users licensed");
        var detail = licensed.Properties["Detail"].Value.ToString()!;
        // Three users in four of the generated tenant hold the Intune licence (25,000 do not).
        Assert.NotEqual("Pass", licensed.Properties["Result"].Value.ToString());
        Assert.StartsWith("25000 of 100000 user(s) in scope have no Intune licence", detail);
        // 100,000 members are about 101 pages of 999; a request per user would be 100,000.
        Assert.True(requests < 1_000, $"Test-ComplianceTenant sent {requests} requests for {Users} users: {detail}");
    }
}
