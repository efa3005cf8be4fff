using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.State;
using Microsoft.Data.Sqlite;

namespace AzureCompliance.Core.Policy
{
    /// <summary>
    /// The compliance policies of each MDM instance (source) in the state store's <c>policies</c> table. Names are
    /// unique per source (case-insensitive); at most one policy per platform per source is enabled, checked inside the
    /// write transaction so that two processes cannot both enable one.
    /// </summary>
    public static class CompliancePolicyStore
    {
        public const int MaxNameLength = 128;

        private const string Columns = "source, name, platform, enabled, rules, intune_policy_id, created, modified";

        /// <summary>Every policy of a source, by platform then name.</summary>
        public static IReadOnlyList<CompliancePolicy> List(StateStore store, string source)
        {
            using var command = store.Connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM policies WHERE source = $source ORDER BY platform, name";
            command.Parameters.AddWithValue("$source", source);
            return ReadAll(command);
        }

        /// <summary>
        /// The names of a source's policies, for argument completion: reads only (never creates or migrates the file);
        /// none when the state does not exist or is not a state file. <paramref name="location"/> is resolved by the caller.
        /// </summary>
        public static IReadOnlyList<string> ListNames(string? location, string source)
        {
            using var store = StateWorkspace.For(location).OpenForCompletion();
            if (store == null)
            {
                return Array.Empty<string>();
            }
            var names = new List<string>();
            foreach (var policy in List(store, source))
            {
                names.Add(policy.Name);
            }
            return names;
        }

        public static CompliancePolicy? Find(StateStore store, string source, string name)
        {
            using var command = store.Connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM policies WHERE source = $source AND name = $name";
            command.Parameters.AddWithValue("$source", source);
            command.Parameters.AddWithValue("$name", name);
            var list = ReadAll(command);
            return list.Count == 0 ? null : list[0];
        }

        public static CompliancePolicy Get(StateStore store, string source, string name) =>
            Find(store, source, name) ?? throw PolicyErrors.NotFound(name, source);

        /// <summary>
        /// True when the source has an enabled policy for any platform, i.e. it still uploads compliance data. The seed's
        /// "disable the compliance policy before disconnecting" step: de-provisioning refuses while this is true.
        /// </summary>
        public static bool HasEnabledPolicy(StateStore store, string source)
        {
            using var command = store.Connection.CreateCommand();
            command.CommandText = "SELECT EXISTS (SELECT 1 FROM policies WHERE source = $source AND enabled = 1)";
            command.Parameters.AddWithValue("$source", source);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
        }

        /// <summary>The enabled policy of a source for one platform, or null: the platform uploads nothing.</summary>
        public static CompliancePolicy? EnabledPolicy(StateStore store, string source, DevicePlatform platform)
        {
            using var command = store.Connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM policies WHERE source = $source AND platform = $platform AND enabled = 1 ORDER BY name";
            command.Parameters.AddWithValue("$source", source);
            command.Parameters.AddWithValue("$platform", platform.ToString());
            var list = ReadAll(command);
            return list.Count == 0 ? null : list[0];
        }

        /// <summary>Checks a policy's name and rules before it is stored.</summary>
        public static void Validate(CompliancePolicy policy)
        {
            ValidateName(policy.Name);
            if (policy.Platform == DevicePlatform.Unknown || !Enum.IsDefined(typeof(DevicePlatform), policy.Platform))
            {
                throw PolicyErrors.InvalidPlatform(policy.Name, policy.Platform.ToString());
            }
            if (policy.MaximumCheckInAge is TimeSpan age && age < TimeSpan.Zero)
            {
                throw PolicyErrors.InvalidCheckInAge(age);
            }
        }

