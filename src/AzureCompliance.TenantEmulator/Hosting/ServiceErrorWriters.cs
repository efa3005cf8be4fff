using AzureCompliance.TenantEmulator.Graph;

namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>Writes an error in the shape a service uses (Graph's by default) when the emulator itself fails a request (faults, throttling).</summary>
public delegate Task ServiceErrorWriter(HttpContext context, int statusCode, string code, string message);

/// <summary>Which error shape applies under which path prefix; the longest matching prefix wins, Graph's shape otherwise.</summary>
public sealed class ServiceErrorWriters
{
    private readonly Lock _sync = new();
    private readonly List<(string Prefix, ServiceErrorWriter Writer)> _writers = [];

    public void Register(string pathPrefix, ServiceErrorWriter writer)
    {
        lock (_sync)
        {
            _writers.RemoveAll(w => w.Prefix == pathPrefix);
            _writers.Add((pathPrefix, writer));
        }
    }

    public ServiceErrorWriter For(PathString path)
    {
        var value = path.Value ?? "/";
        lock (_sync)
        {
            return _writers
                .Where(w => value.StartsWith(w.Prefix, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(w => w.Prefix.Length)
                .Select(w => w.Writer)
                .FirstOrDefault() ?? GraphErrors.WriteAsync;
        }
    }

    /// <summary>The error code a service would give for a bare status (Graph's vocabulary).</summary>
    public static string DefaultCode(int statusCode) => statusCode switch
    {
        400 => "BadRequest",
        401 => "InvalidAuthenticationToken",
        403 => "Authorization_RequestDenied",
        404 => "Request_ResourceNotFound",
        409 => "Conflict",
        412 => "PreconditionFailed",
        429 => "TooManyRequests",
        500 => "generalException",
        502 => "BadGateway",
        503 => "serviceNotAvailable",
        504 => "GatewayTimeout",
        _ => "UnknownError",
    };

    public static string DefaultMessage(int statusCode) => statusCode switch
    {
        429 => "Please retry again later.",
        503 => "Service is temporarily unavailable. Please try again later.",
        500 => "General exception while processing.",
        504 => "The request timed out.",
        _ => $"The request failed with status {statusCode}.",
    };
}
