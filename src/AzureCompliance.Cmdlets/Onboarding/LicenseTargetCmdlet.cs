using System;
using System.Collections.Generic;
using System.Management.Automation;
using AzureCompliance.Core.Onboarding;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Get-/Add-ComplianceLicense: the users a licence command works on, named by -User (also piped user objects, by
    /// property name) or by -Group, gathered over the whole pipeline so the engine gets them in one call at the end.
    /// </summary>
    public abstract class LicenseTargetCmdlet : OnboardingCmdlet
    {
        private protected const string UserSet = "User";
        private protected const string GroupSet = "Group";

        /// <summary>User principal names or object ids (also user objects from the pipeline, by property name).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = UserSet, ValueFromPipelineByPropertyName = true)]
        [Alias("UserPrincipalName", "UserId")]
        [ValidateNotNullOrEmpty]
        public string[] User { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = GroupSet)]
        [ArgumentCompleter(typeof(GroupNameCompleter))]
        [ValidateNotNullOrEmpty]
        public object[] Group { get; set; } = Array.Empty<object>();

        /// <summary>The users named so far, over every pipeline input.</summary>
        private protected List<DirectoryIdentity> Users { get; } = new List<DirectoryIdentity>();

        /// <summary>The groups named so far, over every pipeline input.</summary>
        private protected List<DirectoryIdentity> Groups { get; } = new List<DirectoryIdentity>();

        protected override void ProcessRecord()
        {
            Users.AddRange(IdentityBinder.Users(User));
            Groups.AddRange(IdentityBinder.Groups(Group));
        }
    }
}
