using System.Net;
using System.Text.Json.Nodes;
using Xunit;

namespace AzureCompliance.TenantEmulator.Tests.Partner;

/// <summary>Data upload messages: asynchronous processing, application to the directory devices, ordering, idempotence, validation.</summary>
[Collection(PartnerCollection.Name)]
public sealed class DataUploadTests
{
    private readonly PartnerFixture _fixture;

    public DataUploadTests(PartnerFixture fixture)
    {
        _fixture = fixture;
        fixture.Reset();
    }

    private EmulatorServer Server => _fixture.Server;

    private async Task<JsonNode> ReadDeviceAsync(string deviceId)
    {
        var token = await _fixture.Emulator.GetTokenAsync();
        var (response, body) = await _fixture.Emulator.GetAsync($"devices?$filter=deviceId eq '{deviceId}'&$select=deviceId,isCompliant,isManaged", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(body!["value"]!.AsArray())!;
    }

    [Fact]
    public async Task Upload_is_processed_asynchronously_and_Graph_reads_the_result_back()
    {
        Server.Settings.Partner.ProcessingDelay = TimeSpan.FromMilliseconds(600);
        var compliant = _fixture.AddDevice();
        var failing = _fixture.AddDevice("Android");
        var partner = _fixture.NewPartner();
        var messageId = Guid.NewGuid();

        var (response, body) = await partner.UploadAsync(messageId, PartnerClient.Entities(
            PartnerClient.Device(compliant, true, DateTimeOffset.UtcNow),
            PartnerClient.Device(failing, false, DateTimeOffset.UtcNow)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(messageId.ToString(), body!["MessageId"]!.ToString());
        var (status, statusBody) = await partner.StatusAsync(messageId);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("Processing", statusBody!["Status"]!.ToString());
        Assert.Null(Server.Tenant.FindDeviceByDeviceId(compliant)!.IsCompliant);

        var result = await partner.WaitForResultAsync(messageId);
        Assert.Equal("Completed", result["Status"]!.ToString());
        Assert.Equal(messageId.ToString(), result["MessageId"]!.ToString());
        Assert.Null(result["ErrorCode"]);
        Assert.Null(result["ErrorDetail"]);

        var read = await ReadDeviceAsync(compliant);
        Assert.True(read["isCompliant"]!.GetValue<bool>());
        Assert.True(read["isManaged"]!.GetValue<bool>());
        var readFailing = await ReadDeviceAsync(failing);
        Assert.False(readFailing["isCompliant"]!.GetValue<bool>());
        Assert.True(readFailing["isManaged"]!.GetValue<bool>());

        var stats = Server.Tenant.PartnerStatistics;
        Assert.True(stats.MessagesReceived >= 1);
        Assert.True(stats.DevicesReceived >= 2);
        Assert.Equal(1, Server.Tenant.FindPartnerDevice(compliant)!.AppliedCount);
    }

    [Fact]
    public async Task The_background_processor_applies_messages_nobody_asks_about()
    {
        Server.Settings.Partner.ProcessingDelay = TimeSpan.Zero;
        var device = _fixture.AddDevice();
        var partner = _fixture.NewPartner();
        var messageId = Guid.NewGuid();

        await partner.UploadAsync(messageId, PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow)));

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Server.Tenant.FindPartnerMessage(messageId)!.Status == AzureCompliance.TenantEmulator.Partner.PartnerMessageStatus.Processing && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(AzureCompliance.TenantEmulator.Partner.PartnerMessageStatus.Completed, Server.Tenant.FindPartnerMessage(messageId)!.Status);
        Assert.True(Server.Tenant.FindDeviceByDeviceId(device)!.IsCompliant);
    }

    [Fact]
    public async Task NotManaged_alone_leaves_compliance_as_it_was_by_default()
    {
        var device = _fixture.AddDevice();
        var partner = _fixture.NewPartner();
        var first = Guid.NewGuid();
        await partner.UploadAsync(first, PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow.AddMinutes(-1))));
        await partner.WaitForResultAsync(first);

        var retire = Guid.NewGuid();
        await partner.UploadAsync(retire, PartnerClient.Entities(PartnerClient.Device(device, compliant: null, DateTimeOffset.UtcNow, managed: false)));
        await partner.WaitForResultAsync(retire);

