using System;
using System.Collections.Generic;
using System.Management.Automation;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.Groups;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Sets whose devices this MDM instance reports: all users, or up to ten groups (names, ids or group objects, also
    /// from the pipeline). Applies it to the compliance partner's per-platform assignments and to the partner compliance
    /// policies, and records it in the state file for device sync.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ComplianceGroup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = GroupSet)]
    [OutputType(typeof(ComplianceGroupScope))]
    public sealed class SetComplianceGroupCommand : OnboardingCmdlet
    {
        private const string GroupSet = "Group";
        private const string AllUsersSet = "AllUsers";
        private readonly List<DirectoryIdentity> _groups = new List<DirectoryIdentity>();
        private bool _allUsersPiped;

        [Parameter(Mandatory = true, ParameterSetName = AllUsersSet)]
        public SwitchParameter AllUsers { get; set; }

        /// <summary>Group names, object ids or group objects (anything with Id / DisplayName).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = GroupSet, ValueFromPipeline = true)]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [ValidateNotNullOrEmpty]
        public object[] Group { get; set; } = Array.Empty<object>();

        /// <summary>Only these platforms' assignments; by default every platform the partner is onboarded for.</summary>
        [Parameter]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        [ArgumentCompleter(typeof(PlatformCompleter))]
        public DevicePlatform[]? Platform { get; set; }

        /// <summary>The compliance partner; by default the only one onboarded.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PartnerName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName != GroupSet)
            {
                return;
            }
            foreach (var item in Group)
            {
                // The All users entry of Get-ComplianceGroup, piped back, means -AllUsers.
                if (item != null && !(item is string) && PSObject.AsPSObject(item).Properties["AllUsers"]?.Value is bool all && all)
                {
                    _allUsersPiped = true;
                    continue;
                }
                _groups.AddRange(IdentityBinder.Groups(new[] { item }));
            }
        }

        protected override void EndProcessing()
        {
            try
            {
                var connection = RequireConnection();
                var request = new GroupScopeRequest
                {
                    AllUsers = AllUsers.IsPresent || (_allUsersPiped && _groups.Count == 0),
                    Groups = _groups,
                    Platforms = Platform,
                    PartnerName = PartnerName,
                    StatePath = ResolveStatePath(StatePath),
                };
                var result = RunOrThrow((bridge, token) => ComplianceGroupService.SetAsync(connection, request, bridge, token));
                WriteErrors(result.Errors);
                if (result.Scope != null)
                {
                    foreach (var change in result.Scope.Changes)
                    {
                        WriteVerbose(change + ".");
                    }
                    WriteObject(result.Scope);
                }
            }
            finally
            {
                base.EndProcessing();
            }
        }
    }
}
