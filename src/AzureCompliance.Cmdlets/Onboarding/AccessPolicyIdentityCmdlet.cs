using System.Management.Automation;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Set-/Remove-ComplianceAccessPolicy: one Conditional Access policy, named by -Id (also piped) or by -DisplayName.</summary>
    public abstract class AccessPolicyIdentityCmdlet : OnboardingCmdlet
    {
        private protected const string IdSet = "Id";
        private protected const string NameSet = "Name";

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Id { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [Alias("Name")]
        [ValidateNotNullOrEmpty]
        public string? DisplayName { get; set; }
    }
}
