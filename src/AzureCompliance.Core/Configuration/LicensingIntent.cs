using System;
using System.Text.Json;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>
    /// The licensing intent of an instance, recorded in its state when a configuration sets it: the tenant has no place
    /// for an intent, only for the licences it leads to. Without a record the intent is "assign nothing".
    /// </summary>
    internal static class LicensingIntent
    {
        private const string SettingName = "configurationLicensing";

        public static LicensingConfiguration Load(StateStore? store, string source)
        {
            var json = store?.GetSetting(source, SettingName);
            var intent = new LicensingConfiguration();
            if (json == null) return intent;
            try
            {
                using var document = JsonDocument.Parse(json);
                var root = document.RootElement;
                intent.AssignMissingLicenses = root.TryGetProperty("assignMissingLicenses", out var assign) && assign.ValueKind == JsonValueKind.True;
                intent.SkuId = root.TryGetProperty("skuId", out var sku) && sku.ValueKind == JsonValueKind.String && Guid.TryParse(sku.GetString(), out var id) ? id : (Guid?)null;
                intent.UsageLocation = root.TryGetProperty("usageLocation", out var location) && location.ValueKind == JsonValueKind.String ? location.GetString() : null;
            }
            catch (JsonException)
            {
                // An unreadable record counts as no record: the next apply writes it again.
            }
            return intent;
        }

        public static void Save(StateStore store, string source, LicensingConfiguration intent) =>
            store.SetSetting(source, SettingName, JsonSerializer.Serialize(new
            {
                assignMissingLicenses = intent.AssignMissingLicenses,
                skuId = intent.SkuId?.ToString(),
                usageLocation = intent.UsageLocation,
            }));

        public static bool Same(LicensingConfiguration a, LicensingConfiguration b) =>
            a.AssignMissingLicenses == b.AssignMissingLicenses && a.SkuId == b.SkuId &&
            string.Equals(a.UsageLocation, b.UsageLocation, StringComparison.OrdinalIgnoreCase);
    }
}
