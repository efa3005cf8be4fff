using System;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;

namespace AzureCompliance.Core.Connection
{
    /// <summary>Gives MSAL the module's own HTTP client (system trust, proxy settings), never a validation bypass.</summary>
    internal sealed class MsalHttpClientFactory : IMsalHttpClientFactory
    {
        private readonly HttpClient _client;

        public MsalHttpClientFactory(HttpClient client) => _client = client;

        public HttpClient GetHttpClient() => _client;
    }

    internal static class MsalAuthority
    {
        /// <summary>Sign-in authority {host}/{tenant}; custom hosts (the emulator) skip instance discovery.</summary>
        public static string For(CloudEnvironment environment, string tenant) => environment.AuthorityHost + "/" + tenant;
    }

    /// <summary>App-only sign-in with a client secret or a certificate (AcquireTokenForClient).</summary>
    internal sealed class ConfidentialClientTokenSource : ITokenSource
    {
        private IConfidentialClientApplication? _app;

        private ConfidentialClientTokenSource(IConfidentialClientApplication app) => _app = app;

        public static ConfidentialClientTokenSource WithSecret(CloudEnvironment environment, string tenant, string clientId, string secret, HttpClient http) =>
            new ConfidentialClientTokenSource(Builder(environment, tenant, clientId, http).WithClientSecret(secret).Build());

        public static ConfidentialClientTokenSource WithCertificate(CloudEnvironment environment, string tenant, string clientId, X509Certificate2 certificate, HttpClient http) =>
            new ConfidentialClientTokenSource(Builder(environment, tenant, clientId, http).WithCertificate(certificate).Build());

        private static ConfidentialClientApplicationBuilder Builder(CloudEnvironment environment, string tenant, string clientId, HttpClient http)
        {
            var builder = ConfidentialClientApplicationBuilder.Create(clientId)
                .WithHttpClientFactory(new MsalHttpClientFactory(http))
                .WithLogging((level, message, pii) => { }, LogLevel.Error, enablePiiLogging: false, enableDefaultPlatformLogging: false);
            return environment.IsCustom
                ? builder.WithAuthority(MsalAuthority.For(environment, tenant), false).WithInstanceDiscovery(false)
                : builder.WithAuthority(MsalAuthority.For(environment, tenant));
        }

        public async Task<AccessToken> AcquireAsync(string scope, bool forceRefresh, CancellationToken cancellationToken)
        {
            var app = _app ?? throw ConnectionErrors.Closed();
            var result = await app.AcquireTokenForClient(new[] { scope }).WithForceRefresh(forceRefresh)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return new AccessToken(result.AccessToken, result.ExpiresOn);
        }

        public Task ClearAsync()
        {
            _app = null;
            return Task.CompletedTask;
        }
    }

    /// <summary>Managed identity (Azure Automation, Functions, VMs); MSAL picks the source from the environment.</summary>
    internal sealed class ManagedIdentityTokenSource : ITokenSource
    {
        private IManagedIdentityApplication? _app;

        public ManagedIdentityTokenSource(string? userAssignedClientId, HttpClient http)
        {
            var id = string.IsNullOrEmpty(userAssignedClientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.WithUserAssignedClientId(userAssignedClientId);
            _app = ManagedIdentityApplicationBuilder.Create(id)
                .WithHttpClientFactory(new MsalHttpClientFactory(http))
                .WithLogging((level, message, pii) => { }, LogLevel.Error, enablePiiLogging: false, enableDefaultPlatformLogging: false)
                .Build();
        }

        public async Task<AccessToken> AcquireAsync(string scope, bool forceRefresh, CancellationToken cancellationToken)
        {
            var app = _app ?? throw ConnectionErrors.Closed();
            var resource = scope.EndsWith("/.default", StringComparison.Ordinal) ? scope.Substring(0, scope.Length - "/.default".Length) : scope;
            var result = await app.AcquireTokenForManagedIdentity(resource).WithForceRefresh(forceRefresh)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return new AccessToken(result.AccessToken, result.ExpiresOn);
        }

        public Task ClearAsync()
        {
            _app = null;
            return Task.CompletedTask;
        }
    }

    /// <summary>Delegated sign-in with the device code flow; later tokens (and the partner token) come silently.</summary>
    internal sealed class DeviceCodeTokenSource : ITokenSource
    {
        private IPublicClientApplication? _app;
        private readonly IOperationContext _context;
        private IAccount? _account;

        public DeviceCodeTokenSource(CloudEnvironment environment, string tenant, string clientId, HttpClient http, IOperationContext context)
        {
            _context = context;
            var builder = PublicClientApplicationBuilder.Create(clientId)
                .WithHttpClientFactory(new MsalHttpClientFactory(http))
                .WithLogging((level, message, pii) => { }, LogLevel.Error, enablePiiLogging: false, enableDefaultPlatformLogging: false);
            _app = (environment.IsCustom
                ? builder.WithAuthority(MsalAuthority.For(environment, tenant), false).WithInstanceDiscovery(false)
                : builder.WithAuthority(MsalAuthority.For(environment, tenant))).Build();
        }

        /// <summary>The signed-in user, once there is one.</summary>
        public string? UserName => _account?.Username;

        public async Task<AccessToken> AcquireAsync(string scope, bool forceRefresh, CancellationToken cancellationToken)
        {
            var app = _app ?? throw ConnectionErrors.Closed();
            var scopes = new[] { scope };
            AuthenticationResult result;
            if (_account != null)
            {
                try
                {
                    result = await app.AcquireTokenSilent(scopes, _account).WithForceRefresh(forceRefresh)
                        .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                    return new AccessToken(result.AccessToken, result.ExpiresOn);
                }
                catch (MsalUiRequiredException)
                {
                    // The refresh token no longer works: the user signs in again with a new code.
                }
            }

            result = await app.AcquireTokenWithDeviceCode(scopes, code =>
            {
                _context.WriteHostMessage(code.Message);
                return Task.CompletedTask;
            }).ExecuteAsync(cancellationToken).ConfigureAwait(false);
            _account = result.Account;
            return new AccessToken(result.AccessToken, result.ExpiresOn);
        }

        public async Task ClearAsync()
        {
            var app = _app;
            _app = null;
            if (app != null)
            {
                foreach (var account in (await app.GetAccountsAsync().ConfigureAwait(false)).ToList())
                {
                    await app.RemoveAsync(account).ConfigureAwait(false);
                }
            }
            _account = null;
        }
    }
}
