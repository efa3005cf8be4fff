using System;
using System.IO;
using AzureCompliance.Core.Diagnostics;
using Microsoft.Data.Sqlite;

namespace AzureCompliance.Core.State
{
    /// <summary>
    /// The module's durable local state (SQLite): the MDM's partner compliance policies, the group scope, and what
    /// Entra last accepted per device. Every change is committed before the work it records is reported done,
    /// in WAL mode with full sync, so a run killed at any moment loses nothing that was confirmed.
    /// Never holds secrets or tokens.
    /// </summary>
    public sealed class StateStore : IDisposable
    {
        private const int SchemaVersion = 2;

        private StateStore(string path, SqliteConnection connection)
        {
            Path = path;
            Connection = connection;
        }

        /// <summary>Where the state lives, as shown (the file; for state in Azure Storage, the blob without its query).</summary>
        public string Path { get; internal set; }

        internal SqliteConnection Connection { get; }

        /// <summary>The per-user default: %LOCALAPPDATA%\AzureCompliance\state.db (~/.local/share/AzureCompliance on Linux).</summary>
        public static string DefaultPath =>
            System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                "AzureCompliance", "state.db");

        public static StateStore Open(string? path = null)
        {
            var fullPath = System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? DefaultPath : path);
            try
            {
                OwnerOnlyFiles.EnsureDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
                OwnerOnlyFiles.EnsureFile(fullPath);
                SqliteNative.EnsureInitialized();
                var connection = new SqliteConnection(new SqliteConnectionStringBuilder
                {
                    DataSource = fullPath,
                    Mode = SqliteOpenMode.ReadWriteCreate,
                    Pooling = false,
                }.ToString());
                connection.Open();
                var store = new StateStore(fullPath, connection);
                store.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;");
                store.Migrate();
                return store;
            }
            catch (SqliteException ex)
            {
                throw new ComplianceException("StateUnreadable", ComplianceErrorCategory.ResourceUnavailable,
                    $"The state file {fullPath} cannot be used: {ex.Message}", fullPath,
                    "Check the path and its permissions, or choose another with -StatePath.", ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new ComplianceException("StateUnreadable", ComplianceErrorCategory.PermissionDenied,
                    $"The state file {fullPath} cannot be opened: {ex.Message}", fullPath,
                    "Check the path and its permissions, or choose another with -StatePath.", ex);
            }
        }

