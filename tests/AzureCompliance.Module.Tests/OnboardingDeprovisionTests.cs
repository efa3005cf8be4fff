using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>Disconnect-ComplianceTenant -Deprovision: the multi-instance refusal, the enabled-policy refusal, -WhatIf, -All, the warning about Conditional Access.</summary>
[Collection(TenantCollection.Name)]
public sealed class OnboardingDeprovisionTests : OnboardingScenario
{
    public OnboardingDeprovisionTests(TenantFixture tenant) : base(tenant) { }

    private string Other => Source + "-b";

    /// <summary>Two MDM instances sharing the tenant: this test's and another one (its own runspace).</summary>
    private void TwoInstances()
    {
        ResetOnboarding();
        Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null").AssertNoErrors();
        using var other = new PowerShellSession();
        var variables = Tenant.Variables();
        other.Run(TenantFixture.ConnectWithSecret + " -SourceName '" + Other + "' | Out-Null; Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null", variables)
            .AssertNoErrors();
    }

    [Fact]
    public void Other_registered_instances_are_a_refusal_that_names_the_two_safe_options()
    {
        TwoInstances();
        var writes = Writes;
        var result = Run("Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -Confirm:$false; (Get-ComplianceConnection).IsConnected");
        var error = result.SingleError();
        Assert.StartsWith("OtherInstancesRegistered,AzureCompliance.Cmdlets.Connection.DisconnectComplianceTenantCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        AssertMentions(error, Other, "Disable-CompliancePolicy", "-All", "nothing was changed");
        Assert.Equal(writes, Writes);
        Assert.Equal(new object[] { true }, result.Output.Select(o => o.BaseObject));

        var forced = Run("Disconnect-ComplianceTenant -Deprovision -Force -StatePath $StatePath -Confirm:$false");
        Assert.StartsWith("OtherInstancesRegistered,", forced.SingleError().FullyQualifiedErrorId);
        Assert.Equal(writes, Writes);
    }

    [Fact]
    public void WhatIf_lists_every_change_and_sends_no_write()
    {
        TwoInstances();
        var writes = Writes;
        var result = Run("Disconnect-ComplianceTenant -Deprovision -All -StatePath $StatePath -WhatIf; (Get-ComplianceConnection).IsConnected");
        result.AssertNoErrors();
        Assert.Equal(writes, Writes);
        Assert.Contains("Deprovision the partner tenant (Intune partner API, Provisioned = 2)", result.HostText);
        Assert.Contains("Remove the MDM instance registry (instances: ", result.HostText);
        Assert.Contains(Other, result.HostText);
        Assert.Contains("\"Sign out\"", result.HostText);
        Assert.Equal(new object[] { true }, result.Output.Select(o => o.BaseObject));
    }

    [Fact]
    public void All_deprovisions_the_tenant_unregisters_every_instance_and_signs_out()
    {
        TwoInstances();
        var mark = JournalMark;
        var result = Run("Disconnect-ComplianceTenant -Deprovision -All -StatePath $StatePath -Confirm:$false; Get-ComplianceConnection | ForEach-Object { 'still connected' }");
        result.AssertNoErrors();
        var outcome = Assert.Single(result.Output);
        Assert.True((bool)Prop(outcome, "PartnerTenantDeprovisioned")!);
        Assert.True((bool)Prop(outcome, "SignedOut")!);
        Assert.Equal(new[] { Other, Source }.OrderBy(s => s, StringComparer.Ordinal), Strings(outcome, "UnregisteredInstances").OrderBy(s => s, StringComparer.Ordinal));
        Assert.Contains(JournalSince(mark), e => e.Method == "PUT" && e.PathAndQuery.Contains("PartnerTenants(guid'" + DemoTenant.TenantId + "')", StringComparison.OrdinalIgnoreCase));

        var after = Run(Connect() + "Test-ComplianceTenant -StatePath $StatePath | Where-Object Name -eq 'Partner tenant provisioned'");
        after.AssertNoErrors();
        var check = Assert.Single(after.Output);
        Assert.Equal("Fail", Text(check, "Result"));
        Assert.Contains("registered instances: none", Text(check, "Detail"));
    }

    [Fact]
    public void A_single_instance_deprovisions_and_an_enforced_access_policy_is_named_in_a_warning()
    {
        ResetOnboarding();
        var policy = "AzC test deprovision " + Source;
        Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform Android, iOS -AllUsers | Out-Null; " +
            "New-ComplianceAccessPolicy -DisplayName $Policy -Group 'Mobile Pilot' -State Enabled | Out-Null", new() { ["Policy"] = policy }).AssertNoErrors();
        try
        {
            var result = Run("Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -Confirm:$false");
            result.AssertNoErrors();
            Assert.Contains(result.Warnings, w => w.Message.Contains(policy) && w.Message.Contains("compliant device"));
            var outcome = Assert.Single(result.Output);
            Assert.Equal(new[] { Source }, Strings(outcome, "UnregisteredInstances"));
            Assert.Equal(new[] { policy }, Strings(outcome, "AccessPoliciesRequiringCompliance"));
        }
        finally
        {
            Run(Connect() + "Remove-ComplianceAccessPolicy -DisplayName $Policy -Confirm:$false", new() { ["Policy"] = policy });
        }
    }

    [Fact]
    public void An_enabled_compliance_policy_is_a_refusal_unless_Force()
    {
        ResetOnboarding();
        Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -AllUsers | Out-Null; " +
            "New-CompliancePolicy -Name 'AzC test policy' -Platform iOS -StatePath $StatePath -WarningAction SilentlyContinue | Out-Null").AssertNoErrors();
        var writes = Writes;
        var refused = Run("Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath -Confirm:$false");
        var error = refused.SingleError();
        Assert.StartsWith("CompliancePolicyEnabled,", error.FullyQualifiedErrorId);
        AssertMentions(error, "AzC test policy", "Disable-CompliancePolicy", "-Force");
        Assert.Equal(writes, Writes);

        var forced = Run("Disconnect-ComplianceTenant -Deprovision -Force -StatePath $StatePath");
        forced.AssertNoErrors();
        Assert.Contains(forced.Warnings, w => w.Message.Contains("-Force"));
        Assert.True((bool)Prop(Assert.Single(forced.Output), "PartnerTenantDeprovisioned")!);
    }

    [Fact]
    public void Declining_the_high_impact_confirmation_changes_nothing()
    {
        ResetOnboarding();
        Run(Connect() + "Add-CompliancePartner -DisplayName 'MobileIron' -Platform iOS -AllUsers | Out-Null").AssertNoErrors();
        var writes = Writes;
        Session.Host.ChoiceAnswers.Enqueue(1); // No
        var result = Run("Disconnect-ComplianceTenant -Deprovision -StatePath $StatePath; (Get-ComplianceConnection).IsConnected");
        result.AssertNoErrors();
        Assert.Contains("PROMPT: Disconnect-ComplianceTenant -Deprovision", result.HostText);
        Assert.Contains("Deprovision the partner tenant", result.HostText);
        Assert.Equal(writes, Writes);
        Assert.Equal(new object[] { true }, result.Output.Select(o => o.BaseObject));
    }
}
