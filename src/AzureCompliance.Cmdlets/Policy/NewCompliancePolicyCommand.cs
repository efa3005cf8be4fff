using System;
using System.Management.Automation;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>
    /// Creates a partner device compliance policy for a platform: stores it in the MDM's state and creates (or finds) the
    /// partner compliance policy in Intune, assigned to the recorded group scope.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CompliancePolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(CompliancePolicy))]
    public sealed class NewCompliancePolicyCommand : StateCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = "";

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        public string Platform { get; set; } = "";

        /// <summary>Default: iOS 12.0, Android 8.0, macOS 13.0. Empty: no minimum.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [AllowNull]
        public string? MinimumOsVersion { get; set; }

        /// <summary>Default: iOS 12.0, Android 8.0 (Mobile@Work), none for macOS. Empty: no minimum.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        [AllowNull]
        public string? MinimumClientVersion { get; set; }

        // Switches: absent keeps the platform default (PolicyDefaults); -BlockJailbroken:$false turns a rule that is on by default off.
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter BlockJailbroken { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter RequireEncryption { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter RequirePasscode { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public TimeSpan? MaximumCheckInAge { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public SwitchParameter RequireEntraRegistration { get; set; }

        /// <summary>Stores the policy disabled: it uploads nothing until Enable-CompliancePolicy.</summary>
        [Parameter]
        public SwitchParameter Disabled { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var platform = (DevicePlatform)Enum.Parse(typeof(DevicePlatform), Platform, ignoreCase: true);
            var policy = CompliancePolicy.CreateDefault(Name, platform);
            policy.Enabled = !Disabled.IsPresent;
            if (!PolicyParameters.TryApplyVersion(this, nameof(MinimumOsVersion), MinimumOsVersion, v => policy.MinimumOsVersion = v) ||
                !PolicyParameters.TryApplyVersion(this, nameof(MinimumClientVersion), MinimumClientVersion, v => policy.MinimumClientVersion = v))
            {
                return;
            }
            policy.BlockJailbroken = SwitchOrDefault(nameof(BlockJailbroken), BlockJailbroken, PolicyDefaults.BlockJailbroken);
            policy.RequireEncryption = SwitchOrDefault(nameof(RequireEncryption), RequireEncryption, PolicyDefaults.RequireEncryption);
            policy.RequirePasscode = SwitchOrDefault(nameof(RequirePasscode), RequirePasscode, PolicyDefaults.RequirePasscode);
            policy.RequireEntraRegistration = SwitchOrDefault(nameof(RequireEntraRegistration), RequireEntraRegistration, PolicyDefaults.RequireEntraRegistration);
            policy.MaximumCheckInAge = MaximumCheckInAge is TimeSpan age && age == TimeSpan.Zero ? null : MaximumCheckInAge;

            using var store = OpenStore();
            if (!TryLocal(() => { CompliancePolicyStore.CheckCanAdd(store, connection.SourceName, policy); return true; }, out _))
            {
                return;
            }
            var target = $"{policy.Name} ({policy.Platform}, source '{connection.SourceName}', tenant {connection.TenantDomain ?? connection.TenantId})";
            if (!ShouldProcess(target, "Create the compliance policy and its Intune partner compliance policy"))
            {
                return;
            }
            if (TryRun((bridge, token) => CompliancePolicyService.CreateAsync(connection, store, policy, bridge, token), out var created))
            {
                Save(store);
                WriteObject(created);
            }
        }

        private bool SwitchOrDefault(string parameter, SwitchParameter value, bool platformDefault) =>
            MyInvocation.BoundParameters.ContainsKey(parameter) ? value.IsPresent : platformDefault;
    }
}
