<#
    Export-, Compare- and Set-ComplianceConfiguration in a real pwsh against the built module and the tenant emulator
    as a separate process: the round trip (export, apply to an emptied tenant, export again gives the same file),
    idempotence, -WhatIf, drift item by item, and refusals that name the line. "No write" is asserted through the
    emulator's request journal (Get-EmulatorWriteCount), as in tests/AzureCompliance.Module.Tests/ConfigurationTests.cs.
#>

Describe 'The tenant as code' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule

        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $WorkDirectory = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-configuration-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $WorkDirectory | Out-Null

        function Connect-Demo([string] $Source = 'cfg-01') {
            Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName $Source
        }
        function New-TestPath([string] $Extension) { Join-Path $WorkDirectory ([guid]::NewGuid().ToString('N') + $Extension) }

        # No partner, no registered instance, no Conditional Access policy made by these tests: an emptied tenant.
        function Reset-Tenant {
            $connection = Connect-Demo -Source 'cfg-reset'
            Get-CompliancePartner -Connection $connection | ForEach-Object { Remove-CompliancePartner -Connection $connection -DisplayName $_.DisplayName -Confirm:$false -WarningAction SilentlyContinue }
            Get-ComplianceAccessPolicy -Connection $connection -All | Where-Object { $_.DisplayName -like 'AzC test*' } | Remove-ComplianceAccessPolicy -Connection $connection -Confirm:$false
            Disconnect-ComplianceTenant -Connection $connection -Deprovision -All -Force -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        }

        $Sample = @'
