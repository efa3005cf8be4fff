using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace AzureCompliance.Core.State
{
    /// <summary>
    /// The one place the module's state is located and opened. Every command that reads or writes state (policies,
    /// group scope, licensing intent, the sync journal) goes through a workspace: it turns a -StatePath (already
    /// resolved against the PowerShell location by the cmdlet) or the default into a location, and opens the store
    /// for reading, for writing, or for a sync run under the run lock.
    /// </summary>
    public sealed class StateWorkspace
    {
        private readonly IStateLocation _location;

        private StateWorkspace(IStateLocation location) => _location = location;

        /// <summary>
        /// A workspace over <paramref name="location"/>: a full file path, or a blob URL (state in Azure Storage, signed in
        /// with a SAS in its query or else with <paramref name="connection"/>'s identity), or the per-user default when blank.
        /// </summary>
        public static StateWorkspace For(string? location, Connection.ComplianceConnection? connection = null) =>
            Blob.BlobStateAddress.IsBlobAddress(location)
                ? new StateWorkspace(new Blob.BlobStateLocation(location!, connection))
                : new StateWorkspace(new LocalStateLocation(Path.GetFullPath(string.IsNullOrWhiteSpace(location) ? StateStore.DefaultPath : location!)));

        /// <summary>A location as it may be shown: a blob URL without its query (which may hold a SAS); a path as it is.</summary>
        public static string Redact(string location) => Blob.BlobStateAddress.IsBlobAddress(location) ? Blob.BlobStateAddress.Redact(location) : location;

        /// <summary>Where the state lives, as shown in messages and results.</summary>
        public string Location => _location.Display;

        /// <summary>The location as given to <see cref="For"/> (fully resolved), for handing on to another request; never shown.</summary>
        internal string Address => _location.Address;

        /// <summary>Whether state exists there (nothing is created).</summary>
        public bool Exists => _location.Exists();

        /// <summary>Opens the state for changes, creating it when needed. Disposing the store ends the change.</summary>
        public StateStore Open() => _location.OpenForWriting();

        /// <summary>Opens existing state for changes; null (and nothing created) when there is none.</summary>
        public StateStore? OpenExisting() => Exists ? Open() : null;

        /// <summary>Opens existing state to read it; null (and nothing created) when there is none.</summary>
        public StateStore? OpenForReading() => Exists ? _location.OpenForReading() : null;

        /// <summary>
        /// Opens existing state for argument completion: never creates, migrates or waits; null when there is none or it
        /// is not a state file of this module's schema.
        /// </summary>
        public StateStore? OpenForCompletion() => _location.OpenForCompletion();

        /// <summary>
        /// Takes the run lock (one sync run per state at a time), waiting up to <paramref name="wait"/>, then refusing
        /// with StateInUse.
        /// </summary>
        public Task<RunLock> LockRunAsync(TimeSpan wait, CancellationToken cancellationToken) =>
            _location.LockRunAsync(wait, cancellationToken);

        /// <summary>Opens the state for a sync run that holds <paramref name="runLock"/> (from <see cref="LockRunAsync"/>).</summary>
        public StateStore OpenForRun(RunLock runLock) => _location.OpenForRun(runLock);

        public override string ToString() => Location;
    }

    /// <summary>One kind of place state can live: a local file today, a blob as a second kind.</summary>
    internal interface IStateLocation
    {
        string Display { get; }
        string Address { get; }
        bool Exists();
        StateStore OpenForWriting();
        StateStore OpenForReading();
        StateStore? OpenForCompletion();
        Task<RunLock> LockRunAsync(TimeSpan wait, CancellationToken cancellationToken);
        StateStore OpenForRun(RunLock runLock);
    }

    /// <summary>A state file on this machine: SQLite in WAL mode, the run lock a file beside it.</summary>
    internal sealed class LocalStateLocation : IStateLocation
    {
        private readonly string _path;

        public LocalStateLocation(string fullPath) => _path = fullPath;

        public string Display => _path;

        public string Address => _path;

        public bool Exists() => File.Exists(_path);

        public StateStore OpenForWriting() => StateStore.Open(_path);

        // SQLite reads and writes share one file safely; reading opens it as writing does (and migrates it).
        public StateStore OpenForReading() => StateStore.Open(_path);

        public StateStore? OpenForCompletion() => StateStore.OpenReadOnly(_path);

        public Task<RunLock> LockRunAsync(TimeSpan wait, CancellationToken cancellationToken)
        {
            OwnerOnlyFiles.EnsureDirectory(Path.GetDirectoryName(_path)!);
            return RunLock.AcquireAsync(_path, wait, cancellationToken);
        }

        public StateStore OpenForRun(RunLock runLock) => StateStore.Open(_path);
    }
}
