using System.Management.Automation;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Changes a Conditional Access policy's state or scope. Enforcing it for all users with nobody excluded is refused unless -Force.</summary>
    [Cmdlet(VerbsCommon.Set, "ComplianceAccessPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
    [OutputType(typeof(ComplianceAccessPolicy))]
    public sealed class SetComplianceAccessPolicyCommand : AccessPolicyIdentityCmdlet
    {
        [Parameter]
        public ComplianceAccessPolicyState? State { get; set; }

        /// <summary>Apply the policy to all users (instead of groups).</summary>
        [Parameter]
        public SwitchParameter AllUsers { get; set; }

        /// <summary>Apply the policy to these groups (instead of all users).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [ValidateNotNullOrEmpty]
        public object[]? Group { get; set; }

        /// <summary>Replaces the excluded users; an empty array clears them.</summary>
        [Parameter]
        [AllowEmptyCollection]
        public object[]? ExcludeUser { get; set; }

        /// <summary>Replaces the excluded groups; an empty array clears them.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [AllowEmptyCollection]
        public object[]? ExcludeGroup { get; set; }

        [Parameter]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        [ArgumentCompleter(typeof(PlatformCompleter))]
        public DevicePlatform[]? Platform { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(ApplicationCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Application { get; set; }

        /// <summary>Allows enforcing the policy for all users with nobody excluded.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var change = new AccessPolicyChange
            {
                State = State,
                AllUsers = AllUsers.IsPresent,
                Groups = Group == null ? null : IdentityBinder.Groups(Group),
                ExcludeUsers = ExcludeUser == null ? null : IdentityBinder.Users(ExcludeUser),
                ExcludeGroups = ExcludeGroup == null ? null : IdentityBinder.Groups(ExcludeGroup),
                Platforms = Platform,
                Applications = Application,
            };
            var policy = RunOrThrow((bridge, token) => ComplianceAccessPolicyService.SetAsync(connection, Id, DisplayName, change, Force.IsPresent, bridge, token));
            if (policy != null)
            {
                WriteObject(policy);
            }
        }
    }
}