@{
    SchemaVersion = 1
    Partner = @{ DisplayName = 'MobileIron'; Platforms = @('Android', 'iOS') }
    GroupScope = @{
        AllUsers = $false
        Groups = @(
            @{ DisplayName = 'Mobile Pilot' }
            'All Sales'
        )
    }
    Licensing = @{ AssignMissingLicenses = $false }
    CompliancePolicies = @(
        @{ Name = 'iOS baseline'; Platform = 'iOS'; MinimumOsVersion = '16.0'; RequirePasscode = $true }
        @{ Name = 'Android baseline'; Platform = 'Android' }
    )
    AccessPolicies = @(
        @{ DisplayName = 'AzC test require compliant'; State = 'Enabled'; Groups = @('Mobile Pilot'); ExcludeGroups = @('Break Glass') }
    )
}
'@
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
        if ($WorkDirectory) { Remove-Item -LiteralPath $WorkDirectory -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'exports, applies to an emptied tenant, and exports the same file again' {
        Reset-Tenant
        $connection = Connect-Demo
        $state = New-TestPath '.db'
        $sampleFile = New-TestPath '.psd1'
        Set-Content -LiteralPath $sampleFile -Value $Sample
        Assert-NoError -Result (Invoke-Captured { Set-ComplianceConfiguration -Connection $connection -Path $sampleFile -StatePath $state -WarningAction SilentlyContinue })
        $first = New-TestPath '.psd1'
        $exported = Export-ComplianceConfiguration -Connection $connection -Path $first -StatePath $state
        $exported | Should -BeOfType ([System.IO.FileInfo])
        $text = Get-Content -LiteralPath $first -Raw
        $text | Should -Match "DisplayName = 'Mobile Pilot'; Id = '$($Demo.MobilePilotGroupId)'"
        $text | Should -Not -Match 'secret|Created|Modified|LastHeartbeat|IntunePolicyId' -Because 'the file holds no secret and no volatile field'
        (Import-PowerShellDataFile -LiteralPath $first).Partner.DisplayName | Should -Be 'MobileIron' -Because 'the export is a valid data file'

        Reset-Tenant
        $connection = Connect-Demo
        $emptyState = New-TestPath '.db'
        @(Compare-ComplianceConfiguration -Connection $connection -Path $first -StatePath $emptyState) | Should -Not -BeNullOrEmpty
        $applied = Invoke-Captured { Set-ComplianceConfiguration -Connection $connection -Path $first -StatePath $emptyState -PassThru -WarningAction SilentlyContinue }
        Assert-NoError -Result $applied
        @($applied.Output.Area | ForEach-Object { "$_" } | Select-Object -Unique) | Should -Be @('Partner', 'GroupScope', 'CompliancePolicy', 'AccessPolicy') -Because 'scope comes after the partner, policies after the scope'

        $second = New-TestPath '.psd1'
        Export-ComplianceConfiguration -Connection $connection -Path $second -StatePath $emptyState | Out-Null
        [System.IO.File]::ReadAllBytes($second) | Should -Be ([System.IO.File]::ReadAllBytes($first))
    }

    It 'finds nothing to change on a second run' {
        Reset-Tenant
        $connection = Connect-Demo
        $state = New-TestPath '.db'
        $file = New-TestPath '.psd1'
        Set-Content -LiteralPath $file -Value $Sample
        @(Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state -PassThru -WarningAction SilentlyContinue).Count | Should -Be 6
        $writes = Get-EmulatorWriteCount -Emulator $Emulator
        $again = Invoke-Captured { Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state -PassThru -Verbose }
        Assert-NoError -Result $again
        Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes -Because 'the emulator''s journal shows no write from the second run'
        $again.Output | Should -BeNullOrEmpty
        ($again.Verbose.Message -join "`n") | Should -Match 'already match'
        @(Compare-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state) | Should -BeNullOrEmpty
    }

    It 'prints each difference under -WhatIf and changes nothing' {
        Reset-Tenant
        $connection = Connect-Demo
        $state = New-TestPath '.db'
        $file = New-TestPath '.psd1'
        Set-Content -LiteralPath $file -Value $Sample
        $before = @(Compare-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state)
        # What if: lines go to the host, not to a stream: a runspace with a text host keeps what the administrator sees.
        $writes = Get-EmulatorWriteCount -Emulator $Emulator
        $session = New-ModuleRunspace
        try {
            $whatIf = Invoke-ModuleScript -Shell $session -Script 'Set-ComplianceConfiguration -Connection $Connection -Path $File -StatePath $StatePath -WhatIf' `
                -Variable @{ Connection = $connection; File = $file; StatePath = $state }
        }
        finally { Remove-ModuleRunspace -Shell $session }
        $whatIf.Errors | Should -BeNullOrEmpty
        Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes -Because '-WhatIf sends no write (the emulator''s journal)'
        $seen = $whatIf.HostText
        $before.Count | Should -Be 6
        foreach ($change in $before) {
            $seen | Should -Match ([regex]::Escape($change.Description)) -Because '-WhatIf prints every difference'
        }
        $seen | Should -Match ([regex]::Escape("Add AccessPolicy 'AzC test require compliant': Enabled"))
        Get-CompliancePartner -Connection $connection | Should -BeNullOrEmpty
        @(Get-ComplianceAccessPolicy -Connection $connection -All | Where-Object DisplayName -Like 'AzC test*') | Should -BeNullOrEmpty
        $state | Should -Not -Exist
        @(Compare-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state).Count | Should -Be $before.Count
    }

    It 'reports a drifted tenant item by item with old and new values and the line' {
        Reset-Tenant
        $connection = Connect-Demo
        $state = New-TestPath '.db'
        $file = New-TestPath '.psd1'
        Set-Content -LiteralPath $file -Value $Sample
        Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state -WarningAction SilentlyContinue
        Set-ComplianceAccessPolicy -Connection $connection -DisplayName 'AzC test require compliant' -State ReportOnly -ExcludeGroup @() -Force | Out-Null
        Set-CompliancePolicy -Connection $connection -Name 'iOS baseline' -StatePath $state -MinimumOsVersion '15.0' -RequirePasscode:$false
        Disable-CompliancePolicy -Connection $connection -Name 'Android baseline' -StatePath $state

        $drift = @(Compare-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state)
        $name = Split-Path -Leaf $file
        $rows = $drift | ForEach-Object { '{0}|{1}|{2}|{3}|{4}|{5}' -f $_.Area, $_.Item, $_.Property, $_.OldValue, $_.NewValue, $_.Location }
        $rows | Should -Contain "AccessPolicy|AzC test require compliant|State|ReportOnly|Enabled|$name, line 17"
        $rows | Should -Contain "AccessPolicy|AzC test require compliant|ExcludeGroups||Break Glass|$name, line 17"
        $rows | Should -Contain "CompliancePolicy|iOS baseline|MinimumOsVersion|15.0|16.0|$name, line 13"
        $rows | Should -Contain "CompliancePolicy|iOS baseline|RequirePasscode|False|True|$name, line 13"
        $rows | Should -Contain "CompliancePolicy|Android baseline|Enabled|False|True|$name, line 14"
        $drift.Count | Should -Be 5
        $drift | ForEach-Object { "$($_.Action)" } | Select-Object -Unique | Should -Be 'Change'

        Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state
        @(Compare-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state) | Should -BeNullOrEmpty
        (Get-ComplianceAccessPolicy -Connection $connection -DisplayName 'AzC test require compliant').State | Should -Be 'Enabled'
    }

    It 'applies one file through several connections, each with its own state file' {
        Reset-Tenant
        $file = New-TestPath '.psd1'
        Set-Content -LiteralPath $file -Value $Sample
        $applied = @{}
        foreach ($source in 'cfg-a', 'cfg-b') {
            $connection = Connect-Demo -Source $source
            $state = New-TestPath '.db'
            $applied[$source] = @(Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state -PassThru -WarningAction SilentlyContinue)
            @(Compare-ComplianceConfiguration -Connection $connection -Path $file -StatePath $state) | Should -BeNullOrEmpty -Because "$source matches the file afterwards"
            @(Get-CompliancePolicy -StatePath $state -SourceName $source).Name | Sort-Object | Should -Be @('Android baseline', 'iOS baseline')
        }
        $applied['cfg-a'].Count | Should -Be 6
        # The tenant-wide parts (partner, Conditional Access) were already there for the second connection.
        @($applied['cfg-b'] | Where-Object { $_.Area -in 'AccessPolicy' -or ($_.Area -eq 'Partner' -and -not $_.Property) }) | Should -BeNullOrEmpty
        @($applied['cfg-b'] | Where-Object { $_.Area -eq 'Partner' -and $_.Property -eq 'Instance' }).Count | Should -Be 1
    }

    It 'reads the sample file in samples/ and previews it with -WhatIf' {
        Reset-Tenant
        $connection = Connect-Demo
        $sampleFile = Get-RepositoryPath 'samples' 'tenant-configuration.psd1'
        $state = New-TestPath '.db'
        $changes = @(Compare-ComplianceConfiguration -Connection $connection -Path $sampleFile -StatePath $state)
        @($changes | ForEach-Object { "$($_.Area)" } | Select-Object -Unique) | Should -Be @('Partner', 'GroupScope', 'Licensing', 'CompliancePolicy', 'AccessPolicy')
        ($changes | Where-Object Area -EQ 'AccessPolicy').NewValue | Should -Match '^ReportOnly'
        Assert-NoError -Result (Invoke-Captured { Set-ComplianceConfiguration -Connection $connection -Path $sampleFile -StatePath $state -WhatIf })
        Get-CompliancePartner -Connection $connection | Should -BeNullOrEmpty
    }

    Context 'Refusals before any write' {
        It 'refuses an unknown group naming its line' {
            Reset-Tenant
            $connection = Connect-Demo
            $file = New-TestPath '.psd1'
            Set-Content -LiteralPath $file -Value ($Sample -replace "'All Sales'", "'No Such Group'")
            $writes = Get-EmulatorWriteCount -Emulator $Emulator
            $result = Invoke-Captured { Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath (New-TestPath '.db') }
            Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'ConfigurationGroupNotFound,*'
            $error1.Exception.Message | Should -Match ([regex]::Escape("$(Split-Path -Leaf $file), line 8")) 
            $error1.Exception.Message | Should -Match 'No Such Group'
            Get-CompliancePartner -Connection $connection | Should -BeNullOrEmpty -Because 'the partner, first in order, was not created'
        }

        It 'refuses an eleventh group naming its line' {
            Reset-Tenant
            $connection = Connect-Demo
            $file = New-TestPath '.psd1'
            $groups = ("'All Sales'", "'Sales EMEA'", "'Mobile Pilot'", "'IT Admins'", "'Break Glass'", "'O''Brien Team'", "'G7'", "'G8'", "'G9'", "'G10'", "'G11'") -join "`n            "
            Set-Content -LiteralPath $file -Value "@{`n    Partner = @{ DisplayName = 'MobileIron'; Platforms = @('Android') }`n    GroupScope = @{`n        Groups = @(`n            $groups`n        )`n    }`n}"
            $writes = Get-EmulatorWriteCount -Emulator $Emulator
            $error1 = Get-SingleError -Result (Invoke-Captured { Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath (New-TestPath '.db') })
            Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes -Because 'the refusal comes before any write'
            $error1.FullyQualifiedErrorId | Should -BeLike 'ConfigurationGroupLimitExceeded,*'
            $error1.Exception.Message | Should -Match ([regex]::Escape("$(Split-Path -Leaf $file), line 15"))
            Get-CompliancePartner -Connection $connection | Should -BeNullOrEmpty
        }

        It 'refuses a platform another partner holds naming its line' {
            Reset-Tenant
            $connection = Connect-Demo
            Add-CompliancePartner -Connection $connection -DisplayName 'IBM MaaS360' -Platform iOS -AllUsers | Out-Null
            $file = New-TestPath '.psd1'
            Set-Content -LiteralPath $file -Value $Sample
            $writes = Get-EmulatorWriteCount -Emulator $Emulator
            $error1 = Get-SingleError -Result (Invoke-Captured { Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath (New-TestPath '.db') })
            Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes -Because 'the refusal comes before any write'
            $error1.FullyQualifiedErrorId | Should -BeLike 'ConfigurationPlatformHeldByOtherPartner,*'
            $error1.Exception.Message | Should -Match ([regex]::Escape("$(Split-Path -Leaf $file), line 3"))
            $error1.Exception.Message | Should -Match 'IBM MaaS360'
            @(Get-CompliancePartner -Connection $connection).DisplayName | Should -Be @('IBM MaaS360')
        }

        It 'refuses an enforced all-users policy that excludes nobody (the lock-out guard)' {
            Reset-Tenant
            $connection = Connect-Demo
            $file = New-TestPath '.psd1'
            Set-Content -LiteralPath $file -Value "@{`n    AccessPolicies = @(`n        @{ DisplayName = 'AzC test lockout'; State = 'Enabled'; AllUsers = `$true }`n    )`n}"
            $writes = Get-EmulatorWriteCount -Emulator $Emulator
            $error1 = Get-SingleError -Result (Invoke-Captured { Set-ComplianceConfiguration -Connection $connection -Path $file -StatePath (New-TestPath '.db') })
            Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes -Because 'the refusal comes before any write'
            $error1.FullyQualifiedErrorId | Should -BeLike 'ConfigurationAccessPolicyLockoutRisk,*'
            $error1.Exception.Message | Should -Match ([regex]::Escape("$(Split-Path -Leaf $file), line 3"))
            @(Get-ComplianceAccessPolicy -Connection $connection -All | Where-Object DisplayName -EQ 'AzC test lockout') | Should -BeNullOrEmpty
        }

        It 'refuses a file that is not literal data, naming the line, without running it' {
            $connection = Connect-Demo
            $file = New-TestPath '.psd1'
            $marker = New-TestPath '.txt'
            Set-Content -LiteralPath $file -Value "@{`n    Partner = @{ DisplayName = (New-Item -Path '$marker') }`n}"
            $error1 = Get-SingleError -Result (Invoke-Captured { Compare-ComplianceConfiguration -Connection $connection -Path $file })
            $error1.FullyQualifiedErrorId | Should -BeLike 'ConfigurationInvalid,*'
            $error1.Exception.Message | Should -Match ([regex]::Escape("$(Split-Path -Leaf $file), line 2"))
            $marker | Should -Not -Exist
        }
    }
}
