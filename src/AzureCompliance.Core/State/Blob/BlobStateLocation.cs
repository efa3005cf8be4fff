using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage.Blobs.Models;

namespace AzureCompliance.Core.State.Blob
{
    /// <summary>
    /// State in Azure Blob Storage (see docs/architecture.md, "State in Azure Storage"): a snapshot blob (the SQLite file)
    /// and an append-blob journal beside it; the run lock is the snapshot's lease. Writers that are not a sync run take
    /// the lease only while their store is open.
    /// </summary>
    internal sealed class BlobStateLocation : IStateLocation
    {
        /// <summary>How long a writer that is not a run waits for a run's lease.</summary>
        private static readonly TimeSpan WriterWait = TimeSpan.FromSeconds(90);

        private readonly BlobStateAddress _address;

        public BlobStateLocation(string address, Connection.ComplianceConnection? connection)
        {
            Address = address;
            _address = BlobStateAddress.Parse(address, connection);
        }

        public string Display => _address.Display;

        public string Address { get; }

        public bool Exists()
        {
            try
            {
                return _address.Snapshot.Exists().Value;
            }
            catch (Exception ex)
            {
                throw StorageErrors.Unavailable(Display, "read", ex);
            }
        }

        public StateStore OpenForWriting()
        {
            var lease = Lock(WriterWait, CancellationToken.None).GetAwaiter().GetResult();
            return BlobReplica.Open(_address, lease, ownsLease: true, forRun: false);
        }

        public StateStore OpenForReading() => BlobReplica.Open(_address, null, ownsLease: false, forRun: false);

        // Completion never reaches out to a storage account while the user types.
        public StateStore? OpenForCompletion() => null;

        public async Task<RunLock> LockRunAsync(TimeSpan wait, CancellationToken cancellationToken) =>
            RunLock.Held(await Lock(wait, cancellationToken).ConfigureAwait(false));

        public StateStore OpenForRun(RunLock runLock) =>
            BlobReplica.Open(_address, (BlobLease)runLock.Holder, ownsLease: false, forRun: true);

        private async Task<BlobLease> Lock(TimeSpan wait, CancellationToken cancellationToken)
        {
            await EnsureSnapshotAsync(cancellationToken).ConfigureAwait(false);
            return await BlobLease.AcquireAsync(_address.Snapshot, Display, wait, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>A lease needs a blob: new state starts as an empty snapshot (created only if none exists).</summary>
        private async Task EnsureSnapshotAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _address.Snapshot.UploadAsync(new MemoryStream(Array.Empty<byte>()), new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
            {
                // It exists (and may be leased): that is what we need.
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                throw StorageErrors.Unavailable(Display, "created", ex);
            }
        }
    }
}
