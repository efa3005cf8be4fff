using System;
using System.Collections.Generic;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Cmdlets.Sync
{
    /// <summary>
    /// Reads Entra's view of devices by their Entra device ids (isCompliant, isManaged, ...), to verify what
    /// Send-DeviceCompliance achieved. Ids are looked up fifteen per request; an unknown id is a per-item error.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "DeviceCompliance")]
    [OutputType(typeof(EntraDeviceCompliance))]
    public sealed class GetDeviceComplianceCommand : ConnectedCmdlet
    {
        private const int Flush = EntraDeviceReader.IdsPerRequest * 4;
        private readonly List<string> _pending = new List<string>();

        /// <summary>Entra device ids (the deviceId device registration gave, not the directory object id).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("AzureDeviceId", "EntraDeviceId")]
        [ValidateNotNullOrEmpty]
        public string[] DeviceId { get; set; } = Array.Empty<string>();

        protected override void ProcessRecord()
        {
            foreach (var id in DeviceId)
            {
                var trimmed = id?.Trim() ?? "";
                if (!Guid.TryParse(trimmed, out _))
                {
                    WriteError(new ComplianceException("InvalidDeviceId", ComplianceErrorCategory.InvalidArgument,
                        $"'{id}' is not an Entra device id (a GUID).", id, "Give the device's Entra device id (deviceId)."));
                    continue;
                }
                _pending.Add(trimmed);
            }
            if (_pending.Count >= Flush)
            {
                Lookup();
            }
        }

        protected override void EndProcessing()
        {
            try
            {
                Lookup();
            }
            finally
            {
                base.EndProcessing();
            }
        }

        private void Lookup()
        {
            if (_pending.Count == 0)
            {
                return;
            }
            var ids = _pending.ToArray();
            _pending.Clear();
            var connection = RequireConnection();
            var found = RunOrThrow((bridge, token) => EntraDeviceReader.GetAsync(connection, ids, token));
            foreach (var id in ids)
            {
                if (found.TryGetValue(id, out var device))
                {
                    WriteObject(device);
                }
                else
                {
                    WriteError(new ComplianceException("DeviceNotFound", ComplianceErrorCategory.ObjectNotFound,
                        $"Entra has no device with the device id {id}.", id,
                        "Check the id: it is the deviceId from device registration, not the directory object id."));
                }
            }
        }
    }
}
