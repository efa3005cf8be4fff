using System.Text.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;

namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>
/// The JSON shape of a tenant fixture (see Tenant/Fixtures/DemoTenant.json). Directory objects are
/// written as Graph shows them, plus the relations Graph keeps elsewhere (group "members",
/// device "registeredOwners") and the secrets Graph never shows.
/// </summary>
internal sealed class TenantFixture
{
    public Guid TenantId { get; set; }
    public JsonObject? Organization { get; set; }
    public List<VerifiedDomain> Domains { get; set; } = [];
    public List<FixtureApplication> Applications { get; set; } = [];
    public List<FixtureManagedIdentity> ManagedIdentities { get; set; } = [];
    public string? DeviceCodeUser { get; set; }
    public List<JsonObject> Users { get; set; } = [];
    public List<JsonObject> Groups { get; set; } = [];
    public List<JsonObject> Devices { get; set; } = [];
    public List<FixtureSku> SubscribedSkus { get; set; } = [];

    public sealed class FixtureApplication
    {
        public Guid Id { get; set; }
        public string AppId { get; set; } = "";
        public Guid ServicePrincipalId { get; set; }
        public string DisplayName { get; set; } = "";
        public bool IsFallbackPublicClient { get; set; }
        public List<FixtureSecret> Secrets { get; set; } = [];
        public List<string> ApplicationPermissions { get; set; } = [];
        public List<string> DelegatedPermissions { get; set; } = [];
        /// <summary>Certificates, in Graph's keyCredential shape: {"type":"AsymmetricX509Cert","usage":"Verify","key":"&lt;base64 DER&gt;"}.</summary>
        public List<FixtureKeyCredential> KeyCredentials { get; set; } = [];
    }

    public sealed class FixtureKeyCredential
    {
        public string Type { get; set; } = "AsymmetricX509Cert";
        public string Usage { get; set; } = "Verify";
        public string Key { get; set; } = "";
        public string? DisplayName { get; set; }
    }

    public sealed class FixtureSecret
    {
        public string? DisplayName { get; set; }
        public string Value { get; set; } = "";
    }

    public sealed class FixtureManagedIdentity
    {
        public ManagedIdentityKind Kind { get; set; }
        public string AppId { get; set; } = "";
        public Guid ServicePrincipalId { get; set; }
        public string DisplayName { get; set; } = "";
        public string ResourceId { get; set; } = "";
        public List<string> ApplicationPermissions { get; set; } = [];
    }

    public sealed class FixtureSku
    {
        public Guid SkuId { get; set; }
        public string SkuPartNumber { get; set; } = "";
        public LicenseUnitsDetail PrepaidUnits { get; set; } = new();
        public List<ServicePlanInfo> ServicePlans { get; set; } = [];
    }

    public static TenantFixture Load(string? path)
    {
        using var stream = path is null
            ? typeof(TenantFixture).Assembly.GetManifestResourceStream("AzureCompliance.TenantEmulator.DemoTenant.json")
              ?? throw new InvalidOperationException("The embedded DemoTenant.json is missing from the assembly.")
            : File.OpenRead(path);
        return JsonSerializer.Deserialize<TenantFixture>(stream, EmulatorJson.Options)
            ?? throw new InvalidDataException($"The fixture {path ?? "DemoTenant.json"} is empty.");
    }

    public static T ToModel<T>(JsonObject source) =>
        source.Deserialize<T>(EmulatorJson.Options) ?? throw new InvalidDataException($"Cannot read a {typeof(T).Name} from the fixture.");

    public static IReadOnlyList<Guid> GuidList(JsonObject source, string name) =>
        source[name] is JsonArray array ? array.Select(n => n!.GetValue<Guid>()).ToArray() : [];
}
