using System.Management.Automation;
using AzureCompliance.Cmdlets.Policy;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Onboarding.Readiness;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Checks that the tenant is ready for the MDM as a compliance partner: one result per check (Name, Result, Detail,
    /// Remedy). Reads only. Designed to be asserted on in Pester.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "ComplianceTenant")]
    [OutputType(typeof(ComplianceReadinessCheck))]
    public sealed class TestComplianceTenantCommand : StateCmdlet
    {
        /// <summary>The platforms the partner must be onboarded for (default Android, iOS).</summary>
        [Parameter]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        [ArgumentCompleter(typeof(PlatformCompleter))]
        public DevicePlatform[] Platform { get; set; } = { DevicePlatform.Android, DevicePlatform.iOS };

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PartnerName { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var request = new ReadinessRequest { Platforms = Platform, PartnerName = PartnerName, StatePath = ResolvedStatePath };
            var checks = RunOrThrow((bridge, token) => ReadinessService.TestAsync(connection, request, bridge, token));
            WriteObject(checks, enumerateCollection: true);
        }
    }
}
