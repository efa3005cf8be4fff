namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>The api-version values the partner API accepts (PROTOCOL.md 3; older Fleet code used 1.0 on both services).</summary>
internal static class PartnerApiVersions
{
    public const string TenantSync = "1.6";
    public const string TenantSyncLegacy = "1.0";
    public const string DeviceSync = "1.2";
    public const string DeviceSyncLegacy = "1.0";

    public static readonly string[] TenantSyncAll = [TenantSync, TenantSyncLegacy];
    public static readonly string[] DeviceSyncAll = [DeviceSync, DeviceSyncLegacy];
}
