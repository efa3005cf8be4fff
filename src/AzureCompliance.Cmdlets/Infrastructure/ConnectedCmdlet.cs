using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>A cmdlet that works on a tenant: -Connection, or the session's current connection.</summary>
    public abstract class ConnectedCmdlet : ComplianceCmdlet
    {
        /// <summary>The connection to use; by default the one Connect-ComplianceTenant made in this session.</summary>
        [Parameter]
        public ComplianceConnection? Connection { get; set; }

        /// <summary>The connection to work with, or a terminating error that says to connect first.</summary>
        protected ComplianceConnection RequireConnection()
        {
            var connection = Connection ?? SessionConnection.Current;
            if (connection == null)
            {
                ThrowTerminatingError(ConnectionErrors.NotConnected());
            }
            if (!connection!.IsConnected)
            {
                ThrowTerminatingError(ConnectionErrors.Closed());
            }
            return connection;
        }
    }
}
