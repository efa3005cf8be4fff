using System.Text.Json;

namespace AzureCompliance.TenantEmulator.Admin;

/// <summary>
/// The admin endpoint, /_emulator/...: lets another process (the Pester acceptance tests) tune the settings,
/// read the journal and shape the tenant, as in-process tests do through <see cref="EmulatorServer"/>.
/// It sits before the journal and the service behaviours, so its calls are never recorded, delayed or faulted,
/// and answers 401 without the run's <see cref="AdminKey"/>. Not a Microsoft service: see README.md, "Admin endpoint".
/// </summary>
internal sealed class AdminMiddleware(RequestDelegate next, AdminKey key, AdminSettingsApi settings, AdminJournalApi journal, AdminTenantApi tenant)
{
    public const string Prefix = "/_emulator";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase, out var rest))
        {
            await next(context);
            return;
        }
        IResult result;
        if (!key.Matches(context.Request.Headers[AdminKey.HeaderName]))
        {
            result = Error(StatusCodes.Status401Unauthorized, $"The admin endpoint needs the header {AdminKey.HeaderName} with the key the emulator printed at start.");
        }
        else
        {
            var request = new AdminRequest(context, (rest.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray());
            try
            {
                result = await settings.TryHandleAsync(request) ?? await journal.TryHandleAsync(request) ?? await tenant.TryHandleAsync(request)
                    ?? Error(StatusCodes.Status404NotFound, $"No admin call {context.Request.Method} {context.Request.Path}.");
            }
            catch (AdminException ex)
            {
                result = Error(ex.StatusCode, ex.Message);
            }
            catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidOperationException)
            {
                result = Error(StatusCodes.Status400BadRequest, ex.Message);
            }
        }
        await result.ExecuteAsync(context);
    }

    private static IResult Error(int status, string message) =>
        Results.Json(new { error = message }, statusCode: status);
}
