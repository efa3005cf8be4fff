using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using Microsoft.AspNetCore.Http.Features;

namespace AzureCompliance.TenantEmulator.Graph.Modules;

/// <summary>
/// POST /$batch (JSON batching): up to 20 steps with unique ids, each sent through the whole pipeline in-process
/// (journal, faults, throttling, authentication, permissions), so a step can get 429 inside a 200 batch.
/// Steps run in order; a step whose dependsOn includes a failed step gets 424 Failed Dependency.
/// </summary>
internal sealed class BatchModule : IGraphEndpointModule
{
    public const int MaxSteps = 20;
    private static readonly HashSet<string> Methods = new(StringComparer.OrdinalIgnoreCase) { "GET", "POST", "PATCH", "PUT", "DELETE" };

    public void Map(GraphRouteBuilder routes) => routes.MapPost("/$batch", ExecuteAsync);

    private static async Task<IResult> ExecuteAsync(HttpContext context, PipelineEntry pipeline)
    {
        context.Items[BatchItemFeature.EnvelopeKey] = true;
        if (BatchItemFeature.IsBatchItem(context))
            return GraphErrors.Result(400, "BadRequest", "Nested batch requests are not supported.");

        JsonArray steps;
        try
        {
            var document = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            steps = document?["requests"] as JsonArray ?? throw new JsonException();
        }
        catch (JsonException)
        {
            return GraphErrors.Result(400, "BadRequest", "Invalid batch payload format.");
        }
        if (steps.Count > MaxSteps)
            return GraphErrors.Result(400, "BadRequest", $"Number of batch request steps exceeds the maximum of {MaxSteps}.");

        var parsed = new List<Step>();
        foreach (var node in steps)
        {
            if (node is not JsonObject step || step["id"]?.ToString() is not { Length: > 0 } id
                || step["method"]?.ToString() is not { } method || step["url"]?.ToString() is not { } url)
                return GraphErrors.Result(400, "BadRequest", "Invalid batch payload format.");
            if (!Methods.Contains(method))
                return GraphErrors.Result(400, "BadRequest", $"Invalid method '{method}' in batch request '{id}'.");
            if (parsed.Any(p => p.Id == id))
                return GraphErrors.Result(400, "BadRequest", $"Batch request id '{id}' is duplicated. Request ids must be unique.");
            var dependsOn = (step["dependsOn"] as JsonArray)?.Select(d => d!.ToString()).ToArray() ?? [];
            if (dependsOn.FirstOrDefault(d => parsed.All(p => p.Id != d)) is { } unknown)
                return GraphErrors.Result(400, "BadRequest", $"Request '{id}' depends on '{unknown}', which is not an earlier request of the batch.");
            parsed.Add(new Step(id, method.ToUpperInvariant(), url, step["headers"] as JsonObject, step["body"], dependsOn));
        }

        var responses = new JsonArray();
        var statuses = new Dictionary<string, int>();
        foreach (var step in parsed)
        {
            JsonObject response;
            if (step.DependsOn.Any(d => statuses[d] is < 200 or >= 300))
            {
                response = new JsonObject
                {
                    ["id"] = step.Id,
                    ["status"] = StatusCodes.Status424FailedDependency,
                    ["body"] = GraphErrors.Body(context, "FailedDependency", "The request failed because a request it depends on failed."),
                };
            }
            else
            {
                var (result, aborted) = await SendAsync(context, pipeline, step);
                if (aborted)
                {
                    // A reset connection takes the whole batch with it.
                    context.Abort();
                    return Results.Empty;
                }
                response = result;
            }
            statuses[step.Id] = response["status"]!.GetValue<int>();
            responses.Add(response);
        }
        return new GraphJsonResult(StatusCodes.Status200OK, new JsonObject { ["responses"] = responses }, null, false);
    }

