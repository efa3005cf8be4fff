using System.Management.Automation;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Deletes a Conditional Access policy.</summary>
    [Cmdlet(VerbsCommon.Remove, "ComplianceAccessPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = IdSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveComplianceAccessPolicyCommand : AccessPolicyIdentityCmdlet
    {
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
