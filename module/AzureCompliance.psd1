# The build stamps ModuleVersion from Directory.Build.props (the one version source).
@{
    RootModule             = 'AzureCompliance.Cmdlets.dll'
    ModuleVersion          = '0.0.0'
    CompatiblePSEditions   = @('Core', 'Desktop')
    GUID                   = '5b0d6c3e-8f1a-4e27-9c4b-2a7d1e9f3c58'
    Author                 = 'AzureCompliance contributors'
    CompanyName            = 'AzureCompliance'
    Copyright              = '(c) AzureCompliance contributors. All rights reserved.'
    Description            = 'Makes a mobile device management product an Intune device compliance partner for a Microsoft Entra tenant: sign-in, onboarding, Conditional Access, partner compliance policies and device compliance sync at fleet scale.'
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    # The loader goes first: it only registers the module's resolver, so the core and its libraries load from
    # dependencies/ (in a private load context on PowerShell 7) and other modules' copies of MSAL or Azure.Core
    # never clash with them. Nothing else is preloaded: no RequiredAssemblies.
    NestedModules          = @('AzureCompliance.Loader.dll')
    FormatsToProcess       = @(
        'AzureCompliance.format.ps1xml'
        'AzureCompliance.Policy.format.ps1xml'
        'AzureCompliance.Onboarding.format.ps1xml'
        'AzureCompliance.Sync.format.ps1xml'
        'AzureCompliance.Configuration.format.ps1xml'
    )
    CmdletsToExport        = @(
        'Connect-ComplianceTenant'
        'Get-ComplianceConnection'
        'Disconnect-ComplianceTenant'
        'Add-CompliancePartner'
        'Get-CompliancePartner'
        'Remove-CompliancePartner'
        'Set-ComplianceGroup'
        'Get-ComplianceGroup'
        'Get-ComplianceLicense'
        'Add-ComplianceLicense'
        'New-ComplianceAccessPolicy'
        'Get-ComplianceAccessPolicy'
        'Set-ComplianceAccessPolicy'
        'Remove-ComplianceAccessPolicy'
        'Test-ComplianceTenant'
        'New-CompliancePolicy'
        'Get-CompliancePolicy'
        'Set-CompliancePolicy'
        'Remove-CompliancePolicy'
        'Enable-CompliancePolicy'
        'Disable-CompliancePolicy'
        'Test-DeviceCompliance'
        'Import-ComplianceDevice'
        'Send-DeviceCompliance'
        'Get-DeviceCompliance'
        'Compare-DeviceCompliance'
        'Export-ComplianceConfiguration'
        'Compare-ComplianceConfiguration'
        'Set-ComplianceConfiguration'
        'Invoke-ComplianceTenantTest'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Intune', 'Compliance', 'MDM', 'EntraID', 'AzureAD', 'ConditionalAccess', 'MicrosoftGraph', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/azurecompliance/AzureCompliance'
            LicenseUri   = 'https://github.com/azurecompliance/AzureCompliance/blob/main/LICENSE'
            # Stamped by the build from this version's section of CHANGELOG.md.
            ReleaseNotes = '__RELEASE_NOTES__'
        }
    }
}