        var read = await ReadDeviceAsync(device);
        Assert.False(read["isManaged"]!.GetValue<bool>());
        Assert.True(read["isCompliant"]!.GetValue<bool>());
    }

    [Fact]
    public async Task NotManaged_with_notCompliant_leaves_the_device_unmanaged_and_not_compliant()
    {
        var device = _fixture.AddDevice();
        var partner = _fixture.NewPartner();
        var first = Guid.NewGuid();
        await partner.UploadAsync(first, PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow.AddMinutes(-1))));
        await partner.WaitForResultAsync(first);

        var retire = Guid.NewGuid();
        await partner.UploadAsync(retire, PartnerClient.Entities(PartnerClient.Device(device, compliant: false, DateTimeOffset.UtcNow, managed: false)));
        Assert.Equal("Completed", (await partner.WaitForResultAsync(retire))["Status"]!.ToString());

        var read = await ReadDeviceAsync(device);
        Assert.False(read["isManaged"]!.GetValue<bool>());
        Assert.False(read["isCompliant"]!.GetValue<bool>());
    }

    [Fact]
    public async Task NotManaged_retires_the_device_when_the_setting_clears_compliance()
    {
        Server.Settings.Partner.NotManagedClearsCompliance = true;
        var device = _fixture.AddDevice();
        var partner = _fixture.NewPartner();
        var first = Guid.NewGuid();
        await partner.UploadAsync(first, PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow.AddMinutes(-1))));
        await partner.WaitForResultAsync(first);
        Assert.True(Server.Tenant.FindDeviceByDeviceId(device)!.IsCompliant);

        var retire = Guid.NewGuid();
        await partner.UploadAsync(retire, PartnerClient.Entities(PartnerClient.Device(device, compliant: null, DateTimeOffset.UtcNow, managed: false)));
        var result = await partner.WaitForResultAsync(retire);

        Assert.Equal("Completed", result["Status"]!.ToString());
        var read = await ReadDeviceAsync(device);
        Assert.False(read["isManaged"]!.GetValue<bool>());
        Assert.Null(read["isCompliant"]);
    }

    [Fact]
    public async Task A_later_LastUpdateTime_wins_whatever_the_arrival_order()
    {
        var device = _fixture.AddDevice();
        var partner = _fixture.NewPartner();
        var now = DateTimeOffset.UtcNow;

        var newer = Guid.NewGuid();
        await partner.UploadAsync(newer, PartnerClient.Entities(PartnerClient.Device(device, false, now)));
        await partner.WaitForResultAsync(newer);
        var older = Guid.NewGuid();
        await partner.UploadAsync(older, PartnerClient.Entities(PartnerClient.Device(device, true, now.AddMinutes(-5))));
        var result = await partner.WaitForResultAsync(older);

        Assert.Equal("Completed", result["Status"]!.ToString());
        Assert.False(Server.Tenant.FindDeviceByDeviceId(device)!.IsCompliant);
        var record = Server.Tenant.FindPartnerDevice(device)!;
        Assert.Equal(1, record.AppliedCount);
        Assert.Equal(1, record.StaleCount);
        Assert.Equal(2, record.ReceivedCount);
        Assert.Equal(now.UtcDateTime, record.LastUpdateTime!.Value.UtcDateTime, TimeSpan.FromMilliseconds(1));

        var latest = Guid.NewGuid();
        await partner.UploadAsync(latest, PartnerClient.Entities(PartnerClient.Device(device, true, now.AddMinutes(1))));
        await partner.WaitForResultAsync(latest);
        Assert.True(Server.Tenant.FindDeviceByDeviceId(device)!.IsCompliant);
    }

    [Fact]
    public async Task The_same_message_put_again_is_answered_but_not_processed_again()
    {
        var device = _fixture.AddDevice();
        var partner = _fixture.NewPartner();
        var messageId = Guid.NewGuid();
        var entities = PartnerClient.Entities(PartnerClient.Device(device, true, DateTimeOffset.UtcNow));
        var before = Server.Tenant.PartnerStatistics.MessagesRepeated;

        var (first, _) = await partner.UploadAsync(messageId, entities);
        var (second, secondBody) = await partner.UploadAsync(messageId, entities);
        await partner.WaitForResultAsync(messageId);
        var (third, _) = await partner.UploadAsync(messageId, entities);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(messageId.ToString(), secondBody!["MessageId"]!.ToString());
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        await Task.Delay(300);
        var record = Server.Tenant.FindPartnerDevice(device)!;
        Assert.Equal(1, record.ReceivedCount);
        Assert.Equal(1, record.AppliedCount);
        Assert.Equal(2, Server.Tenant.FindPartnerMessage(messageId)!.RepeatCount);
        Assert.True(Server.Tenant.PartnerStatistics.MessagesRepeated >= before + 2);

        var stranger = _fixture.NewPartner();
        Assert.Equal(HttpStatusCode.Conflict, (await stranger.UploadAsync(messageId, entities)).Response.StatusCode);
    }

    [Fact]
    public async Task Unknown_devices_fail_alone_and_a_message_of_only_unknown_devices_fails()
    {
        var known = _fixture.AddDevice();
        var unknown = Guid.NewGuid().ToString();
        var partner = _fixture.NewPartner();

        var mixed = Guid.NewGuid();
        await partner.UploadAsync(mixed, PartnerClient.Entities(PartnerClient.Device(known, true, DateTimeOffset.UtcNow), PartnerClient.Device(unknown, true, DateTimeOffset.UtcNow)));
        var mixedResult = await partner.WaitForResultAsync(mixed);

        Assert.Equal("Completed", mixedResult["Status"]!.ToString());
        Assert.Equal("DeviceNotFound", mixedResult["ErrorCode"]!.ToString());
        Assert.Contains(unknown, mixedResult["ErrorDetail"]!.ToString());
        Assert.DoesNotContain(known, mixedResult["ErrorDetail"]!.ToString());
        Assert.True(Server.Tenant.FindDeviceByDeviceId(known)!.IsCompliant);
        Assert.Equal([unknown], Server.Tenant.FindPartnerMessage(mixed)!.UnknownDeviceIds);

        var allUnknown = Guid.NewGuid();
        await partner.UploadAsync(allUnknown, PartnerClient.Entities(PartnerClient.Device(unknown, true, DateTimeOffset.UtcNow)));
        var failed = await partner.WaitForResultAsync(allUnknown);
        Assert.Equal("Failed", failed["Status"]!.ToString());
        Assert.Equal("DeviceNotFound", failed["ErrorCode"]!.ToString());
        Assert.Contains(unknown, failed["ErrorDetail"]!.ToString());
    }

    [Fact]
    public async Task The_older_form_with_Content_as_an_array_and_boolean_compliance_is_accepted_on_1_0()
    {
        var device = _fixture.AddDevice();
        var partner = _fixture.NewPartner();
        var time = DateTimeOffset.UtcNow.ToString("O");
        var entities = new JsonArray(
            new JsonObject
            {
                ["EntityType"] = 1, ["TenantId"] = DemoTenant.TenantId, ["DeviceManagementState"] = "managed", ["DeviceId"] = device,
                ["DeviceName"] = "Mac", ["UserId"] = PartnerClient.UserId, ["LastCheckInTime"] = time, ["LastUpdateTime"] = time,
                ["Os"] = "macOS", ["OsVersion"] = "14.5", ["EasIds"] = new JsonArray(), ["complianceStatus"] = false,
            },
            new JsonObject
            {
                ["EntityType"] = 4, ["TenantId"] = DemoTenant.TenantId, ["DeviceId"] = device, ["UserId"] = PartnerClient.UserId,
                ["LastUpdateTime"] = time, ["complianceStatus"] = false,
            });
        var messageId = Guid.NewGuid();

        var (response, _) = await partner.UploadAsync(messageId, entities, apiVersion: "1.0", contentAsString: false);
        var (newForm, newFormBody) = await partner.UploadAsync(Guid.NewGuid(), entities, apiVersion: "1.2", contentAsString: false);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("Completed", (await partner.WaitForResultAsync(messageId))["Status"]!.ToString());
        Assert.False(Server.Tenant.FindDeviceByDeviceId(device)!.IsCompliant);
        Assert.True(Server.Tenant.FindDeviceByDeviceId(device)!.IsManaged);
        Assert.Equal(HttpStatusCode.BadRequest, newForm.StatusCode);
        Assert.Contains("string", newFormBody!["odata.error"]!["message"]!["value"]!.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, (await partner.UploadAsync(Guid.NewGuid(), entities, apiVersion: "1.2")).Response.StatusCode);
    }

    public static TheoryData<string, string> InvalidContents => new()
    {
        { "not json at all", "not valid JSON" },
        { "[]", "no entities" },
        { "{}", "array" },
        { """[{"EntityType":2,"TenantId":"T","DeviceId":"D"}]""", "EntityType" },
        { """[{"EntityType":1,"TenantId":"T","DeviceManagementState":"managed","DeviceId":"D","DeviceName":"n","UserId":"U","LastCheckInTime":"2026-01-01T00:00:00Z","LastUpdateTime":"2026-01-01T00:00:00Z","Os":"iOS","OsVersion":"17"}]""", "EasIds" },
        { """[{"EntityType":1,"TenantId":"T","DeviceManagementState":"retired","DeviceId":"D","DeviceName":"n","UserId":"U","LastCheckInTime":"2026-01-01T00:00:00Z","LastUpdateTime":"2026-01-01T00:00:00Z","Os":"iOS","OsVersion":"17","EasIds":[]}]""", "DeviceManagementState" },
        { """[{"EntityType":4,"TenantId":"T","DeviceId":"not-a-guid","UserId":"U","LastUpdateTime":"2026-01-01T00:00:00Z","complianceStatus":"compliant"}]""", "DeviceId" },
        { """[{"EntityType":4,"TenantId":"T","DeviceId":"D","UserId":"U","LastUpdateTime":"yesterday","complianceStatus":"compliant"}]""", "LastUpdateTime" },
        { """[{"EntityType":4,"TenantId":"T","DeviceId":"D","UserId":"U","LastUpdateTime":"2026-01-01T00:00:00Z","complianceStatus":true}]""", "complianceStatus" },
        { """[{"EntityType":4,"TenantId":"T","DeviceId":"D","LastUpdateTime":"2026-01-01T00:00:00Z","complianceStatus":"compliant"}]""", "UserId" },
        { """[{"EntityType":4,"TenantId":"00000000-0000-0000-0000-0000000000aa","DeviceId":"D","UserId":"U","LastUpdateTime":"2026-01-01T00:00:00Z","complianceStatus":"compliant"}]""", "TenantId" },
    };

    [Theory]
    [MemberData(nameof(InvalidContents))]
    public async Task Invalid_content_is_400_naming_the_problem(string content, string expected)
    {
        var partner = _fixture.NewPartner();
        var text = content.Replace("\"T\"", $"\"{DemoTenant.TenantId}\"").Replace("\"D\"", $"\"{Guid.NewGuid()}\"").Replace("\"U\"", $"\"{PartnerClient.UserId}\"");
        var rejectedBefore = Server.Tenant.PartnerStatistics.MessagesRejected;

        var (response, body) = await partner.SendAsync(HttpMethod.Put, $"{partner.DeviceSync}/DataUploadMessages(guid'{Guid.NewGuid()}')?api-version=1.2", new JsonObject
        {
            ["TenantId"] = DemoTenant.TenantId,
            ["UploadTime"] = DateTime.UtcNow.ToString("O"),
            ["Content"] = text,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, body!["odata.error"]!["message"]!["value"]!.ToString());
        Assert.True(Server.Tenant.PartnerStatistics.MessagesRejected > rejectedBefore);
    }

    [Fact]
    public async Task Unknown_message_ids_are_404_and_other_partners_do_not_see_a_message()
    {
        var partner = _fixture.NewPartner();
        var (response, body) = await partner.StatusAsync(Guid.NewGuid());
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Request_ResourceNotFound", body!["odata.error"]!["code"]!.ToString());

        var messageId = Guid.NewGuid();
        await partner.UploadAsync(messageId, PartnerClient.Entities(PartnerClient.Device(_fixture.AddDevice(), true, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.NotFound, (await _fixture.NewPartner().StatusAsync(messageId)).Response.StatusCode);
    }
}
