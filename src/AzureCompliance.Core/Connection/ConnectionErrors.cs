using System;
using System.Net.Http;
using System.Text.RegularExpressions;
using AzureCompliance.Core.Diagnostics;
using Microsoft.Identity.Client;

namespace AzureCompliance.Core.Connection
{
    /// <summary>Turns sign-in failures into errors that say what to do. Never echoes a credential.</summary>
    public static class ConnectionErrors
    {
        public const string DelegatedPartnerApiMessage =
            "Device-code (delegated) sign-in cannot reach the Intune partner API: it takes application tokens only. " +
            "Onboarding and Graph cmdlets work; Send-DeviceCompliance, partner compliance policies and partner tenant provisioning need " +
            "Connect-ComplianceTenant with -ClientSecret, -Certificate(Thumbprint) or -ManagedIdentity.";

        /// <summary>A partner API call on a delegated connection: refused before any request (the service would answer 401/403).</summary>
        public static ComplianceException DelegatedPartnerApi(string tenantId) =>
            new ComplianceException("PartnerApiNeedsApplicationSignIn", ComplianceErrorCategory.AuthenticationError,
                DelegatedPartnerApiMessage, tenantId,
                "Connect-ComplianceTenant with an app: -ClientSecret, -CertificateThumbprint/-Certificate or -ManagedIdentity, with the Microsoft Intune API application permissions update_device_attributes and manage_partner_compliance_policy.");

        private static readonly Regex AadstsCode = new Regex(@"AADSTS(\d+)", RegexOptions.CultureInvariant);

        public const string ConnectFirst = "Run Connect-ComplianceTenant first.";

        public static ComplianceException NotConnected() => new ComplianceException(
            "NotConnected", ComplianceErrorCategory.ConnectionError,
            "There is no connection to a tenant in this session. " + ConnectFirst,
            recommendedAction: ConnectFirst);

        public static ComplianceException Closed() => new ComplianceException(
            "ConnectionClosed", ComplianceErrorCategory.ConnectionError,
            "This connection was closed by Disconnect-ComplianceTenant. " + ConnectFirst,
            recommendedAction: ConnectFirst);

        internal static ComplianceException FromSignIn(Exception exception, string? clientId, string authority)
        {
            if (exception is ComplianceException compliance)
            {
                return compliance;
            }

            if (exception is MsalServiceException service)
            {
                var code = AadstsCode.Match(service.Message);
                var aadsts = code.Success ? "AADSTS" + code.Groups[1].Value : null;
                var description = FirstLine(service.Message);
                var (errorId, category, action) = Classify(aadsts, service.ErrorCode);
                return new ComplianceServiceException(errorId, category,
                    $"Sign-in to {authority} failed for client '{clientId ?? "(managed identity)"}': {description}",
                    service.StatusCode, aadsts ?? service.ErrorCode, service.CorrelationId,
                    target: clientId, recommendedAction: action, innerException: null);
            }

            if (exception is MsalClientException client)
            {
                return new ComplianceException("SignInFailed", ComplianceErrorCategory.AuthenticationError,
                    $"Sign-in to {authority} failed: {FirstLine(client.Message)} ({client.ErrorCode})",
                    target: clientId, recommendedAction: "Check the connection parameters.");
            }

            if (exception is HttpRequestException || exception.GetBaseException() is System.Security.Authentication.AuthenticationException)
            {
                return new ComplianceException("SignInEndpointUnreachable", ComplianceErrorCategory.ConnectionError,
                    $"Could not reach the sign-in endpoint {authority}: {exception.GetBaseException().Message}",
                    target: authority,
                    recommendedAction: "Check the network and -Environment/-AuthorityHost. A test endpoint with a self-signed certificate must be trusted first (CurrentUser root store).");
            }

            return new ComplianceException("SignInFailed", ComplianceErrorCategory.AuthenticationError,
                $"Sign-in to {authority} failed: {exception.Message}", target: clientId);
        }

        private static (string ErrorId, ComplianceErrorCategory Category, string Action) Classify(string? aadsts, string errorCode)
        {
            switch (aadsts)
            {
                case "AADSTS7000215":
                    return ("InvalidClientSecret", ComplianceErrorCategory.AuthenticationError,
                        "Check the client secret: use the secret's value (not its id) and make sure it has not expired.");
                case "AADSTS7000222":
                    return ("ClientSecretExpired", ComplianceErrorCategory.AuthenticationError,
                        "Create a new client secret for the app registration.");
                case "AADSTS700016":
                    return ("ApplicationNotFound", ComplianceErrorCategory.ObjectNotFound,
                        "Check -ClientId and -TenantId: the app must be registered in (or consented to by) this tenant.");
                case "AADSTS90002":
                case "AADSTS900023":
                    return ("TenantNotFound", ComplianceErrorCategory.ObjectNotFound,
                        "Check -TenantId (a tenant GUID or verified domain) and -Environment.");
                case "AADSTS700027":
                case "AADSTS700024":
                case "AADSTS700023":
                case "AADSTS50012":
                    return ("InvalidClientCertificate", ComplianceErrorCategory.AuthenticationError,
                        "Upload the certificate's public key to the app registration, or use the certificate that is registered.");
                case "AADSTS500011":
                    return ("ResourceNotFound", ComplianceErrorCategory.ObjectNotFound,
                        "The resource is not available in this tenant or cloud; check -Environment.");
                case "AADSTS70020":
                case "AADSTS70019":
                    return ("DeviceCodeExpired", ComplianceErrorCategory.OperationStopped,
                        "Run Connect-ComplianceTenant -DeviceCode again and complete the sign-in in time.");
                case "AADSTS65001":
                    return ("ConsentRequired", ComplianceErrorCategory.PermissionDenied,
                        "Grant admin consent to the app in the tenant.");
            }

            if (string.Equals(errorCode, "managed_identity_request_failed", StringComparison.OrdinalIgnoreCase) ||
                string.Equals(errorCode, "managed_identity_unreachable_network", StringComparison.OrdinalIgnoreCase))
            {
                return ("ManagedIdentityUnavailable", ComplianceErrorCategory.ResourceUnavailable,
                    "Run this where a managed identity is assigned (Azure Automation, Functions, a VM) and check -ClientId for a user-assigned identity.");
            }

            return ("SignInFailed", ComplianceErrorCategory.AuthenticationError, "Check the connection parameters.");
        }

        private static string FirstLine(string message)
        {
            var index = message.IndexOfAny(new[] { '\r', '\n' });
            return (index < 0 ? message : message.Substring(0, index)).Trim();
        }
    }
}
