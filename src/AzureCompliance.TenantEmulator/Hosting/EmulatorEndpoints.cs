namespace AzureCompliance.TenantEmulator.Hosting;

/// <summary>
/// The emulator's own addresses. Known only once Kestrel has bound its port (port 0 = any free one),
/// so it is filled in after start; requests arrive only after that.
/// </summary>
internal sealed class EmulatorEndpoints
{
    private Uri? _baseAddress;

    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("The emulator has not started yet.");

    /// <summary>https://127.0.0.1:{port}, no trailing slash: the login host and the Graph root alike.</summary>
    public string Root => BaseAddress.GetLeftPart(UriPartial.Authority);

    public string AuthorityHost => Root;
    public string GraphEndpoint => Root;
    public string GraphServiceRoot => Root + "/v1.0";
    public string ManagedIdentityEndpoint => Root + "/msi/token";

    public string Issuer(Guid tenantId) => $"{Root}/{tenantId}/v2.0";
    public string TokenEndpoint(string tenant) => $"{Root}/{tenant}/oauth2/v2.0/token";
    public string DeviceCodeVerificationUri => Root + "/devicelogin";

    internal void SetBaseAddress(Uri baseAddress) => _baseAddress = baseAddress;

    /// <summary>True when a resource identifier names this emulator's Graph (with or without a trailing slash).</summary>
    public bool IsGraphResource(string resource) =>
        string.Equals(resource.TrimEnd('/'), GraphEndpoint, StringComparison.OrdinalIgnoreCase)
        || string.Equals(resource, DemoTenant.GraphAppId, StringComparison.OrdinalIgnoreCase);
}
