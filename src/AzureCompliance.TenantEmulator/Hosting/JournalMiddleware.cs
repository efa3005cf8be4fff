using System.Text;

namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>Records every request, batch items included, after it has been answered.</summary>
internal sealed class JournalMiddleware(RequestDelegate next, RequestJournal journal, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetUtcNow();
        try
        {
            await next(context);
        }
        finally
        {
            var request = context.Request;
            var pathAndQuery = new StringBuilder().Append(request.PathBase).Append(request.Path).Append(request.QueryString).ToString();
            journal.Add(new JournalEntry(
                started,
                request.Method,
                pathAndQuery,
                context.Response.StatusCode,
                RequestAreas.Classify(request.Path),
                BatchItemFeature.IsBatchItem(context),
                context.Items.ContainsKey(BatchItemFeature.EnvelopeKey),
                context.RequestAborted.IsCancellationRequested,
                CallerHints.ClientIdOf(context)));
        }
    }
}
