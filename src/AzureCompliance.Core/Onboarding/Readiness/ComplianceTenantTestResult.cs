using System;

namespace AzureCompliance.Core.Onboarding.Readiness
{
    /// <summary>
    /// One Pester test of Invoke-ComplianceTenantTest: the check (its tag), the test's name, Pester's result (Passed,
    /// Failed, Skipped, ...) and, when it did not pass, the message that says what was found and what to do.
    /// </summary>
    public sealed class ComplianceTenantTestResult
    {
        public ComplianceTenantTestResult(string check, string name, string result, string? message, TimeSpan duration)
        {
            Check = check;
            Name = name;
            Result = result;
            Message = message;
            Duration = duration;
        }

        /// <summary>The check the test belongs to (Licensing, Partner, PartnerTenant, GroupScope, CompliancePolicy, ConditionalAccess, Drift, LastSync).</summary>
        public string Check { get; }
        public string Name { get; }
        public string Result { get; }
        public bool Passed => string.Equals(Result, "Passed", StringComparison.OrdinalIgnoreCase);
        public string? Message { get; }
        public TimeSpan Duration { get; }

        public override string ToString() => $"{Check}: {Name}: {Result}";
    }
}
