using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>
    /// Passes messages on and approves every change: the configuration asks -WhatIf/-Confirm once per difference,
    /// so the services it calls must not ask again for the parts of that difference.
    /// </summary>
    internal sealed class ApprovedOperationContext : IOperationContext
    {
        private readonly IOperationContext _inner;

        public ApprovedOperationContext(IOperationContext inner) => _inner = inner;

        public void WriteVerbose(string message) => _inner.WriteVerbose(message);
        public void WriteDebug(string message) => _inner.WriteDebug(message);
        public void WriteWarning(string message) => _inner.WriteWarning(message);
        public void WriteHostMessage(string message) => _inner.WriteHostMessage(message);
        public void WriteProgress(OperationProgress progress) => _inner.WriteProgress(progress);
        public void WriteError(ComplianceException error) => _inner.WriteError(error);
        public void WriteResult(object result) => _inner.WriteResult(result);
        public bool WhatIf => false;
        public bool ShouldProcess(string target, string action) => true;
        public bool[] ShouldProcess(System.Collections.Generic.IReadOnlyList<ProposedChange> changes) => OperationContexts.Approve(changes);
    }
}
