using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>Intune compliance management partners (Graph complianceManagementPartner), kept as Graph JSON.</summary>
public sealed partial class TenantState
{
    private readonly OrderedDictionary<string, JsonObject> _compliancePartners = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The platforms a partner can be onboarded for: Graph's flag property and the name used in messages.</summary>
    public static readonly IReadOnlyList<(string Flag, string Assignments, string Platform)> CompliancePartnerPlatforms =
    [
        ("androidOnboarded", "androidEnrollmentAssignments", "Android"),
        ("iosOnboarded", "iosEnrollmentAssignments", "iOS"),
        ("macOsOnboarded", "macOsEnrollmentAssignments", "macOS"),
    ];

    public IReadOnlyList<JsonObject> CompliancePartners
    {
        get { lock (Sync) return _compliancePartners.Values.Select(p => (JsonObject)p.DeepClone()).ToArray(); }
    }

    public JsonObject? FindCompliancePartner(string id)
    {
        lock (Sync) return _compliancePartners.TryGetValue(id, out var partner) ? (JsonObject)partner.DeepClone() : null;
    }

    /// <summary>
    /// Stores a partner (new or replacing the one with its id) unless it would onboard a platform another partner holds:
    /// only one partner may be the compliance partner of a platform at a time. Returns the conflict message, or null when saved.
    /// </summary>
    public string? SaveCompliancePartner(JsonObject partner)
    {
        var id = partner["id"]!.GetValue<string>();
        lock (Sync)
        {
            foreach (var (flag, _, platform) in CompliancePartnerPlatforms)
            {
                if (partner[flag]?.GetValue<bool>() != true)
                    continue;
                var holder = _compliancePartners.Values.FirstOrDefault(p =>
                    !string.Equals(p["id"]!.GetValue<string>(), id, StringComparison.OrdinalIgnoreCase) && p[flag]?.GetValue<bool>() == true);
                if (holder is not null)
                {
                    return $"The {platform} platform is already onboarded to the compliance partner '{holder["displayName"]}' ({holder["id"]}). "
                        + $"Only one partner can be the compliance partner of a platform at a time: offboard {platform} from '{holder["displayName"]}' first.";
                }
            }
            _compliancePartners[id] = (JsonObject)partner.DeepClone();
            return null;
        }
    }

    public bool RemoveCompliancePartner(string id)
    {
        lock (Sync) return _compliancePartners.Remove(id);
    }

    /// <summary>Records a heartbeat of the partner (what Intune shows once the partner's service reports in).</summary>
    public bool RecordCompliancePartnerHeartbeat(string id, DateTimeOffset when, string partnerState = "enabled")
    {
        lock (Sync)
        {
            if (!_compliancePartners.TryGetValue(id, out var partner))
                return false;
            partner["lastHeartbeatDateTime"] = when.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture);
            partner["partnerState"] = partnerState;
            return true;
        }
    }
}
