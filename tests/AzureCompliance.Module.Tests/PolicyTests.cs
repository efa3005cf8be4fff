using System.Collections;
using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>
/// The compliance policy cmdlets and Test-DeviceCompliance through the real engine. The local cmdlets work on a temp
/// -StatePath seeded the way New-CompliancePolicy stores policies; New-CompliancePolicy runs against the emulator
/// (the tests that create the Intune partner policy need the emulator's partner API, PROTOCOL.md 3.3).
/// </summary>
[Collection(TenantCollection.Name)]
public sealed class PolicyTests : IDisposable
{
    private const string Source = "core-policy-tests";
    private const string MobilePilotGroupId = "9f5c4c11-30b0-56aa-a46a-f811f0ce184a";
    private readonly TenantFixture _tenant;
    private readonly PowerShellSession _session = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ac-policy-tests-" + Guid.NewGuid().ToString("N"));

    public PolicyTests(TenantFixture tenant)
    {
        _tenant = tenant;
        Directory.CreateDirectory(_folder);
    }

    private string StatePath => Path.Combine(_folder, "state.db");

    public void Dispose()
    {
        _session.Dispose();
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }

    private ScriptResult Run(string script, Dictionary<string, object?>? extra = null)
    {
        var variables = _tenant.Variables();
        variables["StatePath"] = StatePath;
        variables["Source"] = Source;
        foreach (var (key, value) in extra ?? new()) variables[key] = value;
        return _session.Run(script, variables);
    }

    // The engine's types load in the module's own load context, so a test reaches them through a cmdlet's parameter type.
    private const string EngineTypes =
        "$policyType = (Get-Command Test-DeviceCompliance).Parameters['Policy'].ParameterType.GetElementType(); " +
        "$engine = $policyType.Assembly; " +
        "$stateType = $engine.GetType('AzureCompliance.Core.State.StateStore'); " +
        "$policyStore = $engine.GetType('AzureCompliance.Core.Policy.CompliancePolicyStore'); ";

    /// <summary>Stores policies as New-CompliancePolicy does (without the Intune side).</summary>
    private void Seed(string source, params (string Name, string Platform, bool Enabled)[] policies)
    {
        var seed = policies.Select(p => (object)new Hashtable { ["Name"] = p.Name, ["Platform"] = p.Platform, ["Enabled"] = p.Enabled }).ToArray();
        var result = Run(EngineTypes +
            "$store = $stateType::Open($StatePath); try { foreach ($d in $Seed) { " +
            "$p = $policyType::CreateDefault($d.Name, $d.Platform); $p.Enabled = $d.Enabled; $null = $policyStore::Add($store, $SeedSource, $p, [DateTimeOffset]::UtcNow) } } finally { $store.Dispose() }",
            new() { ["Seed"] = seed, ["SeedSource"] = source });
        result.AssertNoErrors();
    }

    /// <summary>Records a group scope as Set-ComplianceGroup does.</summary>
    private void SeedScope(bool allUsers, params (string Id, string Name)[] groups)
    {
        var result = Run(
            "$engine = (Get-Command Test-DeviceCompliance).Parameters['Policy'].ParameterType.GetElementType().Assembly; " +
            "$groupType = $engine.GetType('AzureCompliance.Core.State.ScopedGroup'); " +
            "$list = [Array]::CreateInstance($groupType, $Ids.Count); for ($i = 0; $i -lt $Ids.Count; $i++) { $list[$i] = $groupType::new($Ids[$i], $Names[$i]) }; " +
            "$scope = $engine.GetType('AzureCompliance.Core.State.GroupScope')::new($AllUsers, $list); " +
            "$store = $engine.GetType('AzureCompliance.Core.State.StateStore')::Open($StatePath); try { $scope.Save($store, $Source) } finally { $store.Dispose() }",
            new() { ["AllUsers"] = allUsers, ["Ids"] = groups.Select(g => g.Id).ToList(), ["Names"] = groups.Select(g => g.Name).ToList() });
        result.AssertNoErrors();
    }

    private static T Value<T>(PSObject item, string property) => (T)item.Properties[property].Value;

    private static string Text(PSObject item, string property) => item.Properties[property].Value?.ToString() ?? "";

    // ---- Get-CompliancePolicy ----

