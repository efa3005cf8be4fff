using System.IO;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Policy;
using System.Text;
using AzureCompliance.Cmdlets.Onboarding;
using AzureCompliance.Core.Configuration;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Configuration
{
    /// <summary>
    /// Writes this MDM instance's whole setup (partner and platforms, group scope, licensing intent, compliance policies,
    /// Conditional Access policies requiring a compliant device) as a PowerShell data file, without secrets or volatile
    /// fields, for source control and Set-ComplianceConfiguration. Reads only the tenant.
    /// </summary>
    [Cmdlet(VerbsData.Export, "ComplianceConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(FileInfo), ParameterSetName = new[] { PathSet })]
    [OutputType(typeof(string), ParameterSetName = new[] { TextSet })]
    public sealed class ExportComplianceConfigurationCommand : StateCmdlet
    {
        private const string PathSet = "Path";
        private const string TextSet = "Text";

        /// <summary>The .psd1 file to write.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>Return the file's text instead of writing a file.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TextSet)]
        public SwitchParameter AsString { get; set; }

        /// <summary>Refuse to overwrite an existing file.</summary>
        [Parameter(ParameterSetName = PathSet)]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>The compliance partner to export when the tenant has several.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PartnerName { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var statePath = ResolvedStatePath;
            var configuration = RunOrThrow((bridge, token) => ConfigurationExporter.ExportAsync(connection, statePath, PartnerName, bridge, token));
            var header = $"AzureCompliance configuration of the MDM instance '{connection.SourceName}'.\n" +
                         "Apply it with: Set-ComplianceConfiguration -Path <this file>  (preview with -WhatIf, or Compare-ComplianceConfiguration).";
            var text = ConfigurationWriter.Write(configuration, header);
            if (AsString)
            {
                WriteObject(text);
                return;
            }
            var path = GetUnresolvedProviderPathFromPSPath(Path);
            if (NoClobber && File.Exists(path))
            {
                ThrowTerminatingError(new ComplianceException("ConfigurationFileExists", ComplianceErrorCategory.ResourceExists,
                    $"{path} exists and -NoClobber was given.", path, "Choose another -Path, or leave out -NoClobber to overwrite it."));
            }
            if (!ShouldProcess(path, "Write the configuration of '" + connection.SourceName + "'"))
            {
                return;
            }
            // UTF-8 without a byte order mark and with \n line ends: the same bytes on every platform, for clean diffs.
            File.WriteAllText(path, text, new UTF8Encoding(false));
            WriteObject(new FileInfo(path));
        }
    }
}
