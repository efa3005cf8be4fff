using System;
using System.Management.Automation;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>Enable-/Disable-CompliancePolicy: turns one stored policy on or off. Local only.</summary>
    public abstract class PolicySwitchCmdlet : NamedPolicyCmdlet
    {
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The state this cmdlet puts the policy in.</summary>
        private protected abstract bool Enable { get; }

        /// <summary>What the change means, for -WhatIf and -Confirm.</summary>
        private protected abstract string Action { get; }

        protected override void ProcessRecord()
        {
            var source = ResolveSource(SourceName);
            using var store = OpenStore();
            if (!TryLocal(() => CompliancePolicyStore.Get(store, source, Name), out var policy))
            {
                return;
            }
            if (policy.Enabled == Enable)
            {
                WriteVerbose($"The policy '{policy.Name}' is already {(policy.Enabled ? "enabled" : "disabled")}.");
            }
            else if (!ShouldProcess($"{policy.Name} ({policy.Platform}, source '{source}')", Action))
            {
                return;
            }
            else if (!TryLocal(() => CompliancePolicyStore.SetEnabled(store, source, policy.Name, Enable, DateTimeOffset.UtcNow), out policy))
            {
                return;
            }
            Save(store);
            if (PassThru)
            {
                WriteObject(policy);
            }
        }
    }
}
