using System;
using System.Linq;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Onboarding.Deprovisioning;

namespace AzureCompliance.Cmdlets.Connection
{
    /// <summary>
    /// Signs out: drops the connection's tokens and, if it is the session's current one, the session connection.
    /// With -Deprovision it first removes this MDM instance from the tenant (seed: "De-provisioning of the Azure tenant"):
    /// refused while other instances are registered (unless -All) or while this instance's partner compliance policy is
    /// enabled (unless -Force); then the partner tenant is deprovisioned, the instance unregistered, and the session signed out.
    /// </summary>
    /// <remarks>
    /// The cmdlet's declared ConfirmImpact stays Low so that a plain sign-out never prompts. -Deprovision acts as
    /// ConfirmImpact High: every change goes through ShouldProcess (-WhatIf lists each one and sends nothing; -Confirm
    /// asks for each), and without -Confirm it asks once more with ShouldContinue, listing every change, unless -Force,
    /// -Confirm:$false or $ConfirmPreference = 'None'.
    /// </remarks>
    [Cmdlet(VerbsCommunications.Disconnect, "ComplianceTenant", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SignOutSet)]
    [OutputType(typeof(void), ParameterSetName = new[] { SignOutSet })]
    [OutputType(typeof(ComplianceDeprovisionResult), ParameterSetName = new[] { DeprovisionSet })]
    public sealed class DisconnectComplianceTenantCommand : ComplianceCmdlet
    {
        private const string SignOutSet = "SignOut";
        private const string DeprovisionSet = "Deprovision";

        /// <summary>The connection to close; by default the session's current one.</summary>
        [Parameter(ValueFromPipeline = true)]
        public ComplianceConnection? Connection { get; set; }

        /// <summary>Remove this MDM instance from the tenant before signing out.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DeprovisionSet)]
        public SwitchParameter Deprovision { get; set; }

        /// <summary>De-provision every MDM instance registered on the tenant (the seed's "disconnect from all Cores").</summary>
        [Parameter(ParameterSetName = DeprovisionSet)]
        public SwitchParameter All { get; set; }

        /// <summary>Proceed although this instance's partner compliance policy is still enabled, and do not ask for confirmation.</summary>
        [Parameter(ParameterSetName = DeprovisionSet)]
        public SwitchParameter Force { get; set; }

        /// <summary>The state file holding the partner compliance policies; by default the per-user one.</summary>
        [Parameter(ParameterSetName = DeprovisionSet)]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        protected override void ProcessRecord()
        {
            var connection = Connection ?? SessionConnection.Current;
            if (connection == null)
            {
                WriteError(ConnectionErrors.NotConnected());
                return;
            }
            if (Deprovision.IsPresent)
            {
                DeprovisionAndSignOut(connection);
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
            ForgetIfCurrent(connection);
            WriteVerbose($"Signed out of {connection.TenantDomain ?? connection.TenantId}.");
        }

        private void DeprovisionAndSignOut(ComplianceConnection connection)
        {
            if (!connection.IsConnected)
            {
                ThrowTerminatingError(ConnectionErrors.Closed());
            }
            var request = new DeprovisionRequest
            {
                All = All.IsPresent,
                Force = Force.IsPresent,
                StatePath = StatePaths.Resolve(SessionState.Path, StatePath),
            };
            var plan = RunOrThrow((bridge, token) => DeprovisionService.PlanAsync(connection, request, bridge, token));

            // Every change is shown (-WhatIf) or confirmed (-Confirm) on its own; all of them, or none, are made.
            var approved = plan.Changes.Select(change => ShouldProcess(change.Target, change.Action)).ToList();
            if (approved.Contains(false))
            {
                WriteVerbose("Nothing was changed.");
                return;
            }
            if (!ConfirmHighImpact(connection, plan))
            {
                WriteVerbose("Nothing was changed.");
                return;
            }

            var result = RunOrThrow((bridge, token) => DeprovisionService.ExecuteAsync(connection, plan, bridge, token));
            ForgetIfCurrent(connection);
            WriteVerbose($"De-provisioned and signed out of {connection.TenantDomain ?? connection.TenantId}.");
            WriteObject(result);
        }

        /// <summary>The ConfirmImpact High prompt of -Deprovision (see the remarks on the class).</summary>
        private bool ConfirmHighImpact(ComplianceConnection connection, DeprovisionPlan plan)
        {
            if (Force.IsPresent || MyInvocation.BoundParameters.ContainsKey("Confirm"))
            {
                return true; // -Force, -Confirm:$false, or -Confirm (which already asked for each change)
            }
            var preference = GetVariableValue("ConfirmPreference");
            if (preference is PSObject ps) preference = ps.BaseObject;
            var level = preference is ConfirmImpact impact ? impact
                : preference is string text && Enum.TryParse<ConfirmImpact>(text, true, out var parsed) ? parsed
                : ConfirmImpact.High;
            if (level == ConfirmImpact.None || level == ConfirmImpact.Low)
            {
                return true; // None: never ask; Low: ShouldProcess already asked for each change
            }
            var query = $"De-provision {(plan.All ? "every MDM instance" : "the MDM instance '" + connection.SourceName + "'")} from " +
                $"{connection.TenantDomain ?? connection.TenantId}? This will:{System.Environment.NewLine}" +
                string.Join(System.Environment.NewLine, plan.Changes.Select(c => "  - " + c.Action));
            return ShouldContinue(query, "Disconnect-ComplianceTenant -Deprovision");
        }

        private static void ForgetIfCurrent(ComplianceConnection connection)
        {
            if (ReferenceEquals(SessionConnection.Current, connection))
            {
                SessionConnection.Current = null;
            }
        }
    }
}
