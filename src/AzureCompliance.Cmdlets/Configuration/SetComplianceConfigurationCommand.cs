using System.Management.Automation;
using AzureCompliance.Core.Configuration;

namespace AzureCompliance.Cmdlets.Configuration
{
    /// <summary>
    /// Makes the tenant and this instance's state match a configuration file: partner and platforms, then the group
    /// scope, licences, compliance policies, and Conditional Access policies (report-only before enforced). Checks the
    /// whole file first (unknown group, eleventh group, platform held by another partner, lock-out): a refusal names the
    /// line and nothing is written. Idempotent. -WhatIf lists each difference with old and new values and sends no write.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ComplianceConfiguration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ComplianceConfigurationChange))]
    public sealed class SetComplianceConfigurationCommand : ConfigurationFileCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        /// <summary>Allows an enforced all-users policy with nobody excluded, and offboarding platforms other instances use.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Return the differences that were applied.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var path = ResolvedPath;
            var configuration = ReadFile(path);
            var options = new ConfigurationOptions { File = System.IO.Path.GetFileName(path), StatePath = ResolveStatePath(StatePath), Force = Force.IsPresent };
            var applied = RunOrThrow(async (bridge, token) =>
            {
                var plan = await ConfigurationPlanner.PlanAsync(connection, configuration, options, bridge, token).ConfigureAwait(false);
                return await ConfigurationApplier.ApplyAsync(plan, bridge, token).ConfigureAwait(false);
            });
            foreach (var change in applied)
            {
                WriteVerbose(change.Description + ".");
            }
            if (PassThru)
            {
                WriteObject(applied, enumerateCollection: true);
            }
        }
    }
}
