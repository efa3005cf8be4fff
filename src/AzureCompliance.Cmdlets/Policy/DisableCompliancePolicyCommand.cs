using System;
using System.Management.Automation;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>Disables a compliance policy: nothing is uploaded for its platform (the seed's step before de-provisioning a Core that shares the tenant). Local only.</summary>
    [Cmdlet(VerbsLifecycle.Disable, "CompliancePolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CompliancePolicy))]
    public sealed class DisableCompliancePolicyCommand : StateCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PolicyNameCompleter))]
        public string Name { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? SourceName { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var source = ResolveSource(SourceName);
            using var store = OpenStore();
            if (!TryLocal(() => CompliancePolicyStore.Get(store, source, Name), out var policy))
            {
                return;
            }
            if (policy.Enabled == false)
            {
                WriteVerbose($"The policy '{policy.Name}' is already {(policy.Enabled ? "enabled" : "disabled")}.");
            }
            else if (!ShouldProcess($"{policy.Name} ({policy.Platform}, source '{source}')", "Disable: devices of this platform are no longer reported"))
            {
                return;
            }
            else if (!TryLocal(() => CompliancePolicyStore.SetEnabled(store, source, policy.Name, false, DateTimeOffset.UtcNow), out policy))
            {
                return;
            }
            if (PassThru)
            {
                WriteObject(policy);
            }
        }
    }
}
