using System.Management.Automation;
using AzureCompliance.Core.Onboarding.Readiness;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Checks that the tenant is ready for the MDM as a compliance partner: one result per check (Name, Result, Detail,
    /// Remedy). Reads only. Designed to be asserted on in Pester.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "ComplianceTenant")]
    [OutputType(typeof(ComplianceReadinessCheck))]
    public sealed class TestComplianceTenantCommand : TenantReadinessCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var request = new ReadinessRequest { Platforms = Platform, PartnerName = PartnerName, StatePath = ResolveStatePath(StatePath) };
            var checks = RunOrThrow((bridge, token) => ReadinessService.TestAsync(connection, request, bridge, token));
            WriteObject(checks, enumerateCollection: true);
        }
    }
}