        /// <summary>
        /// Opens an existing state file for reading only (argument completion): no file is created, the journal mode
        /// stays as it is and nothing is migrated. Null when the file does not exist or is not a state file of this
        /// schema.
        /// </summary>
        public static StateStore? OpenReadOnly(string fullPath)
        {
            if (!File.Exists(fullPath))
            {
                return null;
            }
            SqliteNative.EnsureInitialized();
            var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = fullPath,
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
            }.ToString());
            try
            {
                connection.Open();
                using var version = connection.CreateCommand();
                version.CommandText = "PRAGMA user_version";
                if (Convert.ToInt32(version.ExecuteScalar()) != SchemaVersion)
                {
                    connection.Dispose();
                    return null;
                }
                return new StateStore(fullPath, connection);
            }
            catch (SqliteException)
            {
                connection.Dispose();
                return null;
            }
        }

        private void Migrate()
        {
            using var version = Connection.CreateCommand();
            version.CommandText = "PRAGMA user_version";
            var current = Convert.ToInt32(version.ExecuteScalar());
            if (current > SchemaVersion)
            {
                throw new ComplianceException("StateTooNew", ComplianceErrorCategory.InvalidData,
                    $"The state file {Path} was written by a newer AzureCompliance (schema {current}).", Path,
                    "Update the AzureCompliance module, or use another -StatePath.");
            }
            if (current == SchemaVersion)
            {
                return;
            }

            using var transaction = Connection.BeginTransaction();
            Execute(@"
CREATE TABLE IF NOT EXISTS settings (
    source TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (source, name));
CREATE TABLE IF NOT EXISTS policies (
    source TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, platform TEXT NOT NULL, enabled INTEGER NOT NULL,
    rules TEXT NOT NULL, intune_policy_id TEXT, created TEXT NOT NULL, modified TEXT NOT NULL,
    PRIMARY KEY (source, name));
CREATE TABLE IF NOT EXISTS devices (
    source TEXT NOT NULL, device_id TEXT NOT NULL COLLATE NOCASE,
    sent_hash TEXT, sent_message TEXT, sent_at TEXT,
    accepted_hash TEXT, accepted_at TEXT, compliant INTEGER, retired INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, device_id));
CREATE INDEX IF NOT EXISTS devices_pending ON devices (source, sent_message) WHERE sent_message IS NOT NULL;", transaction);
            if (current < 2)
            {
                // Schema 2 (Send-DeviceCompliance): what a pending message carries for the device (its verdict and whether it
                // retires it), copied to compliant/retired when the service confirms it; and the last LastUpdateTime sent
                // (Unix milliseconds), so every later upload of the device carries a later one.
                Execute(@"
ALTER TABLE devices ADD COLUMN sent_compliant INTEGER;
ALTER TABLE devices ADD COLUMN sent_retired INTEGER;
ALTER TABLE devices ADD COLUMN last_update INTEGER;", transaction);
            }
            Execute("PRAGMA user_version = " + SchemaVersion + ";", transaction);
            transaction.Commit();
        }

        internal void Execute(string sql, SqliteTransaction? transaction = null)
        {
            using var command = Connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        /// <summary>Reads a setting of one MDM instance (source), or null.</summary>
        public string? GetSetting(string source, string name)
        {
            using var command = Connection.CreateCommand();
            command.CommandText = "SELECT value FROM settings WHERE source = $source AND name = $name";
            command.Parameters.AddWithValue("$source", source);
            command.Parameters.AddWithValue("$name", name);
            return command.ExecuteScalar() as string;
        }

        public void SetSetting(string source, string name, string? value)
        {
            using var command = Connection.CreateCommand();
            command.CommandText = value == null
                ? "DELETE FROM settings WHERE source = $source AND name = $name"
                : "INSERT INTO settings (source, name, value) VALUES ($source, $name, $value) ON CONFLICT (source, name) DO UPDATE SET value = excluded.value";
            command.Parameters.AddWithValue("$source", source);
            command.Parameters.AddWithValue("$name", name);
            if (value != null) command.Parameters.AddWithValue("$value", value);
            command.ExecuteNonQuery();
        }

        /// <summary>The remote copy this file stands for (state in Azure Storage), or null for a local state file.</summary>
        internal IStateReplica? Replica { get; set; }

        /// <summary>Writes made on this connection (SQLite total_changes): tells a replica whether there is anything to upload.</summary>
        internal long TotalChanges()
        {
            using var command = Connection.CreateCommand();
            command.CommandText = "SELECT total_changes()";
            return Convert.ToInt64(command.ExecuteScalar());
        }

        /// <summary>Folds the write-ahead log into the file, so the file alone is a consistent snapshot.</summary>
        internal void Checkpoint() => Execute("PRAGMA wal_checkpoint(TRUNCATE);");

        /// <summary>
        /// Makes the changes made so far durable where the state lives, before they are reported: a local file already
        /// is (every write commits); state in Azure Storage uploads its snapshot now. Closing the store does it too.
        /// </summary>
        public void Save() => Replica?.Save(this);

        public void Dispose()
        {
            var replica = Replica;
            Replica = null;
            try
            {
                replica?.Closing(this);
            }
            finally
            {
                Connection.Dispose();
                replica?.Dispose();
            }
        }
    }

    /// <summary>A local working copy of state that lives elsewhere: told before the store closes, disposed after.</summary>
    internal interface IStateReplica : IDisposable
    {
        /// <summary>The store is about to close: upload what changed (may fail; the copy is then discarded, nothing uploaded is lost).</summary>
        void Closing(StateStore store);

        /// <summary>Uploads what changed now (a writer's explicit save); nothing when nothing changed.</summary>
        void Save(StateStore store);
    }
}
