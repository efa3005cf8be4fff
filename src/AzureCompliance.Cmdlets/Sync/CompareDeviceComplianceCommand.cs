using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Policy;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Sync;

namespace AzureCompliance.Cmdlets.Sync
{
    /// <summary>
    /// Reports drift between the MDM's verdict on each piped device (its platform's enabled policy, the group scope, its
    /// retired state) and Entra's view (isCompliant, isManaged). Reads only.
    /// </summary>
    [Cmdlet(VerbsData.Compare, "DeviceCompliance", DefaultParameterSetName = RecordSet)]
    [OutputType(typeof(DeviceComplianceDrift))]
    public sealed class CompareDeviceComplianceCommand : StateCmdlet
    {
        private const string RecordSet = "Record";
        private const string PropertySet = "Properties";
        private const int Chunk = 150;
        private readonly List<DeviceRecord> _pending = new List<DeviceRecord>();
        private DeviceComplianceComparer? _comparer;
        private long _received;

        /// <summary>A device record (Import-ComplianceDevice), or a Test-DeviceCompliance result (its Device is judged again).</summary>
        [Parameter(Mandatory = true, ParameterSetName = RecordSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public DeviceRecord? Device { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [Alias("AzureDeviceId", "EntraDeviceId")]
        [AllowNull, AllowEmptyString]
        public string? DeviceId { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? DeviceName { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? UserPrincipalName { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? UserId { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? Platform { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? OsVersion { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? ClientVersion { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public object? Jailbroken { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public object? Encrypted { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [Alias("Passcode")]
        [AllowNull]
        public object? PasscodePresent { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public object? LastCheckIn { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? MdmState { get; set; }

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
            DeviceRecord record;
            if (ParameterSetName == RecordSet)
            {
                if (Device == null)
                {
                    return;
                }
                record = Device;
            }
            else
            {
                try
                {
                    record = DeviceRecordFactory.FromValues(new Dictionary<DeviceField, string?>
                    {
                        [DeviceField.DeviceId] = DeviceId,
                        [DeviceField.DeviceName] = DeviceName,
                        [DeviceField.UserPrincipalName] = UserPrincipalName,
                        [DeviceField.UserId] = UserId,
                        [DeviceField.Platform] = Platform,
                        [DeviceField.OsVersion] = OsVersion,
                        [DeviceField.ClientVersion] = ClientVersion,
                        [DeviceField.Jailbroken] = PipelineValues.Text(Jailbroken),
                        [DeviceField.Encrypted] = PipelineValues.Text(Encrypted),
                        [DeviceField.PasscodePresent] = PipelineValues.Text(PasscodePresent),
                        [DeviceField.LastCheckIn] = PipelineValues.Text(LastCheckIn),
                        [DeviceField.MdmState] = MdmState,
                    }, DateTimeOffset.UtcNow, "Device " + (DeviceName ?? DeviceId ?? "#" + _received.ToString(CultureInfo.InvariantCulture)));
                }
                catch (ComplianceException ex)
                {
                    WriteError(ex);
                    return;
                }
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
