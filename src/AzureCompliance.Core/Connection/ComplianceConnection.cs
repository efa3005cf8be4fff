using System;
using System.Collections.Generic;

namespace AzureCompliance.Core.Connection
{
    public enum ComplianceAuthType
    {
        ClientSecret,
        Certificate,
        ManagedIdentity,
        DeviceCode,
    }

    /// <summary>
    /// A signed-in tenant: what Connect-ComplianceTenant returns and every other cmdlet uses. Its public
    /// properties are safe to show; the credentials live only inside the token source, never on this object.
    /// </summary>
    public sealed class ComplianceConnection
    {
        internal ComplianceConnection(ServiceSession session, string tenantId, string? tenantDomain, string? tenantName,
            string clientId, ComplianceAuthType authType, string? account, string sourceName,
            IReadOnlyList<string> permissions, IReadOnlyList<string> missingPermissions)
        {
            Session = session;
            TenantId = tenantId;
            TenantDomain = tenantDomain;
            TenantName = tenantName;
            ClientId = clientId;
            AuthType = authType;
            Account = account;
            SourceName = sourceName;
            Permissions = permissions;
            MissingPermissions = missingPermissions;
            ConnectedOn = DateTimeOffset.UtcNow;
        }

        internal ServiceSession Session { get; }

        public string TenantId { get; }
        public string? TenantDomain { get; }
        public string? TenantName { get; }
        public string ClientId { get; }
        public string Environment => Session.Environment.Name;
        public ComplianceAuthType AuthType { get; }
        /// <summary>The signed-in user for delegated (device code) connections.</summary>
        public string? Account { get; }
        /// <summary>Names this MDM instance in the tenant-side registry of instances.</summary>
        public string SourceName { get; }
        public IReadOnlyList<string> Permissions { get; }
        public IReadOnlyList<string> MissingPermissions { get; }
        /// <summary>When the current Graph token expires; tokens renew on their own before that.</summary>
        public DateTimeOffset? ExpiresOn => Session.Tokens.ExpiresOn(Session.Environment.GraphScope);
        public DateTimeOffset ConnectedOn { get; }
        public string GraphEndpoint => Session.Environment.GraphEndpoint;
        public string AuthorityHost => Session.Environment.AuthorityHost;
        public bool IsConnected => !Session.Tokens.IsClosed;

        public override string ToString() => $"{TenantDomain ?? TenantId} ({AuthType}, {ClientId})";
    }
}