    [Fact]
    public void Get_lists_a_sources_policies_with_wildcards_and_platform()
    {
        Seed(Source, ("iOS baseline", "iOS", true), ("Android baseline", "Android", true), ("iOS strict", "iOS", false));
        Seed("other-core", ("Elsewhere", "macOS", true));

        var all = Run("Get-CompliancePolicy -StatePath $StatePath -SourceName $Source");
        all.AssertNoErrors();
        Assert.Equal(new[] { "Android baseline", "iOS baseline", "iOS strict" }, all.Output.Select(o => Text(o, "Name")).OrderBy(n => n));
        Assert.All(all.Output, o => Assert.Equal("AzureCompliance.Core.Policy.CompliancePolicy", o.BaseObject.GetType().FullName));

        var ios = Run("Get-CompliancePolicy 'ios*' -StatePath $StatePath -SourceName $Source");
        Assert.Equal(2, ios.Output.Count);
        var android = Run("Get-CompliancePolicy -Platform Android -StatePath $StatePath -SourceName $Source");
        var policy = Assert.Single(android.Output);
        Assert.Equal("Android", Text(policy, "Platform"));
        Assert.Equal("8.0", Text(policy, "MinimumOsVersion"));
        Assert.Equal(Source, Text(policy, "SourceName"));

        var other = Run("Get-CompliancePolicy -StatePath $StatePath -SourceName 'other-core'");
        Assert.Equal("Elsewhere", Text(Assert.Single(other.Output), "Name"));
    }

    [Fact]
    public void Get_of_an_unknown_name_is_PolicyNotFound_and_a_missing_state_file_is_not_created()
    {
        Seed(Source, ("iOS baseline", "iOS", true));
        var result = Run("Get-CompliancePolicy -Name 'nope', 'iOS baseline' -StatePath $StatePath -SourceName $Source");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("PolicyNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nope", error.TargetObject);
        Assert.Single(result.Output);

        var absent = Path.Combine(_folder, "absent.db");
        var none = Run("Get-CompliancePolicy -StatePath $Absent -SourceName $Source", new() { ["Absent"] = absent });
        none.AssertNoErrors();
        Assert.Empty(none.Output);
        Assert.False(File.Exists(absent));
    }

    [Fact]
    public void Policies_show_in_their_table_view()
    {
        Seed(Source, ("iOS baseline", "iOS", true));
        var result = Run("Get-CompliancePolicy -StatePath $StatePath -SourceName $Source | Out-Host");
        result.AssertNoErrors();
        foreach (var header in new[] { "Name", "Platform", "Enabled", "MinOS", "MinClient", "Rules", "Source" })
        {
            Assert.Contains(header, result.HostText);
        }
        Assert.Contains("iOS baseline", result.HostText);
        Assert.Contains("12.0", result.HostText);
    }

    [Fact]
    public void Name_completes_from_the_state_file()
    {
        Seed(Source, ("iOS baseline", "iOS", true), ("Android baseline", "Android", true));
        var script = "Get-CompliancePolicy -StatePath '" + StatePath + "' -SourceName " + Source + " -Name i";
        var result = Run("[System.Management.Automation.CommandCompletion]::CompleteInput($Line, $Line.Length, $null).CompletionMatches | ForEach-Object CompletionText",
            new() { ["Line"] = script });
        result.AssertNoErrors();
        Assert.Equal("'iOS baseline'", Assert.Single(result.Output).ToString());

        var platforms = Run("[System.Management.Automation.CommandCompletion]::CompleteInput('Get-CompliancePolicy -Platform ', 31, $null).CompletionMatches | ForEach-Object CompletionText");
        Assert.Equal(new[] { "Android", "iOS", "macOS" }, platforms.Output.Select(o => o.ToString()).OrderBy(s => s, StringComparer.OrdinalIgnoreCase));
    }

    // ---- Set-CompliancePolicy ----

