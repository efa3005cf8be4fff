using System;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;
using AzureCompliance.Core.Policy;
using AzureCompliance.Core.Registry;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// The composition root of a sync run: takes the run lock, opens the state, loads the scope and the policies, makes
    /// the upload service, and wires the stages (triage → delta and packing → courier, pending recovery first, one
    /// event sink) into a <see cref="DeviceSyncRun"/>.
    /// </summary>
    internal static class SyncRunFactory
    {
        public static async Task<DeviceSyncRun> StartAsync(Connection.ComplianceConnection connection, DeviceSyncOptions options,
            IOperationContext context, CancellationToken cancellationToken)
        {
            if (connection == null) throw new ArgumentNullException(nameof(connection));
            if (context == null) throw new ArgumentNullException(nameof(context));
            options.Validate();
            if (connection.AuthType == Connection.ComplianceAuthType.DeviceCode && !context.WhatIf)
            {
                // Refused before anything is read: the partner API would answer every upload 401/403.
                throw Connection.ConnectionErrors.DelegatedPartnerApi(connection.TenantId);
            }
            var workspace = StateWorkspace.For(options.StatePath, connection);
            var path = workspace.Location;
            if (context.WhatIf && !workspace.Exists)
            {
                throw SyncErrors.ScopeNotSet(connection.SourceName, path);
            }

            RunLock? runLock = null;
            StateStore? store = null;
            try
            {
                if (!context.WhatIf)
                {
                    context.WriteVerbose($"Taking the run lock of {path} (waiting up to {options.LockTimeout.TotalSeconds:0} s).");
                    runLock = await workspace.LockRunAsync(options.LockTimeout, cancellationToken).ConfigureAwait(false);
                }
                store = runLock != null ? workspace.OpenForRun(runLock) : workspace.OpenForReading() ?? throw SyncErrors.ScopeNotSet(connection.SourceName, path);
                var scope = GroupScope.Load(store, connection.SourceName) ?? throw SyncErrors.ScopeNotSet(connection.SourceName, path);
                var evaluator = PolicyEvaluator.Load(store, connection.SourceName);
                ReportPolicies(evaluator, context);
                var membership = await ScopeMembership.LoadAsync(connection, scope, context, cancellationToken).ConfigureAwait(false);
                var setup = new SyncSetup(connection.TenantId, connection.SourceName, store, runLock, evaluator, membership,
                    new PartnerUploadService(PartnerApiClient.For(connection)))
                {
                    Heartbeat = token => InstanceRegistry.RecordSyncAsync(connection, DateTimeOffset.UtcNow, token),
                };
                store = null;
                runLock = null;
                return await StartAsync(setup, options, context, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                store?.Dispose();
                runLock?.Dispose();
            }
        }

        /// <summary>Starts a run over a prepared setup (tests and the benchmark use it with their own pieces).</summary>
        public static async Task<DeviceSyncRun> StartAsync(SyncSetup setup, DeviceSyncOptions options, IOperationContext context,
            CancellationToken cancellationToken)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            options.Validate();
            var clock = options.Clock ?? (() => DateTimeOffset.UtcNow);
            var evaluatedAt = clock();
            var control = new SyncRunControl(cancellationToken);
            var sink = new SyncEventSink(context, options.PassThru);
            var journal = setup.OpenJournal();
            var limiter = new AdaptiveLimiter(options.MaxConcurrency);
            var updates = new UpdateClock(clock);
            var status = new StatusReader(setup.Service, options.StatusConcurrency, limiter, sink, control.Token);
            var courier = new MessageCourier(setup.TenantId, setup.Service, options, journal, limiter, status, sink, control, updates);
            var triage = new DeviceTriage(setup.Evaluator, setup.Membership, evaluatedAt);
            var packer = new DeltaPacker(setup.TenantId, options, triage, journal, courier, sink, control, updates);
            var run = new DeviceSyncRun(setup, options, context.WhatIf, control, sink, journal, limiter, packer);
            try
            {
                if (!context.WhatIf)
                {
                    await new PendingRecovery(journal, status, sink, context, clock, options.MaxStatusWait, control.Token).ResolveAsync().ConfigureAwait(false);
                }
                packer.Start();
                return run;
            }
            catch
            {
                run.Dispose();
                throw;
            }
        }

        private static void ReportPolicies(PolicyEvaluator evaluator, IOperationContext context)
        {
            if (!evaluator.HasPolicies)
            {
                context.WriteWarning("No compliance policy is enabled for this MDM instance: nothing will be uploaded. " +
                    "Create one with New-CompliancePolicy, or enable one with Enable-CompliancePolicy.");
                return;
            }
            foreach (var policy in evaluator.Policies)
            {
                context.WriteVerbose($"Policy for {policy.Platform}: {policy.Name}.");
            }
        }
    }
}
