using AzureCompliance.Core.Registry;

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
}
