using System.Net;
using System.Security.Cryptography.X509Certificates;
using AzureCompliance.TenantEmulator.Admin;
using AzureCompliance.TenantEmulator.Graph;
using AzureCompliance.TenantEmulator.Hosting;
using AzureCompliance.TenantEmulator.Identity;
using AzureCompliance.TenantEmulator.Schema;
using AzureCompliance.TenantEmulator.Tenant;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AzureCompliance.TenantEmulator;

/// <summary>
/// A Microsoft Entra tenant on 127.0.0.1 over HTTPS: sign-in (identity platform v2.0 and managed identity),
/// Microsoft Graph v1.0, and any further <see cref="IEmulatorModule"/> services. Start one per test class
/// (port 0) or run the program standalone.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SigningKey _signingKey;
    private readonly EmulatorEndpoints _endpoints;

    private EmulatorServer(WebApplication app, SigningKey signingKey, EmulatorEndpoints endpoints, X509Certificate2 certificate)
    {
        _app = app;
        _signingKey = signingKey;
        _endpoints = endpoints;
        ServerCertificate = X509CertificateLoader.LoadCertificate(certificate.RawData);
        Tenant = app.Services.GetRequiredService<TenantState>();
        Settings = app.Services.GetRequiredService<EmulatorSettings>();
        Journal = app.Services.GetRequiredService<RequestJournal>();
        Tokens = app.Services.GetRequiredService<TokenIssuer>();
        ManagedIdentityHeader = app.Services.GetRequiredService<ManagedIdentitySecret>().Value;
        AdminKey = app.Services.GetRequiredService<AdminKey>().Value;
    }

    /// <summary>https://127.0.0.1:{port}</summary>
    public Uri BaseAddress => _endpoints.BaseAddress;

    /// <summary>The login host (no trailing slash); an authority is {AuthorityHost}/{tenant id or domain}.</summary>
    public string AuthorityHost => _endpoints.AuthorityHost;

    /// <summary>The Graph root (no trailing slash): Graph is served at {GraphEndpoint}/v1.0, and it is Graph's token audience.</summary>
    public string GraphEndpoint => _endpoints.GraphEndpoint;

    /// <summary>IDENTITY_ENDPOINT of the App Service kind of managed identity.</summary>
    public string ManagedIdentityEndpoint => _endpoints.ManagedIdentityEndpoint;

    /// <summary>IDENTITY_HEADER: the secret the managed identity endpoint wants in X-IDENTITY-HEADER.</summary>
    public string ManagedIdentityHeader { get; }

    /// <summary>{BaseAddress}/_emulator: settings, journal and tenant for another process (README.md, "Admin endpoint").</summary>
    public string AdminEndpoint => BaseAddress.ToString().TrimEnd('/') + AdminMiddleware.Prefix;

    /// <summary>The per-run secret the admin endpoint wants in X-Emulator-Admin-Key.</summary>
    public string AdminKey { get; }

    /// <summary>The public part of the TLS certificate.</summary>
    public X509Certificate2 ServerCertificate { get; }

    public TenantState Tenant { get; }
    public EmulatorSettings Settings { get; }
    public RequestJournal Journal { get; }

    /// <summary>True when <see cref="EmulatorOptions.StrictSchema"/> was asked for and the Graph CSDL was found.</summary>
    public bool IsStrictSchemaActive => _app.Services.GetRequiredService<GraphSchemaValidator>().IsActive;

    /// <summary>Makes tokens directly (expired, foreign, with chosen roles) for tests of token handling.</summary>
    public TokenIssuer Tokens { get; }

    public static async Task<EmulatorServer> StartAsync(EmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmulatorOptions();
        var tenant = options.TenantId is { } tenantId
            ? TenantState.Load(options.FixturePath, tenantId,
                options.TenantDisplayName ?? "Tenant " + tenantId.ToString("N")[..8],
                options.TenantDomain ?? "t" + tenantId.ToString("N")[..8] + ".onmicrosoft.com")
            : TenantState.Load(options.FixturePath);
        if (options.GeneratedUsers > 0)
            tenant.AddGeneratedUsers(options.GeneratedUsers);
        var certificate = ServerCertificates.LoadOrCreate(options.CertificateDirectory);
        var signingKey = new SigningKey();
        var endpoints = new EmulatorEndpoints();

        // An empty builder: no appsettings, no environment variables (ASPNETCORE_URLS), nothing a test host sets can leak in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(EmulatorServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(certificate));
        });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Error);

        var services = builder.Services;
        services.AddRouting();
        services.AddSingleton<IHostLifetime, PassiveHostLifetime>();
        services.AddSingleton(options);
        services.AddSingleton(tenant);
        services.AddSingleton(signingKey);
        services.AddSingleton(endpoints);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<EmulatorSettings>();
        services.AddSingleton<RequestJournal>();
        services.AddSingleton<ThrottleTracker>();
        services.AddSingleton<ServiceErrorWriters>();
        services.AddSingleton<PipelineEntry>();
        services.AddSingleton<ManagedIdentitySecret>();
        services.AddSingleton(sp => new TokenIssuer(signingKey, endpoints, tenant, options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AccessTokenValidator>();
        services.AddSingleton<ClientAuthenticator>();
        services.AddSingleton<ResourceResolver>();
        services.AddSingleton<DeviceCodeStore>();
        services.AddSingleton<RefreshTokenStore>();
        services.AddSingleton<TokenEndpoint>();
        services.AddSingleton<DiscoveryEndpoints>();
        services.AddSingleton<ManagedIdentityEndpoint>();
        services.AddSingleton<GraphSchemaValidator>();
        services.AddSingleton(new AdminKey(options.AdminKey));
        services.AddSingleton<AdminSettingsApi>();
        services.AddSingleton<AdminJournalApi>();
        services.AddSingleton<AdminTenantApi>();

        var modules = ModuleTypes().Select(t => (IEmulatorModule)Activator.CreateInstance(t)!).ToArray();
        foreach (var module in modules)
            module.ConfigureServices(services);

        var app = builder.Build();
        var pipeline = app.Services.GetRequiredService<PipelineEntry>();
        // First: admin calls are not part of the emulated services, so they are neither journaled, delayed nor faulted.
        app.UseMiddleware<AdminMiddleware>();
        // Captured first, so $batch steps travel the whole pipeline below, as a request from outside would.
        app.Use(pipeline.Capture);
        app.UseMiddleware<JournalMiddleware>();
        app.UseMiddleware<ServiceBehaviourMiddleware>();
        app.UseMiddleware<GraphMiddleware>();
        app.UseRouting();

        IdentityRoutes.Map(app);
        GraphRoutes.Map(app);
        var errorWriters = app.Services.GetRequiredService<ServiceErrorWriters>();
        foreach (var module in modules)
            module.Map(app, errorWriters);

        try
        {
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            endpoints.SetBaseAddress(new Uri(new Uri(address).GetLeftPart(UriPartial.Authority).Replace("[::1]", "127.0.0.1", StringComparison.Ordinal)));
            return new EmulatorServer(app, signingKey, endpoints, certificate);
        }
        catch
        {
            await app.DisposeAsync();
            signingKey.Dispose();
            throw;
        }
    }

    /// <summary>Adds a certificate to CurrentUser\Root if it is not already there, so .NET clients of this user trust the emulator.</summary>
    public static void TrustCertificate(X509Certificate2 certificate) => ServerCertificates.Trust(certificate);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _signingKey.Dispose();
        ServerCertificate.Dispose();
    }

    private static IEnumerable<Type> ModuleTypes() =>
        typeof(EmulatorServer).Assembly.GetTypes()
            .Where(t => typeof(IEmulatorModule).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
}
