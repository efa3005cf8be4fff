using System;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Partner;

namespace AzureCompliance.Core.Sync
{
    /// <summary>How a Send-DeviceCompliance run behaves.</summary>
    public sealed class DeviceSyncOptions
    {
        /// <summary>The state file; null = <see cref="State.StateStore.DefaultPath"/>.</summary>
        public string? StatePath { get; set; }
        /// <summary>Send every device, even those Entra already has unchanged.</summary>
        public bool Force { get; set; }
        /// <summary>Devices per data upload message.</summary>
        public int BatchSize { get; set; } = 100;
        /// <summary>Upper bound of concurrent uploads; the adaptive limit stays at or below it.</summary>
        public int MaxConcurrency { get; set; } = 16;
        /// <summary>How long to wait for another run that holds the state file.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Emit a result per device.</summary>
        public bool PassThru { get; set; }
        /// <summary>
        /// Messages under way at once (uploading, or uploaded and waiting for the service to process them); null =
        /// <see cref="DefaultMessagesInFlight"/>. The service processes messages asynchronously, so this must cover its
        /// processing backlog for uploads to keep pace with the budget; it also bounds the memory a run holds. 1 makes the
        /// run send one message and wait for its confirmation before the next.
        /// </summary>
        public int? MaxMessagesInFlight { get; set; }

        /// <summary>16 messages per unit of MaxConcurrency, at least 256 (about 15 MB at 100 devices per message).</summary>
        public static int DefaultMessagesInFlight(int maxConcurrency) => Math.Max(256, maxConcurrency * 16);
        /// <summary>Concurrent status reads (they never take upload slots).</summary>
        public int StatusConcurrency { get; set; } = 8;
        /// <summary>How long to follow one message's status before leaving it pending for the next run.</summary>
        public TimeSpan MaxStatusWait { get; set; } = TimeSpan.FromMinutes(2);
        /// <summary>A partial message is sent when no input came for this long.</summary>
        public TimeSpan IdleFlush { get; set; } = TimeSpan.FromMilliseconds(250);
        /// <summary>Pause before a message whose upload got no usable answer goes again (times the attempt).</summary>
        internal TimeSpan MessageRetryPause { get; set; } = TimeSpan.FromSeconds(2);
        /// <summary>The clock (tests); null = the system clock.</summary>
        public Func<DateTimeOffset>? Clock { get; set; }

        internal void Validate()
        {
            if (BatchSize < 1 || BatchSize > 10_000)
                throw new ComplianceException("InvalidBatchSize", ComplianceErrorCategory.InvalidArgument, "BatchSize must be between 1 and 10000.", BatchSize);
            if (MaxConcurrency < 1 || MaxConcurrency > 256)
                throw new ComplianceException("InvalidMaxConcurrency", ComplianceErrorCategory.InvalidArgument, "MaxConcurrency must be between 1 and 256.", MaxConcurrency);
            if (StatusConcurrency < 1) StatusConcurrency = 1;
        }
    }

    /// <summary>One record for a run: a device, or a verdict from Test-DeviceCompliance (its device is judged again).</summary>
    public sealed class DeviceSyncInput
    {
        public DeviceSyncInput(DeviceRecord device, object? target = null)
        {
            Device = device ?? throw new ArgumentNullException(nameof(device));
            Target = target ?? device;
        }

        public DeviceRecord Device { get; }
        /// <summary>What error records name as their target: the pipeline object the device came from.</summary>
        public object Target { get; }
    }

    /// <summary>The partner API's data upload messages, as the engine needs them (an interface so tests can fake the service).</summary>
    internal interface IDataUploadService
    {
        /// <summary>PUTs a message (<paramref name="content"/>: the entity array as UTF-8 JSON); returns the id to read its status by.</summary>
        Task<string> UploadAsync(Guid messageId, ArraySegment<byte> content, CancellationToken cancellationToken);
        /// <summary>The message's status, or null when the service does not know it.</summary>
        Task<UploadStatus?> GetStatusAsync(string messageId, CancellationToken cancellationToken);
    }

    internal sealed class PartnerUploadService : IDataUploadService
    {
        private readonly PartnerApiClient _client;

        public PartnerUploadService(PartnerApiClient client) => _client = client;

        public Task<string> UploadAsync(Guid messageId, ArraySegment<byte> content, CancellationToken cancellationToken) =>
            _client.UploadMessageAsync(messageId, content, cancellationToken);

        public Task<UploadStatus?> GetStatusAsync(string messageId, CancellationToken cancellationToken) =>
            _client.FindUploadStatusAsync(messageId, cancellationToken);
    }
}
