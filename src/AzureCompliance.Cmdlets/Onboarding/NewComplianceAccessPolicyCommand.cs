using System;
using System.Management.Automation;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Creates a Conditional Access policy that grants access only from a compliant device. ReportOnly by default.
    /// Enabled for all users with nobody excluded is refused unless -Force (it can lock every administrator out).
    /// </summary>
    [Cmdlet(VerbsCommon.New, "ComplianceAccessPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = GroupSet)]
    [OutputType(typeof(ComplianceAccessPolicy))]
    public sealed class NewComplianceAccessPolicyCommand : OnboardingCmdlet
    {
        private const string GroupSet = "Group";
        private const string AllUsersSet = "AllUsers";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ValidateNotNullOrEmpty]
        public string DisplayName { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        [ArgumentCompleter(typeof(PlatformCompleter))]
        public DevicePlatform[] Platform { get; set; } = { DevicePlatform.Android, DevicePlatform.iOS };

        /// <summary>Office365 (default), All, or application (client) ids.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ApplicationCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Application { get; set; } = { "Office365" };

        [Parameter(Mandatory = true, ParameterSetName = AllUsersSet)]
        public SwitchParameter AllUsers { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = GroupSet)]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [ValidateNotNullOrEmpty]
        public object[] Group { get; set; } = Array.Empty<object>();

        /// <summary>Users the policy never applies to (e.g. an emergency access account): user principal names or ids.</summary>
        [Parameter]
        [ValidateNotNull]
        public object[] ExcludeUser { get; set; } = Array.Empty<object>();

        /// <summary>Groups the policy never applies to (e.g. the emergency access group).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [ValidateNotNull]
        public object[] ExcludeGroup { get; set; } = Array.Empty<object>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public ComplianceAccessPolicyState State { get; set; } = ComplianceAccessPolicyState.ReportOnly;

        /// <summary>Allows an Enabled policy for all users with nobody excluded.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var definition = new AccessPolicyDefinition(DisplayName)
            {
                Platforms = Platform,
                Applications = Application,
                AllUsers = AllUsers.IsPresent,
                Groups = IdentityBinder.Groups(Group),
                ExcludeUsers = IdentityBinder.Users(ExcludeUser),
                ExcludeGroups = IdentityBinder.Groups(ExcludeGroup),
                State = State,
            };
            var policy = RunOrThrow((bridge, token) => ComplianceAccessPolicyService.NewAsync(connection, definition, Force.IsPresent, bridge, token));
            if (policy != null)
            {
                WriteObject(policy);
            }
        }
    }
}
