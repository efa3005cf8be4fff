using System.Management.Automation;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Tenant;

namespace AzureCompliance.Module.Tests;

/// <summary>
/// Devices for the sync scenarios: each is registered in the emulated directory and has a verdict known by construction
/// under the default policies (iOS: OS and Mobile@Work 12.0; Android: OS and client 8.0; jailbroken/rooted blocked).
/// They go down the pipeline as plain objects with the device property names (the Properties parameter set).
/// </summary>
internal sealed class SyncFleet
{
    private static int _nextBlock;
    private readonly int _block;

    public SyncFleet(TenantFixture tenant, int count, IReadOnlyList<DirectoryUser>? owners = null)
    {
        // Every fleet has its own block of device ids, so scenarios never see each other's devices.
        _block = Interlocked.Increment(ref _nextBlock) * 1_000_000;
        Count = count;
        // Without named owners: the enabled users Intune will take reports for (licensed for Intune).
        Owners = MakeOwnersEligible(tenant.Server.Tenant, owners ?? tenant.Server.Tenant.Users.Where(u => u.AccountEnabled != false).ToList(), strict: owners != null);
        for (var i = 0; i < count; i++)
        {
            tenant.Server.Tenant.AddDevice(new DirectoryDevice
            {
                Id = ObjectId(i),
                DeviceId = DeviceId(i),
                DisplayName = Name(i),
                OperatingSystem = IsIos(i) ? "iOS" : "Android",
                TrustType = "Workplace",
                RegistrationDateTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            });
        }
    }

    /// <summary>
    /// What Intune requires before it takes a partner's device reports (the emulator enforces it): each owner licensed for
    /// Intune (owners are chosen among licensed users) and in a group that the demo app's partner compliance policy of each
    /// platform is assigned to, with a compliance partner onboarded for the platform. Tenant set-up an admin does.
    /// </summary>
    private List<DirectoryUser> MakeOwnersEligible(TenantState state, IReadOnlyList<DirectoryUser> candidates, bool strict)
    {
        var owners = new List<DirectoryUser>();
        var plan = Guid.Parse(DemoTenant.IntuneServicePlanId);
        bool Licensed(DirectoryUser user) => user.AssignedLicenses.Any(l =>
            state.FindSubscribedSku(l.SkuId)?.ServicePlans.Any(p => p.ServicePlanId == plan && !l.DisabledPlans.Contains(plan)) == true);
        // Owners are users the tenant already licenses for Intune: the licensing scenarios share this tenant and count
        // its unlicensed users and free units, so the fleet licenses nobody.
        foreach (var owner in candidates)
        {
            if (Licensed(owner))
                owners.Add(owner);
            else if (strict)
                throw new InvalidOperationException($"The sync fleet's owner {owner.UserPrincipalName} is not licensed for Intune; Intune would refuse their devices.");
        }
        if (owners.Count == 0)
            throw new InvalidOperationException("No user of the demo tenant can be licensed for Intune for the sync fleet.");
        var group = new DirectoryGroup
        {
            Id = new Guid(_block, 0x6e6e, 0x4f4f, 0x80, 0, 0, 0, 0, 0, 0, 5),
            DisplayName = "Sync fleet owners " + _block,
            SecurityEnabled = true,
            MemberIds = owners.Select(o => o.Id).ToArray(),
        };
        state.AddGroup(group);
        foreach (var (flag, _, platform) in TenantState.CompliancePartnerPlatforms)
        {
            var (policy, _) = state.AddPartnerCompliancePolicy(DemoTenant.AppClientId, $"{platform} sync fleet", null, platform);
            state.AssignPartnerCompliancePolicy(policy.Id, [.. policy.Assignments, group.Id]);
            if (!state.CompliancePartners.Any(p => p[flag]?.GetValue<bool>() == true))
                state.SaveCompliancePartner(new System.Text.Json.Nodes.JsonObject { ["id"] = Guid.NewGuid().ToString(), ["displayName"] = "Sync fleet partner " + platform, [flag] = true });
        }
        return owners;
    }

    public int Count { get; }
    public IReadOnlyList<DirectoryUser> Owners { get; }
    /// <summary>Devices whose OS version was changed by <see cref="Change"/>.</summary>
    public HashSet<int> Changed { get; } = new();
    public HashSet<int> Retired { get; } = new();

    public string DeviceId(int i) => new Guid(_block + i, 0x5ca1, 0x4e55, 0x80, 0x33, 0, 0, 0, 0, 0, 3).ToString();
    public Guid ObjectId(int i) => new(_block + i, 0x0b1e, 0x4d7d, 0x8b, 0x44, 0, 0, 0, 0, 0, 4);
    public static string Name(int i) => "Fleet-" + i;
    private static bool IsIos(int i) => i % 2 == 0;
    public DirectoryUser Owner(int i) => Owners[i % Owners.Count];

    /// <summary>One in four runs an old OS, one in twenty is jailbroken; a changed device runs a newer OS.</summary>
    public bool Verdict(int i) => (Changed.Contains(i) || i % 4 != 1) && i % 20 != 3;

