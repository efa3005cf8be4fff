using System.Diagnostics;
using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.ScriptHost;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Partner;

namespace AzureCompliance.Module.Tests;

/// <summary>
/// Send-DeviceCompliance, Get-DeviceCompliance and Compare-DeviceCompliance through the real PowerShell engine against
/// the emulated tenant's partner API: faults, interruption, delta, -Force, -WhatIf, the run lock, retired devices,
/// the group scope, disabled policies, progress and the summary.
/// </summary>
[Collection(TenantCollection.Name)]
public sealed class SyncTests : IDisposable
{
    private readonly TenantFixture _tenant;
    private readonly PowerShellSession _session = new();
    private readonly string _statePath = SyncScript.NewStatePath();

    public SyncTests(TenantFixture tenant)
    {
        _tenant = tenant;
        _tenant.Server.Settings.Latency = TimeSpan.Zero;
        // Uploads need the partner tenant provisioned (Add-CompliancePartner does it; other scenarios may have deprovisioned).
        _tenant.Server.Tenant.SetPartnerTenantState(AzureCompliance.TenantEmulator.DemoTenant.AppClientId, PartnerProvisioning.Provisioned);
        var connected = Run(TenantFixture.ConnectWithSecret + " -SourceName 'sync-tests' | Out-Null; " + SyncScript.InitializeState);
        connected.AssertNoErrors();
    }

