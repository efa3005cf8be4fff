using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Cmdlets.Infrastructure
{
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