    [Fact]
    public void Set_changes_rules_and_passes_the_policy_through()
    {
        Seed(Source, ("iOS baseline", "iOS", true));
        var result = Run("Set-CompliancePolicy -Name 'iOS baseline' -MinimumOsVersion '16.4' -RequirePasscode:$true -MaximumCheckInAge ([TimeSpan]::FromDays(7)) -StatePath $StatePath -SourceName $Source -PassThru");
        result.AssertNoErrors();
        var policy = Assert.Single(result.Output);
        Assert.Equal("16.4", Text(policy, "MinimumOsVersion"));
        Assert.True(Value<bool>(policy, "RequirePasscode"));
        Assert.Equal(TimeSpan.FromDays(7), Value<TimeSpan?>(policy, "MaximumCheckInAge"));
        Assert.Equal("12.0", Text(policy, "MinimumClientVersion")); // untouched

        var stored = Assert.Single(Run("Get-CompliancePolicy 'iOS baseline' -StatePath $StatePath -SourceName $Source").Output);
        Assert.Equal("16.4", Text(stored, "MinimumOsVersion"));

        var cleared = Run("Set-CompliancePolicy 'iOS baseline' -MinimumClientVersion '' -MaximumCheckInAge $null -StatePath $StatePath -SourceName $Source -PassThru");
        cleared.AssertNoErrors();
        Assert.Null(Single(cleared).Properties["MinimumClientVersion"].Value);
        Assert.Null(Single(cleared).Properties["MaximumCheckInAge"].Value);
    }

    private static PSObject Single(ScriptResult result) => Assert.Single(result.Output);

    [Fact]
    public void Set_takes_policies_from_the_pipeline_by_property_name()
    {
        Seed(Source, ("iOS baseline", "iOS", true), ("Android baseline", "Android", true));
        var result = Run("Get-CompliancePolicy -StatePath $StatePath -SourceName $Source | Set-CompliancePolicy -RequireEncryption:$true -StatePath $StatePath -PassThru");
        result.AssertNoErrors();
        Assert.Equal(2, result.Output.Count);
        Assert.All(result.Output, o => Assert.True(Value<bool>(o, "RequireEncryption")));
        Assert.Contains(result.Output, o => Text(o, "MinimumOsVersion") == "8.0"); // each kept its own rules
    }

