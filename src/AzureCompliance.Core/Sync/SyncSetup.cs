using AzureCompliance.Core.Policy;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Sync
{
    /// <summary>What a run works with: the tenant, the state, the policies, the scope and the service.</summary>
    internal sealed class SyncSetup : System.IDisposable
    {
        public SyncSetup(string tenantId, string source, StateStore store, RunLock? runLock, PolicyEvaluator evaluator,
            ScopeMembership membership, IDataUploadService service)
        {
            TenantId = tenantId;
            Source = source;
            Store = store;
            RunLock = runLock;
            Evaluator = evaluator;
            Membership = membership;
            Service = service;
        }

        public string TenantId { get; }
        public string Source { get; }
        public StateStore Store { get; }
        public RunLock? RunLock { get; }
        public PolicyEvaluator Evaluator { get; }
        public ScopeMembership Membership { get; }
        public IDataUploadService Service { get; }
        /// <summary>Records this instance's last sync in the tenant (after a run that sent something); none for tests and stand-ins.</summary>
        public System.Func<System.Threading.CancellationToken, System.Threading.Tasks.Task>? Heartbeat { get; set; }
        /// <summary>Whether Dispose closes the store (tests keep theirs open to look at it).</summary>
        public bool OwnsStore { get; set; } = true;

        /// <summary>
        /// The run's journal of what was sent and confirmed: the SQLite state file, and for state in Azure Storage the same
        /// with every write appended to the journal blob first.
        /// </summary>
        public ISyncJournal OpenJournal() =>
            Store.Replica is State.Blob.BlobReplica { Appender: { } appender }
                ? new BlobJournal(new SyncStateStore(Store, Source), appender, Source)
                : (ISyncJournal)new SyncStateStore(Store, Source);

        public void Dispose()
        {
            if (OwnsStore)
            {
                Store.Dispose();
            }
            RunLock?.Dispose();
        }
    }
}
