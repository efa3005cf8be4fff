using System;
using System.Management.Automation;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Onboarding.Partners;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Onboards the MDM as the Intune compliance partner of platforms (creating the partner if needed), discovers the
    /// Intune partner endpoints, provisions the partner tenant and registers this MDM instance. Idempotent.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "CompliancePartner", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = KeepSet)]
    [OutputType(typeof(CompliancePartner))]
    public sealed class AddCompliancePartnerCommand : OnboardingCmdlet
    {
        private const string KeepSet = "KeepAssignments";
        private const string AllUsersSet = "AllUsers";
        private const string GroupSet = "Group";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "PartnerName")]
        [ValidateNotNullOrEmpty]
        public string DisplayName { get; set; } = "";

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        [ArgumentCompleter(typeof(PlatformCompleter))]
        public DevicePlatform[] Platform { get; set; } = Array.Empty<DevicePlatform>();

        [Parameter(Mandatory = true, ParameterSetName = AllUsersSet)]
        public SwitchParameter AllUsers { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = GroupSet)]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [ValidateNotNullOrEmpty]
        public object[] Group { get; set; } = Array.Empty<object>();

        /// <summary>Where Intune sends users to enroll with the MDM (PartnerEnrollmentUrl).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public Uri? EnrollmentUrl { get; set; }

        /// <summary>Where Intune sends users to make a device compliant (PartnerRemediationUrl).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public Uri? RemediationUrl { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var request = new AddPartnerRequest(DisplayName, Platform)
            {
                AllUsers = AllUsers.IsPresent,
                Groups = ParameterSetName == GroupSet ? IdentityBinder.Groups(Group) : null,
                EnrollmentUrl = EnrollmentUrl,
                RemediationUrl = RemediationUrl,
            };
            var result = RunOrThrow((bridge, token) => CompliancePartnerService.AddAsync(connection, request, bridge, token));
            WriteErrors(result.Errors);
            foreach (var change in result.Changes)
            {
                WriteVerbose(change + ".");
            }
            if (result.Partner != null)
            {
                WriteObject(result.Partner);
            }
        }
    }
}