    public void Dispose()
    {
        _session.Dispose();
        _tenant.Server.Settings.RemoveFaultRule("sync-tests");
        _tenant.Server.Settings.RemoveThrottleRule("sync-tests-budget");
        try
        {
            Directory.Delete(Path.GetDirectoryName(_statePath)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private ScriptResult Run(string script, Dictionary<string, object?>? extra = null)
    {
        var variables = _tenant.Variables();
        variables["StatePath"] = _statePath;
        foreach (var (key, value) in extra ?? new()) variables[key] = value;
        return _session.Run(script, variables);
    }

    private ScriptResult Send(SyncFleet fleet, string parameters = "", IEnumerable<PSObject>? records = null) =>
        Run("$Devices | Send-DeviceCompliance -StatePath $StatePath " + parameters, new() { ["Devices"] = (records ?? fleet.Records()).ToArray() });

    private void Budget(int messages, TimeSpan window) => _tenant.Server.Settings.AddThrottleRule(new ThrottleRule
    {
        Name = "sync-tests-budget",
        Match = (method, path) => method == "PUT" && path.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase),
        Limit = messages,
        Window = window,
        Scope = ThrottleScope.PerTenant,
    });

    [Fact]
    public void Ten_thousand_devices_through_429s_503s_and_resets_end_with_Entra_equal_to_the_verdicts()
    {
        var fleet = new SyncFleet(_tenant, 10_000);
        Assert.Empty(Run("Initialize-SyncState -Path $StatePath").AllErrors());
        _tenant.Server.Settings.SetRandomSeed(4242);
        _tenant.Server.Settings.AddFaultRule(new FaultRule
        {
            Name = "sync-tests",
            Match = (_, path) => path.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase),
            TooManyRequestsProbability = 0.10,
            ServiceUnavailableProbability = 0.05,
            ConnectionResetProbability = 0.02,
            RetryAfter = TimeSpan.FromSeconds(1),
        });
        var watch = Stopwatch.StartNew();
        var result = Send(fleet);
        watch.Stop();
        result.AssertNoErrors();
        var summary = SyncScript.Summary(result);
        Assert.Equal(10_000, SyncScript.Count(summary, "Received"));
        Assert.Equal(10_000, SyncScript.Count(summary, "Confirmed"));
        Assert.Equal(0, SyncScript.Count(summary, "Failed"));
        Assert.True(SyncScript.Count(summary, "Throttled") > 0, "the faults were injected");
        Assert.Empty(fleet.Mismatches(_tenant));
        // Faults never made a device go twice: a throttled, refused or reset upload was not taken by the service.
        Assert.All(Enumerable.Range(0, fleet.Count), i => Assert.Equal(1, fleet.Received(_tenant, i)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), "took " + watch.Elapsed);
    }

    [Fact]
    public void A_second_run_sends_nothing_Force_sends_all_and_a_change_sends_only_it()
    {
        var fleet = new SyncFleet(_tenant, 300);
        Run("Initialize-SyncState -Path $StatePath").AssertNoErrors();
        var first = Send(fleet);
        first.AssertNoErrors();
        Assert.Equal(300, SyncScript.Count(SyncScript.Summary(first), "Confirmed"));
        Assert.Empty(fleet.Mismatches(_tenant));

        var uploads = SyncScript.Uploads(_tenant);
        var second = Send(fleet);
        second.AssertNoErrors();
        var summary = SyncScript.Summary(second);
        Assert.Equal(0, SyncScript.Count(summary, "Sent"));
        Assert.Equal(300, SyncScript.Count(summary, "Unchanged"));
        Assert.Equal(uploads, SyncScript.Uploads(_tenant));

        fleet.Change(1);
        fleet.Change(5);
        var changed = Send(fleet, "-PassThru");
        changed.AssertNoErrors();
        Assert.Equal(2, SyncScript.Count(SyncScript.Summary(changed), "Sent"));
        var sent = changed.Output.Where(o => o.BaseObject.GetType().Name == "DeviceSyncResult" && o.Properties["Outcome"].Value.ToString() == "Confirmed")
            .Select(o => (string)o.Properties["DeviceId"].Value).OrderBy(i => i).ToList();
        Assert.Equal(new[] { fleet.DeviceId(1), fleet.DeviceId(5) }.OrderBy(i => i), sent);
        Assert.Empty(fleet.Mismatches(_tenant));

        var forced = Send(fleet, "-Force");
        forced.AssertNoErrors();
        Assert.Equal(300, SyncScript.Count(SyncScript.Summary(forced), "Confirmed"));
    }

    [Fact]
    public void A_run_stopped_in_the_middle_resumes_with_nothing_lost_and_nothing_confirmed_sent_again()
    {
        var fleet = new SyncFleet(_tenant, 3000);
        Run("Initialize-SyncState -Path $StatePath").AssertNoErrors();
        Budget(20, TimeSpan.FromSeconds(1));
        var uploadsBefore = SyncScript.Uploads(_tenant);

        using (var runspace = new ModuleRunspace(new TextHost(), RepositoryPaths.ModuleManifest))
        {
            foreach (var (key, value) in _tenant.Variables()) runspace.SetVariable(key, value);
            runspace.SetVariable("StatePath", _statePath);
            runspace.SetVariable("Devices", fleet.Records());
            using var powerShell = runspace.Create();
            powerShell.AddScript(TenantFixture.ConnectWithSecret + " -SourceName 'sync-tests' | Out-Null; $Devices | Send-DeviceCompliance -StatePath $StatePath -BatchSize 50");
            var invocation = powerShell.BeginInvoke();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (SyncScript.Uploads(_tenant) - uploadsBefore < 12 && DateTime.UtcNow < deadline && !invocation.IsCompleted)
            {
                Thread.Sleep(20);
            }
            Assert.False(invocation.IsCompleted, "the run ended before it could be stopped");
            var stop = Stopwatch.StartNew();
            powerShell.Stop(); // Ctrl+C
            stop.Stop();
            Assert.True(stop.Elapsed < TimeSpan.FromSeconds(1), "Stop took " + stop.Elapsed);
            Assert.Throws<PipelineStoppedException>(() => powerShell.EndInvoke(invocation));
            // The progress bar was completed, also on Ctrl+C.
            var progress = powerShell.Streams.Progress.Where(p => p.Activity == "Send-DeviceCompliance").ToList();
            Assert.NotEmpty(progress);
            Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
        }
        _tenant.Server.Settings.RemoveThrottleRule("sync-tests-budget");

        // What the service applied (confirmed by the run, or completed after it stopped: processing takes a moment).
        var settle = DateTime.UtcNow.AddSeconds(10);
        while (_tenant.Server.Tenant.PendingPartnerMessages > 0 && DateTime.UtcNow < settle) Thread.Sleep(50);
        var appliedBefore = Enumerable.Range(0, fleet.Count).Where(i => fleet.Entra(_tenant, i).IsCompliant != null).Select(fleet.DeviceId).ToHashSet();
        Assert.NotEmpty(appliedBefore);
        Assert.True(appliedBefore.Count < fleet.Count);

        var resumed = Send(fleet, "-PassThru");
        resumed.AssertNoErrors();
        var summary = SyncScript.Summary(resumed);
        var sentNow = resumed.Output.Where(o => o.BaseObject.GetType().Name == "DeviceSyncResult" && o.Properties["Outcome"].Value.ToString() == "Confirmed")
            .Select(o => (string)o.Properties["DeviceId"].Value).ToHashSet();
        Assert.Empty(sentNow.Intersect(appliedBefore));
        Assert.Equal(fleet.Count, appliedBefore.Count + sentNow.Count);
        // Every device reached the service exactly once over both runs.
        Assert.All(Enumerable.Range(0, fleet.Count), i => Assert.Equal(1, fleet.Received(_tenant, i)));
        Assert.Empty(fleet.Mismatches(_tenant));
        Assert.Equal(0, SyncScript.Count(SyncScript.Summary(Send(fleet)), "Sent"));
        Assert.True(SyncScript.Count(summary, "Recovered") + SyncScript.Count(summary, "Unchanged") >= appliedBefore.Count);
    }

    [Fact]
    public void WhatIf_makes_no_write_and_says_what_would_be_sent()
    {
        var fleet = new SyncFleet(_tenant, 40);
        Run("Initialize-SyncState -Path $StatePath").AssertNoErrors();
        Send(fleet, records: fleet.Records().Take(10)).AssertNoErrors();
        fleet.Change(3);

        var writes = _tenant.Server.Journal.WriteCount;
        var requests = _tenant.Server.Journal.Count(SyncScript.IsDataUpload);
        var stateBytes = File.ReadAllBytes(_statePath);
        var result = Send(fleet, "-WhatIf");
        result.AssertNoErrors();
        Assert.Equal(writes, _tenant.Server.Journal.WriteCount);
        Assert.Equal(requests, _tenant.Server.Journal.Count(SyncScript.IsDataUpload));
        var summary = SyncScript.Summary(result);
        Assert.True((bool)summary.Properties["WhatIf"].Value);
        Assert.Equal(31, SyncScript.Count(summary, "Sent")); // 30 new and 1 changed
        Assert.Contains("What if: Performing the operation \"Send compliance: not compliant\" on target \"Device 'Fleet-13'", result.HostText);
        Assert.Contains("Fleet-3'", result.HostText);
        Assert.DoesNotContain("Fleet-2'", result.HostText);
        Assert.Equal(stateBytes, File.ReadAllBytes(_statePath));
    }

    [Fact]
    public void A_second_run_on_the_same_state_waits_then_refuses_with_StateInUse()
    {
        var fleet = new SyncFleet(_tenant, 400);
        Run("Initialize-SyncState -Path $StatePath").AssertNoErrors();
        Budget(10, TimeSpan.FromSeconds(1));
        using var runspace = new ModuleRunspace(new TextHost(), RepositoryPaths.ModuleManifest);
        foreach (var (key, value) in _tenant.Variables()) runspace.SetVariable(key, value);
        runspace.SetVariable("StatePath", _statePath);
        runspace.SetVariable("Devices", fleet.Records());
        using var powerShell = runspace.Create();
        powerShell.AddScript(TenantFixture.ConnectWithSecret + " -SourceName 'sync-tests' | Out-Null; $Devices | Send-DeviceCompliance -StatePath $StatePath -BatchSize 10");
        var invocation = powerShell.BeginInvoke();
        try
        {
            var uploadsBefore = SyncScript.Uploads(_tenant);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (SyncScript.Uploads(_tenant) == uploadsBefore && DateTime.UtcNow < deadline) Thread.Sleep(20);

            var watch = Stopwatch.StartNew();
            var second = Send(fleet, "-LockTimeout 1");
            var error = second.SingleError();
            Assert.StartsWith("StateInUse,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
            Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), "it waited for the lock");
        }
        finally
        {
            powerShell.Stop();
        }
    }

