using System.Security.Cryptography;

namespace AzureCompliance.TenantEmulator.Admin;

/// <summary>
/// The per-run secret of the admin endpoint (/_emulator/...). Printed at start beside the other connection
/// parameters, so only whoever started the emulator can drive it; nothing reaches the admin surface by accident.
/// </summary>
public sealed class AdminKey
{
    public const string HeaderName = "X-Emulator-Admin-Key";

    public AdminKey(string? value = null) =>
        Value = string.IsNullOrEmpty(value) ? Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant() : value;

    public string Value { get; }

    internal bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(Value));
}
