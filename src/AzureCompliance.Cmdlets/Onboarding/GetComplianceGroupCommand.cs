using System.Management.Automation;
using AzureCompliance.Core.Onboarding.Groups;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Gets the recorded group scope of this MDM instance with each group's transitive member counts.</summary>
    [Cmdlet(VerbsCommon.Get, "ComplianceGroup")]
    [OutputType(typeof(ComplianceGroup))]
    public sealed class GetComplianceGroupCommand : OnboardingCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var path = ResolveStatePath(StatePath);
            var groups = RunOrThrow((bridge, token) => ComplianceGroupService.GetAsync(connection, path, bridge, token));
            WriteObject(groups, enumerateCollection: true);
        }
    }
}
