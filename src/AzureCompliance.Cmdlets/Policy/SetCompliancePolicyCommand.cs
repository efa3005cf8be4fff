using System;
using System.Collections.Generic;
using System.Management.Automation;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>
    /// Changes the rules (or the name) of a stored compliance policy; -Publish also creates/finds its Intune partner
    /// policy and assigns it to the current group scope.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "CompliancePolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CompliancePolicy))]
    public sealed class SetCompliancePolicyCommand : NamedPolicyCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? NewName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [AllowNull]
        public string? MinimumOsVersion { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [AllowNull]
        public string? MinimumClientVersion { get; set; }

        // Switches: only a bound one changes its rule; -RequirePasscode:$false turns the rule off.
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter BlockJailbroken { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter RequireEncryption { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter RequirePasscode { get; set; }

        /// <summary>Zero or $null: no limit.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public TimeSpan? MaximumCheckInAge { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter RequireEntraRegistration { get; set; }

        /// <summary>Also create (or find) the Intune partner policy and assign it to the recorded group scope. Needs a connection of the same source.</summary>
        [Parameter]
        public SwitchParameter Publish { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var source = ResolveSource(SourceName);
            var connection = Publish ? RequireConnection() : null;
            if (connection != null && !string.Equals(connection.SourceName, source, StringComparison.OrdinalIgnoreCase))
            {
                WriteError(new Core.Diagnostics.ComplianceException("SourceMismatch", Core.Diagnostics.ComplianceErrorCategory.InvalidArgument,
                    $"-Publish works with the connection's source '{connection.SourceName}', but the policy '{Name}' belongs to '{source}'.", Name,
                    "Connect with -SourceName '" + source + "', or publish the policy of the connection's source."));
                return;
            }

            using var store = OpenStore();
            if (!TryLocal(() => CompliancePolicyStore.Get(store, source, Name), out var current))
            {
                return;
            }
            var changed = current.Clone();
            var bound = MyInvocation.BoundParameters;
            if (!PolicyParameters.TryApplyVersion(this, nameof(MinimumOsVersion), MinimumOsVersion, v => changed.MinimumOsVersion = v) ||
                !PolicyParameters.TryApplyVersion(this, nameof(MinimumClientVersion), MinimumClientVersion, v => changed.MinimumClientVersion = v))
            {
                return;
            }
            if (bound.ContainsKey(nameof(NewName))) changed.Name = NewName!;
            if (bound.ContainsKey(nameof(BlockJailbroken))) changed.BlockJailbroken = BlockJailbroken.IsPresent;
            if (bound.ContainsKey(nameof(RequireEncryption))) changed.RequireEncryption = RequireEncryption.IsPresent;
            if (bound.ContainsKey(nameof(RequirePasscode))) changed.RequirePasscode = RequirePasscode.IsPresent;
            if (bound.ContainsKey(nameof(RequireEntraRegistration))) changed.RequireEntraRegistration = RequireEntraRegistration.IsPresent;
            if (bound.ContainsKey(nameof(MaximumCheckInAge)))
            {
                changed.MaximumCheckInAge = MaximumCheckInAge is TimeSpan age && age == TimeSpan.Zero ? null : MaximumCheckInAge;
            }

            var changes = new List<string>();
            PolicyParameters.Describe(changes, "Name", current.Name, changed.Name);
            PolicyParameters.Describe(changes, "MinimumOsVersion", current.MinimumOsVersion, changed.MinimumOsVersion);
            PolicyParameters.Describe(changes, "MinimumClientVersion", current.MinimumClientVersion, changed.MinimumClientVersion);
            PolicyParameters.Describe(changes, "BlockJailbroken", current.BlockJailbroken, changed.BlockJailbroken);
            PolicyParameters.Describe(changes, "RequireEncryption", current.RequireEncryption, changed.RequireEncryption);
            PolicyParameters.Describe(changes, "RequirePasscode", current.RequirePasscode, changed.RequirePasscode);
            PolicyParameters.Describe(changes, "MaximumCheckInAge", current.MaximumCheckInAge, changed.MaximumCheckInAge);
            PolicyParameters.Describe(changes, "RequireEntraRegistration", current.RequireEntraRegistration, changed.RequireEntraRegistration);
            if (Publish) changes.Add("publish to Intune and assign to the group scope");

            var result = current;
            if (changes.Count == 0)
            {
                WriteVerbose($"The policy '{current.Name}' already has these settings; nothing to change.");
            }
            else if (ShouldProcess($"{current.Name} ({current.Platform}, source '{source}')", "Change " + string.Join(", ", changes)))
            {
                var hasRuleChanges = changes.Count > (Publish ? 1 : 0);
                if (hasRuleChanges && !TryLocal(() => CompliancePolicyStore.Update(store, source, current.Name, changed, DateTimeOffset.UtcNow), out result))
                {
                    return;
                }
                var name = result!.Name;
                if (Publish && !TryRun((bridge, token) => CompliancePolicyService.RepublishAsync(connection!, store, name, bridge, token), out result))
                {
                    return;
                }
            }
            else
            {
                return;
            }
            Save(store);
            if (PassThru)
            {
                WriteObject(result);
            }
        }
    }
}
