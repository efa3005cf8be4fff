using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Tests.Policy;

public sealed class CompliancePolicyStoreTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ac-policy-" + Guid.NewGuid().ToString("N"));
    private readonly StateStore _store;

    public CompliancePolicyStoreTests()
    {
        Directory.CreateDirectory(_folder);
        _store = StateStore.Open(Path.Combine(_folder, "state.db"));
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, true);
    }

    [Fact]
    public void Round_trips_every_rule()
    {
        var policy = new CompliancePolicy("iOS strict", DevicePlatform.iOS)
        {
            MinimumOsVersion = new Version(17, 1, 2),
            MinimumClientVersion = new Version(12, 0),
            BlockJailbroken = true,
            RequireEncryption = true,
            RequirePasscode = true,
            MaximumCheckInAge = TimeSpan.FromHours(36),
            RequireEntraRegistration = false,
            IntunePolicyId = "0f1e2d3c-0000-4000-8000-000000000001",
        };
        var added = CompliancePolicyStore.Add(_store, "core-01", policy, Now);
        Assert.Equal("core-01", added.SourceName);
        var read = CompliancePolicyStore.Get(_store, "core-01", "IOS STRICT");
        Assert.Equal("iOS strict", read.Name);
        Assert.Equal(DevicePlatform.iOS, read.Platform);
        Assert.True(read.Enabled);
        Assert.Equal(new Version(17, 1, 2), read.MinimumOsVersion);
        Assert.Equal(new Version(12, 0), read.MinimumClientVersion);
        Assert.True(read.BlockJailbroken && read.RequireEncryption && read.RequirePasscode);
        Assert.False(read.RequireEntraRegistration);
        Assert.Equal(TimeSpan.FromHours(36), read.MaximumCheckInAge);
        Assert.Equal(policy.IntunePolicyId, read.IntunePolicyId);
        Assert.Equal(Now, read.Created);
        Assert.Equal(Now, read.Modified);
        Assert.Equal("core-01", read.SourceName);
    }

    [Fact]
    public void Names_are_unique_per_source_and_sources_are_separate()
    {
        CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("Baseline", DevicePlatform.iOS), Now);
        var ex = Assert.Throws<ComplianceException>(() => CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("baseline", DevicePlatform.Android), Now));
        Assert.Equal("PolicyExists", ex.ErrorId);
        Assert.Equal(ComplianceErrorCategory.ResourceExists, ex.Category);
        CompliancePolicyStore.Add(_store, "core-02", CompliancePolicy.CreateDefault("Baseline", DevicePlatform.iOS), Now);
        Assert.Single(CompliancePolicyStore.List(_store, "core-01"));
        Assert.Single(CompliancePolicyStore.List(_store, "core-02"));
        Assert.Empty(CompliancePolicyStore.List(_store, "core-03"));
    }

    [Fact]
    public void One_enabled_policy_per_platform_per_source()
    {
        CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("iOS A", DevicePlatform.iOS), Now);
        var conflict = Assert.Throws<ComplianceException>(() => CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("iOS B", DevicePlatform.iOS), Now));
        Assert.Equal("PolicyConflict", conflict.ErrorId);
        Assert.Contains("iOS A", conflict.Message);

        var disabled = CompliancePolicy.CreateDefault("iOS B", DevicePlatform.iOS);
        disabled.Enabled = false;
        CompliancePolicyStore.Add(_store, "core-01", disabled, Now);
        Assert.Equal("PolicyConflict", Assert.Throws<ComplianceException>(() => CompliancePolicyStore.SetEnabled(_store, "core-01", "iOS B", true, Now)).ErrorId);

        CompliancePolicyStore.SetEnabled(_store, "core-01", "iOS A", false, Now);
        var enabled = CompliancePolicyStore.SetEnabled(_store, "core-01", "iOS B", true, Now.AddMinutes(1));
        Assert.True(enabled.Enabled);
        Assert.Equal(Now.AddMinutes(1), CompliancePolicyStore.Get(_store, "core-01", "iOS B").Modified);
        Assert.Equal("iOS B", CompliancePolicyStore.EnabledPolicy(_store, "core-01", DevicePlatform.iOS)!.Name);
        // Another source may have its own enabled iOS policy.
        CompliancePolicyStore.Add(_store, "core-02", CompliancePolicy.CreateDefault("iOS A", DevicePlatform.iOS), Now);
    }

    [Fact]
    public void HasEnabledPolicy_follows_enable_and_disable()
    {
        Assert.False(CompliancePolicyStore.HasEnabledPolicy(_store, "core-01"));
        CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("Android", DevicePlatform.Android), Now);
        Assert.True(CompliancePolicyStore.HasEnabledPolicy(_store, "core-01"));
        Assert.False(CompliancePolicyStore.HasEnabledPolicy(_store, "core-02"));
        CompliancePolicyStore.SetEnabled(_store, "core-01", "Android", false, Now);
        Assert.False(CompliancePolicyStore.HasEnabledPolicy(_store, "core-01"));
        Assert.Null(CompliancePolicyStore.EnabledPolicy(_store, "core-01", DevicePlatform.Android));
    }

    [Fact]
    public void Update_changes_rules_and_can_rename()
    {
        CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("Old", DevicePlatform.Android), Now);
        CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("Taken", DevicePlatform.iOS), Now);
        var policy = CompliancePolicyStore.Get(_store, "core-01", "Old");
        policy.MinimumOsVersion = new Version(13, 0);
        policy.Name = "New";
        var updated = CompliancePolicyStore.Update(_store, "core-01", "Old", policy, Now.AddHours(1));
        Assert.Equal(Now, updated.Created);
        Assert.Equal(Now.AddHours(1), updated.Modified);
        Assert.Null(CompliancePolicyStore.Find(_store, "core-01", "Old"));
        Assert.Equal(new Version(13, 0), CompliancePolicyStore.Get(_store, "core-01", "New").MinimumOsVersion);

        policy.Name = "Taken";
        Assert.Equal("PolicyExists", Assert.Throws<ComplianceException>(() => CompliancePolicyStore.Update(_store, "core-01", "New", policy, Now)).ErrorId);
        Assert.Equal("PolicyNotFound", Assert.Throws<ComplianceException>(() => CompliancePolicyStore.Update(_store, "core-01", "Gone", policy, Now)).ErrorId);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" padded")]
    [InlineData("star*")]
    [InlineData("question?")]
    [InlineData("[bracket]")]
    public void Bad_names_are_refused(string name)
    {
        var ex = Assert.Throws<ComplianceException>(() => CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault(name, DevicePlatform.iOS), Now));
        Assert.Equal("InvalidPolicyName", ex.ErrorId);
        Assert.Equal("InvalidPolicyName", Assert.Throws<ComplianceException>(() => CompliancePolicyStore.ValidateName(new string('n', 129))).ErrorId);
    }

    [Fact]
    public void Bad_platform_and_negative_age_are_refused()
    {
        Assert.Equal("InvalidPolicyPlatform", Assert.Throws<ComplianceException>(() =>
            CompliancePolicyStore.Add(_store, "s", new CompliancePolicy("x", DevicePlatform.Unknown), Now)).ErrorId);
        var policy = CompliancePolicy.CreateDefault("x", DevicePlatform.iOS);
        policy.MaximumCheckInAge = TimeSpan.FromHours(-1);
        Assert.Equal("InvalidCheckInAge", Assert.Throws<ComplianceException>(() => CompliancePolicyStore.Add(_store, "s", policy, Now)).ErrorId);
    }

    [Fact]
    public void Remove_and_evaluator_from_the_store()
    {
        CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("iOS", DevicePlatform.iOS), Now);
        var off = CompliancePolicy.CreateDefault("Android", DevicePlatform.Android);
        off.Enabled = false;
        CompliancePolicyStore.Add(_store, "core-01", off, Now);
        var evaluator = PolicyEvaluator.Load(_store, "core-01");
        Assert.Equal("iOS", Assert.Single(evaluator.Policies).Name);
        Assert.True(CompliancePolicyStore.Remove(_store, "core-01", "ios"));
        Assert.False(CompliancePolicyStore.Remove(_store, "core-01", "ios"));
        Assert.False(PolicyEvaluator.Load(_store, "core-01").HasPolicies);
    }

    [Fact]
    public void ListNames_does_not_create_a_missing_state_file()
    {
        var path = Path.Combine(_folder, "absent.db");
        Assert.Empty(CompliancePolicyStore.ListNames(path, "core-01"));
        Assert.False(File.Exists(path));
        CompliancePolicyStore.Add(_store, "core-01", CompliancePolicy.CreateDefault("iOS", DevicePlatform.iOS), Now);
        Assert.Equal(new[] { "iOS" }, CompliancePolicyStore.ListNames(_store.Path, "core-01"));
    }

    [Fact]
    public void Stored_rules_read_forward_compatibly()
    {
        var policy = new CompliancePolicy("x", DevicePlatform.iOS);
        CompliancePolicyStore.ReadRules("{\"minimumOsVersion\":\"15\",\"blockJailbroken\":true,\"futureRule\":42}", policy);
        Assert.Equal(new Version(15, 0), policy.MinimumOsVersion);
        Assert.True(policy.BlockJailbroken);
        Assert.False(policy.RequirePasscode);
        Assert.Null(policy.MaximumCheckInAge);
        var text = CompliancePolicyStore.SerializeRules(CompliancePolicy.CreateDefault("d", DevicePlatform.Android));
        Assert.Contains("\"minimumOsVersion\":\"8.0\"", text);
    }
}
