using System.Collections;
using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.Module.Tests;

/// <summary>
/// Base of the onboarding scenarios: a fresh runspace with the built module per test, the shared emulated tenant, a
/// private state file, and helpers to connect, count the tenant's writes and start from a tenant without partners.
/// </summary>
public abstract class OnboardingScenario : IDisposable
{
    protected readonly TenantFixture Tenant;
    protected readonly PowerShellSession Session = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "azc-onboarding-" + Guid.NewGuid().ToString("N"));

    protected OnboardingScenario(TenantFixture tenant)
    {
        Tenant = tenant;
        Directory.CreateDirectory(_directory);
        StatePath = Path.Combine(_directory, "state.db");
        Source = "onb-" + Guid.NewGuid().ToString("N").Substring(0, 8);
    }

    /// <summary>This test's state file (passed as $StatePath).</summary>
    protected string StatePath { get; }

    /// <summary>This test's MDM instance name (-SourceName of Connect).</summary>
    protected string Source { get; }

    protected EmulatorServer Server => Tenant.Server;

    /// <summary>Requests that changed (or tried to change) the tenant so far.</summary>
    protected long Writes => Server.Journal.WriteCount;

    protected int JournalMark => Server.Journal.Entries.Count;

    protected IReadOnlyList<JournalEntry> JournalSince(int mark) => Server.Journal.Entries.Skip(mark).ToList();

    public virtual void Dispose()
    {
        Session.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    protected ScriptResult Run(string script, Dictionary<string, object?>? extra = null)
    {
        var variables = Tenant.Variables();
        variables["StatePath"] = StatePath;
        variables["Source"] = Source;
        foreach (var (key, value) in extra ?? new()) variables[key] = value;
        return Session.Run(script, variables);
    }

    /// <summary>Script text that connects as this test's MDM instance (or another one) and discards the connection object.</summary>
    protected static string Connect(string source = "$Source") =>
        TenantFixture.ConnectWithSecret + " -SourceName " + (source.StartsWith('$') ? source : "'" + source + "'") + " | Out-Null; ";

    protected const string ConnectReader =
        "Connect-ComplianceTenant -TenantId $TenantId -ClientId $ReaderClientId -ClientSecret $ReaderSecureSecret -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint -WarningAction SilentlyContinue | Out-Null; ";

    /// <summary>
    /// Starts from a tenant with no compliance partner, no registered MDM instance and no Conditional Access policy made
    /// by these tests: other scenarios share the emulated tenant.
    /// </summary>
    protected void ResetOnboarding()
    {
        var result = Run(Connect("onb-reset") +
            "Get-CompliancePartner | ForEach-Object { Remove-CompliancePartner -DisplayName $_.DisplayName -Confirm:$false -WarningAction SilentlyContinue }; " +
            "Get-ComplianceAccessPolicy -All | Where-Object { $_.DisplayName -like 'AzC test*' } | Remove-ComplianceAccessPolicy -Confirm:$false; " +
            "Disconnect-ComplianceTenant -Deprovision -All -Force -Confirm:$false -WarningAction SilentlyContinue | Out-Null");
        result.AssertNoErrors();
        // The partner API has no call that deletes a partner compliance policy: other scenarios' policies go here.
        Server.Tenant.ClearPartnerCompliancePolicies();
    }

    protected static object? Prop(PSObject item, string name) => item.Properties[name]?.Value is var value && value is PSObject ps ? ps.BaseObject : value;

    protected static string[] Strings(PSObject item, string name) =>
        Prop(item, name) is IEnumerable list and not string ? list.Cast<object?>().Select(v => v?.ToString() ?? "").ToArray() : Array.Empty<string>();

    protected static string Text(PSObject item, string name) => Prop(item, name)?.ToString() ?? "";

    protected static ErrorRecord ErrorWithId(ScriptResult result, string errorId)
    {
        var all = result.AllErrors().ToList();
        var match = all.FirstOrDefault(e => e.FullyQualifiedErrorId.StartsWith(errorId + ",", StringComparison.Ordinal));
        Assert.True(match != null, "Expected an error " + errorId + "; got: " + string.Join(" | ", all.Select(e => e.FullyQualifiedErrorId + " " + e)));
        return match!;
    }

    protected static void AssertMentions(ErrorRecord error, params string[] texts)
    {
        var all = error.Exception.Message + " " + error.ErrorDetails?.Message + " " + error.ErrorDetails?.RecommendedAction;
        foreach (var text in texts)
        {
            Assert.True(all.Contains(text, StringComparison.Ordinal), "The error should mention '" + text + "': " + all);
        }
    }

    protected static string GroupId(EmulatorServer server, string name) =>
        server.Tenant.Groups.Single(g => g.DisplayName == name).Id.ToString();

    protected static string UserId(EmulatorServer server, string userPrincipalName) =>
        server.Tenant.Users.Single(u => string.Equals(u.UserPrincipalName, userPrincipalName, StringComparison.OrdinalIgnoreCase)).Id.ToString();

    protected const string MobilePilot = DemoTenant.MobilePilotGroup;
    protected const string SalesEmea = DemoTenant.SalesEmeaGroup;
}
