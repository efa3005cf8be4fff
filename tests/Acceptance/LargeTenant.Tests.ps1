<#
    Readiness on a 100,000-user tenant in a real PowerShell against the built module: the emulator starts with
    --generated-users 100000 (nested groups "Generated Staff" > "Generated Staff 01".."10", three users in four
    licensed), and the counts must come from paged group membership, not a request per user.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Test-ComplianceTenant on a 100,000-user tenant' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule
        $Emulator = Start-TenantEmulator -Option '--generated-users', '100000'
        # Setting up the partner assigns and reads many groups quickly: the published write limits are not under test.
        Remove-EmulatorThrottleRule -Emulator $Emulator -All
        $Demo = $Emulator.Demo
        $StatePath = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-large-' + [guid]::NewGuid().ToString('N') + '.db')
        $Connect = @{ TenantId = $Demo.TenantId; ClientId = $Demo.AppClientId; ClientSecret = (ConvertTo-TestSecureString -Value $Demo.AppSecret) } + (Get-EmulatorEndpoint -Emulator $Emulator)
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
        Get-ChildItem -Path ([System.IO.Path]::GetTempPath()) -Filter ((Split-Path -Leaf $StatePath) + '*') -ErrorAction SilentlyContinue | Remove-Item -Force -ErrorAction SilentlyContinue
    }

    It 'Readiness counts a hundred thousand users from paged membership' {
        $group = $Demo.GeneratedStaffGroup
        $setup = Invoke-Captured {
            $null = Connect-ComplianceTenant @Connect
            $null = Add-CompliancePartner -DisplayName 'Large MDM' -Platform Android -Group $group -WarningAction SilentlyContinue
            $null = Set-ComplianceGroup -Group $group -StatePath $StatePath -WarningAction SilentlyContinue
        }
        Assert-NoError -Result $setup

        $before = (Get-EmulatorJournal -Emulator $Emulator -CountOnly).Total
        $result = Invoke-Captured { Test-ComplianceTenant -StatePath $StatePath }
        Assert-NoError -Result $result
        $requests = (Get-EmulatorJournal -Emulator $Emulator -Since $before -CountOnly).Count

        $licensed = @($result.Output | Where-Object Name -eq 'Users licensed')
        $licensed | Should -HaveCount 1
        # Three users in four of the generated tenant hold the Intune licence (25,000 do not).
        "$($licensed[0].Result)" | Should -Not -Be 'Pass'
        $licensed[0].Detail | Should -BeLike '25000 of 100000 user(s) in scope have no Intune licence*'
        # 100,000 members are about 101 pages of 999; a request per user would be 100,000.
        $requests | Should -BeLessThan 1000 -Because "Test-ComplianceTenant sent $requests requests: $($licensed[0].Detail)"
    }
}
