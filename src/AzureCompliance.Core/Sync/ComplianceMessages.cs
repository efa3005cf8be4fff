using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AzureCompliance.Core.Devices;

namespace AzureCompliance.Core.Sync
{
    /// <summary>One device as it goes into a data upload message: what is uploaded, and what the state records.</summary>
    internal sealed class PackedDevice
    {
        public PackedDevice(string deviceId, string? deviceName, string? userPrincipalName, string ownerId, DevicePlatform platform,
            string? osVersion, DateTimeOffset? lastCheckIn, bool isCompliant, bool isRetired, string? policyName, object? target)
        {
            DeviceId = deviceId;
            Key = StateKey(deviceId);
            DeviceName = deviceName;
            UserPrincipalName = userPrincipalName;
            OwnerId = ownerId;
            Platform = platform;
            OsVersion = osVersion;
            LastCheckIn = lastCheckIn;
            IsCompliant = isCompliant;
            IsRetired = isRetired;
            PolicyName = policyName;
            Target = target;
        }

        public string DeviceId { get; }
        /// <summary>The state store's key: the device id trimmed and lower-cased.</summary>
        public string Key { get; }
        public string? DeviceName { get; }
        public string? UserPrincipalName { get; }
        /// <summary>The owner's Entra object id (UserId of both entities).</summary>
        public string OwnerId { get; }
        public DevicePlatform Platform { get; }
        public string? OsVersion { get; }
        public DateTimeOffset? LastCheckIn { get; }
        public bool IsCompliant { get; }
        public bool IsRetired { get; }
        public string? PolicyName { get; }
        /// <summary>The pipeline object the device came from (error target).</summary>
        public object? Target { get; }
        /// <summary>Hash of the uploaded content without its timestamps (the delta key).</summary>
        public string Hash { get; set; } = "";
        /// <summary>LastUpdateTime of this upload, Unix milliseconds; strictly above every earlier upload of the device.</summary>
        public long LastUpdateMs { get; set; }

        public static string StateKey(string deviceId) => deviceId.Trim().ToLowerInvariant();

        public DeviceSyncResult ToResult(DeviceSyncOutcome outcome, string? messageId, string? detail) =>
            new DeviceSyncResult(DeviceId, DeviceName, UserPrincipalName, OwnerId, Platform, IsRetired ? (bool?)null : IsCompliant,
                IsRetired, outcome, messageId, detail, PolicyName);
    }

    /// <summary>
    /// Builds the content of data upload messages (PROTOCOL.md 3.4) and the delta hash. Per device: the inventory entity
    /// (EntityType 1) and the compliance entity (EntityType 4). A retired device gets the inventory entity with
    /// DeviceManagementState "notManaged" AND a compliance entity "notCompliant": how the service treats notManaged alone
    /// is undocumented (an emulator kept isCompliant true), so the device can never stay compliant (Fleet always sends both).
    /// DeviceName, Os and OsVersion are never empty: <see cref="MissingInventory"/> keeps such devices out (a per-item error).
    /// </summary>
    internal static class ComplianceMessages
    {
        public const int InventoryEntity = 1;
        public const int ComplianceEntity = 4;
        public const string Managed = "managed";
        public const string NotManaged = "notManaged";
        public const string Compliant = "compliant";
        public const string NotCompliant = "notCompliant";

        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Indented = false,
        };

        /// <summary>The Content of one message: the JSON text of the entity array.</summary>
        public static string BuildContent(string tenantId, IReadOnlyList<PackedDevice> devices)
        {
            var utf8 = BuildContentUtf8(tenantId, devices);
            return Encoding.UTF8.GetString(utf8.Array!, utf8.Offset, utf8.Count);
        }

        /// <summary>
        /// The same as UTF-8 bytes. The upload path stays in UTF-8 from here to the socket: no UTF-16 copy of a message
        /// (a message of 100 devices is about 60 KB, so its bytes stay off the large object heap).
        /// </summary>
        public static ArraySegment<byte> BuildContentUtf8(string tenantId, IReadOnlyList<PackedDevice> devices)
        {
            var stream = new MemoryStream(devices.Count * 600);
            using (var writer = new Utf8JsonWriter(stream, WriterOptions))
            {
                writer.WriteStartArray();
                foreach (var device in devices)
                {
                    WriteEntities(writer, tenantId, device);
                }
                writer.WriteEndArray();
            }
            return new ArraySegment<byte>(stream.GetBuffer(), 0, (int)stream.Length);
        }