        public static void ValidateName(string? name)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw PolicyErrors.InvalidName(name, "it is empty.");
            }
            if (name!.Length > MaxNameLength)
            {
                throw PolicyErrors.InvalidName(name, $"it is longer than {MaxNameLength} characters.");
            }
            if (name.Trim() != name)
            {
                throw PolicyErrors.InvalidName(name, "it starts or ends with white space.");
            }
            if (name.IndexOfAny(new[] { '*', '?', '[', ']' }) >= 0)
            {
                throw PolicyErrors.InvalidName(name, "it contains a wildcard character.");
            }
            foreach (var c in name)
            {
                if (char.IsControl(c))
                {
                    throw PolicyErrors.InvalidName(name, "it contains a control character.");
                }
            }
        }

        /// <summary>Stores a new policy. PolicyExists if the name is taken; PolicyConflict if it is enabled and its platform already has an enabled policy.</summary>
        public static CompliancePolicy Add(StateStore store, string source, CompliancePolicy policy, DateTimeOffset now)
        {
            Validate(policy);
            var stored = policy.Clone();
            stored.SourceName = source;
            stored.Created = now;
            stored.Modified = now;
            Write(store, transaction =>
            {
                if (Exists(store, transaction, source, stored.Name))
                {
                    throw PolicyErrors.Exists(stored.Name, source);
                }
                if (stored.Enabled)
                {
                    CheckNoOtherEnabled(store, transaction, source, stored.Platform, stored.Name);
                }
                using var insert = store.Connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = $"INSERT INTO policies ({Columns}) VALUES ($source, $name, $platform, $enabled, $rules, $intune, $created, $modified)";
                Bind(insert, source, stored);
                insert.ExecuteNonQuery();
            });
            return stored;
        }

        /// <summary>
        /// Checks, before any remote work, that <see cref="Add"/> would succeed now (name free, no enabled policy for the platform).
        /// </summary>
        public static void CheckCanAdd(StateStore store, string source, CompliancePolicy policy)
        {
            Validate(policy);
            if (Find(store, source, policy.Name) != null)
            {
                throw PolicyErrors.Exists(policy.Name, source);
            }
            if (policy.Enabled)
            {
                var enabled = EnabledPolicy(store, source, policy.Platform);
                if (enabled != null)
                {
                    throw PolicyErrors.Conflict(policy.Platform, enabled.Name, policy.Name, source);
                }
            }
        }

        /// <summary>
        /// Replaces a stored policy's rules, state and Intune id (found by <paramref name="name"/>, which may differ from
        /// policy.Name for a rename). Enabling checks the one-enabled-per-platform rule.
        /// </summary>
        public static CompliancePolicy Update(StateStore store, string source, string name, CompliancePolicy policy, DateTimeOffset now)
        {
            Validate(policy);
            var stored = policy.Clone();
            stored.SourceName = source;
            stored.Modified = now;
            Write(store, transaction =>
            {
                var current = FindIn(store, transaction, source, name) ?? throw PolicyErrors.NotFound(name, source);
                stored.Created = current.Created;
                if (!string.Equals(name, stored.Name, StringComparison.OrdinalIgnoreCase) && Exists(store, transaction, source, stored.Name))
                {
                    throw PolicyErrors.Exists(stored.Name, source);
                }
                if (stored.Platform != current.Platform && current.IntunePolicyId != null)
                {
                    // The Intune partner policy is per platform: a policy moved to another platform needs its own.
                    stored.IntunePolicyId = null;
                }
                if (stored.Enabled)
                {
                    CheckNoOtherEnabled(store, transaction, source, stored.Platform, name);
                }
                using var update = store.Connection.CreateCommand();
                update.Transaction = transaction;
                update.CommandText = "UPDATE policies SET name = $name, platform = $platform, enabled = $enabled, rules = $rules, " +
                                     "intune_policy_id = $intune, created = $created, modified = $modified WHERE source = $source AND name = $old";
                Bind(update, source, stored);
                update.Parameters.AddWithValue("$old", name);
                if (update.ExecuteNonQuery() != 1)
                {
                    throw PolicyErrors.Changed(name, source);
                }
            });
            return stored;
        }

        /// <summary>Enables or disables a policy; enabling checks the one-enabled-per-platform rule.</summary>
        public static CompliancePolicy SetEnabled(StateStore store, string source, string name, bool enabled, DateTimeOffset now)
        {
            CompliancePolicy? result = null;
            Write(store, transaction =>
            {
                var current = FindIn(store, transaction, source, name) ?? throw PolicyErrors.NotFound(name, source);
                if (enabled && !current.Enabled)
                {
                    CheckNoOtherEnabled(store, transaction, source, current.Platform, current.Name);
                }
                current.Enabled = enabled;
                current.Modified = now;
                using var update = store.Connection.CreateCommand();
                update.Transaction = transaction;
                update.CommandText = "UPDATE policies SET enabled = $enabled, modified = $modified WHERE source = $source AND name = $name";
                update.Parameters.AddWithValue("$enabled", enabled ? 1 : 0);
                update.Parameters.AddWithValue("$modified", FormatTime(now));
                update.Parameters.AddWithValue("$source", source);
                update.Parameters.AddWithValue("$name", current.Name);
                update.ExecuteNonQuery();
                result = current;
            });
            return result!;
        }

        /// <summary>Removes a policy; false if there was none of that name.</summary>
        public static bool Remove(StateStore store, string source, string name)
        {
            using var command = store.Connection.CreateCommand();
            command.CommandText = "DELETE FROM policies WHERE source = $source AND name = $name";
            command.Parameters.AddWithValue("$source", source);
            command.Parameters.AddWithValue("$name", name);
            return command.ExecuteNonQuery() > 0;
        }

        private static void Write(StateStore store, Action<SqliteTransaction> work)
        {
            // BEGIN IMMEDIATE: the check and the write happen under one write lock, so two processes cannot both pass the check.
            using var transaction = store.Connection.BeginTransaction(deferred: false);
            work(transaction);
            transaction.Commit();
        }

        private static bool Exists(StateStore store, SqliteTransaction transaction, string source, string name) =>
            FindIn(store, transaction, source, name) != null;

        private static CompliancePolicy? FindIn(StateStore store, SqliteTransaction transaction, string source, string name)
        {
            using var command = store.Connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"SELECT {Columns} FROM policies WHERE source = $source AND name = $name";
            command.Parameters.AddWithValue("$source", source);
            command.Parameters.AddWithValue("$name", name);
            var list = ReadAll(command);
            return list.Count == 0 ? null : list[0];
        }

        private static void CheckNoOtherEnabled(StateStore store, SqliteTransaction transaction, string source, DevicePlatform platform, string exceptName)
        {
            using var command = store.Connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT name FROM policies WHERE source = $source AND platform = $platform AND enabled = 1 AND name <> $name LIMIT 1";
            command.Parameters.AddWithValue("$source", source);
            command.Parameters.AddWithValue("$platform", platform.ToString());
            command.Parameters.AddWithValue("$name", exceptName);
            if (command.ExecuteScalar() is string other)
            {
                throw PolicyErrors.Conflict(platform, other, exceptName, source);
            }
        }

        private static void Bind(SqliteCommand command, string source, CompliancePolicy policy)
        {
            command.Parameters.AddWithValue("$source", source);
            command.Parameters.AddWithValue("$name", policy.Name);
            command.Parameters.AddWithValue("$platform", policy.Platform.ToString());
            command.Parameters.AddWithValue("$enabled", policy.Enabled ? 1 : 0);
            command.Parameters.AddWithValue("$rules", SerializeRules(policy));
            command.Parameters.AddWithValue("$intune", (object?)policy.IntunePolicyId ?? DBNull.Value);
            command.Parameters.AddWithValue("$created", FormatTime(policy.Created));
            command.Parameters.AddWithValue("$modified", FormatTime(policy.Modified));
        }

        private static IReadOnlyList<CompliancePolicy> ReadAll(SqliteCommand command)
        {
            var list = new List<CompliancePolicy>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var source = reader.GetString(0);
                var name = reader.GetString(1);
                var platformText = reader.GetString(2);
                var policy = new CompliancePolicy(name,
                    Enum.TryParse<DevicePlatform>(platformText, true, out var platform) ? platform : DevicePlatform.Unknown)
                {
                    SourceName = source,
                    Enabled = reader.GetInt64(3) != 0,
                    IntunePolicyId = reader.IsDBNull(5) ? null : reader.GetString(5),
                    Created = ParseTime(reader.GetString(6)),
                    Modified = ParseTime(reader.GetString(7)),
                };
                try
                {
                    ReadRules(reader.GetString(4), policy);
                }
                catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException || ex is OverflowException || ex is ArgumentException)
                {
                    throw PolicyErrors.UnreadableRules(name, source, ex);
                }
                list.Add(policy);
            }
            return list;
        }

        /// <summary>The rules as stored: a JSON object; absent members take "off" (forward compatible with added rules).</summary>
        internal static string SerializeRules(CompliancePolicy policy)
        {
            using var buffer = new System.IO.MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                if (policy.MinimumOsVersion != null) json.WriteString("minimumOsVersion", policy.MinimumOsVersion.ToString());
                if (policy.MinimumClientVersion != null) json.WriteString("minimumClientVersion", policy.MinimumClientVersion.ToString());
                json.WriteBoolean("blockJailbroken", policy.BlockJailbroken);
                json.WriteBoolean("requireEncryption", policy.RequireEncryption);
                json.WriteBoolean("requirePasscode", policy.RequirePasscode);
                json.WriteBoolean("requireEntraRegistration", policy.RequireEntraRegistration);
                if (policy.MaximumCheckInAge is TimeSpan age && age > TimeSpan.Zero) json.WriteNumber("maximumCheckInAgeSeconds", (long)age.TotalSeconds);
                json.WriteEndObject();
            }
            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }

        internal static void ReadRules(string text, CompliancePolicy policy)
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            policy.MinimumOsVersion = ReadVersion(root, "minimumOsVersion");
            policy.MinimumClientVersion = ReadVersion(root, "minimumClientVersion");
            policy.BlockJailbroken = ReadBool(root, "blockJailbroken");
            policy.RequireEncryption = ReadBool(root, "requireEncryption");
            policy.RequirePasscode = ReadBool(root, "requirePasscode");
            policy.RequireEntraRegistration = ReadBool(root, "requireEntraRegistration");
            policy.MaximumCheckInAge = root.TryGetProperty("maximumCheckInAgeSeconds", out var age) && age.ValueKind == JsonValueKind.Number
                ? TimeSpan.FromSeconds(age.GetInt64())
                : (TimeSpan?)null;
        }

        private static Version? ReadVersion(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && VersionString.TryParse(value.GetString(), out var version)
                ? version
                : null;

        private static bool ReadBool(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

        private static string FormatTime(DateTimeOffset time) => time.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture);

        private static DateTimeOffset ParseTime(string text) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : default;
    }
}
