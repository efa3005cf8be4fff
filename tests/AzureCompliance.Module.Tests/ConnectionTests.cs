using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using AzureCompliance.Module.Tests.Infrastructure;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Module.Tests;

/// <summary>Connect/Get/Disconnect through the real engine against the emulated tenant, every sign-in mode and failure.</summary>
[Collection(TenantCollection.Name)]
public sealed class ConnectionTests : IDisposable
{
    private readonly TenantFixture _tenant;
    private readonly PowerShellSession _session = new();

    public ConnectionTests(TenantFixture tenant) => _tenant = tenant;

    public void Dispose() => _session.Dispose();

    private ScriptResult Run(string script, Dictionary<string, object?>? extra = null)
    {
        var variables = _tenant.Variables();
        foreach (var (key, value) in extra ?? new()) variables[key] = value;
        return _session.Run(script, variables);
    }

    [Fact]
    public void Client_secret_signs_in_and_becomes_the_session_connection()
    {
        var result = Run(TenantFixture.ConnectWithSecret + " -SourceName 'core-01'");
        result.AssertNoErrors();
        Assert.Empty(result.Warnings);
        var connection = Assert.Single(result.Output);
        Assert.Equal(DemoTenant.TenantId, connection.Properties["TenantId"].Value);
        Assert.Equal(DemoTenant.Domain, connection.Properties["TenantDomain"].Value);
        Assert.Equal(DemoTenant.AppClientId, connection.Properties["ClientId"].Value);
        Assert.Equal("ClientSecret", connection.Properties["AuthType"].Value.ToString());
        Assert.Equal("Custom", connection.Properties["Environment"].Value);
        Assert.Equal("core-01", connection.Properties["SourceName"].Value);
        Assert.Empty((IEnumerable<string>)connection.Properties["MissingPermissions"].Value);
        Assert.Contains("DeviceManagementServiceConfig.ReadWrite.All", (IEnumerable<string>)connection.Properties["Permissions"].Value);
        Assert.True((DateTimeOffset)connection.Properties["ExpiresOn"].Value > DateTimeOffset.UtcNow.AddMinutes(30));

        var current = Run("Get-ComplianceConnection");
        Assert.Same(connection.BaseObject, Assert.Single(current.Output).BaseObject);
    }

    [Fact]
    public void Credential_carries_the_client_id_as_user_name()
    {
        var result = Run("Connect-ComplianceTenant -TenantId $TenantDomain -Credential ([pscredential]::new($ClientId, $SecureSecret)) -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint");
        result.AssertNoErrors();
        var connection = Assert.Single(result.Output);
        Assert.Equal(DemoTenant.TenantId, connection.Properties["TenantId"].Value);
        Assert.Equal(DemoTenant.AppClientId, connection.Properties["ClientId"].Value);
    }

    [Fact]
    public void Connection_shows_in_its_format_view_without_secrets()
    {
        var result = Run(TenantFixture.ConnectWithSecret + " | Out-Host");
        result.AssertNoErrors();
        Assert.Contains("TenantDomain", result.HostText);
        Assert.Contains(DemoTenant.Domain, result.HostText);
        Assert.Contains("MissingPermissions", result.HostText);
        Assert.DoesNotContain(DemoTenant.AppSecret, result.EverythingVisible());
    }

    [Fact]
    public void Certificate_object_signs_in()
    {
        using var certificate = TenantFixture.CreateClientCertificate("module-test-object");
        _tenant.Server.Tenant.AddCertificateCredential(DemoTenant.AppClientId, certificate);
        var result = Run("Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -Certificate $Cert -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint",
            new() { ["Cert"] = certificate });
        result.AssertNoErrors();
        Assert.Equal("Certificate", Assert.Single(result.Output).Properties["AuthType"].Value.ToString());
    }

    [Fact]
    public void Certificate_thumbprint_is_found_in_the_user_store()
    {
        using var certificate = TenantFixture.CreateClientCertificate("module-test-thumbprint");
        _tenant.Server.Tenant.AddCertificateCredential(DemoTenant.AppClientId, certificate);
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        store.Add(certificate);
        try
        {
            var result = Run("Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -CertificateThumbprint $Thumbprint -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint",
                new() { ["Thumbprint"] = certificate.Thumbprint });
            result.AssertNoErrors();
            Assert.Equal("Certificate", Assert.Single(result.Output).Properties["AuthType"].Value.ToString());
        }
        finally
        {
            store.Remove(certificate);
        }
    }

