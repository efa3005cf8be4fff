using System.Management.Automation;
using AzureCompliance.Cmdlets.Onboarding;
using AzureCompliance.Core.Configuration;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Configuration
{
    /// <summary>Compare-/Set-ComplianceConfiguration: a configuration file (-Path, also piped files by FullName) read as the engine's model.</summary>
    public abstract class ConfigurationFileCmdlet : OnboardingCmdlet
    {
        /// <summary>The configuration file (.psd1).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>-Path as a file system path (relative paths and PSDrives resolved).</summary>
        private protected string ResolvedPath => GetUnresolvedProviderPathFromPSPath(Path);

        /// <summary>Reads the file, or ends the command with the reader's error (the file is a setup problem, not an item).</summary>
        private protected ComplianceConfiguration ReadFile(string path)
        {
            try
            {
                return ConfigurationFile.Read(path);
            }
            catch (ComplianceException ex)
            {
                ThrowTerminatingError(ex);
                throw; // not reached
            }
        }
    }
}