    [Fact]
    public void Retired_devices_go_as_not_managed_and_are_not_sent_again()
    {
        var fleet = new SyncFleet(_tenant, 20);
        Run("Initialize-SyncState -Path $StatePath").AssertNoErrors();
        Send(fleet).AssertNoErrors();
        fleet.Retired.Add(2);
        fleet.Retired.Add(7);
        var result = Send(fleet);
        result.AssertNoErrors();
        var summary = SyncScript.Summary(result);
        Assert.Equal(2, SyncScript.Count(summary, "Sent"));
        Assert.Equal(2, SyncScript.Count(summary, "Retired"));
        Assert.Empty(fleet.Mismatches(_tenant));
        Assert.Equal(false, fleet.Entra(_tenant, 2).IsManaged);
        Assert.NotEqual(true, fleet.Entra(_tenant, 2).IsCompliant);
        Assert.Equal(0, SyncScript.Count(SyncScript.Summary(Send(fleet)), "Sent"));
    }

    [Fact]
    public void Devices_of_users_outside_the_scoped_groups_are_skipped_and_counted()
    {
        var group = _tenant.Server.Tenant.Groups.First(g => g.DisplayName == AzureCompliance.TenantEmulator.DemoTenant.MobilePilotGroup);
        var members = group.MemberIds.ToHashSet();
        var fleet = new SyncFleet(_tenant, 60);
        Run("Initialize-SyncState -Path $StatePath -GroupId $GroupId -GroupName $GroupName", new() { ["GroupId"] = new[] { group.Id.ToString() }, ["GroupName"] = new[] { group.DisplayName } })
            .AssertNoErrors();
        var result = Send(fleet, "-PassThru");
        result.AssertNoErrors();
        var inScope = Enumerable.Range(0, fleet.Count).Where(i => members.Contains(fleet.Owner(i).Id)).ToList();
        var outOfScope = Enumerable.Range(0, fleet.Count).Except(inScope).ToList();
        Assert.NotEmpty(inScope);
        Assert.NotEmpty(outOfScope);
        var summary = SyncScript.Summary(result);
        Assert.Equal(inScope.Count, SyncScript.Count(summary, "Confirmed"));
        Assert.Equal(outOfScope.Count, SyncScript.Count(summary, "OutOfScope"));
        Assert.Empty(fleet.Mismatches(_tenant, inScope));
        Assert.All(outOfScope, i => Assert.Null(fleet.Entra(_tenant, i).IsCompliant));
        // The scope's members were read with paged transitive membership, not per device.
        Assert.True(_tenant.Server.Journal.Count(e => e.PathAndQuery.Contains("/transitiveMembers", StringComparison.OrdinalIgnoreCase)) >= 1);
    }

