using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Graph;
using AzureCompliance.TenantEmulator.Schema;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>The Graph v1.0 CSDL from shared/graph, loaded once for these tests.</summary>
public sealed class CsdlFixture
{
    public CsdlFixture()
    {
        var path = GraphSchemaValidator.FindCsdl() ?? throw new InvalidOperationException("shared/graph/graph-v1.0-metadata.xml not found beside the repository.");
        Validator = new GraphSchemaValidator(CsdlModel.Load(path));
    }

    internal GraphSchemaValidator Validator { get; }
}

public sealed class StrictSchemaTests(CsdlFixture csdl) : IClassFixture<CsdlFixture>
{
    private GraphSchemaValidator Validator => csdl.Validator;

    private static HttpContext Request(string method, string path, string body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Request.ContentType = "application/json";
        return context;
    }

    [Theory]
    [InlineData("/v1.0/servicePrincipals", "microsoft.graph.servicePrincipal", true)]
    [InlineData("/v1.0/servicePrincipals/6dcd0f59-6ad5-2fc5-030f-368d2f4841c8/appRoleAssignments", "microsoft.graph.appRoleAssignment", true)]
    [InlineData("/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')", "microsoft.graph.servicePrincipal", false)]
    [InlineData("/v1.0/deviceManagement/complianceManagementPartners", "microsoft.graph.complianceManagementPartner", true)]
    [InlineData("/v1.0/deviceManagement/complianceManagementPartners/abc", "microsoft.graph.complianceManagementPartner", false)]
    [InlineData("/v1.0/identity/conditionalAccess/policies", "microsoft.graph.conditionalAccessPolicy", true)]
    [InlineData("/v1.0/organization/6f1c4e2a-8d3b-4c5e-9a7f-0b2d4e6f8a10/extensions", "microsoft.graph.extension", true)]
    public void Resolves_paths_to_types(string path, string type, bool isCollection)
    {
        var target = Validator.ResolvePath(path);
        Assert.NotNull(target);
        Assert.Equal(type, target!.Type!.Name);
        Assert.Equal(isCollection, target.IsCollection);
    }

    [Fact]
    public void Resolves_bound_actions()
    {
        var target = Validator.ResolvePath("/v1.0/users/abc/assignLicense");
        Assert.Equal("assignLicense", target!.Action!.Name);
        Assert.Contains("addLicenses", target.Action.Parameters.Keys);
    }

    [Fact]
    public async Task Accepts_a_valid_body_with_derived_types_and_enum_members()
    {
        var body = """
            {"displayName":"Contoso MDM","partnerState":"enabled","androidOnboarded":true,
             "androidEnrollmentAssignments":[{"target":{"@odata.type":"#microsoft.graph.groupAssignmentTarget","groupId":"1c0a6b5e-0000-4000-8000-000000000001"}}]}
            """;
        await Validator.CheckRequestAsync(Request("POST", "/v1.0/deviceManagement/complianceManagementPartners", body));
        await Validator.CheckRequestAsync(Request("POST", "/v1.0/users/abc/assignLicense", """{"addLicenses":[{"skuId":"061f9ace-7d42-4136-88ac-31dc755f143f","disabledPlans":[]}],"removeLicenses":[]}"""));
        await Validator.CheckRequestAsync(Request("POST", "/v1.0/organization/x/extensions", """{"@odata.type":"microsoft.graph.openTypeExtension","extensionName":"com.contoso.mdm","anything":1}"""));
    }

