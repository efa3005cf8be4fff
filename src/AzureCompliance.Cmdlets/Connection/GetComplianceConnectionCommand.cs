using System.Management.Automation;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Cmdlets.Connection
{
    /// <summary>Returns the session's current connection, or nothing when there is none.</summary>
    [Cmdlet(VerbsCommon.Get, "ComplianceConnection")]
    [OutputType(typeof(ComplianceConnection))]
    public sealed class GetComplianceConnectionCommand : ComplianceCmdlet
    {
        protected override void ProcessRecord()
        {
            var connection = SessionConnection.Current;
            if (connection == null)
            {
                WriteVerbose("There is no connection in this session. Run Connect-ComplianceTenant.");
                return;
            }
            WriteObject(connection);
        }
    }
}
