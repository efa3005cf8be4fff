using System.Management.Automation;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Onboarding.Partners;

namespace AzureCompliance.Cmdlets.Onboarding
{
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
