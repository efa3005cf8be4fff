using System;
using System.Collections.Generic;
using System.Management.Automation;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.Licensing;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Without parameters: the tenant's SKUs that carry Intune, with their free units. With -User, -Group or -AllUsers:
    /// for each user whether the Intune service plan is assigned and through which SKU (bundles count).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ComplianceLicense", DefaultParameterSetName = SkuSet)]
    [OutputType(typeof(ComplianceLicenseSku), ParameterSetName = new[] { SkuSet })]
    [OutputType(typeof(ComplianceUserLicense), ParameterSetName = new[] { UserSet, GroupSet, AllUsersSet })]
    public sealed class GetComplianceLicenseCommand : OnboardingCmdlet
    {
        private const string SkuSet = "Sku";
        private const string UserSet = "User";
        private const string GroupSet = "Group";
        private const string AllUsersSet = "AllUsers";
        private readonly List<DirectoryIdentity> _users = new List<DirectoryIdentity>();
        private readonly List<DirectoryIdentity> _groups = new List<DirectoryIdentity>();

        /// <summary>User principal names or object ids (also user objects from the pipeline, by property name).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = UserSet, ValueFromPipelineByPropertyName = true)]
        [Alias("UserPrincipalName", "UserId")]
        [ValidateNotNullOrEmpty]
        public string[] User { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = GroupSet)]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [ValidateNotNullOrEmpty]
        public object[] Group { get; set; } = Array.Empty<object>();

        [Parameter(Mandatory = true, ParameterSetName = AllUsersSet)]
        public SwitchParameter AllUsers { get; set; }

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
                if (ParameterSetName == SkuSet)
                {
                    WriteObject(RunOrThrow((bridge, token) => ComplianceLicenseService.GetSkusAsync(connection, bridge, token)), enumerateCollection: true);
                    return;
                }
                var query = new LicenseQuery { Users = _users, Groups = _groups, AllUsers = AllUsers.IsPresent };
                var report = RunOrThrow((bridge, token) => ComplianceLicenseService.GetUsersAsync(connection, query, bridge, token));
                WriteErrors(report.Errors);
                WriteObject(report.Users, enumerateCollection: true);
            }
            finally
            {
                base.EndProcessing();
            }
        }
    }
}
