using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Policy;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Devices
{
    /// <summary>
    /// A cmdlet that takes devices from the pipeline, the same way for Test-, Send- and Compare-DeviceCompliance:
    /// DeviceRecord objects (Import-ComplianceDevice, or a result whose Device is used again), or any object with
    /// the property names (DeviceId, Platform, OsVersion, ...), as an export read with Import-Csv has them.
    /// </summary>
    public abstract class DeviceInputCmdlet : StateCmdlet
    {
        internal const string RecordSet = "Record";
        internal const string PropertySet = "Properties";

        /// <summary>A device record (Import-ComplianceDevice output), or a result whose Device is re-evaluated.</summary>
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

        /// <summary>True/false, or yes/no text as exports write it.</summary>
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

        /// <summary>A DateTime/DateTimeOffset, or text (ISO 8601; without an offset it is UTC).</summary>
        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        public object? LastCheckIn { get; set; }

        [Parameter(ParameterSetName = PropertySet, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString]
        public string? MdmState { get; set; }

        /// <summary>The current pipeline device as a record; null after a per-item error when its values make none.</summary>
        private protected DeviceRecord? ReadDevice(long position)
        {
            if (ParameterSetName == RecordSet)
            {
                return Device;
            }
            try
            {
                return DeviceRecordFactory.FromValues(new Dictionary<DeviceField, string?>
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
                }, DateTimeOffset.UtcNow, "Device " + (DeviceName ?? DeviceId ?? "#" + position.ToString(CultureInfo.InvariantCulture)));
            }
            catch (ComplianceException ex)
            {
                WriteError(ex);
                return null;
            }
        }
    }
}
