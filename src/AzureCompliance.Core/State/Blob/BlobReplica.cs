using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace AzureCompliance.Core.State.Blob
{
    /// <summary>
    /// The local working copy of state kept in Azure Storage: the snapshot blob downloaded into an owner-only temporary
    /// folder, with the journal of the same generation replayed over it. A writer (holding the lease) uploads a new
    /// snapshot when it closes after changes (policies, scope, settings) and starts an empty journal of the next
    /// generation; a sync run instead appends each journal write as it happens (<see cref="Appender"/>) and checkpoints
    /// only when the journal has grown as large as the snapshot, so a delta run writes O(changed devices). A reader holds
    /// no lease and uploads nothing. The copy is deleted when the store closes.
    /// </summary>
    internal sealed class BlobReplica : IStateReplica
    {
        public const string GenerationKey = "azcgeneration";
        private const long MinJournalBeforeCheckpoint = 1024 * 1024;
        private const int MaxJournalBlocks = 40000;

        private readonly BlobStateAddress _address;
        private readonly string _folder;
        private readonly BlobLease? _lease;
        private readonly bool _ownsLease;
        private readonly bool _forRun;
        private long _generation;
        private long _snapshotBytes;
        private long _baseline;
        private ETag _journalETag;

        private BlobReplica(BlobStateAddress address, string folder, BlobLease? lease, bool ownsLease, bool forRun)
        {
            _address = address;
            _folder = folder;
            _lease = lease;
            _ownsLease = ownsLease;
            _forRun = forRun;
        }

        /// <summary>For a sync run: the journal appender (null for a reader).</summary>
        public JournalAppender? Appender { get; private set; }

        /// <summary>Opens a copy. With a lease: seals the journal (a stale holder can no longer append), then reads.</summary>
        public static StateStore Open(BlobStateAddress address, BlobLease? lease, bool ownsLease, bool forRun)
        {
            var folder = Path.Combine(Path.GetTempPath(), "AzureCompliance-" + Guid.NewGuid().ToString("n"));
            var replica = new BlobReplica(address, folder, lease, ownsLease, forRun);
            StateStore? store = null;
            try
            {
                OwnerOnlyFiles.EnsureDirectory(folder);
                var file = Path.Combine(folder, "state.db");
                OwnerOnlyFiles.EnsureFile(file);
                var journal = lease == null ? replica.ReadJournal() : replica.SealJournal();
                replica.DownloadSnapshot(file);
                store = StateStore.Open(file);
                store.Path = address.Display;
                if (journal.Content.Length > 0 && journal.Generation == replica._generation)
                {
                    Sync.BlobJournal.Replay(store, journal.Content);
                }
                replica._baseline = store.TotalChanges();
                replica._journalETag = journal.ETag;
                if (lease != null && forRun)
                {
                    replica.Appender = new JournalAppender(address.Journal, address.Display, lease, journal.ETag, journal.Content.Length, journal.Blocks);
                }
                store.Replica = replica;
                return store;
            }
            catch (Exception ex)
            {
                store?.Dispose();
                replica.Dispose();
                if (ex is Diagnostics.ComplianceException) throw;
                throw StorageErrors.Unavailable(address.Display, "read", ex);
            }
        }

        private (byte[] Content, long Generation, ETag ETag, int Blocks) ReadJournal()
        {
            try
            {
                var download = _address.Journal.DownloadContent().Value;
                return (download.Content.ToArray(), Generation(download.Details.Metadata), download.Details.ETag, download.Details.BlobCommittedBlockCount);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return (Array.Empty<byte>(), -1, default, 0);
            }
        }

        /// <summary>Under the lease: makes the journal match the snapshot's generation and changes its ETag, then reads it.</summary>
        private (byte[] Content, long Generation, ETag ETag, int Blocks) SealJournal()
        {
            var snapshotGeneration = Generation(_address.Snapshot.GetProperties(new BlobRequestConditions { LeaseId = _lease!.LeaseId }).Value.Metadata);
            var metadata = GenerationMetadata(snapshotGeneration);
            metadata["holder"] = _lease.LeaseId;
            try
            {
                var properties = _address.Journal.GetProperties().Value;
                if (Generation(properties.Metadata) != snapshotGeneration)
                {
                    // Left by a holder that uploaded a newer snapshot and stopped before starting its journal: already in the snapshot.
                    var created = _address.Journal.Create(new AppendBlobCreateOptions { Metadata = metadata, Conditions = new AppendBlobRequestConditions { IfMatch = properties.ETag } });
                    return (Array.Empty<byte>(), snapshotGeneration, created.Value.ETag, 0);
                }
                var sealedAs = _address.Journal.SetMetadata(metadata, new BlobRequestConditions { IfMatch = properties.ETag }).Value.ETag;
                var download = _address.Journal.DownloadContent(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = sealedAs } }).Value;
                return (download.Content.ToArray(), snapshotGeneration, sealedAs, download.Details.BlobCommittedBlockCount);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                var created = _address.Journal.Create(new AppendBlobCreateOptions { Metadata = metadata, Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All } });
                return (Array.Empty<byte>(), snapshotGeneration, created.Value.ETag, 0);
            }
        }

        private void DownloadSnapshot(string file)
        {
            try
            {
                using var target = new FileStream(file, FileMode.Truncate, FileAccess.Write, FileShare.None);
                var conditions = _lease == null ? null : new BlobRequestConditions { LeaseId = _lease.LeaseId };
                var download = _address.Snapshot.DownloadStreaming(new BlobDownloadOptions { Conditions = conditions }).Value;
                using (download.Content)
                {
                    download.Content.CopyTo(target);
                }
                _generation = Generation(download.Details.Metadata);
                _snapshotBytes = target.Length;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                _generation = 0; // no state yet: an empty file becomes a new state
            }
        }

        public void Closing(StateStore store)
        {
            if (_lease == null)
            {
                return;
            }
            if (_forRun)
            {
                // A run's writes are all in the journal already: a checkpoint only keeps replay short. When it cannot be
                // made (lease lost, storage gone) nothing is lost and a later run makes it; the run's own error stands.
                var due = Appender != null && !_lease.IsLost &&
                    (Appender.Bytes >= Math.Max(_snapshotBytes, MinJournalBeforeCheckpoint) || Appender.Blocks >= MaxJournalBlocks);
                if (due)
                {
                    try
                    {
                        Upload(store);
                    }
                    catch (Diagnostics.ComplianceException)
                    {
                    }
                }
                return;
            }
            Save(store);
        }

        public void Save(StateStore store)
        {
            if (_lease == null || _forRun || store.TotalChanges() <= _baseline)
            {
                return;
            }
            _lease.ThrowIfLost();
            Upload(store);
            _baseline = store.TotalChanges();
        }

        /// <summary>Uploads the copy as the next generation's snapshot, then starts that generation's empty journal.</summary>
        private void Upload(StateStore store)
        {
            store.Checkpoint();
            var next = _generation + 1;
            try
            {
                using (var content = new FileStream(Path.Combine(_folder, "state.db"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
                {
                    _address.Snapshot.Upload(content, new BlobUploadOptions
                    {
                        Metadata = GenerationMetadata(next),
                        Conditions = new BlobRequestConditions { LeaseId = _lease!.LeaseId },
                    });
                }
                var metadata = GenerationMetadata(next);
                if (Appender != null)
                {
                    Appender.Reset(metadata);
                }
                else
                {
                    _address.Journal.Create(new AppendBlobCreateOptions { Metadata = metadata, Conditions = new AppendBlobRequestConditions { IfMatch = _journalETag } });
                }
                _generation = next;
            }
            catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
            {
                _lease!.MarkLost("another run holds it now");
                throw StorageErrors.LeaseLost(_address.Display, "another run holds it now");
            }
            catch (Exception ex) when (!(ex is Diagnostics.ComplianceException))
            {
                throw StorageErrors.Unavailable(_address.Display, "saved", ex);
            }
        }

        public void Dispose()
        {
            if (_ownsLease)
            {
                _lease?.Dispose();
            }
            try
            {
                if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
            }
            catch (IOException)
            {
                // A temporary copy left behind is owner-only and holds nothing a next run needs.
            }
        }

        private static long Generation(IDictionary<string, string>? metadata) =>
            metadata != null && metadata.TryGetValue(GenerationKey, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

        private static Dictionary<string, string> GenerationMetadata(long generation) =>
            new Dictionary<string, string> { [GenerationKey] = generation.ToString(CultureInfo.InvariantCulture) };
    }
}
