using System.Management.Automation;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>Enables a compliance policy: its platform's devices are evaluated and reported again. Only one policy per platform can be enabled. Local only.</summary>
    [Cmdlet(VerbsLifecycle.Enable, "CompliancePolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CompliancePolicy))]
    public sealed class EnableCompliancePolicyCommand : PolicySwitchCmdlet
    {
        private protected override bool Enable => true;

        private protected override string Action => "Enable: devices of this platform are evaluated and reported";
    }
}
