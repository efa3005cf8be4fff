using System.Management.Automation;
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
    public sealed class CompareComplianceConfigurationCommand : ConfigurationFileCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var path = ResolvedPath;
            var configuration = ReadFile(path);
            var options = new ConfigurationOptions { File = System.IO.Path.GetFileName(path), StatePath = ResolveStatePath(StatePath) };
            var plan = RunOrThrow((bridge, token) => ConfigurationPlanner.PlanAsync(connection, configuration, options, bridge, token));
            WriteObject(plan.Changes, enumerateCollection: true);
        }
    }
}
