using System;
using System.Management.Automation;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>Enables a compliance policy: its platform's devices are evaluated and reported again. Only one policy per platform can be enabled. Local only.</summary>
    [Cmdlet(VerbsLifecycle.Enable, "CompliancePolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CompliancePolicy))]
    public sealed class EnableCompliancePolicyCommand : StateCmdlet
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
            if (policy.Enabled == true)
            {
                WriteVerbose($"The policy '{policy.Name}' is already {(policy.Enabled ? "enabled" : "disabled")}.");
            }
            else if (!ShouldProcess($"{policy.Name} ({policy.Platform}, source '{source}')", "Enable: devices of this platform are evaluated and reported"))
            {
                return;
            }
            else if (!TryLocal(() => CompliancePolicyStore.SetEnabled(store, source, policy.Name, true, DateTimeOffset.UtcNow), out policy))
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
