using System.Management.Automation;
using AzureCompliance.Cmdlets.Policy;
using AzureCompliance.Cmdlets.Onboarding;
using AzureCompliance.Core.Configuration;

namespace AzureCompliance.Cmdlets.Configuration
{
    /// <summary>
    /// Returns the differences between a configuration file and the tenant (with this instance's state), one object per
    /// changed setting with old and new values, in the order Set-ComplianceConfiguration would apply them. Reads only:
    /// a pipeline fails on drift by checking that nothing is returned.
    /// </summary>
    [Cmdlet(VerbsData.Compare, "ComplianceConfiguration")]
    [OutputType(typeof(ComplianceConfigurationChange))]
    public sealed class CompareComplianceConfigurationCommand : StateCmdlet
    {
        /// <summary>The configuration file (.psd1) to compare with.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var path = GetUnresolvedProviderPathFromPSPath(Path);
            var configuration = ReadFile(path);
            var options = new ConfigurationOptions { File = System.IO.Path.GetFileName(path), StatePath = ResolvedStatePath };
            var plan = RunOrThrow((bridge, token) => ConfigurationPlanner.PlanAsync(connection, configuration, options, bridge, token));
            WriteObject(plan.Changes, enumerateCollection: true);
        }

        private ComplianceConfiguration ReadFile(string path)
        {
            try
            {
                return ConfigurationFile.Read(path);
            }
            catch (Core.Diagnostics.ComplianceException ex)
            {
                ThrowTerminatingError(ex);
                throw; // not reached
            }
        }
    }
}
