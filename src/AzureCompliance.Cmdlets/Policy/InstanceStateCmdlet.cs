using System.Management.Automation;

namespace AzureCompliance.Cmdlets.Policy
{
    /// <summary>A state cmdlet about one MDM instance's policies: the one declaration of -SourceName bound from the pipeline.</summary>
    public abstract class InstanceStateCmdlet : StateCmdlet
    {
        /// <summary>The MDM instance; by default the connection's SourceName, else this computer's name.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? SourceName { get; set; }
    }
}
