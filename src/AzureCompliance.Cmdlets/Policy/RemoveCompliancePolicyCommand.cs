using System.Management.Automation;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>
    /// Removes a compliance policy from the MDM's state: its platform uploads nothing any more. The Intune partner policy
    /// stays (the partner API has no delete, and other MDM instances may share it).
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "CompliancePolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveCompliancePolicyCommand : NamedPolicyCmdlet
    {
        protected override void ProcessRecord()
        {
            var source = ResolveSource(SourceName);
            using var store = OpenStore();
            if (!TryLocal(() => CompliancePolicyStore.Get(store, source, Name), out var policy))
            {
                return;
            }
            var what = policy.Enabled
                ? $"Remove the enabled policy: {policy.Platform} devices of this source are no longer reported"
                : "Remove the disabled policy";
            if (!ShouldProcess($"{policy.Name} ({policy.Platform}, source '{source}')", what))
            {
                return;
            }
            if (!CompliancePolicyStore.Remove(store, source, policy.Name))
            {
                WriteError(PolicyErrors.Changed(policy.Name, source));
                return;
            }
            Save(store);
            WriteVerbose($"Removed the compliance policy '{policy.Name}'." +
                (policy.IntunePolicyId == null ? "" : $" The Intune partner compliance policy {policy.IntunePolicyId} stays; remove it in the Intune admin center when no MDM instance uses it."));
        }
    }
}
