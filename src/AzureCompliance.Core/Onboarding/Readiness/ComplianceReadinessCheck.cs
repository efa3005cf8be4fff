namespace AzureCompliance.Core.Onboarding.Readiness
{
    public enum ReadinessResult
    {
        Pass,
        Warning,
        Fail,
    }

    /// <summary>
    /// One readiness check of Test-ComplianceTenant: a stable Name to assert on, the Result, what was found (Detail) and
    /// the cmdlet to run when it is not a Pass (Remedy).
    /// </summary>
    public sealed class ComplianceReadinessCheck
    {
        public ComplianceReadinessCheck(string name, ReadinessResult result, string detail, string? remedy = null)
        {
            Name = name;
            Result = result;
            Detail = detail;
            Remedy = result == ReadinessResult.Pass ? null : remedy;
        }

        public string Name { get; }
        public ReadinessResult Result { get; }
        public string Detail { get; }
        public string? Remedy { get; }

        public override string ToString() => $"{Name}: {Result}";
    }

    /// <summary>The names of the checks (stable: scripts and Pester tests match on them).</summary>
    public static class ReadinessCheckNames
    {
        public const string Permissions = "Permissions";
        public const string PartnerOnboardedPrefix = "Partner onboarded: ";
        public const string PartnerState = "Partner state";
        public const string PartnerTenant = "Partner tenant provisioned";
        public const string GroupScope = "Group scope";
        public const string UsersLicensed = "Users licensed";
        public const string ConditionalAccess = "Conditional Access";
        public const string CompliancePolicy = "Partner compliance policy";
    }
}
