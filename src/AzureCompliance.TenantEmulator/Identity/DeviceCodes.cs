using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace AzureCompliance.TenantEmulator.Identity;

/// <summary>
/// Pending device code sign-ins. Nobody opens a browser here: a code counts as approved by the
/// fixture's device-code user once the approval delay has passed.
/// </summary>
internal sealed class DeviceCodeStore(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);
    private const string UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ23456789";

    private readonly ConcurrentDictionary<string, DeviceCodeEntry> _entries = new(StringComparer.Ordinal);

    internal sealed record DeviceCodeEntry(string DeviceCode, string UserCode, string ClientId, ScopeRequest Scope, DateTimeOffset IssuedAt, bool Redeemed);

    public DeviceCodeEntry Create(string clientId, ScopeRequest scope)
    {
        var userCode = new string(Enumerable.Range(0, 9).Select(_ => UserCodeAlphabet[RandomNumberGenerator.GetInt32(UserCodeAlphabet.Length)]).ToArray());
        // Entra's device codes are long opaque strings; the shape does not matter to clients.
        var deviceCode = "DAQABIQEAAAB" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(96));
        var entry = new DeviceCodeEntry(deviceCode, userCode, clientId, scope, time.GetUtcNow(), false);
        _entries[deviceCode] = entry;
        return entry;
    }

    public DeviceCodeEntry? Find(string deviceCode) => _entries.GetValueOrDefault(deviceCode);

    /// <summary>Marks a code used; false if it already was (a code is good for one token response).</summary>
    public bool TryRedeem(DeviceCodeEntry entry) => _entries.TryUpdate(entry.DeviceCode, entry with { Redeemed = true }, entry with { Redeemed = false });
}

/// <summary>Refresh tokens handed out with delegated tokens: opaque, multi-resource, valid until the server stops.</summary>
internal sealed class RefreshTokenStore
{
    private readonly ConcurrentDictionary<string, RefreshTokenEntry> _entries = new(StringComparer.Ordinal);

    internal sealed record RefreshTokenEntry(string ClientId, Guid UserId);

    public string Issue(string clientId, Guid userId)
    {
        var token = "0.AQ" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(160));
        _entries[token] = new RefreshTokenEntry(clientId, userId);
        return token;
    }

    public RefreshTokenEntry? Find(string token) => _entries.GetValueOrDefault(token);
}
