using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static AzureCompliance.TenantEmulator.Tests.Graph.StrictGraphFixture;

namespace AzureCompliance.TenantEmulator.Tests.Graph;

/// <summary>Where Graph refuses what a lenient emulator would accept (issue 8); sources in the emulator's README.</summary>
[Collection(StrictGraphCollection.Name)]
public sealed class GraphFidelityTests
{
    private const string Policies = "identity/conditionalAccess/policies";
    private const string Partners = "deviceManagement/complianceManagementPartners";
    private static readonly string Extensions = $"organization/{DemoTenant.TenantId}/extensions";
    private readonly StrictGraphFixture _graph;

    public GraphFidelityTests(StrictGraphFixture graph)
    {
        _graph = graph;
        graph.ResetBehaviour();
    }

    private static JsonObject AccessPolicy(JsonArray? clientAppTypes)
    {
        var conditions = new JsonObject
        {
            ["applications"] = new JsonObject { ["includeApplications"] = new JsonArray("Office365") },
            ["users"] = new JsonObject { ["includeGroups"] = new JsonArray(DemoTenant.MobilePilotGroupId) },
        };
        if (clientAppTypes is not null)
            conditions["clientAppTypes"] = clientAppTypes;
        return new JsonObject
        {
            ["displayName"] = "Fidelity " + Guid.NewGuid().ToString("N")[..8],
            ["state"] = "disabled",
            ["conditions"] = conditions,
            ["grantControls"] = new JsonObject { ["operator"] = "OR", ["builtInControls"] = new JsonArray("compliantDevice") },
        };
    }

    [Fact]
    public async Task A_conditional_access_policy_without_client_app_types_is_refused()
    {
        var (missing, missingBody) = await _graph.SendAsync(HttpMethod.Post, Policies, AccessPolicy(null));
        AssertError(missing, missingBody, HttpStatusCode.BadRequest, messageContains: "clientAppTypes");
        var (empty, emptyBody) = await _graph.SendAsync(HttpMethod.Post, Policies, AccessPolicy(new JsonArray()));
        AssertError(empty, emptyBody, HttpStatusCode.BadRequest, messageContains: "clientAppTypes");

        var (created, body) = await _graph.SendAsync(HttpMethod.Post, Policies, AccessPolicy(new JsonArray("all")));
        AssertOk(created, body, HttpStatusCode.Created);
        await _graph.SendAsync(HttpMethod.Delete, $"{Policies}/{body!["id"]}");
    }

    [Fact]
    public async Task An_in_clause_takes_at_most_fifteen_values()
    {
        string Filter(int count) => "devices?$filter=deviceId in (" + string.Join(",", Enumerable.Range(0, count).Select(_ => $"'{Guid.NewGuid()}'")) + ")";
        var (fifteen, fifteenBody) = await _graph.GetAsync(Filter(15));
        AssertOk(fifteen, fifteenBody);
        var (sixteen, sixteenBody) = await _graph.GetAsync(Filter(16));
        AssertError(sixteen, sixteenBody, HttpStatusCode.BadRequest, "Request_UnsupportedQuery", "Max allowed: 15");
    }

    [Fact]
    public async Task An_open_extension_update_needs_its_type_and_name()
    {
        const string name = "com.contoso.fidelity.patch";
        var (created, createdBody) = await _graph.SendAsync(HttpMethod.Post, Extensions, new JsonObject
        {
            ["@odata.type"] = "microsoft.graph.openTypeExtension", ["extensionName"] = name, ["n"] = 1,
        });
        AssertOk(created, createdBody, HttpStatusCode.Created);
        try
        {
            var (bare, bareBody) = await _graph.SendAsync(HttpMethod.Patch, $"{Extensions}/{name}", new JsonObject { ["n"] = 2 });
            AssertError(bare, bareBody, HttpStatusCode.BadRequest);
            var (noName, noNameBody) = await _graph.SendAsync(HttpMethod.Patch, $"{Extensions}/{name}", new JsonObject { ["@odata.type"] = "microsoft.graph.openTypeExtension", ["n"] = 2 });
            AssertError(noName, noNameBody, HttpStatusCode.BadRequest, "Request_BadRequest", "extensionName");
            var (full, fullBody) = await _graph.SendAsync(HttpMethod.Patch, $"{Extensions}/{name}", new JsonObject
            {
                ["@odata.type"] = "microsoft.graph.openTypeExtension", ["extensionName"] = name, ["n"] = 2,
            });
            AssertOk(full, fullBody);
        }
        finally
        {
            await _graph.SendAsync(HttpMethod.Delete, $"{Extensions}/{name}");
        }
    }

    [Fact]
    public async Task Open_extensions_do_not_exist_in_the_China_cloud()
    {
        _graph.Server.Settings.Cloud = EmulatedCloud.China;
        var (read, readBody) = await _graph.GetAsync(Extensions);
        AssertError(read, readBody, HttpStatusCode.BadRequest, "Request_BadRequest", "not supported");
        var (write, writeBody) = await _graph.SendAsync(HttpMethod.Post, Extensions, new JsonObject
        {
            ["@odata.type"] = "microsoft.graph.openTypeExtension", ["extensionName"] = "com.contoso.china",
        });
        AssertError(write, writeBody, HttpStatusCode.BadRequest, "Request_BadRequest", "not supported");
    }

    [Fact]
    public async Task The_service_can_refuse_to_create_a_compliance_partner()
    {
        _graph.Server.Settings.RefuseCompliancePartnerCreation = true;
        var (response, body) = await _graph.SendAsync(HttpMethod.Post, Partners, new JsonObject { ["displayName"] = "Contoso MDM" });
        AssertError(response, body, HttpStatusCode.BadRequest, "No method match route template", "No OData route exists");
    }
}
