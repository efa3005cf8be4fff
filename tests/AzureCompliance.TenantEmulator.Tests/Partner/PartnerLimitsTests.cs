using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using AzureCompliance.TenantEmulator.Hosting;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests.Partner;

/// <summary>The partner API's limits (devices per message, message budget) and the shared latency and faults on its paths.</summary>
[Collection(PartnerCollection.Name)]
public sealed class PartnerLimitsTests
{
    private readonly PartnerFixture _fixture;

    public PartnerLimitsTests(PartnerFixture fixture)
    {
        _fixture = fixture;
        fixture.Reset();
    }

    private EmulatorServer Server => _fixture.Server;

    [Fact]
    public async Task More_devices_than_the_setting_allows_is_400()
    {
        Server.Settings.Partner.MaxDevicesPerMessage = 2;
        var partner = _fixture.NewPartner();
        var now = DateTimeOffset.UtcNow;
        var devices = Enumerable.Range(0, 3).Select(_ => PartnerClient.Device(_fixture.AddDevice(), true, now)).ToArray();

        var (tooMany, body) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(devices));
        var (two, _) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(devices[..2]));

        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal("Request_TooManyDevices", body!["odata.error"]!["code"]!.ToString());
        Assert.Contains("at most 2", body["odata.error"]!["message"]!["value"]!.ToString());
        Assert.Equal(HttpStatusCode.Accepted, two.StatusCode);
    }

    [Fact]
    public async Task The_message_budget_answers_429_with_Retry_After_per_partner_app()
    {
        Server.Settings.Partner.MessagesPerWindow = 2;
        Server.Settings.Partner.Window = TimeSpan.FromSeconds(30);
        var partner = _fixture.NewPartner();
        var other = _fixture.NewPartner();
        var device = _fixture.AddDevice();
        JsonArray Entities() => PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow));
        var stats = Server.Tenant.PartnerStatistics;
        var (budgetBefore, tooManyBefore) = (stats.BudgetRejections, stats.TooManyRequestsSent);

        var first = await partner.UploadAsync(Guid.NewGuid(), Entities());
        var second = await partner.UploadAsync(Guid.NewGuid(), Entities());
        var (third, thirdBody) = await partner.UploadAsync(Guid.NewGuid(), Entities());
        var (status, _) = await partner.StatusAsync(Guid.Parse(first.Body!["MessageId"]!.ToString()));
        var (otherApp, _) = await other.UploadAsync(Guid.NewGuid(), Entities());

        Assert.Equal(HttpStatusCode.Accepted, first.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.Response.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.InRange(third.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 30);
        Assert.NotNull(thirdBody!["odata.error"]!["code"]);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, otherApp.StatusCode);
        Assert.Equal(budgetBefore + 1, stats.BudgetRejections);
        Assert.Equal(tooManyBefore + 1, stats.TooManyRequestsSent);
    }

    [Fact]
    public async Task Retry_After_is_the_time_until_the_window_frees_a_slot()
    {
        Server.Settings.Partner.MessagesPerWindow = 1;
        Server.Settings.Partner.Window = TimeSpan.FromSeconds(1.5);
        var partner = _fixture.NewPartner();
        var device = _fixture.AddDevice();
        JsonArray Entities() => PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.Accepted, (await partner.UploadAsync(Guid.NewGuid(), Entities())).Response.StatusCode);
        var (refused, _) = await partner.UploadAsync(Guid.NewGuid(), Entities());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter!.Delta);

        await Task.Delay(1600);
        Assert.Equal(HttpStatusCode.Accepted, (await partner.UploadAsync(Guid.NewGuid(), Entities())).Response.StatusCode);
    }

    [Fact]
    public async Task Faults_and_forced_statuses_come_back_in_the_partner_error_shape()
    {
        var partner = _fixture.NewPartner();
        var device = _fixture.AddDevice();
        var before = Server.Tenant.PartnerStatistics.TooManyRequestsSent;

        Server.Settings.AddFaultRule(new FaultRule { Name = "partner", PathPrefix = "/PartnerDeviceDataSync", ServiceUnavailableProbability = 1, RetryAfter = TimeSpan.FromSeconds(2) });
        var (unavailable, body) = await partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), unavailable.Headers.RetryAfter!.Delta);
        Assert.NotNull(body!["odata.error"]!["message"]!["value"]);

        Server.Settings.AddFaultRule(new FaultRule { Name = "partner", PathPrefix = "/PartnerDeviceDataSync", ConnectionResetProbability = 1 });
        await Assert.ThrowsAsync<HttpRequestException>(() => partner.UploadAsync(Guid.NewGuid(), PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow))));
        Server.Settings.RemoveFaultRule("partner");

        Server.Settings.ForceStatus("/PartnerTenantDataSync/PartnerCompliancePolicies", 429, retryAfter: TimeSpan.FromSeconds(1));
        var (throttled, throttledBody) = await partner.SendAsync(HttpMethod.Get, $"{partner.TenantSync}/PartnerCompliancePolicies?api-version=1.6");
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttledBody!["odata.error"]);
        Assert.Equal(before + 1, Server.Tenant.PartnerStatistics.TooManyRequestsSent);

        Assert.Equal(HttpStatusCode.OK, (await partner.SendAsync(HttpMethod.Get, $"{partner.TenantSync}/PartnerCompliancePolicies?api-version=1.6")).Response.StatusCode);
    }

    [Fact]
    public async Task Latency_applies_to_the_partner_paths()
    {
        var partner = _fixture.NewPartner();
        Server.Settings.Latency = TimeSpan.FromMilliseconds(150);

        var watch = Stopwatch.StartNew();
        await partner.StatusAsync(Guid.NewGuid());

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(140), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Many_concurrent_messages_are_all_applied_once()
    {
        Server.Settings.Partner.ProcessingDelay = TimeSpan.FromMilliseconds(50);
        var partner = _fixture.NewPartner();
        var now = DateTimeOffset.UtcNow;
        var devices = Enumerable.Range(0, 2000).Select(_ => _fixture.AddDevice()).ToArray();
        var messages = devices.Chunk(100).Select((chunk, i) => (Id: Guid.NewGuid(), Entities: PartnerClient.Entities(chunk.Select((d, j) => PartnerClient.Device(d, (i + j) % 3 != 0, now)).ToArray()))).ToArray();

        var watch = Stopwatch.StartNew();
        var answers = await Task.WhenAll(messages.Select(m => partner.UploadAsync(m.Id, m.Entities)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Response.StatusCode));
        var results = await Task.WhenAll(messages.Select(m => partner.WaitForResultAsync(m.Id)));
        watch.Stop();

        Assert.All(results, r => Assert.Equal("Completed", r["Status"]!.ToString()));
        Assert.All(devices, d => Assert.Equal(1, Server.Tenant.FindPartnerDevice(d)!.AppliedCount));
        Assert.All(devices, d => Assert.True(Server.Tenant.FindDeviceByDeviceId(d)!.IsManaged));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }
}
