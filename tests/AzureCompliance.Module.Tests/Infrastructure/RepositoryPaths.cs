using AzureCompliance.ScriptHost;

namespace AzureCompliance.Module.Tests.Infrastructure;

/// <summary>Where the built module and the sources are, found from the test binaries up to the solution.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = ModuleRunspace.RepositoryRoot();

    public static string ModuleDirectory => Path.Combine(Root, "out", "AzureCompliance");

    public static string ModuleManifest => ModuleRunspace.ModuleManifest(Root);

    public static string HelpDirectory => Path.Combine(Root, "docs", "help");
}
