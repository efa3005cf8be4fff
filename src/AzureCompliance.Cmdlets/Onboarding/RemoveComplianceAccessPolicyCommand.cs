using System.Linq;
using System.Management.Automation;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Deletes a Conditional Access policy.</summary>
    [Cmdlet(VerbsCommon.Remove, "ComplianceAccessPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = IdSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveComplianceAccessPolicyCommand : OnboardingCmdlet
    {
        private const string IdSet = "Id";
        private const string NameSet = "Name";

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Id { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [Alias("Name")]
        [ValidateNotNullOrEmpty]
        public string? DisplayName { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            try
            {
                var removed = Run((bridge, token) => ComplianceAccessPolicyService.RemoveAsync(connection, Id, DisplayName, bridge, token));
                if (removed)
                {
                    WriteVerbose($"Deleted the Conditional Access policy {Id ?? DisplayName}.");
                }
            }
            catch (ComplianceException ex) when (ex.ErrorId == "AccessPolicyNotFound")
            {
                WriteError(ex); // one piped policy that is gone does not stop the others
            }
        }
    }
}
