using System;
using System.Collections.Generic;
using System.Management.Automation;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.Licensing;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Assigns an Intune-capable SKU to the users (or group members) who lack the Intune service plan; skips those who
    /// have it. Sets usageLocation only with -UsageLocation, and only on users that have none. Users that cannot be
    /// licensed (no free units, no usage location) are per-user errors; the rest proceed.
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "ComplianceLicense", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = UserSet)]
    [OutputType(typeof(ComplianceUserLicense))]
    public sealed class AddComplianceLicenseCommand : OnboardingCmdlet
    {
        private const string UserSet = "User";
        private const string GroupSet = "Group";
        private readonly List<DirectoryIdentity> _users = new List<DirectoryIdentity>();
        private readonly List<DirectoryIdentity> _groups = new List<DirectoryIdentity>();

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = UserSet, ValueFromPipelineByPropertyName = true)]
        [Alias("UserPrincipalName", "UserId")]
        [ValidateNotNullOrEmpty]
        public string[] User { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = GroupSet)]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [ValidateNotNullOrEmpty]
        public object[] Group { get; set; } = Array.Empty<object>();

        /// <summary>The SKU to assign; by default the standalone Intune SKU if it has free units, else the Intune-capable SKU with the most.</summary>
        [Parameter]
        public Guid? SkuId { get; set; }

        /// <summary>Two-letter country code set on users that have no usage location (a licence needs one).</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z]{2}$")]
        public string? UsageLocation { get; set; }

        protected override void ProcessRecord()
        {
            _users.AddRange(IdentityBinder.Users(User));
            _groups.AddRange(IdentityBinder.Groups(Group));
        }

        protected override void EndProcessing()
        {
            try
            {
                var connection = RequireConnection();
                var query = new LicenseQuery { Users = _users, Groups = _groups };
                var report = RunOrThrow((bridge, token) => ComplianceLicenseService.AddAsync(connection, query, SkuId, UsageLocation, bridge, token));
                WriteObject(report.Users, enumerateCollection: true);
                WriteErrors(report.Errors);
            }
            finally
            {
                base.EndProcessing();
            }
        }
    }
}
