using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using AzureCompliance.Core.Http;

namespace AzureCompliance.Core.Connection
{
    /// <summary>Signs in, checks what the app may do, and gives back a <see cref="ComplianceConnection"/>.</summary>
    public static class ConnectionService
    {
        internal const string GraphAppId = "00000003-0000-0000-c000-000000000000";

        public static async Task<ComplianceConnection> ConnectAsync(ConnectionRequest request, IOperationContext context, CancellationToken cancellationToken)
        {
            request.Validate();
            var environment = request.Environment;
            var tenant = request.TenantId;
            var authority = tenant == null ? "(managed identity)" : MsalAuthority.For(environment, tenant);

            var source = CreateTokenSource(request, context);
            var tokens = new TokenProvider(source);
            context.WriteVerbose($"Signing in to {authority} ({request.AuthType}) for {environment.GraphEndpoint}.");

            AccessToken graphToken;
            try
            {
                graphToken = await tokens.GetTokenAsync(environment.GraphScope, false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                throw ConnectionErrors.FromSignIn(ex, request.ClientId, authority);
            }

            var claims = TokenClaims.Read(graphToken.Value);
            var clientId = request.ClientId ?? claims.AppId ?? "";
            var session = new ServiceSession(environment, tokens, RetryPolicy.Default);
            context.WriteVerbose($"Signed in; the Graph token expires {graphToken.ExpiresOn:u}.");

            var (tenantId, domain, name) = await ReadOrganizationAsync(session, claims, context, cancellationToken).ConfigureAwait(false);
            if (tenantId == null)
            {
                throw new ComplianceException("TenantUnknown", ComplianceErrorCategory.InvalidData,
                    "Signed in, but neither Graph nor the token says which tenant this is.", tenant);
            }

            var delegated = request.AuthType == ComplianceAuthType.DeviceCode;
            var permissions = delegated
                ? claims.Scopes
                : await PermissionReader.ReadApplicationPermissionsAsync(session, clientId, claims, context, cancellationToken).ConfigureAwait(false);
            var missing = PermissionCatalog.Missing(permissions, delegated);
            if (missing.Count > 0)
            {
                context.WriteWarning("The app lacks permissions that some cmdlets need: " + PermissionCatalog.Describe(missing) +
                    ". Grant them as " + (delegated ? "delegated" : "application") + " permissions with admin consent " +
                    "(the Intune ones under API permissions > APIs my organization uses > Microsoft Intune API), then connect again.");
            }

            if (delegated)
            {
                // The partner API takes application tokens only (update_device_attributes is an application permission).
                context.WriteWarning(ConnectionErrors.DelegatedPartnerApiMessage);
            }
            else if (environment.KnownPartnerResource == null)
            {
                context.WriteWarning($"The Intune partner API resource of the {environment.Name} cloud is not known to this module: " +
                    "Send-DeviceCompliance, partner compliance policies and partner tenant provisioning need Connect-ComplianceTenant -PartnerResource <resource>.");
            }
            else
            {
                try
                {
                    await tokens.GetTokenAsync(environment.PartnerScope, false, cancellationToken).ConfigureAwait(false);
                    context.WriteVerbose("Got a token for the Intune partner API (" + environment.PartnerResource + ").");
                }
                catch (Exception ex) when (!(ex is OperationCanceledException))
                {
                    var error = ConnectionErrors.FromSignIn(ex, clientId, authority);
                    context.WriteWarning("No token for the Intune partner API (" + environment.PartnerResource + "): " + error.Message +
                        " Device compliance cannot be sent until this works.");
                }
            }

            var account = (source as DeviceCodeTokenSource)?.UserName ?? claims.UserName;
            return new ComplianceConnection(session, tenantId, domain, name, clientId, request.AuthType,
                delegated ? account : null, request.SourceName.Trim(), permissions.OrderBy(p => p, StringComparer.OrdinalIgnoreCase).ToArray(),
                missing.Select(m => m.Permission).ToArray());
        }

        /// <summary>Signs out: forgets every token and account. Later use of the connection is an error.</summary>
        public static async Task DisconnectAsync(ComplianceConnection connection)
        {
            await connection.Session.CloseAsync().ConfigureAwait(false);
        }

        private static ITokenSource CreateTokenSource(ConnectionRequest request, IOperationContext context)
        {
            var environment = request.Environment;
            var http = HttpTransport.ForSignIn;
            switch (request.AuthType)
            {
                case ComplianceAuthType.ClientSecret:
                    return ConfidentialClientTokenSource.WithSecret(environment, request.TenantId!, request.ClientId!, Reveal(request.ClientSecret!), http);
                case ComplianceAuthType.Certificate:
                    var certificate = request.Certificate ?? CertificateFinder.FindByThumbprint(request.CertificateThumbprint!);
                    if (!certificate.HasPrivateKey)
                    {
                        throw new ComplianceException("CertificateHasNoPrivateKey", ComplianceErrorCategory.InvalidArgument,
                            $"The certificate {certificate.Thumbprint} has no private key, so it cannot sign in.",
                            certificate.Thumbprint, "Use the certificate with its private key (e.g. from Cert:\\CurrentUser\\My or a PFX).");
                    }
                    return ConfidentialClientTokenSource.WithCertificate(environment, request.TenantId!, request.ClientId!, certificate, http);
                case ComplianceAuthType.ManagedIdentity:
                    return new ManagedIdentityTokenSource(request.ClientId, http);
                case ComplianceAuthType.DeviceCode:
                    return new DeviceCodeTokenSource(environment, request.TenantId!, request.ClientId!, http, context);
                default:
                    throw new ArgumentOutOfRangeException(nameof(request), request.AuthType, "Unknown sign-in type.");
            }
        }

        private static async Task<(string? TenantId, string? Domain, string? Name)> ReadOrganizationAsync(
            ServiceSession session, TokenClaims claims, IOperationContext context, CancellationToken cancellationToken)
        {
            try
            {
                var organizations = await GraphErrors.CallAsync(
                    () => session.Graph.Organization.GetAsync(r => r.QueryParameters.Select = new[] { "id", "displayName", "verifiedDomains" }, cancellationToken),
                    "Reading the organization", PermissionCatalog.OrganizationRead).ConfigureAwait(false);
                var organization = organizations?.Value?.FirstOrDefault();
                if (organization != null)
                {
                    var domain = organization.VerifiedDomains?.FirstOrDefault(d => d.IsDefault == true)?.Name
                        ?? organization.VerifiedDomains?.FirstOrDefault()?.Name;
                    return (organization.Id ?? claims.TenantId, domain, organization.DisplayName);
                }
            }
            catch (ComplianceServiceException ex) when (ex.StatusCode == 403)
            {
                context.WriteVerbose("The app may not read the organization; taking the tenant id from the token.");
            }
            return (claims.TenantId, null, null);
        }

        private static string Reveal(SecureString secret)
        {
            var pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                return Marshal.PtrToStringUni(pointer) ?? "";
            }
            finally
            {
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }
    }

    internal static class CertificateFinder
    {
        /// <summary>Finds a certificate with its private key in the current user's, then the machine's personal store.</summary>
        public static X509Certificate2 FindByThumbprint(string thumbprint)
        {
            var wanted = thumbprint.Replace(" ", "").Trim();
            foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                try
                {
                    using var store = new X509Store(StoreName.My, location);
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                    var found = store.Certificates.Find(X509FindType.FindByThumbprint, wanted, validOnly: false);
                    if (found.Count > 0)
                    {
                        return found[0];
                    }
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    // The store does not exist on this platform or for this user: look in the next one.
                }
            }
            throw new ComplianceException("CertificateNotFound", ComplianceErrorCategory.ObjectNotFound,
                $"No certificate with thumbprint {wanted} in the CurrentUser or LocalMachine personal (My) store.",
                wanted, "Import the certificate with its private key into Cert:\\CurrentUser\\My, or pass it with -Certificate.");
        }
    }
}
