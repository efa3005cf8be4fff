using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace AzureCompliance.ScriptHost;

/// <summary>
/// A runspace with the built module imported by its manifest from out/AzureCompliance, as a user imports it.
/// Only the engine's core commands exist besides the module's (no Microsoft.PowerShell.Utility here).
/// </summary>
public sealed class ModuleRunspace : IDisposable
{
    private readonly Runspace _runspace;

    public ModuleRunspace(TextHost host, string manifestPath)
    {
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException("The module is not built: " + manifestPath + ". Run: dotnet build src/AzureCompliance.Cmdlets", manifestPath);
        }
        Host = host;
        _runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
        _runspace.Open();
        using var import = Create();
        import.AddCommand("Import-Module").AddParameter("Name", manifestPath).AddParameter("ErrorAction", ActionPreference.Stop);
        import.Invoke();
    }

    public TextHost Host { get; }

    /// <summary>A PowerShell instance on this runspace; the caller adds commands and invokes it.</summary>
    public PowerShell Create()
    {
        var powerShell = PowerShell.Create();
        powerShell.Runspace = _runspace;
        return powerShell;
    }

    public void SetVariable(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    /// <summary>The folder holding AzureCompliance.sln, found from this program's binaries upwards.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AzureCompliance.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("AzureCompliance.sln not found above " + AppContext.BaseDirectory);
    }

    public static string ModuleManifest(string repositoryRoot) => Path.Combine(repositoryRoot, "out", "AzureCompliance", "AzureCompliance.psd1");

    public void Dispose() => _runspace.Dispose();
}
