using System;
using System.Linq;
using System.Management.Automation;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.ConditionalAccess;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Gets the Conditional Access policies that require a compliant device (all policies with -All), with group and user names.</summary>
    [Cmdlet(VerbsCommon.Get, "ComplianceAccessPolicy", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ComplianceAccessPolicy))]
    public sealed class GetComplianceAccessPolicyCommand : OnboardingCmdlet
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        [Parameter(Position = 0, ParameterSetName = NameSet)]
        [Alias("Name")]
        [SupportsWildcards]
        public string? DisplayName { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Id { get; set; }

        /// <summary>Every Conditional Access policy, not only those requiring a compliant device.</summary>
        [Parameter]
        public SwitchParameter All { get; set; }

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var policies = RunOrThrow((bridge, token) => ComplianceAccessPolicyService.GetAsync(connection, All.IsPresent || Id != null, bridge, token));
            var pattern = string.IsNullOrEmpty(DisplayName) ? null : new WildcardPattern(DisplayName, WildcardOptions.IgnoreCase);
            var selected = policies.Where(p => (Id == null || string.Equals(p.Id, Id, StringComparison.OrdinalIgnoreCase)) &&
                                               (pattern == null || pattern.IsMatch(p.DisplayName))).ToList();
            if (selected.Count == 0 && (Id != null || (DisplayName != null && !WildcardPattern.ContainsWildcardCharacters(DisplayName))))
            {
                WriteError(new ComplianceException("AccessPolicyNotFound", ComplianceErrorCategory.ObjectNotFound,
                    $"No Conditional Access policy {(Id != null ? "has the id " + Id : "requiring a compliant device is named '" + DisplayName + "'")}.",
                    Id ?? DisplayName, "Run Get-ComplianceAccessPolicy -All to list every policy."));
            }
            WriteObject(selected, enumerateCollection: true);
        }
    }
}
