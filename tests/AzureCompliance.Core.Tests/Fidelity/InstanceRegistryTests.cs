using AzureCompliance.Core.Registry;
using AzureCompliance.TenantEmulator;

namespace AzureCompliance.Core.Tests.Fidelity;

/// <summary>The instance registry's open extension as Graph requires it (issue 8, point 4).</summary>
public sealed class InstanceRegistryTests : IClassFixture<EmulatedTenant>
{
    private readonly EmulatedTenant _tenant;

    public InstanceRegistryTests(EmulatedTenant tenant) => _tenant = tenant;

    [Fact]
    public void Every_body_carries_the_type_and_the_extension_name()
    {
        var json = InstanceRegistry.Serialize(new[] { new MdmInstance("core-1", DateTimeOffset.UtcNow, null) });
        Assert.Contains("\"@odata.type\":\"microsoft.graph.openTypeExtension\"", json);
        Assert.Contains("\"extensionName\":\"" + InstanceRegistry.ExtensionName + "\"", json);
    }

    [Fact]
    public async Task A_second_instance_updates_the_registry_with_a_patch_Graph_accepts()
    {
        var first = await _tenant.ConnectAsync("core-1");
        var second = await _tenant.ConnectAsync("core-2");
        try
        {
            Assert.True(await InstanceRegistry.RegisterAsync(first, default));   // POST creates the extension
            Assert.True(await InstanceRegistry.RegisterAsync(second, default));  // PATCH updates it
            Assert.True(await InstanceRegistry.RecordSyncAsync(first, DateTimeOffset.UtcNow, default));

            var names = (await InstanceRegistry.GetAsync(second, default)).Select(i => i.Name).ToArray();
            Assert.Equal(new[] { "core-1", "core-2" }, names.OrderBy(n => n).ToArray());
        }
        finally
        {
            await InstanceRegistry.ClearAsync(first, default);
        }
    }

    [Fact]
    public async Task The_apps_that_provisioned_an_instance_are_recorded_once_and_survive_a_heartbeat()
    {
        var connection = await _tenant.ConnectAsync("core-apps");
        try
        {
            Assert.True(await InstanceRegistry.RegisterAsync(connection, "Contoso MDM", provisioned: false, default));
            var registered = Assert.Single(await InstanceRegistry.GetAsync(connection, default));
            Assert.False(registered.IsProvisionedFor(connection.ClientId));

            Assert.True(await InstanceRegistry.RegisterAsync(connection, "Contoso MDM", provisioned: true, default));
            Assert.False(await InstanceRegistry.RegisterAsync(connection, "Contoso MDM", provisioned: true, default)); // already so: no write
            Assert.True(await InstanceRegistry.RecordSyncAsync(connection, DateTimeOffset.UtcNow, default));

            var instance = Assert.Single(await InstanceRegistry.GetAsync(connection, default));
            Assert.Equal(new[] { connection.ClientId }, instance.ProvisionedApps);
            Assert.True(instance.IsProvisionedFor(connection.ClientId.ToUpperInvariant()));
            Assert.False(instance.IsProvisionedFor(DemoTenant.SystemManagedIdentityClientId));
            Assert.Equal("Contoso MDM", instance.PartnerName);
            Assert.NotNull(instance.LastSyncOn);
        }
        finally
        {
            await InstanceRegistry.ClearAsync(connection, default);
        }
    }

    [Fact]
    public void Eight_instances_with_a_partner_and_an_app_each_fit_in_the_2_KB_an_extension_holds()
    {
        // The capacity the help states ("about eight instances"): a realistic name, the partner and the app that provisioned.
        var now = new DateTimeOffset(2026, 12, 4, 8, 7, 14, TimeSpan.Zero).AddTicks(1234567);
        var instances = Enumerable.Range(1, 8).Select(i => new MdmInstance($"mobileiron-core-{i:00}", now, now, "Contoso MDM", new[] { Guid.NewGuid().ToString() })).ToList();
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(InstanceRegistry.Serialize(instances)), 1, 2048);
        instances.Add(new MdmInstance("mobileiron-core-09", now, now, "Contoso MDM", new[] { Guid.NewGuid().ToString() }));
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(InstanceRegistry.Serialize(instances)), 2049, 3000); // so "about eight" is honest
    }
}
