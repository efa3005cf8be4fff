using System;

namespace AzureCompliance.Core.Sync
{
    /// <summary>One data upload message on its way: its devices, the id it is recorded and followed by, its content until uploaded.</summary>
    internal sealed class UploadMessage
    {
        public UploadMessage(PackedDevice[] devices)
        {
            Id = Guid.NewGuid();
            StateId = Id.ToString();
            Devices = devices;
        }

        public Guid Id { get; }
        /// <summary>The id the state records and the status is read by (the service's MessageId once it answered).</summary>
        public string StateId { get; set; }
        public PackedDevice[] Devices { get; }
        /// <summary>The serialized entities (UTF-8): built when the message goes, kept for its retries until the service took it.</summary>
        public ArraySegment<byte>? Content { get; set; }
        public bool SplitConfirmed { get; set; }
    }
}
