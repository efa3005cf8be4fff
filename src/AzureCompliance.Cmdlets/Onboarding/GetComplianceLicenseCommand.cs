using System.Management.Automation;
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
    public sealed class GetComplianceLicenseCommand : LicenseTargetCmdlet
    {
        private const string SkuSet = "Sku";
        private const string AllUsersSet = "AllUsers";

        [Parameter(Mandatory = true, ParameterSetName = AllUsersSet)]
        public SwitchParameter AllUsers { get; set; }

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
                var query = new LicenseQuery { Users = Users, Groups = Groups, AllUsers = AllUsers.IsPresent };
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
