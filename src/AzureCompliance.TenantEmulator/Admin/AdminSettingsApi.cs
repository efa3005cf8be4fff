using System.Text.Json.Nodes;

namespace AzureCompliance.TenantEmulator.Admin;

/// <summary>
/// /_emulator/settings: <see cref="EmulatorSettings"/> as JSON. GET reads, PATCH sets the properties given (same names,
/// camelCase; time spans as "hh:mm:ss.fff"), plus randomSeed; reset, throttle rules, fault rules and forced responses
/// have their own paths.
/// </summary>
internal sealed class AdminSettingsApi(EmulatorSettings settings)
{
    public async Task<IResult?> TryHandleAsync(AdminRequest request)
    {
        if (request.Segments.Length == 0 || !string.Equals(request.Segments[0], "settings", StringComparison.OrdinalIgnoreCase))
            return null;
        if (request.Is("GET", "settings"))
            return AdminRequest.Json(Snapshot());
        if (request.Is("PATCH", "settings"))
        {
            Apply(await request.ObjectBodyAsync());
            return AdminRequest.Json(Snapshot());
        }
        if (request.Is("POST", "settings", "reset"))
        {
            settings.Reset();
            return AdminRequest.Json(Snapshot());
        }
        if (request.Is("PUT", "settings", "throttleRules", "*"))
        {
            settings.AddThrottleRule(AdminRequest.Deserialize<ThrottleRuleSpec>(await request.ObjectBodyAsync()).ToRule(request.Segments[2]));
            return Results.NoContent();
        }
        if (request.Is("DELETE", "settings", "throttleRules", "*"))
            return settings.RemoveThrottleRule(request.Segments[2]) ? Results.NoContent() : NotFound("throttle rule", request.Segments[2]);
        if (request.Is("DELETE", "settings", "throttleRules"))
        {
            settings.ClearThrottleRules();
            return Results.NoContent();
        }
        if (request.Is("PUT", "settings", "faultRules", "*"))
        {
            settings.AddFaultRule(AdminRequest.Deserialize<FaultRuleSpec>(await request.ObjectBodyAsync()).ToRule(request.Segments[2]));
            return Results.NoContent();
        }
        if (request.Is("DELETE", "settings", "faultRules", "*"))
            return settings.RemoveFaultRule(request.Segments[2]) ? Results.NoContent() : NotFound("fault rule", request.Segments[2]);
        if (request.Is("DELETE", "settings", "faultRules"))
        {
            settings.ClearFaultRules();
            return Results.NoContent();
        }
        if (request.Is("POST", "settings", "forcedResponses"))
        {
            var forced = AdminRequest.Deserialize<ForcedResponseSpec>(await request.ObjectBodyAsync());
            settings.ForceStatus(forced.PathPrefix, forced.StatusCode, forced.Count, forced.RetryAfter, forced.AppliesToSignIn);
            return Results.NoContent();
        }
        return null;
    }

    private static IResult NotFound(string what, string name) =>
        Results.Json(new { error = $"No {what} named '{name}'." }, statusCode: StatusCodes.Status404NotFound);

    private void Apply(JsonObject body)
    {
        foreach (var (name, value) in body)
        {
            switch (name.ToLowerInvariant())
            {
                case "latency": settings.Latency = Read<TimeSpan>(value); break;
                case "pagesize": settings.PageSize = Read<int>(value); break;
                case "devicecodepollinginterval": settings.DeviceCodePollingInterval = Read<TimeSpan>(value); break;
                case "randomseed": settings.SetRandomSeed(Read<int>(value)); break;
                case "partner": ApplyPartner(value as JsonObject ?? throw new AdminException(StatusCodes.Status400BadRequest, "partner is an object.")); break;
                default: throw new AdminException(StatusCodes.Status400BadRequest, $"'{name}' is not a setting (see GET /_emulator/settings).");
            }
        }
    }

    private void ApplyPartner(JsonObject body)
    {
        var partner = settings.Partner;
        foreach (var (name, value) in body)
        {
            switch (name.ToLowerInvariant())
            {
                case "maxdevicespermessage": partner.MaxDevicesPerMessage = Read<int>(value); break;
                case "messagesperwindow": partner.MessagesPerWindow = Read<int>(value); break;
                case "window": partner.Window = Read<TimeSpan>(value); break;
                case "processingdelay": partner.ProcessingDelay = Read<TimeSpan>(value); break;
                case "requireprovisionedtenant": partner.RequireProvisionedTenant = Read<bool>(value); break;
                default: throw new AdminException(StatusCodes.Status400BadRequest, $"'partner.{name}' is not a setting (see GET /_emulator/settings).");
            }
        }
    }

    private static T Read<T>(JsonNode? value) =>
        value is null ? throw new AdminException(StatusCodes.Status400BadRequest, "A setting cannot be null.") : AdminRequest.Deserialize<T>(value);

    private object Snapshot() => new
    {
        settings.Latency,
        settings.PageSize,
        settings.DeviceCodePollingInterval,
        Partner = new
        {
            settings.Partner.MaxDevicesPerMessage,
            settings.Partner.MessagesPerWindow,
            settings.Partner.Window,
            settings.Partner.ProcessingDelay,
            settings.Partner.RequireProvisionedTenant,
        },
        ThrottleRules = settings.ThrottleRules.Select(r => new { r.Name, r.PathPrefix, HasMatch = r.Match is not null, r.WritesOnly, r.Limit, r.Window, r.Scope, r.SendRetryAfter, r.AppliesToSignIn }),
        FaultRules = settings.FaultRules.Select(r => new { r.Name, r.PathPrefix, HasMatch = r.Match is not null, r.ServiceUnavailableProbability, r.TooManyRequestsProbability, r.ConnectionResetProbability, r.RetryAfter, r.AppliesToSignIn }),
        ForcedResponses = settings.ForcedResponses,
    };
}
