# An AzureCompliance configuration: the setup of one MDM instance as data (what Export-ComplianceConfiguration writes).
# Preview:  Compare-ComplianceConfiguration -Path ./samples/tenant-configuration.psd1
#           Set-ComplianceConfiguration -Path ./samples/tenant-configuration.psd1 -WhatIf
# Apply:    Set-ComplianceConfiguration -Path ./samples/tenant-configuration.psd1
# The names are those of the emulated demo tenant (Contoso); only literal values are allowed, the file is never run.
@{
    SchemaVersion = 1
    # The Intune compliance partner and the platforms it reports. Platforms left out are offboarded.
    Partner = @{
        DisplayName = 'MobileIron'
        Platforms = @('Android', 'iOS')
    }
    # Whose devices this instance reports: AllUsers = $true, or up to ten groups. A group is found by its id when it
    # exists in the tenant, else by its name (so the same file works for several tenants).
    GroupScope = @{
        AllUsers = $false
        Groups = @(
            @{ DisplayName = 'All Sales'; Id = '8dfff0e5-4fa1-55ab-a92c-0134f8db02fb' }
            @{ DisplayName = 'Mobile Pilot'; Id = '9f5c4c11-30b0-56aa-a46a-f811f0ce184a' }
        )
    }
    # Give an Intune licence to every user in scope who lacks one (the module picks the SKU unless SkuId says).
    Licensing = @{
        AssignMissingLicenses = $true
        UsageLocation = 'US'
    }
    # This instance's partner compliance policies: one enabled policy per platform. Rules left out take the defaults.
    CompliancePolicies = @(
        @{
            Name = 'Android baseline'
            Platform = 'Android'
            Enabled = $true
            MinimumOsVersion = '12.0'
            MinimumClientVersion = '11.0'
            BlockJailbroken = $true
            RequireEncryption = $true
            RequirePasscode = $true
            RequireEntraRegistration = $true
            MaximumCheckInAgeHours = 168
        }
        @{
            Name = 'iOS baseline'
            Platform = 'iOS'
            Enabled = $true
            MinimumOsVersion = '16.0'
            MinimumClientVersion = '12.0'
            BlockJailbroken = $true
            RequireEncryption = $false
            RequirePasscode = $true
            RequireEntraRegistration = $true
            MaximumCheckInAgeHours = 168
        }
    )
    # Conditional Access policies requiring a compliant device. Report-only unless State says otherwise; enforcing a
    # policy for all users with nobody excluded is refused (lock-out guard). Policies not named here are left alone.
    AccessPolicies = @(
        @{
            DisplayName = 'Require compliant mobile devices'
            State = 'ReportOnly'
            Platforms = @('Android', 'iOS')
            Applications = @('Office365')
            AllUsers = $false
            Groups = @('Mobile Pilot')
            ExcludeUsers = @('breakglass@contoso.onmicrosoft.com')
            ExcludeGroups = @('Break Glass')
        }
    )
}
