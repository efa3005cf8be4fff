using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Admin;
using AzureCompliance.TenantEmulator.Partner;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests;

/// <summary>The admin endpoint (/_emulator/...): another process drives settings, journal and tenant as in-process tests do.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class AdminEndpointTests
{
    private readonly EmulatorFixture _fixture;

    public AdminEndpointTests(EmulatorFixture fixture)
    {
        _fixture = fixture;
        fixture.ResetBehaviour();
    }

    private EmulatorServer Server => _fixture.Server;

    private async Task<(HttpStatusCode Status, JsonNode? Body)> AdminAsync(HttpMethod method, string path, object? body = null, string? key = null)
    {
        using var request = new HttpRequestMessage(method, Server.AdminEndpoint + "/" + path);
        request.Headers.Add(AdminKey.HeaderName, key ?? Server.AdminKey);
        if (body is not null)
            request.Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        using var response = await _fixture.Http.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, content.Length == 0 ? null : JsonNode.Parse(content));
    }

    [Fact]
    public async Task Without_the_run_key_every_admin_call_is_401_and_changes_nothing()
    {
        Assert.Equal(48, Server.AdminKey.Length); // 24 random bytes, hex
        using var anonymous = await _fixture.Http.GetAsync("/_emulator/settings");
        var (wrongKey, body) = await AdminAsync(HttpMethod.Patch, "settings", new { latency = "00:00:05" }, key: "not-the-key");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey);
        Assert.Contains(AdminKey.HeaderName, body!["error"]!.ToString());
        Assert.Equal(TimeSpan.Zero, Server.Settings.Latency);
    }

    [Fact]
    public async Task Admin_calls_are_not_journaled_delayed_or_faulted()
    {
        Server.Settings.ForceStatus("/", 503, count: 5);
        var before = Server.Journal.Entries.Count;

        var (status, _) = await AdminAsync(HttpMethod.Get, "settings");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(before, Server.Journal.Entries.Count);
        Assert.Equal(5, Server.Settings.ForcedResponses.Single().Remaining);
    }

    [Fact]
    public async Task Settings_PATCH_sets_what_it_names_and_GET_reads_them_back()
    {
        var (status, body) = await AdminAsync(HttpMethod.Patch, "settings", new
        {
            latency = "00:00:00.030",
            pageSize = 7,
            deviceCodePollingInterval = "00:00:02",
            randomSeed = 4242,
            partner = new { maxDevicesPerMessage = 50, messagesPerWindow = 20, window = "00:00:01", processingDelay = "00:00:00", requireProvisionedTenant = false },
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(TimeSpan.FromMilliseconds(30), Server.Settings.Latency);
        Assert.Equal(7, Server.Settings.PageSize);
        Assert.Equal(TimeSpan.FromSeconds(2), Server.Settings.DeviceCodePollingInterval);
        Assert.Equal(50, Server.Settings.Partner.MaxDevicesPerMessage);
        Assert.Equal(20, Server.Settings.Partner.MessagesPerWindow);
        Assert.Equal(TimeSpan.FromSeconds(1), Server.Settings.Partner.Window);
        Assert.Equal(TimeSpan.Zero, Server.Settings.Partner.ProcessingDelay);
        Assert.False(Server.Settings.Partner.RequireProvisionedTenant);
        Assert.Equal("00:00:00.0300000", body!["latency"]!.ToString());
        Assert.Equal(50, (int)body["partner"]!["maxDevicesPerMessage"]!);

        var (reset, _) = await AdminAsync(HttpMethod.Post, "settings/reset");
        Assert.Equal(HttpStatusCode.OK, reset);
        Assert.Equal(TimeSpan.Zero, Server.Settings.Latency);
        Assert.Equal(PartnerSettings.DefaultMaxDevicesPerMessage, Server.Settings.Partner.MaxDevicesPerMessage);
    }

    [Theory]
    [InlineData("""{ "latency": "-00:00:01" }""")]
    [InlineData("""{ "pageSize": 0 }""")]
    [InlineData("""{ "noSuchSetting": 1 }""")]
    [InlineData("""{ "partner": { "messagesPerWindow": -1 } }""")]
    [InlineData("not json")]
    public async Task A_setting_out_of_range_or_unknown_is_400_naming_it(string body)
    {
        var (status, answer) = await AdminAsync(HttpMethod.Patch, "settings", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrWhiteSpace(answer!["error"]!.ToString()));
    }

    [Fact]
    public async Task Throttle_rule_with_method_and_path_fragment_limits_only_those_requests()
    {
        var token = await _fixture.GetTokenAsync();
        var (put, _) = await AdminAsync(HttpMethod.Put, "settings/throttleRules/org-budget",
            new { method = "GET", pathContains = "/organization", limit = 1, window = "00:00:30", scope = "perTenant" });

        var first = await _fixture.GetAsync("organization", token);
        var (second, _) = await _fixture.GetAsync("organization", token);
        var (users, _) = await _fixture.GetAsync("users", token);

        Assert.Equal(HttpStatusCode.NoContent, put);
        Assert.Equal(HttpStatusCode.OK, first.Response.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await AdminAsync(HttpMethod.Delete, "settings/throttleRules/org-budget")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await AdminAsync(HttpMethod.Delete, "settings/throttleRules/org-budget")).Status);
        Assert.Empty(Server.Settings.ThrottleRules);
    }

    [Fact]
    public async Task Fault_rule_and_forced_response_fail_matching_requests()
    {
        var token = await _fixture.GetTokenAsync();
        var (fault, _) = await AdminAsync(HttpMethod.Put, "settings/faultRules/always", new { pathContains = "/organization", serviceUnavailableProbability = 1.0, retryAfter = "00:00:02" });
        var (faulted, _) = await _fixture.GetAsync("organization", token);
        await AdminAsync(HttpMethod.Delete, "settings/faultRules/always");
        var (forced, _) = await AdminAsync(HttpMethod.Post, "settings/forcedResponses", new { pathPrefix = "/v1.0/users", statusCode = 429, count = 1 });
        var (forcedAnswer, _) = await _fixture.GetAsync("users", token);
        var (after, _) = await _fixture.GetAsync("users", token);
        var (tooLikely, _) = await AdminAsync(HttpMethod.Put, "settings/faultRules/bad", new { tooManyRequestsProbability = 0.8, connectionResetProbability = 0.5 });

        Assert.Equal(HttpStatusCode.NoContent, fault);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), faulted.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.NoContent, forced);
        Assert.Equal(HttpStatusCode.TooManyRequests, forcedAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLikely);
        Assert.Empty(Server.Settings.FaultRules);
    }

    [Fact]
    public async Task Journal_counts_filters_and_clears()
    {
        var token = await _fixture.GetTokenAsync();
        var (_, mark) = await AdminAsync(HttpMethod.Get, "journal?countOnly=true");
        await _fixture.GetAsync("organization", token);
        await _fixture.GetAsync("users", token);

        var (status, since) = await AdminAsync(HttpMethod.Get, $"journal?since={(int)mark!["total"]!}&pathContains=/organization&method=GET");
        var (_, writes) = await AdminAsync(HttpMethod.Get, "journal?writesOnly=true&countOnly=true");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, (int)since!["count"]!);
        Assert.Equal("/v1.0/organization", since["entries"]![0]!["pathAndQuery"]!.ToString());
        Assert.Equal(200, (int)since["entries"]![0]!["statusCode"]!);
        Assert.Equal(Server.Journal.WriteCount, (long)writes!["count"]!);
        Assert.Empty(writes["entries"]!.AsArray());

        Assert.Equal(HttpStatusCode.NoContent, (await AdminAsync(HttpMethod.Delete, "journal")).Status);
        Assert.Empty(Server.Journal.Entries);
    }

    [Fact]
    public async Task Devices_users_and_groups_added_through_it_are_in_the_tenant_Graph_serves()
    {
        var token = await _fixture.GetTokenAsync();
        var user = Guid.NewGuid();
        var group = Guid.NewGuid();
        var device = Guid.NewGuid();
        var deviceId = Guid.NewGuid().ToString();
        var added = new[]
        {
            await AdminAsync(HttpMethod.Post, "tenant/users", new { id = user, userPrincipalName = $"admin-{user:N}@contoso.onmicrosoft.com", displayName = "Admin Added", accountEnabled = true }),
            await AdminAsync(HttpMethod.Post, "tenant/groups", new[] { new { id = group, displayName = "Admin Group", securityEnabled = true, memberIds = new[] { user } } }),
            await AdminAsync(HttpMethod.Post, "tenant/devices", new[] { new { id = device, deviceId, displayName = "Admin-Device", operatingSystem = "iOS", registeredOwnerIds = new[] { user } } }),
        };
        var duplicate = await AdminAsync(HttpMethod.Post, "tenant/users", new { id = user, userPrincipalName = "again@contoso.onmicrosoft.com" });

        Assert.All(added, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Equal([device], Server.Tenant.Devices.Where(d => d.DeviceId == deviceId).Select(d => d.Id));
        Assert.Equal([user], Server.Tenant.FindDevice(device)!.RegisteredOwnerIds);
        Assert.Contains(user, Server.Tenant.GetTransitiveMemberIds(group));
        var (graphStatus, graphDevice) = await _fixture.GetAsync($"devices/{device}", token);
        Assert.Equal(HttpStatusCode.OK, graphStatus.StatusCode);
        Assert.Equal(deviceId, graphDevice!["deviceId"]!.ToString());

        var (_, members) = await AdminAsync(HttpMethod.Get, $"tenant/groups/{group}/transitiveMembers");
        var (_, read) = await AdminAsync(HttpMethod.Get, $"tenant/devices/{device}");
        var (missing, _) = await AdminAsync(HttpMethod.Get, $"tenant/devices/{Guid.NewGuid()}");
        var (_, groups) = await AdminAsync(HttpMethod.Get, "tenant/groups");
        Assert.Equal(user.ToString(), members!.AsArray().Single()!.ToString());
        Assert.Equal("Admin-Device", read!["displayName"]!.ToString());
        Assert.Equal(user.ToString(), read["registeredOwnerIds"]![0]!.ToString());
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains(groups!.AsArray(), g => g!["id"]!.ToString() == group.ToString() && g["memberIds"]!.AsArray().Count == 1);
    }

    [Fact]
    public async Task Partner_state_is_set_and_read_through_it()
    {
        var (status, tenant) = await AdminAsync(HttpMethod.Put, $"tenant/partnerTenants/{DemoTenant.AppClientId}", new { provisioned = "deprovisioned" });
        var (_, messages) = await AdminAsync(HttpMethod.Get, "tenant/partnerMessages");
        var (unknown, _) = await AdminAsync(HttpMethod.Get, $"tenant/partnerDevices/{Guid.NewGuid()}");
        var (cleared, _) = await AdminAsync(HttpMethod.Delete, "tenant/partnerCompliancePolicies");
        var (_, skus) = await AdminAsync(HttpMethod.Get, "tenant/subscribedSkus");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("deprovisioned", tenant!["provisioned"]!.ToString());
        Assert.Equal(PartnerProvisioning.Deprovisioned, Server.Tenant.PartnerTenantState(DemoTenant.AppClientId)!.Provisioned);
        Assert.Equal(Server.Tenant.PendingPartnerMessages, (int)messages!["pending"]!);
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(HttpStatusCode.NoContent, cleared);
        Assert.Empty(Server.Tenant.PartnerCompliancePolicies);
        Assert.Equal(Server.Tenant.SubscribedSkus.Count, skus!.AsArray().Count);
        Server.Tenant.SetPartnerTenantState(DemoTenant.AppClientId, PartnerProvisioning.Provisioned);
    }

    [Fact]
    public async Task A_certificate_registered_through_it_signs_in()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=admin-endpoint-test", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        var (status, _) = await AdminAsync(HttpMethod.Post, $"tenant/applications/{DemoTenant.AppClientId}/certificates", new { certificate = Convert.ToBase64String(certificate.RawData) });
        var (unknownApp, _) = await AdminAsync(HttpMethod.Post, $"tenant/applications/{Guid.NewGuid()}/certificates", new { certificate = Convert.ToBase64String(certificate.RawData) });

        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.Equal(HttpStatusCode.NotFound, unknownApp);
        Assert.Contains(Server.Tenant.FindApplication(DemoTenant.AppClientId)!.KeyCredentials, k => k.Certificate?.Thumbprint == certificate.Thumbprint);
        Server.Tenant.RemoveCertificateCredential(DemoTenant.AppClientId, certificate.Thumbprint);
    }
}
