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

    /// <summary>Gets the tenant's compliance partners: state, heartbeat, onboarded platforms, assignments with group names.</summary>
    [Cmdlet(VerbsCommon.Get, "CompliancePartner")]
    [OutputType(typeof(CompliancePartner))]
    public sealed class GetCompliancePartnerCommand : OnboardingCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "PartnerName")]
        [SupportsWildcards]
        public string? DisplayName { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var partners = RunOrThrow((bridge, token) => CompliancePartnerService.GetAsync(connection, null, bridge, token));
            var pattern = string.IsNullOrEmpty(DisplayName) ? null : new WildcardPattern(DisplayName, WildcardOptions.IgnoreCase);
            var found = false;
            foreach (var partner in partners)
            {
                if (pattern != null && !pattern.IsMatch(partner.DisplayName)) continue;
                found = true;
                WriteObject(partner);
            }
            if (!found && DisplayName != null && !WildcardPattern.ContainsWildcardCharacters(DisplayName))
            {
                WriteError(new Core.Diagnostics.ComplianceException("PartnerNotFound", Core.Diagnostics.ComplianceErrorCategory.ObjectNotFound,
                    $"The tenant has no compliance partner named '{DisplayName}'.", DisplayName, "Run Get-CompliancePartner to list them."));
            }
        }
    }

    /// <summary>Offboards platforms of a compliance partner, or removes the partner. Devices of those platforms stop being reported compliant.</summary>
    [Cmdlet(VerbsCommon.Remove, "CompliancePartner", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(CompliancePartner))]
    public sealed class RemoveCompliancePartnerCommand : OnboardingCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name", "PartnerName")]
        [ValidateNotNullOrEmpty]
        public string? DisplayName { get; set; }

        /// <summary>Offboard only these platforms; without it the whole partner is removed.</summary>
        [Parameter]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        [ArgumentCompleter(typeof(PlatformCompleter))]
        public DevicePlatform[]? Platform { get; set; }

        /// <summary>Return the partner as it is afterwards (when platforms remain).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var result = RunOrThrow((bridge, token) => CompliancePartnerService.RemoveAsync(connection, DisplayName, Platform, bridge, token));
            WriteErrors(result.Errors);
            foreach (var change in result.Changes)
            {
                WriteVerbose(change + ".");
            }
            if (PassThru && result.Partner != null)
            {
                WriteObject(result.Partner);
            }
        }
    }
}
