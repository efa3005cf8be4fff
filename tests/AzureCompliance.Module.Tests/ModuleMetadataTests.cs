using System.Management.Automation;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using AzureCompliance.Module.Tests.Infrastructure;

namespace AzureCompliance.Module.Tests;

/// <summary>The built module as the engine and the Gallery see it: manifest, exported commands, conventions, isolation.</summary>
public sealed class ModuleMetadataTests : IDisposable
{
    private readonly PowerShellSession _session = new();

    public void Dispose() => _session.Dispose();

    private List<CommandInfo> ExportedCommands()
    {
        var result = _session.Run("Get-Command -Module AzureCompliance");
        result.AssertNoErrors();
        return result.Output.Select(o => (CommandInfo)o.BaseObject).ToList();
    }

    [Fact]
    public void Manifest_declares_editions_version_exports_and_gallery_metadata()
    {
        var result = _session.Run($"Test-ModuleManifest -Path '{RepositoryPaths.ModuleManifest}'");
        result.AssertNoErrors();
        var manifest = (PSModuleInfo)Assert.Single(result.Output).BaseObject;
        Assert.Equal(new[] { "Core", "Desktop" }, manifest.CompatiblePSEditions.OrderBy(e => e));
        Assert.Equal(new Version(5, 1), manifest.PowerShellVersion);
        var props = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props"));
        Assert.Equal(props.Descendants("VersionPrefix").Single().Value, manifest.Version.ToString(3));
        Assert.Equal("AzureCompliance.Cmdlets.dll", manifest.RootModule);
        Assert.Empty(manifest.RequiredAssemblies);
        // Only the loader comes first; nothing that would preload the core's libraries.
        Assert.Equal(new[] { "AzureCompliance.Loader" }, manifest.NestedModules.Select(m => m.Name));

        var exported = ExportedCommands().Select(c => c.Name).OrderBy(n => n).ToList();
        Assert.Equal(manifest.ExportedCmdlets.Keys.OrderBy(n => n), exported);

        var psData = (System.Collections.Hashtable)((System.Collections.Hashtable)manifest.PrivateData)["PSData"]!;
        foreach (var key in new[] { "Tags", "ProjectUri", "LicenseUri", "ReleaseNotes" })
        {
            Assert.True(psData.ContainsKey(key), "PSData lacks " + key);
        }
    }

    [Fact]
    public void Cmdlets_use_approved_verbs_singular_compliance_nouns_and_declare_output()
    {
        var approved = new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsSecurity), typeof(VerbsOther) }
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)).Select(f => (string)f.GetValue(null)!).ToHashSet();
        var commands = ExportedCommands().Cast<CmdletInfo>().ToList();
        Assert.NotEmpty(commands);
        foreach (var command in commands)
        {
            Assert.True(approved.Contains(command.Verb), command.Name + ": verb not approved");
            Assert.Contains("Compliance", command.Noun);
            Assert.False(command.Noun.EndsWith("s", StringComparison.Ordinal) && !command.Noun.EndsWith("ss", StringComparison.Ordinal), command.Name + ": plural noun");
            Assert.True(command.OutputType.Count > 0, command.Name + ": no [OutputType]");
        }
    }

    [Fact]
    public void Every_state_changing_cmdlet_supports_WhatIf_and_Confirm()
    {
        var changing = new[] { "Add", "Set", "Remove", "New", "Enable", "Disable", "Send", "Disconnect", "Update", "Clear", "Register", "Unregister" };
        foreach (var command in ExportedCommands().Cast<CmdletInfo>().Where(c => changing.Contains(c.Verb)))
        {
            Assert.True(command.Parameters.ContainsKey("WhatIf") && command.Parameters.ContainsKey("Confirm"), command.Name + " lacks -WhatIf/-Confirm");
        }
    }

    [Fact]
    public void Cmdlet_assembly_references_no_identity_graph_kiota_or_azure_core_types()
    {
        // The cmdlets may only see the core's own types, so the core's libraries can load in isolation.
        using var stream = File.OpenRead(Path.Combine(RepositoryPaths.ModuleDirectory, "AzureCompliance.Cmdlets.dll"));
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var references = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToList();
        Assert.Contains("AzureCompliance.Core", references);
        var forbidden = new[] { "Microsoft.Identity", "Microsoft.Graph", "Microsoft.Kiota", "Azure.", "Microsoft.IdentityModel", "System.IdentityModel", "Microsoft.Data.Sqlite", "SQLitePCL" };
        foreach (var reference in references)
        {
            Assert.False(forbidden.Any(f => reference.StartsWith(f, StringComparison.Ordinal)), "The cmdlet assembly references " + reference);
        }
    }

    [Fact]
    public void Loader_references_nothing_but_the_framework_and_PowerShell()
    {
        using var stream = File.OpenRead(Path.Combine(RepositoryPaths.ModuleDirectory, "AzureCompliance.Loader.dll"));
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var references = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToList();
        Assert.All(references, r => Assert.True(r is "netstandard" or "System.Management.Automation" or "System.Runtime.Loader" || r.StartsWith("System.Runtime"), "The loader references " + r));
    }

    [Fact]
    public void Module_folder_keeps_libraries_out_of_its_root()
    {
        var root = Directory.GetFiles(RepositoryPaths.ModuleDirectory, "*.dll").Select(Path.GetFileName).OrderBy(n => n).ToList();
        Assert.Equal(new[] { "AzureCompliance.Cmdlets.dll", "AzureCompliance.Loader.dll" }, root);
        var dependencies = Path.Combine(RepositoryPaths.ModuleDirectory, "dependencies");
        Assert.True(File.Exists(Path.Combine(dependencies, "AzureCompliance.Core.dll")));
        Assert.True(File.Exists(Path.Combine(dependencies, "Microsoft.Identity.Client.dll")));
        Assert.False(File.Exists(Path.Combine(dependencies, "System.Management.Automation.dll")), "PowerShell itself must not ship in the module");
    }

    /// <summary>Commands that work without a tenant: signing in, and reading or evaluating local data.</summary>
    private static readonly HashSet<string> Offline = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connect-ComplianceTenant", "Get-ComplianceConnection", "Import-ComplianceDevice", "Test-DeviceCompliance", "Get-CompliancePolicy",
    };

    [Fact]
    public void Commands_needing_a_tenant_take_a_connection_parameter()
    {
        foreach (var command in ExportedCommands().Where(c => !Offline.Contains(c.Name)))
        {
            Assert.True(command.Parameters.ContainsKey("Connection"), command.Name + " lacks -Connection");
        }
    }
}