    [Fact]
    public void Set_WhatIf_changes_nothing_and_a_bad_version_is_an_error()
    {
        Seed(Source, ("iOS baseline", "iOS", true));
        var whatIf = Run("Set-CompliancePolicy 'iOS baseline' -MinimumOsVersion 17 -StatePath $StatePath -SourceName $Source -WhatIf");
        whatIf.AssertNoErrors();
        Assert.Contains("MinimumOsVersion 12.0 -> 17.0", whatIf.HostText);
        Assert.Equal("12.0", Text(Single(Run("Get-CompliancePolicy -StatePath $StatePath -SourceName $Source")), "MinimumOsVersion"));

        var bad = Run("Set-CompliancePolicy 'iOS baseline' -MinimumOsVersion 'seventeen' -StatePath $StatePath -SourceName $Source");
        var error = bad.SingleError();
        Assert.StartsWith("InvalidVersion,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);

        var missing = Run("Set-CompliancePolicy 'nope' -RequirePasscode:$true -StatePath $StatePath -SourceName $Source");
        Assert.StartsWith("PolicyNotFound,", missing.SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void Set_renames_but_not_onto_another_policy()
    {
        Seed(Source, ("iOS baseline", "iOS", true), ("Android baseline", "Android", true));
        var clash = Run("Set-CompliancePolicy 'iOS baseline' -NewName 'android BASELINE' -StatePath $StatePath -SourceName $Source");
        Assert.StartsWith("PolicyExists,", clash.SingleError().FullyQualifiedErrorId);
        var renamed = Run("Set-CompliancePolicy 'iOS baseline' -NewName 'iOS 2026' -StatePath $StatePath -SourceName $Source -PassThru");
        renamed.AssertNoErrors();
        Assert.Equal("iOS 2026", Text(Single(renamed), "Name"));
    }

    // ---- Enable / Disable / Remove ----

    [Fact]
    public void One_enabled_policy_per_platform_and_disable_stops_the_platform()
    {
        Seed(Source, ("iOS A", "iOS", true), ("iOS B", "iOS", false));
        var conflict = Run("Enable-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source");
        var error = conflict.SingleError();
        Assert.StartsWith("PolicyConflict,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Contains("iOS A", error.Exception.Message);

        var disabled = Run("Disable-CompliancePolicy 'iOS A' -StatePath $StatePath -SourceName $Source -PassThru");
        disabled.AssertNoErrors();
        Assert.False(Value<bool>(Single(disabled), "Enabled"));

        var enabled = Run("Get-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source | Enable-CompliancePolicy -StatePath $StatePath -PassThru");
        enabled.AssertNoErrors();
        Assert.True(Value<bool>(Single(enabled), "Enabled"));

        // Disabled policies do not judge devices: the platform is reported without a policy.
        Run("Disable-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source").AssertNoErrors();
        var test = Run("Test-DeviceCompliance -DeviceId $Id -Platform iOS -OsVersion 17.5 -StatePath $StatePath -SourceName $Source",
            new() { ["Id"] = "f695c552-ea98-56ca-8705-c280dd91d04a" });
        Assert.Contains(test.Warnings, w => w.Message.Contains("no enabled compliance policy", StringComparison.Ordinal));
        Assert.False(Value<bool>(Single(test), "HasPolicy"));
    }

    [Fact]
    public void Disable_WhatIf_and_an_unchanged_state_do_nothing()
    {
        Seed(Source, ("Android", "Android", true));
        Run("Disable-CompliancePolicy Android -StatePath $StatePath -SourceName $Source -WhatIf").AssertNoErrors();
        Assert.True(Value<bool>(Single(Run("Get-CompliancePolicy -StatePath $StatePath -SourceName $Source")), "Enabled"));
        var again = Run("Enable-CompliancePolicy Android -StatePath $StatePath -SourceName $Source -PassThru -Verbose");
        again.AssertNoErrors();
        Assert.Contains(again.Verbose, v => v.Message.Contains("already enabled", StringComparison.Ordinal));
    }

    [Fact]
    public void Remove_asks_with_high_impact_and_WhatIf_keeps_the_policy()
    {
        Seed(Source, ("macOS", "macOS", true));
        var metadata = Run("(Get-Command Remove-CompliancePolicy).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact");
        Assert.Equal("High", Single(metadata).ToString());

        Run("Remove-CompliancePolicy macOS -StatePath $StatePath -SourceName $Source -WhatIf").AssertNoErrors();
        Assert.Single(Run("Get-CompliancePolicy -StatePath $StatePath -SourceName $Source").Output);

        var removed = Run("Remove-CompliancePolicy macOS -StatePath $StatePath -SourceName $Source -Confirm:$false");
        removed.AssertNoErrors();
        Assert.Empty(removed.Output);
        Assert.Empty(Run("Get-CompliancePolicy -StatePath $StatePath -SourceName $Source").Output);
        Assert.StartsWith("PolicyNotFound,", Run("Remove-CompliancePolicy macOS -StatePath $StatePath -SourceName $Source -Confirm:$false").SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void The_source_defaults_to_the_connections()
    {
        Seed(Source, ("iOS baseline", "iOS", true));
        var result = Run(TenantFixture.ConnectWithSecret + " -SourceName $Source | Out-Null; Get-CompliancePolicy -StatePath $StatePath");
        result.AssertNoErrors();
        Assert.Equal("iOS baseline", Text(Single(result), "Name"));
    }

    // ---- Test-DeviceCompliance ----

    [Fact]
    public void Test_evaluates_objects_by_property_name_with_stored_policies_and_sends_nothing()
    {
        Seed(Source, ("iOS baseline", "iOS", true), ("Android baseline", "Android", true));
        var writesBefore = _tenant.Server.Journal.WriteCount;
        var result = Run(
            "$devices = @(" +
            "[pscustomobject]@{ AzureDeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; DeviceName = 'iPhone-Adele'; Platform = 'iOS'; OsVersion = '17.5.1'; ClientVersion = '12.11.0'; Jailbroken = 'No'; LastCheckIn = '2026-11-20T08:15:00Z' }," +
            "[pscustomobject]@{ EntraDeviceId = '6ac404bf-915b-532e-bdc8-06805f48dff3'; DeviceName = 'Pixel-Diego'; Platform = 'Android 14'; OsVersion = '7.1.2'; ClientVersion = '8.1'; Jailbroken = $true }," +
            "[pscustomobject]@{ DeviceId = '1d67e732-ba7c-51b4-9ccf-0dbba41be764'; DeviceName = 'MacBook-Lee'; Platform = 'macOS'; OsVersion = '14.5' }," +
            "[pscustomobject]@{ DeviceId = '05a8c43b-ebc1-53b9-89b6-d35bc8e7b55e'; DeviceName = 'LAPTOP-LIDIA01'; Platform = 'Windows'; OsVersion = '10.0.22631' }," +
            "[pscustomobject]@{ DeviceId = 'not-a-guid'; DeviceName = 'Broken'; Platform = 'iOS' }," +
            "[pscustomobject]@{ DeviceId = '2410d3a3-e621-544d-8879-5c6d3947c430'; DeviceName = 'iPhone-Alex'; Platform = 'iOS'; OsVersion = 'seventeen'; ClientVersion = '12.0'; Passcode = 'yes'; Jailbroken = $false; MdmState = 'Retired' }); " +
            "$devices | Test-DeviceCompliance -StatePath $StatePath -SourceName $Source");
        Assert.Equal(writesBefore, _tenant.Server.Journal.WriteCount);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("InvalidDeviceInput,AzureCompliance.Cmdlets.Devices.TestDeviceComplianceCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Equal("not-a-guid", error.TargetObject);
        Assert.Null(result.Terminating);

        var byName = result.Output.ToDictionary(o => Text(o, "DeviceName"));
        Assert.Equal(5, byName.Count); // the pipeline went on after the bad object
        Assert.True(Value<bool>(byName["iPhone-Adele"], "IsCompliant"));
        Assert.Equal("iOS baseline", Text(byName["iPhone-Adele"], "PolicyName"));

        var pixel = byName["Pixel-Diego"];
        Assert.False(Value<bool>(pixel, "IsCompliant"));
        var rules = ((IEnumerable)pixel.Properties["Reasons"].Value).Cast<object>().Select(r => PSObject.AsPSObject(r).Properties["Rule"].Value.ToString()).ToList();
        Assert.Equal(new[] { "MinimumOsVersion", "Jailbroken" }, rules);

        Assert.Equal("Policy", Rules(byName["MacBook-Lee"]).Single()); // no macOS policy
        Assert.Equal("Platform", Rules(byName["LAPTOP-LIDIA01"]).Single());
        var alex = byName["iPhone-Alex"];
        Assert.Equal("MinimumOsVersion", Rules(alex).Single());
        Assert.True(Value<bool>(alex, "IsRetired"));
        Assert.Equal("seventeen (unreadable)", PSObject.AsPSObject(((IEnumerable)alex.Properties["Reasons"].Value).Cast<object>().Single()).Properties["Actual"].Value);
    }

    private static List<string> Rules(PSObject result) =>
        ((IEnumerable)result.Properties["Reasons"].Value).Cast<object>().Select(r => PSObject.AsPSObject(r).Properties["Rule"].Value.ToString()!).ToList();

    [Fact]
    public void Test_with_policy_objects_NonCompliantOnly_and_the_result_view()
    {
        var result = Run(
            "$strict = @{ Name = 'strict iOS'; Platform = 'iOS'; MinimumOsVersion = '17.0'; RequirePasscode = $true; Enabled = $false }; " +
            "$devices = @([pscustomobject]@{ DeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; DeviceName = 'iPhone-Adele'; Platform = 'iOS'; OsVersion = '17.5.1'; PasscodePresent = $true }," +
            "             [pscustomobject]@{ DeviceId = 'b6939153-eb62-57b2-a6fe-5af82c119640'; DeviceName = 'iPhone-Megan'; Platform = 'iOS'; OsVersion = '16.7.8'; PasscodePresent = $false }); " +
            "$devices | Test-DeviceCompliance -Policy $strict -NonCompliantOnly | Out-Host; " +
            "$devices | Test-DeviceCompliance -Policy $strict -NonCompliantOnly");
        result.AssertNoErrors();
        var megan = Assert.Single(result.Output);
        Assert.Equal("iPhone-Megan", Text(megan, "DeviceName"));
        Assert.Equal("strict iOS", Text(megan, "PolicyName"));
        Assert.Equal(new[] { "MinimumOsVersion", "Passcode" }, Rules(megan));
        Assert.Equal("AzureCompliance.Core.Devices.DeviceComplianceResult", megan.BaseObject.GetType().FullName);
        foreach (var header in new[] { "DeviceName", "Platform", "Compliant", "PolicyName", "Reasons" })
        {
            Assert.Contains(header, result.HostText);
        }
        Assert.Matches(@"below\s+the\s+minimum\s+17\.0", result.HostText); // the view wraps reasons at word boundaries
        Assert.DoesNotContain("iPhone-Adele", result.HostText);
    }

    [Fact]
    public void Test_re_evaluates_results_and_records_from_the_pipeline()
    {
        var result = Run(
            "$ios = @{ Name = 'iOS'; Platform = 'iOS'; MinimumOsVersion = '12.0' }; " +
            "$first = [pscustomobject]@{ DeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; DeviceName = 'iPhone-Adele'; Platform = 'iOS'; OsVersion = '11.4' } | Test-DeviceCompliance -Policy $ios; " +
            "$first | Test-DeviceCompliance -Policy @{ Name = 'iOS 11'; Platform = 'iOS'; MinimumOsVersion = '11.0' }; " +
            "$first.Device | Test-DeviceCompliance -Policy $ios");
        result.AssertNoErrors();
        Assert.Equal(2, result.Output.Count);
        Assert.True(Value<bool>(result.Output[0], "IsCompliant"));
        Assert.Equal("iOS 11", Text(result.Output[0], "PolicyName"));
        Assert.False(Value<bool>(result.Output[1], "IsCompliant"));
        Assert.Same(result.Output[0].Properties["Device"].Value, result.Output[1].Properties["Device"].Value);
    }

    [Fact]
    public void Two_policy_objects_for_one_platform_stop_Test()
    {
        var result = Run("[pscustomobject]@{ DeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; Platform = 'iOS' } | Test-DeviceCompliance -Policy @{ Name = 'a'; Platform = 'iOS' }, @{ Name = 'b'; Platform = 'iOS' }");
        Assert.StartsWith("PolicyConflict,", result.SingleError().FullyQualifiedErrorId);
        Assert.Empty(result.Output);
    }

    // ---- New-CompliancePolicy (tenant) ----

    [Fact]
    public void New_needs_a_connection()
    {
        var result = Run("New-CompliancePolicy -Name 'iOS' -Platform iOS -StatePath $StatePath");
        Assert.StartsWith("NotConnected,", result.SingleError().FullyQualifiedErrorId);
    }

    [Fact]
    public void New_WhatIf_sends_no_write_and_stores_nothing()
    {
        var connect = Run(TenantFixture.ConnectWithSecret + " -SourceName $Source | Out-Null");
        connect.AssertNoErrors();
        var writes = _tenant.Server.Journal.WriteCount;
        var result = Run("New-CompliancePolicy -Name 'iOS baseline' -Platform iOS -StatePath $StatePath -WhatIf");
        result.AssertNoErrors();
        Assert.Contains("iOS baseline", result.HostText);
        Assert.Equal(writes, _tenant.Server.Journal.WriteCount);
        Assert.Empty(Run("Get-CompliancePolicy -StatePath $StatePath").Output);
    }

    [Fact]
    public void New_refuses_a_taken_name_and_a_second_enabled_policy_before_any_write()
    {
        Seed(Source, ("iOS baseline", "iOS", true));
        Run(TenantFixture.ConnectWithSecret + " -SourceName $Source | Out-Null").AssertNoErrors();
        var writes = _tenant.Server.Journal.WriteCount;

        var taken = Run("New-CompliancePolicy -Name 'IOS BASELINE' -Platform Android -StatePath $StatePath");
        Assert.StartsWith("PolicyExists,AzureCompliance.Cmdlets.Policy.NewCompliancePolicyCommand", taken.SingleError().FullyQualifiedErrorId);
        var second = Run("New-CompliancePolicy -Name 'iOS strict' -Platform iOS -StatePath $StatePath");
        Assert.StartsWith("PolicyConflict,", second.SingleError().FullyQualifiedErrorId);
        var badVersion = Run("New-CompliancePolicy -Name 'Android' -Platform Android -MinimumOsVersion 'eight' -StatePath $StatePath");
        Assert.StartsWith("InvalidVersion,", badVersion.SingleError().FullyQualifiedErrorId);
        var badName = Run("New-CompliancePolicy -Name 'Android*' -Platform Android -StatePath $StatePath");
        Assert.StartsWith("InvalidPolicyName,", badName.SingleError().FullyQualifiedErrorId);

        Assert.Equal(writes, _tenant.Server.Journal.WriteCount);
    }

    // The next tests create the partner compliance policy in Intune: they need the emulator's partner API (PROTOCOL.md 3.3).

    [Fact]
    public void New_creates_the_Intune_partner_policy_and_assigns_the_scoped_groups()
    {
        SeedScope(false, (MobilePilotGroupId, "Mobile Pilot"));
        Run(TenantFixture.ConnectWithSecret + " -SourceName $Source | Out-Null").AssertNoErrors();
        _tenant.Server.Journal.Clear();

        var result = Run("New-CompliancePolicy -Name 'iOS baseline' -Platform iOS -MinimumOsVersion 16 -RequirePasscode:$true -StatePath $StatePath -Verbose");
        result.AssertNoErrors();
        Assert.Empty(result.Warnings);
        var policy = Single(result);
        Assert.Equal("iOS baseline", Text(policy, "Name"));
        Assert.Equal("16.0", Text(policy, "MinimumOsVersion"));
        Assert.Equal("12.0", Text(policy, "MinimumClientVersion"));
        Assert.True(Value<bool>(policy, "RequirePasscode"));
        Assert.True(Value<bool>(policy, "Enabled"));
        Assert.Equal(Source, Text(policy, "SourceName"));
        Assert.False(string.IsNullOrEmpty(Text(policy, "IntunePolicyId")));

        var entries = _tenant.Server.Journal.Entries;
        Assert.Contains(entries, e => e.Method == "POST" && e.PathAndQuery.Contains("/PartnerCompliancePolicies?", StringComparison.Ordinal) && e.StatusCode is 201 or 409);
        Assert.Contains(entries, e => e.Method == "POST" && e.PathAndQuery.Contains("/Assign", StringComparison.Ordinal) && e.StatusCode < 300);
        Assert.Contains(result.Verbose, v => v.Message.Contains("Mobile Pilot", StringComparison.Ordinal));

        var stored = Single(Run("Get-CompliancePolicy -StatePath $StatePath"));
        Assert.Equal(Text(policy, "IntunePolicyId"), Text(stored, "IntunePolicyId"));
    }

    [Theory]
    [InlineData(false, "No group scope is recorded")]
    [InlineData(true, "All users")]
    public void New_without_assignable_groups_says_what_was_not_assigned(bool allUsersScope, string expected)
    {
        if (allUsersScope) SeedScope(true);
        Run(TenantFixture.ConnectWithSecret + " -SourceName $Source | Out-Null").AssertNoErrors();
        _tenant.Server.Journal.Clear();

        var result = Run("New-CompliancePolicy -Name 'Android baseline' -Platform Android -Disabled -StatePath $StatePath");
        result.AssertNoErrors();
        var warning = Assert.Single(result.Warnings).Message;
        Assert.Contains("NOT assigned", warning);
        Assert.Contains(expected, warning);
        Assert.False(Value<bool>(Single(result), "Enabled"));
        Assert.DoesNotContain(_tenant.Server.Journal.Entries, e => e.PathAndQuery.Contains("/Assign", StringComparison.Ordinal));
        Assert.DoesNotContain(DemoTenant.AppSecret, result.EverythingVisible());
    }

    [Fact]
    public void Set_Publish_assigns_a_stored_policy_to_the_current_scope()
    {
        Seed(Source, ("iOS baseline", "iOS", true));
        SeedScope(false, (MobilePilotGroupId, "Mobile Pilot"));
        Run(TenantFixture.ConnectWithSecret + " -SourceName $Source | Out-Null").AssertNoErrors();
        _tenant.Server.Journal.Clear();

        var result = Run("Set-CompliancePolicy 'iOS baseline' -Publish -StatePath $StatePath -PassThru");
        result.AssertNoErrors();
        Assert.False(string.IsNullOrEmpty(Text(Single(result), "IntunePolicyId")));
        Assert.Contains(_tenant.Server.Journal.Entries, e => e.PathAndQuery.Contains("/Assign", StringComparison.Ordinal));
    }
}
