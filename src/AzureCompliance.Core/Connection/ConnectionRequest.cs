using System;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Connection
{
    /// <summary>What Connect-ComplianceTenant was asked for. Holds the credential only until the connection is made.</summary>
    public sealed class ConnectionRequest
    {
        public ComplianceAuthType AuthType { get; set; }
        /// <summary>Tenant GUID or verified domain. Optional for managed identity (read from the token).</summary>
        public string? TenantId { get; set; }
        /// <summary>The app (client) id; for managed identity, the user-assigned identity's client id or null.</summary>
        public string? ClientId { get; set; }
        public SecureString? ClientSecret { get; set; }
        public X509Certificate2? Certificate { get; set; }
        public string? CertificateThumbprint { get; set; }
        public CloudEnvironment Environment { get; set; } = CloudEnvironment.Global;
        public string SourceName { get; set; } = System.Environment.MachineName;

        internal void Validate()
        {
            if (AuthType != ComplianceAuthType.ManagedIdentity && string.IsNullOrWhiteSpace(TenantId))
            {
                throw Invalid("TenantIdRequired", "A tenant is required: pass -TenantId with the tenant GUID or a verified domain.");
            }
            if (AuthType != ComplianceAuthType.ManagedIdentity && string.IsNullOrWhiteSpace(ClientId))
            {
                throw Invalid("ClientIdRequired", "An app (client) id is required: pass -ClientId, or -Credential with the client id as user name.");
            }
            if (ClientId != null && !Guid.TryParse(ClientId, out _))
            {
                throw Invalid("InvalidClientId", $"The client id '{ClientId}' is not a GUID. Use the app registration's Application (client) ID.");
            }
            if (TenantId != null && !Guid.TryParse(TenantId, out _) && !LooksLikeDomain(TenantId))
            {
                throw Invalid("InvalidTenantId", $"The tenant '{TenantId}' is neither a GUID nor a domain name such as contoso.onmicrosoft.com.");
            }
            if (string.IsNullOrWhiteSpace(SourceName))
            {
                throw Invalid("InvalidSourceName", "-SourceName must not be empty: it names this MDM instance in the tenant.");
            }
            if (AuthType == ComplianceAuthType.ClientSecret && (ClientSecret == null || ClientSecret.Length == 0))
            {
                throw Invalid("ClientSecretRequired", "The client secret is empty.");
            }
        }

        private static bool LooksLikeDomain(string value) =>
            value.IndexOf('.') > 0 && value.IndexOfAny(new[] { '/', ' ', '\\', '?', '#', '@' }) < 0;

        private static ComplianceException Invalid(string errorId, string message) =>
            new ComplianceException(errorId, ComplianceErrorCategory.InvalidArgument, message);
    }
}