    [Theory]
    [InlineData("/v1.0/deviceManagement/complianceManagementPartners", """{"displayName":"x","bogus":1}""", "The property 'bogus' does not exist on type 'microsoft.graph.complianceManagementPartner'.")]
    [InlineData("/v1.0/deviceManagement/complianceManagementPartners", """{"partnerState":"sleeping"}""", "Requested value 'sleeping' was not found.")]
    [InlineData("/v1.0/identity/conditionalAccess/policies", """{"state":"on"}""", "Requested value 'on' was not found.")]
    [InlineData("/v1.0/identity/conditionalAccess/policies", """{"conditions":{"users":{"includeGroup":["x"]}}}""", "The property 'includeGroup' does not exist on type 'microsoft.graph.conditionalAccessUsers'.")]
    [InlineData("/v1.0/users/abc/assignLicense", """{"addLicenses":[],"removeLicense":[]}""", "The property 'removeLicense' does not exist")]
    [InlineData("/v1.0/deviceManagement/complianceManagementPartners", """{"androidOnboarded":"yes"}""", "not a valid 'Edm.Boolean'")]
    public async Task Refuses_unknown_properties_bad_enum_members_and_wrong_kinds(string path, string body, string message)
    {
        var e = await Assert.ThrowsAsync<GraphException>(() => Validator.CheckRequestAsync(Request("POST", path, body)));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal("BadRequest", e.Code);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Checks_responses_of_the_emulator()
    {
        var good = JsonNode.Parse("""{"value":[{"id":"x","appId":"y","appRoles":[{"id":"5b567255-7703-4780-807c-7be8301ae99b","value":"Group.Read.All","isEnabled":true}]}]}""")!.AsObject();
        var bad = JsonNode.Parse("""{"value":[{"id":"x","appRoles":[{"id":"5b567255-7703-4780-807c-7be8301ae99b","permission":"Group.Read.All"}]}]}""")!.AsObject();

        Assert.Empty(Validator.CheckResponse(good, "microsoft.graph.servicePrincipal", isCollection: true));
        Assert.Contains(Validator.CheckResponse(bad, "microsoft.graph.servicePrincipal", isCollection: true), p => p.Contains("'permission'"));
    }

    [Fact]
    public async Task A_response_outside_the_schema_is_a_loud_500()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.LoggingServiceCollectionExtensions.AddLogging(services);
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, Validator);
        var context = new DefaultHttpContext { RequestServices = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services) };
        context.Request.Path = "/v1.0/organization";
        context.Response.Body = new MemoryStream();

        await new GraphJsonResult(200, JsonNode.Parse("""{"id":"x","displayName":"Contoso","favouriteColour":"blue"}""")!.AsObject(), "microsoft.graph.organization", false).ExecuteAsync(context);

        Assert.Equal(500, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var error = JsonNode.Parse(context.Response.Body)!["error"]!;
        Assert.Equal("EmulatorSchemaViolation", error["code"]!.ToString());
        Assert.Contains("favouriteColour", error["message"]!.ToString());
    }
}

/// <summary>An emulator in strict mode: everything it serves today must pass its own schema check.</summary>
public sealed class StrictEmulatorFixture : IAsyncLifetime
{
    public EmulatorFixture Inner { get; } = new();

    public async Task InitializeAsync() => await Inner.InitializeAsync(new EmulatorOptions { StrictSchema = true });

    public Task DisposeAsync() => Inner.DisposeAsync();
}

public sealed class StrictEmulatorTests(StrictEmulatorFixture strict) : IClassFixture<StrictEmulatorFixture>
{
    [Fact]
    public async Task Everything_served_conforms_to_the_schema()
    {
        var fixture = strict.Inner;
        Assert.True(fixture.Server.IsStrictSchemaActive);
        fixture.ResetBehaviour();
        var token = await fixture.GetTokenAsync();
        var app = fixture.Server.Tenant.FindServicePrincipalByAppId(DemoTenant.AppClientId)!;

        foreach (var url in new[]
        {
            "organization", $"organization/{DemoTenant.TenantId}", "servicePrincipals", $"servicePrincipals(appId='{DemoTenant.GraphAppId}')",
            $"servicePrincipals/{app.Id}", $"servicePrincipals/{app.Id}/appRoleAssignments", "servicePrincipals?$select=id,appRoles",
        })
        {
            var (response, body) = await fixture.GetAsync(url, token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {body}");
        }
    }
}
