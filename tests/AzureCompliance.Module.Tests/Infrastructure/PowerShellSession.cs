using System.Collections.ObjectModel;
using System.Management.Automation;
using AzureCompliance.ScriptHost;
using System.Text;

namespace AzureCompliance.Module.Tests.Infrastructure;

/// <summary>What one script produced, stream by stream.</summary>
public sealed class ScriptResult
{
    public required Collection<PSObject> Output { get; init; }
    public required IReadOnlyList<ErrorRecord> Errors { get; init; }
    public required IReadOnlyList<WarningRecord> Warnings { get; init; }
    public required IReadOnlyList<VerboseRecord> Verbose { get; init; }
    public required IReadOnlyList<DebugRecord> Debug { get; init; }
    public required IReadOnlyList<InformationRecord> Information { get; init; }
    public required IReadOnlyList<ProgressRecord> Progress { get; init; }
    /// <summary>A terminating error the script ended with, if any.</summary>
    public RuntimeException? Terminating { get; init; }
    public required string HostText { get; init; }

    public ErrorRecord SingleError()
    {
        var all = AllErrors().ToList();
        Assert.True(all.Count == 1, "Expected one error, got " + all.Count + ": " + string.Join(" | ", all.Select(e => e.FullyQualifiedErrorId + " " + e)));
        return all[0];
    }

    public IEnumerable<ErrorRecord> AllErrors() =>
        Terminating?.ErrorRecord is ErrorRecord terminating ? Errors.Append(terminating) : Errors;

    public void AssertNoErrors()
    {
        var all = AllErrors().ToList();
        Assert.True(all.Count == 0, "Unexpected errors: " + string.Join(" | ", all.Select(e => e.FullyQualifiedErrorId + ": " + e + " " + e.ScriptStackTrace)));
    }

    /// <summary>Everything a user could see or log from this run: every stream, every error's details, the console.</summary>
    public string EverythingVisible()
    {
        var text = new StringBuilder();
        foreach (var o in Output) text.AppendLine(o?.ToString());
        foreach (var e in AllErrors())
        {
            text.AppendLine(e.ToString()).AppendLine(e.FullyQualifiedErrorId).AppendLine(e.Exception?.ToString())
                .AppendLine(e.ErrorDetails?.Message).AppendLine(e.ErrorDetails?.RecommendedAction)
                .AppendLine(e.CategoryInfo.ToString()).AppendLine(e.TargetObject?.ToString());
        }
        foreach (var w in Warnings) text.AppendLine(w.Message);
        foreach (var v in Verbose) text.AppendLine(v.Message);
        foreach (var d in Debug) text.AppendLine(d.Message);
        foreach (var i in Information) text.AppendLine(i.MessageData?.ToString());
        foreach (var p in Progress) text.AppendLine(p.Activity + " " + p.StatusDescription);
        text.AppendLine(HostText);
        return text.ToString();
    }
}

/// <summary>
/// The built module imported by its manifest into an in-process runspace (see ModuleRunspace): parameter
/// binding, the pipeline, -WhatIf, error records and format views all run in the real engine.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly ModuleRunspace _runspace;

    public PowerShellSession()
    {
        Host = new TextHost();
        _runspace = new ModuleRunspace(Host, RepositoryPaths.ModuleManifest);
    }

    public TextHost Host { get; }

    /// <summary>Runs script text; variables are set in the session first. Never throws for script errors.</summary>
    public ScriptResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var powerShell = _runspace.Create();
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
        {
            _runspace.SetVariable(name, value);
        }
        Host.ClearText();
        powerShell.AddScript(script);
        Collection<PSObject> output = new();
        RuntimeException? terminating = null;
        try
        {
            output = powerShell.Invoke();
        }
        catch (RuntimeException ex)
        {
            terminating = ex;
        }
        return new ScriptResult
        {
            Output = output,
            Errors = powerShell.Streams.Error.ToList(),
            Warnings = powerShell.Streams.Warning.ToList(),
            Verbose = powerShell.Streams.Verbose.ToList(),
            Debug = powerShell.Streams.Debug.ToList(),
            Information = powerShell.Streams.Information.ToList(),
            Progress = powerShell.Streams.Progress.ToList(),
            Terminating = terminating,
            HostText = Host.Text,
        };
    }

    public void Dispose() => _runspace.Dispose();
}