    [Fact]
    public void A_disabled_policy_uploads_nothing_for_its_platform()
    {
        var fleet = new SyncFleet(_tenant, 30);
        Run("Initialize-SyncState -Path $StatePath; Disable-CompliancePolicy -Name 'Android baseline' -StatePath $StatePath -Confirm:$false").AssertNoErrors();
        var result = Send(fleet);
        result.AssertNoErrors();
        var summary = SyncScript.Summary(result);
        Assert.Equal(15, SyncScript.Count(summary, "Confirmed"));
        Assert.Equal(15, SyncScript.Count(summary, "NoPolicy"));
        Assert.All(Enumerable.Range(0, fleet.Count).Where(i => i % 2 == 1), i => Assert.Null(fleet.Entra(_tenant, i).IsCompliant));
        Assert.Empty(fleet.Mismatches(_tenant, Enumerable.Range(0, fleet.Count).Where(i => i % 2 == 0)));
    }

    [Fact]
    public void Without_a_recorded_scope_the_run_stops_and_says_to_run_Set_ComplianceGroup()
    {
        var fleet = new SyncFleet(_tenant, 1);
        var result = Send(fleet);
        var error = result.SingleError();
        Assert.StartsWith("ScopeNotSet,", error.FullyQualifiedErrorId);
        Assert.Contains("Set-ComplianceGroup", error.ErrorDetails?.RecommendedAction ?? error.Exception.Message);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Records_from_Import_ComplianceDevice_and_Test_DeviceCompliance_results_are_sent_the_summary_has_a_view_and_SQLite_loads_from_the_module()
    {
        var fleet = new SyncFleet(_tenant, 8);
        Run("Initialize-SyncState -Path $StatePath").AssertNoErrors();
        var csv = Path.Combine(Path.GetDirectoryName(_statePath)!, "export.csv");
        File.WriteAllLines(csv, new[] { "DeviceId,DeviceName,UserPrincipalName,Platform,OsVersion,ClientVersion,Jailbroken,LastCheckIn,MdmState" }
            .Concat(Enumerable.Range(0, 4).Select(i => $"{fleet.DeviceId(i)},{SyncFleet.Name(i)},{fleet.Owner(i).UserPrincipalName},{(i % 2 == 0 ? "iOS" : "Android")},{(i % 4 == 1 ? "7.1" : i % 2 == 0 ? "17.1.2" : "14")},{(i % 2 == 0 ? "12.4" : "9.0")},{(i % 20 == 3 ? "yes" : "no")},2026-11-21T06:00:00Z,Active")));
        var result = Run("Import-ComplianceDevice -Path $Csv | Send-DeviceCompliance -StatePath $StatePath | Out-Host", new() { ["Csv"] = csv });
        result.AssertNoErrors();
        var text = result.HostText;
        Assert.Contains("DevicesPerSecond", text);
        Assert.Matches(@"Confirmed\s*:\s*4", text);
        Assert.Empty(fleet.Mismatches(_tenant, Enumerable.Range(0, 4)));

        var results = Run("$Devices | Test-DeviceCompliance -StatePath $StatePath | Send-DeviceCompliance -StatePath $StatePath", new() { ["Devices"] = fleet.Records().Skip(4).ToArray() });
        results.AssertNoErrors();
        Assert.Equal(4, SyncScript.Count(SyncScript.Summary(results), "Confirmed"));

        // The native SQLite library this process loaded is the module's own copy.
        var maps = File.ReadAllText("/proc/self/maps");
        var native = Path.Combine(RepositoryPaths.ModuleDirectory, "dependencies", "runtimes");
        Assert.Contains(maps.Split('\n'), l => l.Contains("e_sqlite3") && l.Contains(native));
    }

    [Fact]
    public void Progress_has_one_activity_and_ends_completed_and_PassThru_gives_a_result_per_device()
    {
        var fleet = new SyncFleet(_tenant, 500);
        Run("Initialize-SyncState -Path $StatePath").AssertNoErrors();
        _tenant.Server.Settings.Latency = TimeSpan.FromMilliseconds(30);
        var result = Send(fleet, "-PassThru -BatchSize 25");
        _tenant.Server.Settings.Latency = TimeSpan.Zero;
        result.AssertNoErrors();
        var progress = result.Progress.Where(p => p.Activity == "Send-DeviceCompliance").ToList();
        Assert.True(progress.Count >= 2);
        Assert.Single(progress.Select(p => p.ActivityId).Distinct());
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
        Assert.Equal(500, result.Output.Count(o => o.BaseObject.GetType().Name == "DeviceSyncResult"));
        Assert.IsType<string>(result.Output[^1].Properties["StatePath"].Value); // the summary comes last
        Assert.DoesNotContain(AzureCompliance.TenantEmulator.DemoTenant.AppSecret, result.EverythingVisible());
    }

    [Fact]
    public void Get_DeviceCompliance_reads_Entra_and_Compare_DeviceCompliance_reports_drift()
    {
        var fleet = new SyncFleet(_tenant, 30);
        Run("Initialize-SyncState -Path $StatePath").AssertNoErrors();
        Send(fleet).AssertNoErrors();

        var unknown = Guid.NewGuid().ToString();
        var get = Run("$Ids | Get-DeviceCompliance", new() { ["Ids"] = new[] { fleet.DeviceId(0), fleet.DeviceId(1), unknown } });
        var error = get.SingleError();
        Assert.StartsWith("DeviceNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(unknown, error.TargetObject);
        Assert.Equal(2, get.Output.Count);
        Assert.Equal(fleet.Verdict(0), (bool?)get.Output[0].Properties["IsCompliant"].Value);
        Assert.Equal(fleet.Verdict(1), (bool?)get.Output[1].Properties["IsCompliant"].Value);

        var inSync = Run("$Devices | Compare-DeviceCompliance -StatePath $StatePath", new() { ["Devices"] = fleet.Records() });
        inSync.AssertNoErrors();
        Assert.Equal(30, inSync.Output.Count);
        Assert.All(inSync.Output, o => Assert.True((bool)o.Properties["InSync"].Value, o.ToString()));

        fleet.Change(1); // not compliant before, compliant now: Entra still says not compliant
        var drift = Run("$Devices | Compare-DeviceCompliance -StatePath $StatePath -DriftOnly", new() { ["Devices"] = fleet.Records() });
        drift.AssertNoErrors();
        var item = Assert.Single(drift.Output);
        Assert.Equal(fleet.DeviceId(1), item.Properties["DeviceId"].Value);
        Assert.Equal("Compliant", item.Properties["MdmVerdict"].Value.ToString());
        Assert.Equal(false, item.Properties["EntraIsCompliant"].Value);
    }
}
