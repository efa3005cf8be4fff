using System.Management.Automation;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>Disables a compliance policy: nothing is uploaded for its platform (the seed's step before de-provisioning a Core that shares the tenant). Local only.</summary>
    [Cmdlet(VerbsLifecycle.Disable, "CompliancePolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CompliancePolicy))]
    public sealed class DisableCompliancePolicyCommand : PolicySwitchCmdlet
    {
        private protected override bool Enable => false;

        private protected override string Action => "Disable: devices of this platform are no longer reported";
    }
}
