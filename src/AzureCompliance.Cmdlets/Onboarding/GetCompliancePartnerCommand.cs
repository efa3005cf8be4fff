using System.Management.Automation;
using AzureCompliance.Core.Onboarding.Partners;

namespace AzureCompliance.Cmdlets.Onboarding
{
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
}
