namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>Marks a request that is one step of a Graph $batch, dispatched through the pipeline in-process.</summary>
internal sealed class BatchItemFeature(HttpContext envelope)
{
    /// <summary>HttpContext.Items key set on the $batch envelope itself (not counted as a write).</summary>
    public const string EnvelopeKey = "AzureCompliance.BatchEnvelope";

    public HttpContext Envelope { get; } = envelope;

    public static bool IsBatchItem(HttpContext context) => context.Features.Get<BatchItemFeature>() is not null;
}

/// <summary>The whole request pipeline, captured when it is built, so $batch can send its steps through it.</summary>
internal sealed class PipelineEntry
{
    private RequestDelegate? _pipeline;

    public RequestDelegate Pipeline => _pipeline ?? throw new InvalidOperationException("The pipeline has not been built yet.");

    public RequestDelegate Capture(RequestDelegate next) => _pipeline = next;
}
