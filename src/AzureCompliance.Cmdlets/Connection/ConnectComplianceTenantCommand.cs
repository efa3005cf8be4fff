using System;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Cmdlets.Connection
{
    /// <summary>
    /// Signs in to a tenant (app secret or certificate, managed identity, or device code), checks the app's
    /// Graph permissions, and makes the connection the session's current one.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "ComplianceTenant", DefaultParameterSetName = SecretSet)]
    [OutputType(typeof(ComplianceConnection))]
    public sealed class ConnectComplianceTenantCommand : ComplianceCmdlet
    {
        private const string SecretSet = "ClientSecret";
        private const string CredentialSet = "Credential";
        private const string CertificateSet = "Certificate";
        private const string ThumbprintSet = "CertificateThumbprint";
        private const string ManagedIdentitySet = "ManagedIdentity";
        private const string DeviceCodeSet = "DeviceCode";

        [Parameter(Mandatory = true, ParameterSetName = SecretSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = ManagedIdentitySet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? TenantId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SecretSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = ManagedIdentitySet, ValueFromPipelineByPropertyName = true)]
        [Alias("ApplicationId", "AppId")]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        public SecureString? ClientSecret { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        public X509Certificate2? Certificate { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Thumbprint")]
        [ValidateNotNullOrEmpty]
        public string? CertificateThumbprint { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ManagedIdentitySet)]
        public SwitchParameter ManagedIdentity { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        public SwitchParameter DeviceCode { get; set; }

        [Parameter]
        [ValidateSet("Global", "USGov", "USGovDoD", "China", IgnoreCase = true)]
        public string Environment { get; set; } = "Global";

        [Parameter]
        [ValidateNotNull]
        public Uri? AuthorityHost { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? GraphEndpoint { get; set; }

        /// <summary>The Intune partner API resource (token audience) for clouds where it is not known or differs.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? PartnerResource { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string SourceName { get; set; } = System.Environment.MachineName;

        protected override void ProcessRecord()
        {
            var request = new ConnectionRequest
            {
                AuthType = AuthType(),
                TenantId = TenantId,
                ClientId = ParameterSetName == CredentialSet ? Credential!.UserName : ClientId,
                ClientSecret = ParameterSetName == CredentialSet ? Credential!.Password : ClientSecret,
                Certificate = Certificate,
                CertificateThumbprint = CertificateThumbprint,
                Environment = WithPartnerResource(ResolveEnvironment()),
                SourceName = SourceName,
            };

            var connection = RunOrThrow((bridge, token) => ConnectionService.ConnectAsync(request, bridge, token));
            SessionConnection.Current = connection;
            WriteObject(connection);
        }

        private ComplianceAuthType AuthType()
        {
            switch (ParameterSetName)
            {
                case SecretSet:
                case CredentialSet:
                    return ComplianceAuthType.ClientSecret;
                case CertificateSet:
                case ThumbprintSet:
                    return ComplianceAuthType.Certificate;
                case ManagedIdentitySet:
                    return ComplianceAuthType.ManagedIdentity;
                default:
                    return ComplianceAuthType.DeviceCode;
            }
        }

        private CloudEnvironment WithPartnerResource(CloudEnvironment environment)
        {
            if (PartnerResource == null)
            {
                return environment;
            }
            try
            {
                return environment.WithPartnerResource(PartnerResource);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(ErrorRecords.InvalidArgument("InvalidPartnerResource", ex.Message, PartnerResource));
                throw;
            }
        }

        private CloudEnvironment ResolveEnvironment()
        {
            var custom = AuthorityHost != null || GraphEndpoint != null;
            if (!custom)
            {
                return CloudEnvironment.FromName(Environment);
            }
            if (AuthorityHost == null || GraphEndpoint == null)
            {
                ThrowTerminatingError(ErrorRecords.InvalidArgument("CustomEndpointIncomplete",
                    "-AuthorityHost and -GraphEndpoint go together: give both for a custom endpoint, or neither and use -Environment.",
                    AuthorityHost ?? GraphEndpoint));
            }
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Environment)))
            {
                ThrowTerminatingError(ErrorRecords.InvalidArgument("EnvironmentConflict",
                    "-Environment cannot be combined with -AuthorityHost/-GraphEndpoint: a custom endpoint replaces the named cloud.",
                    Environment));
            }
            try
            {
                return CloudEnvironment.Custom(AuthorityHost!, GraphEndpoint!);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(ErrorRecords.InvalidArgument("InvalidCustomEndpoint", ex.Message, AuthorityHost));
                throw;
            }
        }
    }
}
