using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Core.Tests.Sync;

/// <summary>
/// The host's end of the engine's channel, as a test plays it: keeps what a run writes (from any thread), answers
/// ShouldProcess as told (-WhatIf: says what would be done and declines) and keeps every change it was asked about.
/// </summary>
public sealed class RecordingRunContext : IOperationContext
{
    private readonly object _gate = new();

    public bool WhatIf { get; init; }
    /// <summary>The answer to each change the engine asks about (-Confirm); null = yes to all.</summary>
    public Func<ProposedChange, bool>? Answer { get; init; }

    public List<DeviceSyncResult> Results { get; } = new();
    public List<ComplianceException> Errors { get; } = new();
    public List<string> Messages { get; } = new();
    public List<ProposedChange> Asked { get; } = new();
    /// <summary>How many requests the engine made (a request may ask about many changes).</summary>
    public int Requests { get; private set; }

    public void WriteVerbose(string message) { lock (_gate) Messages.Add(message); }
    public void WriteDebug(string message) { }
    public void WriteWarning(string message) { lock (_gate) Messages.Add("WARNING: " + message); }
    public void WriteHostMessage(string message) { lock (_gate) Messages.Add(message); }
    public void WriteProgress(OperationProgress progress) { }
    public void WriteError(ComplianceException error) { lock (_gate) Errors.Add(error); }

    public void WriteResult(object result)
    {
        lock (_gate) Results.Add((DeviceSyncResult)result);
    }

    public bool ShouldProcess(string target, string action) => ShouldProcess(new[] { new ProposedChange(target, action) })[0];

    public bool[] ShouldProcess(IReadOnlyList<ProposedChange> changes)
    {
        lock (_gate)
        {
            Requests++;
            Asked.AddRange(changes);
            return changes.Select(change => !WhatIf && (Answer?.Invoke(change) ?? true)).ToArray();
        }
    }
}
