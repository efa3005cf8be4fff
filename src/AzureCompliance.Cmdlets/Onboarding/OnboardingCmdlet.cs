using System.Collections.Generic;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Base of the onboarding cmdlets that work on the tenant only (partner, licences, access policies); those that also
    /// read or record local state (group scope, configuration, readiness) derive from <see cref="Policy.StateCmdlet"/>.
    /// </summary>
    public abstract class OnboardingCmdlet : ConnectedCmdlet
    {
    }
}
