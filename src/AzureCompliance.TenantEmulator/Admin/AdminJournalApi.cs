using System.Globalization;
using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator.Admin;

/// <summary>
/// /_emulator/journal: the <see cref="RequestJournal"/>. GET answers { total, count, writeCount, entries } for the
/// entries after index <c>since</c> that match <c>method</c>, <c>pathContains</c> and <c>writesOnly=true</c>
/// (<c>countOnly=true</c> leaves the entries out; total is the journal's length, a mark for a later <c>since</c>).
/// DELETE clears it.
/// </summary>
internal sealed class AdminJournalApi(RequestJournal journal)
{
    public Task<IResult?> TryHandleAsync(AdminRequest request)
    {
        if (request.Is("DELETE", "journal"))
        {
            journal.Clear();
            return Task.FromResult<IResult?>(Results.NoContent());
        }
        if (!request.Is("GET", "journal"))
            return Task.FromResult<IResult?>(null);

        var all = journal.Entries;
        var since = request.Query("since") is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
        var method = request.Query("method");
        var pathContains = request.Query("pathContains");
        var writesOnly = string.Equals(request.Query("writesOnly"), "true", StringComparison.OrdinalIgnoreCase);
        var countOnly = string.Equals(request.Query("countOnly"), "true", StringComparison.OrdinalIgnoreCase);
        var selected = all.Skip(Math.Clamp(since, 0, all.Count))
            .Where(e => method is null || string.Equals(e.Method, method, StringComparison.OrdinalIgnoreCase))
            .Where(e => pathContains is null || e.PathAndQuery.Contains(pathContains, StringComparison.OrdinalIgnoreCase))
            .Where(e => !writesOnly || e.IsWrite)
            .ToList();
        return Task.FromResult<IResult?>(AdminRequest.Json(new
        {
            Total = all.Count,
            Count = selected.Count,
            WriteCount = selected.Count(e => e.IsWrite),
            Entries = countOnly ? [] : selected.Select(e => new { e.Time, e.Method, e.PathAndQuery, e.StatusCode, e.Area, e.IsBatchItem, e.IsBatchEnvelope, e.Aborted, e.ClientId, e.IsWrite }).ToArray(),
        }));
    }
}
