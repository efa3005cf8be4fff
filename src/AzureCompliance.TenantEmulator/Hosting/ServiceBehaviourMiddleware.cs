namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>
/// What stands between a client and the emulated services: latency, forced responses, random faults
/// and throttling. Sign-in endpoints are spared unless a rule opts in. The $batch envelope gets latency
/// but neither faults nor throttling: its steps come back through here one by one.
/// </summary>
internal sealed class ServiceBehaviourMiddleware(
    RequestDelegate next,
    EmulatorSettings settings,
    ThrottleTracker throttle,
    ServiceErrorWriters errorWriters,
    TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var area = RequestAreas.Classify(request.Path);
        var isBatchItem = BatchItemFeature.IsBatchItem(context);
        var isEnvelope = HttpMethods.IsPost(request.Method) && path.Equals("/v1.0/$batch", StringComparison.OrdinalIgnoreCase);

        if (area != RequestArea.SignIn && !isBatchItem)
        {
            var latency = settings.Latency;
            if (latency > TimeSpan.Zero)
                await Task.Delay(latency, time, context.RequestAborted);
        }

        if (settings.TakeForced(path, area) is { } forced)
        {
            await FailAsync(context, forced.StatusCode, forced.RetryAfter);
            return;
        }

        if (!isEnvelope)
        {
            foreach (var rule in settings.FaultRules.Where(r => r.Applies(request.Method, path, area)))
            {
                var draw = settings.NextDouble();
                if (draw < rule.ServiceUnavailableProbability)
                {
                    await FailAsync(context, StatusCodes.Status503ServiceUnavailable, rule.RetryAfter);
                    return;
                }
                draw -= rule.ServiceUnavailableProbability;
                if (draw < rule.TooManyRequestsProbability)
                {
                    await FailAsync(context, StatusCodes.Status429TooManyRequests, rule.RetryAfter);
                    return;
                }
                draw -= rule.TooManyRequestsProbability;
                if (draw < rule.ConnectionResetProbability)
                {
                    context.Abort();
                    return;
                }
            }

            var caller = CallerHints.Of(context) ?? ("anonymous", "anonymous");
            if (throttle.Check(request.Method, path, area, caller.TenantId, caller.ClientId) is { } throttled)
            {
                await FailAsync(context, StatusCodes.Status429TooManyRequests, throttled.Rule.SendRetryAfter ? throttled.RetryAfter : null);
                return;
            }
        }

        await next(context);
    }

    private Task FailAsync(HttpContext context, int statusCode, TimeSpan? retryAfter)
    {
        if (retryAfter is { } wait)
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return errorWriters.For(context.Request.Path)(context, statusCode, ServiceErrorWriters.DefaultCode(statusCode), ServiceErrorWriters.DefaultMessage(statusCode));
    }
}