    [Fact]
    public void Unknown_thumbprint_is_a_clear_error()
    {
        var result = Run("Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -CertificateThumbprint 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint");
        var error = result.SingleError();
        Assert.StartsWith("CertificateNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void Unregistered_certificate_is_refused()
    {
        using var certificate = TenantFixture.CreateClientCertificate("module-test-unregistered");
        var result = Run("Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -Certificate $Cert -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint",
            new() { ["Cert"] = certificate });
        var error = result.SingleError();
        Assert.StartsWith("InvalidClientCertificate,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Wrong_secret_is_an_authentication_error_that_never_shows_the_secret()
    {
        const string wrongSecret = "Wr0ng-Secret-Value-7f3a9c";
        var result = Run("$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; " +
            "Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $Wrong -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint -Verbose",
            new() { ["Wrong"] = TenantFixture.ToSecureString(wrongSecret) });
        var error = result.SingleError();
        Assert.StartsWith("InvalidClientSecret,AzureCompliance.Cmdlets.Connection.ConnectComplianceTenantCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("AADSTS7000215", error.Exception.Message);
        Assert.False(string.IsNullOrEmpty(error.ErrorDetails?.RecommendedAction));
        Assert.NotEmpty(result.Verbose);
        Assert.DoesNotContain(wrongSecret, result.EverythingVisible());
        Assert.Empty(_session.Run("Get-ComplianceConnection").Output);
    }

    [Fact]
    public void Unknown_application_is_not_found()
    {
        var result = Run("Connect-ComplianceTenant -TenantId $TenantId -ClientId '9d9d9d9d-1111-2222-3333-444444444444' -ClientSecret $SecureSecret -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint");
        var error = result.SingleError();
        Assert.StartsWith("ApplicationNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains("AADSTS700016", error.Exception.Message);
    }

    [Fact]
    public void Unknown_tenant_is_not_found()
    {
        var result = Run("Connect-ComplianceTenant -TenantId 'fabrikam.onmicrosoft.com' -ClientId $ClientId -ClientSecret $SecureSecret -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint");
        var error = result.SingleError();
        Assert.StartsWith("TenantNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void Missing_permissions_are_named_in_a_warning_and_on_the_connection()
    {
        var result = Run("Connect-ComplianceTenant -TenantId $TenantId -ClientId $ReaderClientId -ClientSecret $ReaderSecureSecret -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint");
        result.AssertNoErrors();
        var warning = Assert.Single(result.Warnings).Message;
        Assert.Contains("DeviceManagementServiceConfig.ReadWrite.All", warning);
        Assert.Contains("Policy.ReadWrite.ConditionalAccess", warning);
        var missing = (IEnumerable<string>)Assert.Single(result.Output).Properties["MissingPermissions"].Value;
        Assert.Contains("DeviceManagementServiceConfig.ReadWrite.All", missing);
        Assert.Contains("Organization.Read.All", (IEnumerable<string>)result.Output[0].Properties["Permissions"].Value);
    }

    [Fact]
    public void Device_code_prints_the_code_message_and_signs_in_a_user()
    {
        var result = Run("Connect-ComplianceTenant -DeviceCode -TenantId $TenantId -ClientId $ClientId -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint");
        result.AssertNoErrors();
        var message = Assert.Single(result.Information).MessageData.ToString();
        Assert.Contains("enter the code", message);
        var connection = Assert.Single(result.Output);
        Assert.Equal("DeviceCode", connection.Properties["AuthType"].Value.ToString());
        Assert.Equal(DemoTenant.DeviceCodeUser, connection.Properties["Account"].Value);
        Assert.Empty((IEnumerable<string>)connection.Properties["MissingPermissions"].Value);
    }

    [Theory]
    [InlineData(null, DemoTenant.SystemManagedIdentityClientId)]
    [InlineData(DemoTenant.UserManagedIdentityClientId, DemoTenant.UserManagedIdentityClientId)]
    public void Managed_identity_signs_in_from_the_environment(string? userAssignedClientId, string expectedClientId)
    {
        var clientId = userAssignedClientId == null ? "" : " -ClientId $MiClientId";
        var result = Run(
            "$env:IDENTITY_ENDPOINT = $MiEndpoint; $env:IDENTITY_HEADER = $MiHeader; try { " +
            "Connect-ComplianceTenant -ManagedIdentity" + clientId + " -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint " +
            "} finally { $env:IDENTITY_ENDPOINT = $null; $env:IDENTITY_HEADER = $null }",
            new() { ["MiEndpoint"] = _tenant.Server.ManagedIdentityEndpoint, ["MiHeader"] = _tenant.Server.ManagedIdentityHeader, ["MiClientId"] = userAssignedClientId });
        result.AssertNoErrors();
        var connection = Assert.Single(result.Output);
        Assert.Equal("ManagedIdentity", connection.Properties["AuthType"].Value.ToString());
        Assert.Equal(DemoTenant.TenantId, connection.Properties["TenantId"].Value);
        Assert.Equal(expectedClientId, connection.Properties["ClientId"].Value);
    }

    [Fact]
    public void Disconnect_signs_out_and_later_use_of_the_connection_says_to_connect()
    {
        var connected = Run("$c = " + TenantFixture.ConnectWithSecret + "; Disconnect-ComplianceTenant -WhatIf; $c.IsConnected; Get-ComplianceConnection | ForEach-Object { 'still' }");
        connected.AssertNoErrors();
        Assert.Equal(new object[] { true, "still" }, connected.Output.Select(o => o.BaseObject));

        var result = Run("Disconnect-ComplianceTenant; $c.IsConnected; Get-ComplianceConnection | ForEach-Object { 'still' }; Disconnect-ComplianceTenant -Connection $c");
        Assert.Equal(new object[] { false }, result.Output.Select(o => o.BaseObject));
        var error = result.SingleError();
        Assert.StartsWith("ConnectionClosed,", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void Disconnect_without_a_connection_says_to_connect_first()
    {
        var error = Run("Disconnect-ComplianceTenant").SingleError();
        Assert.StartsWith("NotConnected,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("Connect-ComplianceTenant", error.Exception.Message);
    }

    [Theory]
    [InlineData("Get-CompliancePartner")]
    [InlineData("Get-ComplianceLicense")]
    [InlineData("Get-ComplianceAccessPolicy")]
    [InlineData("Test-ComplianceTenant")]
    [InlineData("Get-DeviceCompliance -DeviceId '2f0c9d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f'")]
    public void Tenant_cmdlets_without_a_connection_stop_and_say_to_connect(string command)
    {
        var result = Run(command + "; 'the script went on'");
        var error = result.SingleError();
        Assert.StartsWith("NotConnected,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("Connect-ComplianceTenant", error.Exception.Message);
        // A statement-terminating error: the cmdlet sent nothing and wrote nothing else.
        Assert.Equal(new object[] { "the script went on" }, result.Output.Select(o => o.BaseObject));
    }

    [Theory]
    [InlineData("-AuthorityHost $AuthorityHost", "CustomEndpointIncomplete")]
    [InlineData("-AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint -Environment USGov", "EnvironmentConflict")]
    [InlineData("-AuthorityHost 'http://127.0.0.1:1' -GraphEndpoint $GraphEndpoint", "InvalidCustomEndpoint")]
    public void Inconsistent_endpoints_are_refused_before_any_sign_in(string endpoints, string errorId)
    {
        var error = Run("Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret " + endpoints).SingleError();
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
    }

    [Theory]
    [InlineData("-TenantId $TenantId -ClientId 'not-a-guid'", "InvalidClientId")]
    [InlineData("-TenantId 'not a tenant' -ClientId $ClientId", "InvalidTenantId")]
    public void Malformed_ids_are_refused(string ids, string errorId)
    {
        var error = Run("Connect-ComplianceTenant " + ids + " -ClientSecret $SecureSecret -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint").SingleError();
        Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
    }

    [Fact]
    public void Core_libraries_load_in_a_private_load_context()
    {
        Run(TenantFixture.ConnectWithSecret).AssertNoErrors();
        var msal = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "Microsoft.Identity.Client").ToList();
        Assert.NotEmpty(msal);
        Assert.All(msal, a => Assert.NotSame(System.Runtime.Loader.AssemblyLoadContext.Default, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(a)));
        var core = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "AzureCompliance.Core");
        Assert.Equal("DependencyLoadContext", System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(core)!.GetType().Name);
    }
}
