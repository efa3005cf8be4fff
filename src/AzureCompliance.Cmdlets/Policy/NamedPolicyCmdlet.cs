using System.Management.Automation;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>A cmdlet that works on one stored compliance policy, named by -Name (and -SourceName for another instance's).</summary>
    public abstract class NamedPolicyCmdlet : InstanceStateCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PolicyNameCompleter))]
        public string Name { get; set; } = "";
    }
}
