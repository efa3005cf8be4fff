using System;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Policy
{
    /// <summary>The engine's policy errors, each with a stable ErrorId.</summary>
    public static class PolicyErrors
    {
        public static ComplianceException NotFound(string name, string source) => new ComplianceException(
            "PolicyNotFound", ComplianceErrorCategory.ObjectNotFound,
            $"There is no compliance policy '{name}' for source '{source}'.", name,
            "Run Get-CompliancePolicy to see the policies, or check -SourceName and -StatePath.");

        public static ComplianceException Exists(string name, string source) => new ComplianceException(
            "PolicyExists", ComplianceErrorCategory.ResourceExists,
            $"A compliance policy named '{name}' already exists for source '{source}'.", name,
            "Choose another name, or change the existing policy with Set-CompliancePolicy.");

        public static ComplianceException Conflict(DevicePlatform platform, string enabledName, string otherName, string? source) => new ComplianceException(
            "PolicyConflict", ComplianceErrorCategory.ResourceExists,
            $"The {platform} policy '{enabledName}' is already enabled{(source == null ? "" : " for source '" + source + "'")}; " +
            $"only one policy per platform can be enabled, so '{otherName}' cannot be enabled too.", otherName,
            $"Disable '{enabledName}' first (Disable-CompliancePolicy -Name '{enabledName}'), or create '{otherName}' with -Disabled.");

        public static ComplianceException InvalidName(string? name, string why) => new ComplianceException(
            "InvalidPolicyName", ComplianceErrorCategory.InvalidArgument,
            $"'{name}' cannot be a policy name: {why}", name,
            "Use 1 to 128 characters without the wildcard characters * ? [ ].");

        public static ComplianceException InvalidPlatform(string? name, string platform) => new ComplianceException(
            "InvalidPolicyPlatform", ComplianceErrorCategory.InvalidArgument,
            $"The policy '{name}' has the platform '{platform}'; a compliance policy is for Android, iOS or macOS.", name);

        public static ComplianceException InvalidVersion(string parameter, string? text) => new ComplianceException(
            "InvalidVersion", ComplianceErrorCategory.InvalidArgument,
            $"{parameter} '{text}' is not a version (examples: 12, 12.0, 17.1.2).", text);

        public static ComplianceException InvalidCheckInAge(TimeSpan age) => new ComplianceException(
            "InvalidCheckInAge", ComplianceErrorCategory.InvalidArgument,
            $"MaximumCheckInAge {age} is negative; give a positive time span, or zero for no limit.", age);

        public static ComplianceException UnreadableRules(string name, string source, Exception inner) => new ComplianceException(
            "PolicyUnreadable", ComplianceErrorCategory.InvalidData,
            $"The stored rules of policy '{name}' (source '{source}') cannot be read: {inner.Message}", name,
            "Remove the policy and create it again.", inner);

        public static ComplianceException Changed(string name, string source) => new ComplianceException(
            "PolicyChanged", ComplianceErrorCategory.InvalidOperation,
            $"The compliance policy '{name}' (source '{source}') was removed or renamed while this command ran.", name,
            "Run Get-CompliancePolicy and try again.");
    }
}
