using System;
using System.Linq;
using System.Management.Automation;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>Lists the compliance policies of an MDM instance (source) from the state file. Local only: nothing is sent.</summary>
    [Cmdlet(VerbsCommon.Get, "CompliancePolicy")]
    [OutputType(typeof(CompliancePolicy))]
    public sealed class GetCompliancePolicyCommand : InstanceStateCmdlet
    {
        /// <summary>Policy names; wildcards allowed. All when omitted.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(PolicyNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        public string? Platform { get; set; }

        protected override void ProcessRecord()
        {
            var source = ResolveSource(SourceName);
            using var store = OpenExistingStore();
            var policies = store == null ? Array.Empty<CompliancePolicy>() : CompliancePolicyStore.List(store, source).ToArray();
            if (!string.IsNullOrEmpty(Platform))
            {
                policies = policies.Where(p => string.Equals(p.Platform.ToString(), Platform, StringComparison.OrdinalIgnoreCase)).ToArray();
            }
            if (Name == null || Name.Length == 0)
            {
                foreach (var policy in policies)
                {
                    WriteObject(policy);
                }
                return;
            }

            var written = new System.Collections.Generic.HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in Name)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var matches = policies.Where(p => pattern.IsMatch(p.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    WriteError(PolicyErrors.NotFound(name, source));
                    continue;
                }
                foreach (var policy in matches)
                {
                    if (written.Add(policy.Name))
                    {
                        WriteObject(policy);
                    }
                }
            }
        }
    }
}
