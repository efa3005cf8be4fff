using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Policy;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Cmdlets.Devices;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Cmdlets.Sync
{
    /// <summary>
    /// Reports drift between the MDM's verdict on each piped device (its platform's enabled policy, the group scope, its
    /// retired state) and Entra's view (isCompliant, isManaged). Reads only.
    /// </summary>
    [Cmdlet(VerbsData.Compare, "DeviceCompliance", DefaultParameterSetName = RecordSet)]
    [OutputType(typeof(DeviceComplianceDrift))]
    public sealed class CompareDeviceComplianceCommand : DeviceInputCmdlet
    {
        private const int Chunk = 150;
        private readonly List<DeviceRecord> _pending = new List<DeviceRecord>();
        private DeviceComplianceComparer? _comparer;
        private long _received;

        /// <summary>Emit only the devices whose Entra view differs from the MDM's verdict.</summary>
        [Parameter]
        public SwitchParameter DriftOnly { get; set; }

        protected override void BeginProcessing()
        {
            var connection = RequireConnection();
            var path = ResolvedStatePath;
            _comparer = RunOrThrow((bridge, token) => DeviceComplianceComparer.CreateAsync(connection, path, bridge, token));
        }

        protected override void ProcessRecord()
        {
            _received++;
            var record = ReadDevice(_received);
            if (record == null)
            {
                return;
            }
            if (string.IsNullOrWhiteSpace(record.DeviceId) || !Guid.TryParse(record.DeviceId!.Trim(), out _))
            {
                WriteError(new ComplianceException("InvalidDeviceId", ComplianceErrorCategory.InvalidData,
                    $"{record}: '{record.DeviceId}' is not an Entra device id (a GUID), so Entra cannot be asked about it.", record));
                return;
            }
            _pending.Add(record);
            if (_pending.Count >= Chunk)
            {
                Compare();
            }
        }

        protected override void EndProcessing()
        {
            try
            {
                Compare();
            }
            finally
            {
                base.EndProcessing();
            }
        }

        private void Compare()
        {
            if (_pending.Count == 0 || _comparer == null)
            {
                return;
            }
            var devices = _pending.ToArray();
            _pending.Clear();
            var comparer = _comparer;
            var drift = RunOrThrow((bridge, token) => comparer.CompareAsync(devices, token));
            foreach (var item in drift)
            {
                if (!DriftOnly || !item.InSync)
                {
                    WriteObject(item);
                }
            }
        }
    }
}
