using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Graph;
using AzureCompliance.TenantEmulator.Graph.OData;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

public sealed class ODataFilterTests
{
    private static readonly JsonObject Group = JsonNode.Parse("""
        {"id":"2b4e7d8c-1111-4222-8333-444455556666","displayName":"O'Brien Team","securityEnabled":false,
         "groupTypes":["Unified"],"createdDateTime":"2025-03-01T10:00:00Z","mail":null,
         "assignedLicenses":[{"skuId":"061f9ace-7d42-4136-88ac-31dc755f143f","disabledPlans":[]}]}
        """)!.AsObject();

    [Theory]
    [InlineData("displayName eq 'O''Brien Team'", true)]
    [InlineData("displayName eq 'o''brien team'", true)]
    [InlineData("displayName eq 'OBrien Team'", false)]
    [InlineData("startswith(displayName,'o''b')", true)]
    [InlineData("id eq '2b4e7d8c-1111-4222-8333-444455556666'", true)]
    [InlineData("id eq 2b4e7d8c-1111-4222-8333-444455556666", true)]
    [InlineData("securityEnabled eq false and displayName eq 'O''Brien Team'", true)]
    [InlineData("securityEnabled eq true or (startswith(displayName,'X'))", false)]
    [InlineData("mail eq null", true)]
    [InlineData("not(securityEnabled eq true)", true)]
    [InlineData("groupTypes/any(c:c eq 'Unified')", true)]
    [InlineData("assignedLicenses/any(x:x/skuId eq 061f9ace-7d42-4136-88ac-31dc755f143f)", true)]
    [InlineData("assignedLicenses/any(x:x/skuId eq 05e9a617-0261-4cee-bb44-138d3ef5d965)", false)]
    [InlineData("displayName in ('A', 'O''Brien Team')", true)]
    [InlineData("createdDateTime ge 2025-01-01T00:00:00Z", true)]
    [InlineData("createdDateTime lt 2025-01-01T00:00:00Z", false)]
    public void Evaluates(string filter, bool expected) => Assert.Equal(expected, ODataFilter.Parse(filter).Matches(Group));

    [Theory]
    [InlineData("displayName eq 'open")]
    [InlineData("displayName eq")]
    [InlineData("displayName xx 'a'")]
    [InlineData("(displayName eq 'a'")]
    public void Rejects_invalid_syntax(string filter)
    {
        var e = Assert.Throws<GraphException>(() => ODataFilter.Parse(filter));
        Assert.Equal(400, e.StatusCode);
    }

    [Fact]
    public void Rejects_incompatible_types() =>
        Assert.Equal(400, Assert.Throws<GraphException>(() => ODataFilter.Parse("securityEnabled eq 'true'").Matches(Group)).StatusCode);

    [Fact]
    public void Knows_the_properties_and_the_advanced_operators()
    {
        var filter = ODataFilter.Parse("displayName ne 'a' and assignedLicenses/any(x:x/skuId eq 061f9ace-7d42-4136-88ac-31dc755f143f)");
        Assert.Equal(["displayName", "assignedLicenses"], filter.Properties);
        Assert.True(filter.UsesAdvancedOperators);
        Assert.False(ODataFilter.Parse("displayName eq 'a'").UsesAdvancedOperators);
    }
}
