using System.Management.Automation;
using AzureCompliance.Core.Devices;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>Test-ComplianceTenant and Invoke-ComplianceTenantTest: what the tenant must be ready for (-Platform) and by which partner (-PartnerName).</summary>
    public abstract class TenantReadinessCmdlet : OnboardingCmdlet
    {
        /// <summary>The platforms the partner (and, for the tenant tests, the policies and Conditional Access) must cover; default Android, iOS.</summary>
        [Parameter]
        [ValidateSet("Android", "iOS", "macOS", IgnoreCase = true)]
        [ArgumentCompleter(typeof(PlatformCompleter))]
        public DevicePlatform[] Platform { get; set; } = { DevicePlatform.Android, DevicePlatform.iOS };

        /// <summary>The compliance partner's display name; by default this instance's partner (see the help of each cmdlet).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PartnerName { get; set; }
    }
}