        private static void WriteEntities(Utf8JsonWriter writer, string tenantId, PackedDevice device)
        {
            var updated = FormatTime(DateTimeOffset.FromUnixTimeMilliseconds(device.LastUpdateMs));
            writer.WriteStartObject();
            writer.WriteNumber("EntityType", InventoryEntity);
            writer.WriteString("TenantId", tenantId);
            writer.WriteString("DeviceManagementState", device.IsRetired ? NotManaged : Managed);
            writer.WriteString("DeviceId", device.DeviceId);
            writer.WriteString("DeviceName", DeviceName(device));
            writer.WriteString("UserId", device.OwnerId);
            // No check-in known: the time of this upload (the field is required).
            writer.WriteString("LastCheckInTime", device.LastCheckIn.HasValue ? FormatTime(device.LastCheckIn.Value) : updated);
            writer.WriteString("LastUpdateTime", updated);
            writer.WriteString("Os", DevicePlatforms.ToPartnerName(device.Platform));
            writer.WriteString("OsVersion", OsVersion(device));
            writer.WriteStartArray("EasIds");
            writer.WriteEndArray();
            writer.WriteNumber("State", 0);
            writer.WriteEndObject();

            writer.WriteStartObject();
            writer.WriteNumber("EntityType", ComplianceEntity);
            writer.WriteString("TenantId", tenantId);
            writer.WriteString("DeviceId", device.DeviceId);
            writer.WriteString("UserId", device.OwnerId);
            writer.WriteString("LastUpdateTime", updated);
            writer.WriteString("complianceStatus", device.IsCompliant && !device.IsRetired ? Compliant : NotCompliant);
            writer.WriteEndObject();
        }

        /// <summary>
        /// The delta hash: 64-bit FNV-1a over every uploaded value except the timestamps (LastUpdateTime, LastCheckInTime,
        /// UploadTime), as 16 hex digits. A device whose hash equals the one Entra last confirmed is not sent again.
        /// </summary>
        public static string Hash(string tenantId, PackedDevice device)
        {
            var hash = 14695981039346656037UL;
            hash = Add(hash, "v1");
            hash = Add(hash, tenantId.ToLowerInvariant());
            hash = Add(hash, device.IsRetired ? NotManaged : Managed);
            hash = Add(hash, device.Key);
            hash = Add(hash, DeviceName(device));
            hash = Add(hash, device.OwnerId.ToLowerInvariant());
            hash = Add(hash, DevicePlatforms.ToPartnerName(device.Platform));
            hash = Add(hash, OsVersion(device));
            hash = Add(hash, device.IsRetired ? "-" : device.IsCompliant ? Compliant : NotCompliant);
            return hash.ToString("x16", CultureInfo.InvariantCulture);
        }

        private static ulong Add(ulong hash, string value)
        {
            const ulong prime = 1099511628211UL;
            foreach (var c in value)
            {
                hash ^= (byte)c;
                hash *= prime;
                hash ^= (byte)(c >> 8);
                hash *= prime;
            }
            // A separator no text contains, so ("ab","c") and ("a","bc") differ.
            hash ^= 0xFF;
            hash *= prime;
            return hash;
        }

        private static string DeviceName(PackedDevice device) => device.DeviceName?.Trim() ?? "";

        private static string OsVersion(PackedDevice device) => device.OsVersion?.Trim() ?? "";

        /// <summary>
        /// The inventory fields the service requires non-empty (DeviceName, Os, OsVersion) that this device lacks, or null
        /// when it has them all. A device without them is not sent: a blank field would be refused or shown blank in Intune.
        /// </summary>
        public static string? MissingInventory(string? deviceName, DevicePlatform platform, string? osVersion)
        {
            var missing = new List<string>();
            if (string.IsNullOrWhiteSpace(deviceName)) missing.Add("DeviceName");
            if (platform == DevicePlatform.Unknown) missing.Add("Os (the platform)");
            if (string.IsNullOrWhiteSpace(osVersion)) missing.Add("OsVersion");
            return missing.Count == 0 ? null : string.Join(", ", missing);
        }

        /// <summary>ISO 8601 in UTC with milliseconds, e.g. 2026-11-22T16:42:07.123Z.</summary>
        public static string FormatTime(DateTimeOffset time) =>
            time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }
}
