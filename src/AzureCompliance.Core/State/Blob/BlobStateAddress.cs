using System;
using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.State.Blob
{
    /// <summary>
    /// A -StatePath that names a blob: https://&lt;account&gt;.blob.core.windows.net/&lt;container&gt;/&lt;name&gt; or the
    /// path-style form of Azurite and other emulators (http(s)://127.0.0.1:10000/&lt;account&gt;/&lt;container&gt;/&lt;name&gt;),
    /// with a SAS in the query or else the connection's identity. The SAS is a secret: only <see cref="Display"/>
    /// (the address without its query) is ever shown.
    /// </summary>
    internal sealed class BlobStateAddress
    {
        public const string JournalSuffix = ".journal";
        private static readonly string[] StorageScope = { "https://storage.azure.com/.default" };

        private BlobStateAddress(string display, BlockBlobClient snapshot, AppendBlobClient journal)
        {
            Display = display;
            Snapshot = snapshot;
            Journal = journal;
        }

        public string Display { get; }

        /// <summary>The SQLite state file, uploaded whole (a checkpoint); its lease is the run lock.</summary>
        public BlockBlobClient Snapshot { get; }

        /// <summary>The sync journal beside it: what happened since the snapshot, appended before each write completes.</summary>
        public AppendBlobClient Journal { get; }

        /// <summary>Whether a -StatePath is a blob address (http or https URL) rather than a file path.</summary>
        public static bool IsBlobAddress(string? location) =>
            location != null && Uri.TryCreate(location, UriKind.Absolute, out var uri) &&
            (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

        /// <summary>The address as shown: scheme, host and path, never the query (which may hold a SAS).</summary>
        public static string Redact(string location) =>
            Uri.TryCreate(location, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : location;

        public static BlobStateAddress Parse(string location, ComplianceConnection? connection)
        {
            var uri = new Uri(location);
            var display = Redact(location);
            var parts = new BlobUriBuilder(uri);
            if (string.IsNullOrEmpty(parts.BlobContainerName) || string.IsNullOrEmpty(parts.BlobName))
            {
                throw new ComplianceException("StatePathInvalid", ComplianceErrorCategory.InvalidArgument,
                    $"The state location {display} does not name a blob.", display,
                    "Give -StatePath as https://<account>.blob.core.windows.net/<container>/<name> (path-style for an emulator).");
            }
            var options = new BlobClientOptions();
            // Few, short retries: a storage outage must stop a run soon with a clear error, not stall it (nothing is lost).
            options.Retry.MaxRetries = 3;
            options.Retry.Delay = TimeSpan.FromMilliseconds(500);
            options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
            // The SDK's request logs must never carry the SAS either.
            options.Diagnostics.IsLoggingContentEnabled = false;

            var journalParts = new BlobUriBuilder(uri) { BlobName = parts.BlobName + JournalSuffix };
            if (!string.IsNullOrEmpty(uri.Query))
            {
                return new BlobStateAddress(display, new BlockBlobClient(uri, options), new AppendBlobClient(journalParts.ToUri(), options));
            }
            if (connection == null)
            {
                throw new ComplianceException("StateCredentialMissing", ComplianceErrorCategory.AuthenticationError,
                    $"The state location {display} needs a credential: there is no connection and no SAS in it.", display,
                    "Run Connect-ComplianceTenant first (its identity needs the Storage Blob Data Contributor role on the container), or add a SAS to the -StatePath URL.");
            }
            if (uri.Scheme != Uri.UriSchemeHttps)
            {
                // Azure.Core never sends a bearer token in clear text, and neither does Azure Storage accept one.
                throw new ComplianceException("StatePathInvalid", ComplianceErrorCategory.InvalidArgument,
                    $"The state location {display} is http: the connection's identity signs in to storage over https only.", display,
                    "Give the -StatePath URL as https, or add a SAS to it.");
            }
            var credential = new ConnectionStorageCredential(connection);
            return new BlobStateAddress(display, new BlockBlobClient(uri, credential, options), new AppendBlobClient(journalParts.ToUri(), credential, options));
        }

        /// <summary>Storage tokens from the connection's own credential (client secret, certificate or managed identity).</summary>
        private sealed class ConnectionStorageCredential : TokenCredential
        {
            private readonly ComplianceConnection _connection;

            public ConnectionStorageCredential(ComplianceConnection connection) => _connection = connection;

            public override Azure.Core.AccessToken GetToken(TokenRequestContext requestContext, System.Threading.CancellationToken cancellationToken) =>
                GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

            public override async System.Threading.Tasks.ValueTask<Azure.Core.AccessToken> GetTokenAsync(TokenRequestContext requestContext,
                System.Threading.CancellationToken cancellationToken)
            {
                var token = await _connection.Session.Tokens.GetTokenAsync(StorageScope[0], false, cancellationToken).ConfigureAwait(false);
                return new Azure.Core.AccessToken(token.Value, token.ExpiresOn);
            }
        }
    }
}
