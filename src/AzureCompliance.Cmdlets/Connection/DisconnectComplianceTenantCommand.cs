using System.Management.Automation;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Cmdlets.Connection
{
    /// <summary>Signs out: drops the connection's tokens and, if it is the session's current one, the session connection.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "ComplianceTenant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class DisconnectComplianceTenantCommand : ComplianceCmdlet
    {
        /// <summary>The connection to close; by default the session's current one.</summary>
        [Parameter(ValueFromPipeline = true)]
        public ComplianceConnection? Connection { get; set; }

        protected override void ProcessRecord()
        {
            var connection = Connection ?? SessionConnection.Current;
            if (connection == null)
            {
                WriteError(ConnectionErrors.NotConnected());
                return;
            }
            if (!connection.IsConnected)
            {
                WriteError(ConnectionErrors.Closed());
                return;
            }
            if (!ShouldProcess($"{connection.TenantDomain ?? connection.TenantId} as {connection.ClientId}", "Sign out"))
            {
                return;
            }

            RunOrThrow((bridge, token) => ConnectionService.DisconnectAsync(connection));
            if (ReferenceEquals(SessionConnection.Current, connection))
            {
                SessionConnection.Current = null;
            }
            WriteVerbose($"Signed out of {connection.TenantDomain ?? connection.TenantId}.");
        }
    }
}