    private static async Task<(JsonObject Response, bool Aborted)> SendAsync(HttpContext envelope, PipelineEntry pipeline, Step step)
    {
        var (path, query) = SplitUrl(step.Url);
        byte[] body = [];
        var headers = new HeaderDictionary
        {
            ["Host"] = envelope.Request.Host.ToString(),
            ["Authorization"] = envelope.Request.Headers.Authorization,
        };
        if (step.Headers is not null)
        {
            foreach (var (name, value) in step.Headers)
                headers[name] = value?.ToString();
        }
        if (step.Body is not null)
        {
            if (!headers.ContainsKey("Content-Type"))
                return (Answer(step.Id, 400, GraphErrors.Body(envelope, "BadRequest", $"Write request id : {step.Id} does not contain Content-Type header or body.")), false);
            body = step.Body is JsonValue v && v.TryGetValue<string>(out var text) && !headers["Content-Type"].ToString().Contains("json", StringComparison.OrdinalIgnoreCase)
                ? Encoding.UTF8.GetBytes(text)
                : Encoding.UTF8.GetBytes(step.Body.ToJsonString());
        }
        headers.ContentLength = body.Length;

        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Method = step.Method,
            Scheme = envelope.Request.Scheme,
            Protocol = envelope.Request.Protocol,
            PathBase = "",
            Path = path,
            QueryString = query.Value ?? "",
            RawTarget = path.ToUriComponent() + query.ToUriComponent(),
            Headers = headers,
            Body = new MemoryStream(body, writable: false),
        });
        var responseBody = new MemoryStream();
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(responseBody));
        var lifetime = new StepLifetime(envelope.RequestAborted);
        features.Set<IHttpRequestLifetimeFeature>(lifetime);
        features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(body.Length > 0));
        features.Set(new BatchItemFeature(envelope));
        var item = new DefaultHttpContext(features) { RequestServices = envelope.RequestServices };

        await pipeline.Pipeline(item);
        if (lifetime.Aborted)
            return (new JsonObject(), true);

        var responseHeaders = new JsonObject();
        foreach (var (name, value) in item.Response.Headers)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                responseHeaders[name] = value.ToString();
        }
        var result = new JsonObject { ["id"] = step.Id, ["status"] = item.Response.StatusCode, ["headers"] = responseHeaders };
        if (responseBody.Length > 0)
        {
            var bytes = responseBody.ToArray();
            result["body"] = (item.Response.ContentType ?? "").Contains("json", StringComparison.OrdinalIgnoreCase)
                ? JsonNode.Parse(bytes)
                : Convert.ToBase64String(bytes);
        }
        return (result, false);
    }

    private static JsonObject Answer(string id, int status, JsonObject body) =>
        new() { ["id"] = id, ["status"] = status, ["headers"] = new JsonObject { ["Content-Type"] = "application/json" }, ["body"] = body };

    /// <summary>Step URLs are relative to the version root ("/users?$top=1" or "users"); an absolute one must point at this Graph.</summary>
    private static (PathString Path, QueryString Query) SplitUrl(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            url = absolute.PathAndQuery.StartsWith("/v1.0", StringComparison.OrdinalIgnoreCase) ? absolute.PathAndQuery[5..] : absolute.PathAndQuery;
        var question = url.IndexOf('?');
        var path = question < 0 ? url : url[..question];
        var query = question < 0 ? "" : url[question..];
        path = "/v1.0/" + path.TrimStart('/');
        return (PathString.FromUriComponent(path), new QueryString(query));
    }

    private sealed record Step(string Id, string Method, string Url, JsonObject? Headers, JsonNode? Body, string[] DependsOn);

    private sealed class StepLifetime(CancellationToken envelopeAborted) : IHttpRequestLifetimeFeature
    {
        public bool Aborted { get; private set; }
        public CancellationToken RequestAborted { get; set; } = envelopeAborted;
        public void Abort() => Aborted = true;
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody { get; } = canHaveBody;
    }
}
