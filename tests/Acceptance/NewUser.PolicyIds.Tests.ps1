<#
    Issue 9, point 6: a partner compliance policy id goes into a request URL only when it is a GUID. The id comes
    from the service or the state file; the check sits where the URL is built (the engine's partner API client,
    reached by reflection, against the tenant emulator).
#>

Describe 'Partner compliance policy ids in URLs' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'NewUser.Helpers.ps1')
        Import-AzureComplianceModule
        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $Connection = Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName 'newuser-ids'

        function Invoke-Assign {
            param([string] $PolicyId)
            $clientType = Get-EngineType 'AzureCompliance.Core.Partner.PartnerApiClient'
            $client = $clientType.GetMethod('For').Invoke($null, @($Connection.PSObject.BaseObject))
            $groups = [System.Collections.Generic.List[string]]::new()
            $groups.Add('9f5c4c11-30b0-56aa-a46a-f811f0ce184a')
            $task = $clientType.GetMethod('AssignCompliancePolicyAsync').Invoke($client, @($PolicyId, $groups, [System.Threading.CancellationToken]::None))
            try { $null = $task.GetAwaiter().GetResult() } catch { $_.Exception.InnerException ?? $_.Exception }
        }
    }

    AfterAll {
        if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        Stop-TenantEmulator -Emulator $Emulator
    }

    It 'refuses <Case> before sending anything' -ForEach @(
        @{ Case = 'a path escape'; Id = "00000000-0000-0000-0000-000000000000')/../PartnerTenants(guid'x" }
        @{ Case = 'a query'; Id = '11111111-1111-1111-1111-111111111111?api-version=0' }
        @{ Case = 'an empty id'; Id = '' }
        @{ Case = 'a braced GUID'; Id = '{11111111-1111-1111-1111-111111111111}' }
    ) {
        $failure = Invoke-Assign -PolicyId $Id
        $failure | Should -Not -BeNullOrEmpty
        $failure.GetType().Name | Should -Be 'ComplianceException'
        $failure.ErrorId | Should -Be 'InvalidPartnerPolicyId'
        $failure.Category.ToString() | Should -Be 'InvalidData'
    }

    It 'sends the GUID of an existing partner compliance policy' {
        $folder = New-NewUserFolder
        try {
            $policy = New-CompliancePolicy -Name 'iOS baseline' -Platform iOS -StatePath (Join-Path $folder 'state.db') -WarningAction SilentlyContinue
            [guid]::Parse($policy.IntunePolicyId) | Should -Not -Be ([guid]::Empty)
            Invoke-Assign -PolicyId $policy.IntunePolicyId | Should -BeNullOrEmpty
        }
        finally { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }
    }
}
