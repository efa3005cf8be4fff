using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.Licensing;
using Microsoft.Graph.Models;
using Microsoft.Graph.Users.Item.AssignLicense;

namespace AzureCompliance.Core.Tests.Onboarding;

public sealed class LicensingTests
{
    private static readonly Guid Intune = SkuCatalog.IntuneServicePlanId;
    private static readonly Guid Exchange = Guid.Parse("9aaf7827-d63c-4b61-89c3-182f06f82e5c");
    private static readonly Guid IntuneSku = SkuCatalog.IntuneStandaloneSkuId;
    private static readonly Guid EmsSku = Guid.Parse("b05e124f-c7cc-45a0-a6aa-8cf78c946968");
    private static readonly Guid E3Sku = Guid.Parse("05e9a617-0261-4cee-bb44-138d3ef5d965");
    private static readonly Guid ExchangeSku = Guid.Parse("4b9405b0-7788-4568-add1-99614e613b69");

    private static SkuCatalog Catalog(int intuneFree = 5, int emsFree = 1, int e3Free = 2) => new(new[]
    {
        new SkuInfo(IntuneSku, "INTUNE_A", new[] { Intune }, new[] { "INTUNE_A" }, 10, 10 - intuneFree),
        new SkuInfo(EmsSku, "EMSPREMIUM", new[] { Intune, Guid.NewGuid() }, new[] { "INTUNE_A", "AAD_PREMIUM" }, 5, 5 - emsFree),
        new SkuInfo(E3Sku, "SPE_E3", new[] { Guid.NewGuid(), Intune }, new[] { "EXCHANGE_S_ENTERPRISE", "INTUNE_A" }, 10, 10 - e3Free),
        new SkuInfo(ExchangeSku, "EXCHANGESTANDARD", new[] { Exchange }, new[] { "EXCHANGE_S_STANDARD" }, 10, 3),
    });

    private static (Guid, IEnumerable<Guid>) Assigned(Guid sku, params Guid[] disabled) => (sku, disabled);

    [Fact]
    public void Bundles_count_and_a_disabled_intune_plan_does_not()
    {
        var catalog = Catalog();
        Assert.Equal("True:SPE_E3", Flatten(catalog.Evaluate(new[] { Assigned(E3Sku) })));
        Assert.Equal("True:EMSPREMIUM", Flatten(catalog.Evaluate(new[] { Assigned(EmsSku), Assigned(ExchangeSku) })));
        Assert.Equal("False:", Flatten(catalog.Evaluate(new[] { Assigned(ExchangeSku) })));
        Assert.Equal("False:", Flatten(catalog.Evaluate(new[] { Assigned(E3Sku, Intune) })));
        Assert.Equal("False:", Flatten(catalog.Evaluate(Array.Empty<(Guid, IEnumerable<Guid>)>())));
    }

    [Fact]
    public void An_unknown_sku_asks_for_licence_details_only_when_nothing_else_licenses()
    {
        var catalog = Catalog();
        Assert.True(catalog.Evaluate(new[] { Assigned(Guid.NewGuid()) }).UnknownSku);
        Assert.False(catalog.Evaluate(new[] { Assigned(Guid.NewGuid()), Assigned(IntuneSku) }).UnknownSku);
    }

    [Fact]
    public void A_user_object_is_evaluated_from_its_assigned_licenses()
    {
        var user = new User { AssignedLicenses = new List<AssignedLicense> { new() { SkuId = EmsSku, DisabledPlans = new List<Guid?>() } } };
        Assert.True(Catalog().Evaluate(user).Licensed);
    }

    [Fact]
    public void The_standalone_sku_is_chosen_first_then_the_one_with_most_free_units()
    {
        Assert.Equal("INTUNE_A", Catalog().Choose()!.PartNumber);
        Assert.Equal("SPE_E3", Catalog(intuneFree: 0, emsFree: 1, e3Free: 2).Choose()!.PartNumber);
        Assert.Equal(new[] { "INTUNE_A", "EMSPREMIUM", "SPE_E3" }, Catalog().IntuneCapable.Select(s => s.PartNumber));
    }

    [Fact]
    public void Service_errors_map_to_usage_location_and_no_free_units()
    {
        var catalog = Catalog();
        var sku = catalog.Find(IntuneSku)!;
        ComplianceServiceException Bad(string message) => new("BadRequest", ComplianceErrorCategory.InvalidArgument, message, 400, "Request_BadRequest", null);
        Assert.Equal("UsageLocationMissing", ComplianceLicenseService.MapAssignError(Bad("License assignment cannot be done for user with invalid usage location."), catalog, sku, "u").ErrorId);
        var noUnits = ComplianceLicenseService.MapAssignError(Bad("Subscription for INTUNE_A does not have any available licenses."), catalog, sku, "u");
        Assert.Equal("NoFreeLicense", noUnits.ErrorId);
        Assert.Equal(ComplianceErrorCategory.LimitsExceeded, noUnits.Category);
        Assert.Contains("EMSPREMIUM", noUnits.RecommendedAction);
        Assert.Equal("LicenseAssignmentFailed", ComplianceLicenseService.MapAssignError(Bad("Something else"), catalog, sku, "u").ErrorId);
    }

    [Fact]
    public void Assign_license_sends_both_arrays()
    {
        var body = new AssignLicensePostRequestBody
        {
            AddLicenses = new List<AssignedLicense> { new() { SkuId = IntuneSku, DisabledPlans = new List<Guid?>() } },
            RemoveLicenses = new List<Guid?>(),
        };
        var json = AccessPolicyTests.Serialize(body);
        Assert.Contains("\"addLicenses\":[{\"disabledPlans\":[],\"skuId\":\"061f9ace-7d42-4136-88ac-31dc755f143f\"}]", json);
        Assert.Contains("\"removeLicenses\":[]", json);
    }

    private static string Flatten((bool Licensed, IReadOnlyList<string> Through, bool UnknownSku) result) => result.Licensed + ":" + string.Join(",", result.Through);
}
