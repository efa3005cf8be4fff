using System;
using System.Management.Automation;
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
    public sealed class AddComplianceLicenseCommand : LicenseTargetCmdlet
    {
        /// <summary>The SKU to assign; by default the standalone Intune SKU if it has free units, else the Intune-capable SKU with the most.</summary>
        [Parameter]
        public Guid? SkuId { get; set; }

        /// <summary>Two-letter country code set on users that have no usage location (a licence needs one).</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z]{2}$")]
        public string? UsageLocation { get; set; }

        protected override void EndProcessing()
        {
            try
            {
                var connection = RequireConnection();
                var query = new LicenseQuery { Users = Users, Groups = Groups };
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
