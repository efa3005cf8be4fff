using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>Conditional Access policies (Graph conditionalAccessPolicy), kept as Graph JSON.</summary>
public sealed partial class TenantState
{
    private readonly OrderedDictionary<string, JsonObject> _conditionalAccessPolicies = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<JsonObject> ConditionalAccessPolicies
    {
        get { lock (Sync) return _conditionalAccessPolicies.Values.Select(p => (JsonObject)p.DeepClone()).ToArray(); }
    }

    public JsonObject? FindConditionalAccessPolicy(string id)
    {
        lock (Sync) return _conditionalAccessPolicies.TryGetValue(id, out var policy) ? (JsonObject)policy.DeepClone() : null;
    }

    /// <summary>Adds or replaces a policy (by its "id").</summary>
    public void SaveConditionalAccessPolicy(JsonObject policy)
    {
        lock (Sync) _conditionalAccessPolicies[policy["id"]!.GetValue<string>()] = (JsonObject)policy.DeepClone();
    }

    public bool RemoveConditionalAccessPolicy(string id)
    {
        lock (Sync) return _conditionalAccessPolicies.Remove(id);
    }
}
