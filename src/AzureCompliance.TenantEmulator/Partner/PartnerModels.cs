namespace AzureCompliance.TenantEmulator.Partner;

/// <summary>The PartnerTenants "Provisioned" values: 1 provisions the partner in the tenant, 2 deprovisions it.</summary>
public enum PartnerProvisioning
{
    Provisioned = 1,
    Deprovisioned = 2,
}

/// <summary>A compliance partner app's registration in the tenant (PUT PartnerTenants(guid'tenant')).</summary>
public sealed record PartnerTenant
{
    /// <summary>The partner application (the token's appid).</summary>
    public required string AppId { get; init; }
    public required Guid TenantId { get; init; }
    /// <summary>The "Key" of the answer: stable for the partner app in the tenant.</summary>
    public required Guid Key { get; init; }
    public required PartnerProvisioning Provisioned { get; init; }
    public string? PartnerEnrollmentUrl { get; init; }
    public string? PartnerRemediationUrl { get; init; }
    public required DateTimeOffset LastModified { get; init; }
}

/// <summary>A partner compliance policy in Intune (POST PartnerCompliancePolicies), with its group assignments.</summary>
public sealed record PartnerCompliancePolicy
{
    public required Guid Id { get; init; }
    /// <summary>The partner application that created it; other partners neither see nor touch it.</summary>
    public required string AppId { get; init; }
    public required string DisplayName { get; init; }
    public string? Description { get; init; }
    /// <summary>"iOS", "Android" or "macOS" (canonical casing).</summary>
    public required string Platform { get; init; }
    public required Guid PartnerPolicyId { get; init; }
    public bool PartnerManagedCompliance { get; init; } = true;
    public required DateTimeOffset CreatedDateTime { get; init; }
    /// <summary>Group object ids the policy is assigned to (the last Assign call's set).</summary>
    public IReadOnlyList<Guid> Assignments { get; init; } = [];
}

/// <summary>Status of a data upload message, as GET DataUploadMessages(guid'id') reports it.</summary>
public enum PartnerMessageStatus
{
    Processing,
    Completed,
    Failed,
}

/// <summary>A data upload message as the tenant holds it (a snapshot).</summary>
public sealed record PartnerUploadMessage
{
    public required Guid MessageId { get; init; }
    public required string AppId { get; init; }
    public required Guid TenantId { get; init; }
    /// <summary>"1.0" (Content as an array, boolean complianceStatus) or "1.2" (Content as a JSON string).</summary>
    public required string ApiVersion { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    /// <summary>When processing is due: ReceivedAt + the ProcessingDelay in force on arrival.</summary>
    public required DateTimeOffset DueAt { get; init; }
    public DateTimeOffset? ProcessedAt { get; init; }
    public required PartnerMessageStatus Status { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorDetail { get; init; }
    /// <summary>Distinct devices the message carried.</summary>
    public required int DeviceCount { get; init; }
    /// <summary>Devices written to the directory.</summary>
    public int AppliedCount { get; init; }
    /// <summary>Devices skipped because a later LastUpdateTime had already been applied.</summary>
    public int StaleCount { get; init; }
    /// <summary>Device ids that are not directory devices: they failed.</summary>
    public IReadOnlyList<string> UnknownDeviceIds { get; init; } = [];
    /// <summary>How often the same message id was PUT again (answered, not processed again).</summary>
    public int RepeatCount { get; init; }
}

/// <summary>What the partner API did with one device id over the emulator's life (a snapshot).</summary>
public sealed record PartnerDeviceRecord
{
    public required string DeviceId { get; init; }
    /// <summary>Times the device arrived in an accepted message (repeats of a known message id excluded).</summary>
    public int ReceivedCount { get; init; }
    /// <summary>Times its data was written to the directory device.</summary>
    public int AppliedCount { get; init; }
    /// <summary>Times its data was older than what had been applied and was ignored.</summary>
    public int StaleCount { get; init; }
    /// <summary>The LastUpdateTime last applied (null if nothing has been applied).</summary>
    public DateTimeOffset? LastUpdateTime { get; init; }
    public bool? IsCompliant { get; init; }
    public bool? IsManaged { get; init; }
}

/// <summary>One device's data from one message, merged from its inventory (1) and compliance (4) entities.</summary>
internal readonly record struct PartnerDeviceUpdate(
    Guid DeviceId,
    DateTimeOffset LastUpdateTime,
    bool HasInventory,
    bool IsManagedState,
    bool HasCompliance,
    bool IsCompliant)
{
    /// <summary>The owner (UserId of the entities).</summary>
    public Guid UserId { get; init; }
    /// <summary>The inventory entity's Os, when the message carried one.</summary>
    public string? Os { get; init; }
}
