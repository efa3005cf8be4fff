namespace AzureCompliance.TenantEmulator;

/// <summary>How an <see cref="EmulatorServer"/> starts. Behaviour that may change while it runs lives in <see cref="EmulatorSettings"/>.</summary>
public sealed class EmulatorOptions
{
    /// <summary>
    /// Serve the fixture as this tenant (its id), e.g. one of an MSP's customers; null = the fixture's own tenant.
    /// The name and the verified domain follow from it unless <see cref="TenantDisplayName"/> / <see cref="TenantDomain"/> say.
    /// </summary>
    public Guid? TenantId { get; set; }

    /// <summary>With <see cref="TenantId"/>: the organization's display name; null = "Tenant {first 8 hex digits of the id}".</summary>
    public string? TenantDisplayName { get; set; }

    /// <summary>With <see cref="TenantId"/>: the tenant's only verified domain; null = "t{first 8 hex digits}.onmicrosoft.com".</summary>
    public string? TenantDomain { get; set; }

    /// <summary>The loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>A tenant fixture (JSON, the shape of the embedded DemoTenant.json); null = the embedded <see cref="DemoTenant"/>.</summary>
    public string? FixturePath { get; set; }

    /// <summary>Lifetime of every access token issued.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A device code is approved by the fixture's device-code user this long after it was issued.</summary>
    public TimeSpan DeviceCodeApprovalDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the TLS certificate is kept between runs; null = ~/.azurecompliance/emulator.</summary>
    public string? CertificateDirectory { get; set; }

    /// <summary>Check Graph request and response bodies against Microsoft's Graph v1.0 CSDL.</summary>
    public bool StrictSchema { get; set; }

    /// <summary>
    /// Adds this many generated users to the fixture at start (one device each, nested groups "Generated Staff" ⊃
    /// "Generated Staff 01".."10", three in four licensed): a large tenant for readiness and paging tests. 0 = none.
    /// </summary>
    public int GeneratedUsers { get; set; }

    /// <summary>The admin endpoint's key (X-Emulator-Admin-Key); null = a random one per run.</summary>
    public string? AdminKey { get; set; }

    /// <summary>The Microsoft cloud the emulator stands for; open extensions do not exist in <see cref="EmulatedCloud.China"/>.</summary>
    public EmulatedCloud Cloud { get; set; } = EmulatedCloud.Global;

    /// <summary>
    /// Answer POST /deviceManagement/complianceManagementPartners as the v1.0 service has been seen to
    /// ("No OData route exists", microsoftgraph/microsoft-graph-docs#17977): partners come from the admin center only.
    /// </summary>
    public bool RefuseCompliancePartnerCreation { get; set; }

    /// <summary>Devices one data upload message may carry (start-up value of <see cref="Partner.PartnerSettings.MaxDevicesPerMessage"/>).</summary>
    public int MaxDevicesPerMessage { get; set; } = Partner.PartnerSettings.DefaultMaxDevicesPerMessage;
}

/// <summary>The national clouds the emulator can stand for.</summary>
public enum EmulatedCloud
{
    Global,
    USGov,
    USGovDoD,
    China,
}
