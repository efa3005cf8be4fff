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

    /// <summary>
    /// The current connection, one per runspace (not per process): parallel runspaces in one process, such as
    /// ForEach-Object -Parallel or a test host, each keep their own.
    /// </summary>
    internal static class SessionConnection
    {
        private static readonly ConditionalWeakTable<Runspace, Holder> Connections = new ConditionalWeakTable<Runspace, Holder>();

        public static ComplianceConnection? Current
        {
            get => Runspace.DefaultRunspace is Runspace runspace && Connections.TryGetValue(runspace, out var holder) ? holder.Connection : null;
            set
            {
                if (Runspace.DefaultRunspace is Runspace runspace)
                {
                    Connections.GetValue(runspace, _ => new Holder()).Connection = value;
                }
            }
        }

        private sealed class Holder
        {
            public ComplianceConnection? Connection;
        }
    }
}
