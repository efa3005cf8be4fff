namespace AzureCompliance.TenantEmulator.Tenant;

/// <summary>Anything Graph addresses by a directory object id.</summary>
public interface IDirectoryObject
{
    Guid Id { get; }
}

/// <summary>
/// A property Graph returns only when asked for with $select (e.g. user.usageLocation),
/// so a client that forgets to select it sees what it would see against the real service.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SelectOnlyAttribute : Attribute
{
}

/// <summary>The Graph type name of a model, e.g. "microsoft.graph.user" (used for @odata.type, $select errors and strict schema).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class GraphTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