    public PSObject Record(int i)
    {
        var ios = IsIos(i);
        var old = i % 4 == 1 && !Changed.Contains(i);
        var record = new PSObject();
        record.Properties.Add(new PSNoteProperty("DeviceId", DeviceId(i)));
        record.Properties.Add(new PSNoteProperty("DeviceName", Name(i)));
        record.Properties.Add(new PSNoteProperty("UserPrincipalName", Owner(i).UserPrincipalName));
        record.Properties.Add(new PSNoteProperty("Platform", ios ? "iOS" : "Android"));
        record.Properties.Add(new PSNoteProperty("OsVersion", Changed.Contains(i) ? (ios ? "18.1" : "15") : old ? (ios ? "11.4" : "7.1") : (ios ? "17.1.2" : "14")));
        record.Properties.Add(new PSNoteProperty("ClientVersion", ios ? "12.4" : "9.0"));
        record.Properties.Add(new PSNoteProperty("Jailbroken", i % 20 == 3 ? "yes" : "no"));
        record.Properties.Add(new PSNoteProperty("LastCheckIn", new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero).AddSeconds(i)));
        record.Properties.Add(new PSNoteProperty("MdmState", Retired.Contains(i) ? "Retired" : "Active"));
        return record;
    }

    public PSObject[] Records() => Enumerable.Range(0, Count).Select(Record).ToArray();

    public void Change(int i) => Changed.Add(i);

    /// <summary>The emulated directory's view of device i.</summary>
    public DirectoryDevice Entra(TenantFixture tenant, int i) => tenant.Server.Tenant.FindDevice(ObjectId(i))!;

    /// <summary>How many accepted messages carried device i (the emulator's count).</summary>
    public int Received(TenantFixture tenant, int i) => tenant.Server.Tenant.FindPartnerDevice(DeviceId(i))?.ReceivedCount ?? 0;

    /// <summary>Devices whose Entra isCompliant is not the verdict (or not set), as "index: expected/actual".</summary>
    public List<string> Mismatches(TenantFixture tenant, IEnumerable<int>? indexes = null)
    {
        var wrong = new List<string>();
        foreach (var i in indexes ?? Enumerable.Range(0, Count))
        {
            var device = Entra(tenant, i);
            if (Retired.Contains(i))
            {
                if (device.IsManaged != false) wrong.Add($"{i}: retired, Entra isManaged {device.IsManaged}");
            }
            else if (device.IsCompliant != Verdict(i))
            {
                wrong.Add($"{i}: expected {Verdict(i)}, Entra {device.IsCompliant?.ToString() ?? "null"}");
            }
        }
        return wrong;
    }
}

/// <summary>Set-up the sync scenarios share: a connected session, a fresh state file with a scope and policies.</summary>
internal static class SyncScript
{
    /// <summary>Records the group scope and the default iOS and Android policies of the connection's MDM instance.</summary>
    /// <remarks>
    /// The core loads in the module's own load context, where PowerShell's type names do not reach: its types are taken
    /// from the connection object's assembly instead.
    /// </remarks>
    public const string InitializeState = """
        function Initialize-SyncState {
            param([string] $Path, [string[]] $GroupId, [string[]] $GroupName, [switch] $NoPolicy)
            $connection = Get-ComplianceConnection
            $core = $connection.GetType().Assembly
            $source = $connection.SourceName
            $store = $core.GetType('AzureCompliance.Core.State.StateStore')::Open($Path)
            try {
                $scopeType = $core.GetType('AzureCompliance.Core.State.GroupScope')
                if ($GroupId) {
                    $groupType = $core.GetType('AzureCompliance.Core.State.ScopedGroup')
                    $groups = [System.Array]::CreateInstance($groupType, $GroupId.Count)
                    for ($i = 0; $i -lt $GroupId.Count; $i++) { $groups[$i] = $groupType::new($GroupId[$i], $GroupName[$i]) }
                    $scopeType::new($false, $groups).Save($store, $source)
                } else {
                    $scopeType::Everyone.Save($store, $source)
                }
                if (-not $NoPolicy) {
                    $policyType = $core.GetType('AzureCompliance.Core.Policy.CompliancePolicy')
                    $policyStore = $core.GetType('AzureCompliance.Core.Policy.CompliancePolicyStore')
                    foreach ($platform in 'iOS', 'Android') {
                        $policy = $policyType::CreateDefault("$platform baseline", $platform)
                        $null = $policyStore::Add($store, $source, $policy, [DateTimeOffset]::UtcNow)
                    }
                }
            } finally {
                $store.Dispose()
            }
        }
        """;

    public static string NewStatePath() => Path.Combine(Path.GetTempPath(), "azc-sync-tests", Guid.NewGuid().ToString("n"), "state.db");

    /// <summary>Partner API requests (uploads and status reads) the emulator received so far.</summary>
    public static bool IsDataUpload(JournalEntry entry) => entry.PathAndQuery.Contains("/DataUploadMessages(", StringComparison.OrdinalIgnoreCase);

    public static long Uploads(TenantFixture tenant) =>
        tenant.Server.Journal.Count(e => IsDataUpload(e) && e.Method == "PUT");

    public static T Property<T>(PSObject item, string name) => (T)item.Properties[name].Value;

    public static PSObject Summary(ScriptResult result) =>
        result.Output.Single(o => o.BaseObject.GetType().Name == "DeviceSyncSummary");

    public static long Count(PSObject summary, string name) => Convert.ToInt64(summary.Properties[name].Value);
}
