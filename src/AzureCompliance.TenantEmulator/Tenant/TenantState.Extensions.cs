using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>Open extensions (openTypeExtension) on directory objects, remembered with the app that created each.</summary>
public sealed partial class TenantState
{
    /// <summary>Two open extensions per creator app per directory object (Graph docs: extensibility overview).</summary>
    public const int MaxOpenExtensionsPerApp = 2;

    private readonly Dictionary<Guid, List<(string CreatorAppId, JsonObject Extension)>> _openExtensions = [];

    public IReadOnlyList<JsonObject> GetOpenExtensions(Guid objectId)
    {
        lock (Sync)
            return _openExtensions.TryGetValue(objectId, out var list) ? list.Select(e => (JsonObject)e.Extension.DeepClone()).ToArray() : [];
    }

    public JsonObject? FindOpenExtension(Guid objectId, string extensionName)
    {
        lock (Sync)
        {
            return _openExtensions.TryGetValue(objectId, out var list)
                && list.FirstOrDefault(e => NameOf(e.Extension) == extensionName.ToLowerInvariant()) is { Extension: { } found }
                ? (JsonObject)found.DeepClone()
                : null;
        }
    }

    public enum OpenExtensionAddResult { Added, NameExists, LimitReached }

    /// <summary>Adds an extension unless its name is taken on the object or the creator app already has the maximum there.</summary>
    public OpenExtensionAddResult AddOpenExtension(Guid objectId, string creatorAppId, JsonObject extension)
    {
        lock (Sync)
        {
            if (!_openExtensions.TryGetValue(objectId, out var list))
                _openExtensions[objectId] = list = [];
            if (list.Any(e => NameOf(e.Extension) == NameOf(extension)))
                return OpenExtensionAddResult.NameExists;
            if (list.Count(e => string.Equals(e.CreatorAppId, creatorAppId, StringComparison.OrdinalIgnoreCase)) >= MaxOpenExtensionsPerApp)
                return OpenExtensionAddResult.LimitReached;
            list.Add((creatorAppId, (JsonObject)extension.DeepClone()));
            return OpenExtensionAddResult.Added;
        }
    }

    /// <summary>Replaces the extension of that name; false when there is none.</summary>
    public bool ReplaceOpenExtension(Guid objectId, string extensionName, JsonObject extension)
    {
        lock (Sync)
        {
            if (!_openExtensions.TryGetValue(objectId, out var list))
                return false;
            var index = list.FindIndex(e => NameOf(e.Extension) == extensionName.ToLowerInvariant());
            if (index < 0)
                return false;
            list[index] = (list[index].CreatorAppId, (JsonObject)extension.DeepClone());
            return true;
        }
    }

    public bool RemoveOpenExtension(Guid objectId, string extensionName)
    {
        lock (Sync)
            return _openExtensions.TryGetValue(objectId, out var list) && list.RemoveAll(e => NameOf(e.Extension) == extensionName.ToLowerInvariant()) > 0;
    }

    private static string NameOf(JsonObject extension) => (extension["extensionName"]?.GetValue<string>() ?? "").ToLowerInvariant();
}
