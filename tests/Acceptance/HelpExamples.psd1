# The help examples (docs/help/<cmdlet>.md, numbered from 1) that Help.Tests.ps1 runs against the tenant emulator, in
# this order (cmdlets sorted by name), in one session connected to the emulated tenant with a state file of its own.
# The others need what only a real administrator's machine has (export files, certificates in a store, a managed
# identity, a person at a prompt); they are parsed and checked for calling their cmdlet, not run.
@{
    'Add-ComplianceLicense'      = @(1)
    'Add-CompliancePartner'      = @(1)
    'Connect-ComplianceTenant'   = @(8)
    'Get-ComplianceAccessPolicy' = @(1, 2, 3)
    'Get-ComplianceConnection'   = @(1, 3, 4)
    'Get-ComplianceGroup'        = @(1, 2)
    'Get-ComplianceLicense'      = @(1, 3)
    'Get-CompliancePartner'      = @(1, 2, 3)
    'Get-CompliancePolicy'       = @(1, 2, 3, 4)
    'Get-DeviceCompliance'       = @(1)
    'New-ComplianceAccessPolicy' = @(1)
    'Set-ComplianceGroup'        = @(1)
    'Test-ComplianceTenant'      = @(1, 2)
}
