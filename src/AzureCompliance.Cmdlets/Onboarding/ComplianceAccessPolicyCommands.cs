using System;
using System.Linq;
using System.Management.Automation;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
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

    /// <summary>Gets the Conditional Access policies that require a compliant device (all policies with -All), with group and user names.</summary>
    [Cmdlet(VerbsCommon.Get, "ComplianceAccessPolicy", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ComplianceAccessPolicy))]
    public sealed class GetComplianceAccessPolicyCommand : OnboardingCmdlet
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        [Parameter(Position = 0, ParameterSetName = NameSet)]
        [Alias("Name")]
        [SupportsWildcards]
        public string? DisplayName { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Id { get; set; }

        /// <summary>Every Conditional Access policy, not only those requiring a compliant device.</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var policies = RunOrThrow((bridge, token) => ComplianceAccessPolicyService.GetAsync(connection, All.IsPresent || Id != null, bridge, token));
            var pattern = string.IsNullOrEmpty(DisplayName) ? null : new WildcardPattern(DisplayName, WildcardOptions.IgnoreCase);
            var selected = policies.Where(p => (Id == null || string.Equals(p.Id, Id, StringComparison.OrdinalIgnoreCase)) &&
                                               (pattern == null || pattern.IsMatch(p.DisplayName))).ToList();
            if (selected.Count == 0 && (Id != null || (DisplayName != null && !WildcardPattern.ContainsWildcardCharacters(DisplayName))))
            {
                WriteError(new ComplianceException("AccessPolicyNotFound", ComplianceErrorCategory.ObjectNotFound,
                    $"No Conditional Access policy {(Id != null ? "has the id " + Id : "requiring a compliant device is named '" + DisplayName + "'")}.",
                    Id ?? DisplayName, "Run Get-ComplianceAccessPolicy -All to list every policy."));
            }
            WriteObject(selected, enumerateCollection: true);
        }
    }

    /// <summary>Changes a Conditional Access policy's state or scope. Enforcing it for all users with nobody excluded is refused unless -Force.</summary>
    [Cmdlet(VerbsCommon.Set, "ComplianceAccessPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
    [OutputType(typeof(ComplianceAccessPolicy))]
    public sealed class SetComplianceAccessPolicyCommand : OnboardingCmdlet
    {
        private const string IdSet = "Id";
        private const string NameSet = "Name";

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Id { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [Alias("Name")]
        [ValidateNotNullOrEmpty]
        public string? DisplayName { get; set; }

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

    /// <summary>Deletes a Conditional Access policy.</summary>
    [Cmdlet(VerbsCommon.Remove, "ComplianceAccessPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = IdSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveComplianceAccessPolicyCommand : OnboardingCmdlet
    {
        private const string IdSet = "Id";
        private const string NameSet = "Name";

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Id { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [Alias("Name")]
        [ValidateNotNullOrEmpty]
        public string? DisplayName { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            try
            {
                var removed = Run((bridge, token) => ComplianceAccessPolicyService.RemoveAsync(connection, Id, DisplayName, bridge, token));
                if (removed)
                {
                    WriteVerbose($"Deleted the Conditional Access policy {Id ?? DisplayName}.");
                }
            }
            catch (ComplianceException ex) when (ex.ErrorId == "AccessPolicyNotFound")
            {
                WriteError(ex); // one piped policy that is gone does not stop the others
            }
        }
    }
}
