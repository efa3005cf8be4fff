using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// The sync engine's record of what Entra confirmed and what is on its way, per device of one source. Every write is
    /// durable before its task completes: the engine records a message as sent before uploading it, so a run killed at any
    /// moment leaves at worst devices "sent" that the next run asks the service about. <see cref="SyncStateStore"/> (the
    /// SQLite state file) is the first implementation; another store (e.g. Azure Storage) is a second one, not a branch.
    /// </summary>
    internal interface ISyncJournal : IDisposable
    {
        /// <summary>Where the journal lives (shown in the summary and in messages).</summary>
        string Path { get; }

        /// <summary>The rows of the given device keys that exist.</summary>
        Task<Dictionary<string, DeviceStateRow>> LookupAsync(IReadOnlyCollection<string> keys);

        /// <summary>Records the devices as sent in the message (their content hash and LastUpdateTime).</summary>
        Task RecordSentAsync(string messageId, IReadOnlyList<PackedDevice> devices, DateTimeOffset at);

        /// <summary>The message was confirmed: its devices (but <paramref name="except"/>) are now what Entra has.</summary>
        Task<int> AcceptAsync(string messageId, DateTimeOffset at, IReadOnlyCollection<string>? except = null);

        /// <summary>The message failed or never arrived: its devices are unconfirmed and go again.</summary>
        Task<int> ReleaseAsync(string messageId);

        /// <summary>The service answered with another message id than the one recorded.</summary>
        Task<int> RenameMessageAsync(string from, string to);

        /// <summary>Messages recorded as sent and not settled (left by an earlier run).</summary>
        Task<IReadOnlyList<PendingMessage>> PendingMessagesAsync();

        /// <summary>Waits until every write is durable; no write follows.</summary>
        void Complete();
    }
}
