using System.Collections.Concurrent;

namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>One request the emulator answered (or reset).</summary>
public sealed record JournalEntry(
    DateTimeOffset Time,
    string Method,
    string PathAndQuery,
    int StatusCode,
    RequestArea Area,
    bool IsBatchItem,
    bool IsBatchEnvelope,
    bool Aborted,
    string? ClientId)
{
    /// <summary>
    /// A write to a service (Graph or partner): not GET/HEAD, not sign-in, not the $batch envelope
    /// (its write sub-requests count one by one).
    /// </summary>
    public bool IsWrite => Area != RequestArea.SignIn && !IsBatchEnvelope && RequestAreas.IsWrite(Method);
}

/// <summary>What the emulator received, in order. Thread-safe.</summary>
public sealed class RequestJournal
{
    private readonly ConcurrentQueue<JournalEntry> _entries = new();

    public IReadOnlyList<JournalEntry> Entries => _entries.ToArray();

    /// <summary>Requests that changed (or tried to change) service state; see <see cref="JournalEntry.IsWrite"/>.</summary>
    public long WriteCount => _entries.Count(e => e.IsWrite);

    public long Count(Func<JournalEntry, bool> predicate) => _entries.Count(predicate);

    public void Clear() => _entries.Clear();

    internal void Add(JournalEntry entry) => _entries.Enqueue(entry);
}
