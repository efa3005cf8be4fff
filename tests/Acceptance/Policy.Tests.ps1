<#
    Compliance policies, Test-DeviceCompliance and Import-ComplianceDevice in a real PowerShell against the built
    module (out/AzureCompliance) and the tenant emulator running as a separate process. The twin of the xunit
    scenarios in tests/AzureCompliance.Module.Tests/PolicyTests.cs and DeviceImportTests.cs, with the same
    assertions (except the emulator's request journal, which only the in-process tests can read); keep them in step.
    The 'creates the Intune partner policy' tests need the emulator's partner API (PROTOCOL.md 3.3).
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Compliance policies, Test-DeviceCompliance and Import-ComplianceDevice' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule

        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $Source = 'core-policy-tests'
        $MobilePilotGroupId = '9f5c4c11-30b0-56aa-a46a-f811f0ce184a'
        $Samples = Get-RepositoryPath 'samples' 'inventory'

        # The engine's types load in the module's own load context: reach them through a cmdlet's parameter type.
        $PolicyType = (Get-Command Test-DeviceCompliance).Parameters['Policy'].ParameterType.GetElementType()
        $Engine = $PolicyType.Assembly

        function Add-SeedPolicy {
            <# Stores policies as New-CompliancePolicy does, without the Intune side. #>
            param([string] $StatePath, [string] $SourceName, [object[]] $Policy)
            $store = $Engine.GetType('AzureCompliance.Core.State.StateStore')::Open($StatePath)
            try {
                foreach ($definition in $Policy) {
                    $item = $PolicyType::CreateDefault($definition.Name, $definition.Platform)
                    $item.Enabled = $definition.Enabled
                    $null = $Engine.GetType('AzureCompliance.Core.Policy.CompliancePolicyStore')::Add($store, $SourceName, $item, [DateTimeOffset]::UtcNow)
                }
            }
            finally { $store.Dispose() }
        }

        function Set-SeedScope {
            <# Records a group scope as Set-ComplianceGroup does. #>
            param([string] $StatePath, [bool] $AllUsers, [string[]] $GroupId = @(), [string[]] $GroupName = @())
            $groupType = $Engine.GetType('AzureCompliance.Core.State.ScopedGroup')
            $list = [Array]::CreateInstance($groupType, $GroupId.Count)
            for ($i = 0; $i -lt $GroupId.Count; $i++) { $list[$i] = $groupType::new($GroupId[$i], $GroupName[$i]) }
            $scope = $Engine.GetType('AzureCompliance.Core.State.GroupScope')::new($AllUsers, $list)
            $store = $Engine.GetType('AzureCompliance.Core.State.StateStore')::Open($StatePath)
            try { $scope.Save($store, $Source) } finally { $store.Dispose() }
        }

        function Connect-Emulator {
            $null = Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName $Source
        }

        function Get-Rules { param($Result) @($Result.Reasons | ForEach-Object { $_.Rule }) }
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
    }

    BeforeEach {
        if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        $Folder = Join-Path ([System.IO.Path]::GetTempPath()) ('ac-policy-acceptance-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $Folder | Out-Null
        $StatePath = Join-Path $Folder 'state.db'
    }

    AfterEach {
        Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    Context 'Get-CompliancePolicy' {
        It 'Get lists a sources policies with wildcards and platform' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true }, @{ Name = 'iOS strict'; Platform = 'iOS'; Enabled = $false })
            Add-SeedPolicy $StatePath 'other-core' @(@{ Name = 'Elsewhere'; Platform = 'macOS'; Enabled = $true })

            $all = Invoke-Captured { Get-CompliancePolicy -StatePath $StatePath -SourceName $Source }
            Assert-NoError -Result $all
            @($all.Output.Name | Sort-Object) | Should -Be @('Android baseline', 'iOS baseline', 'iOS strict')
            $all.Output[0].PSObject.BaseObject.GetType().FullName | Should -Be 'AzureCompliance.Core.Policy.CompliancePolicy'
            @(Get-CompliancePolicy 'ios*' -StatePath $StatePath -SourceName $Source) | Should -HaveCount 2
            $android = @(Get-CompliancePolicy -Platform Android -StatePath $StatePath -SourceName $Source)
            $android | Should -HaveCount 1
            $android[0].MinimumOsVersion.ToString() | Should -Be '8.0'
            $android[0].SourceName | Should -Be $Source
            (Get-CompliancePolicy -StatePath $StatePath -SourceName 'other-core').Name | Should -Be 'Elsewhere'
        }

        It 'Get of an unknown name is PolicyNotFound and a missing state file is not created' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            $result = Invoke-Captured { Get-CompliancePolicy -Name 'nope', 'iOS baseline' -StatePath $StatePath -SourceName $Source }
            $error1 = Get-SingleError -Result $result
            $error1.FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound,*'
            $error1.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $result.Output | Should -HaveCount 1

            $absent = Join-Path $Folder 'absent.db'
            @(Get-CompliancePolicy -StatePath $absent -SourceName $Source) | Should -HaveCount 0
            Test-Path -LiteralPath $absent | Should -BeFalse
        }

        It 'Name completes from the state file' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true })
            $line = "Get-CompliancePolicy -StatePath '$StatePath' -SourceName $Source -Name i"
            $matches1 = [System.Management.Automation.CommandCompletion]::CompleteInput($line, $line.Length, $null).CompletionMatches
            @($matches1.CompletionText) | Should -Be @("'iOS baseline'")
        }
    }

    Context 'Set, Enable, Disable and Remove' {
        It 'Set changes rules and passes the policy through' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            $result = Invoke-Captured { Set-CompliancePolicy -Name 'iOS baseline' -MinimumOsVersion '16.4' -RequirePasscode:$true -MaximumCheckInAge ([TimeSpan]::FromDays(7)) -StatePath $StatePath -SourceName $Source -PassThru }
            Assert-NoError -Result $result
            $result.Output[0].MinimumOsVersion.ToString() | Should -Be '16.4'
            $result.Output[0].RequirePasscode | Should -BeTrue
            $result.Output[0].MaximumCheckInAge | Should -Be ([TimeSpan]::FromDays(7))
            $result.Output[0].MinimumClientVersion.ToString() | Should -Be '12.0'

            $cleared = Set-CompliancePolicy 'iOS baseline' -MinimumClientVersion '' -MaximumCheckInAge $null -StatePath $StatePath -SourceName $Source -PassThru
            $cleared.MinimumClientVersion | Should -BeNullOrEmpty
            $cleared.MaximumCheckInAge | Should -BeNullOrEmpty
        }

        It 'Set takes policies from the pipeline by property name' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true })
            $changed = @(Get-CompliancePolicy -StatePath $StatePath -SourceName $Source | Set-CompliancePolicy -RequireEncryption:$true -StatePath $StatePath -PassThru)
            $changed | Should -HaveCount 2
            $changed | ForEach-Object { $_.RequireEncryption | Should -BeTrue }
        }

        It 'Set WhatIf changes nothing and a bad version is an error' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            Set-CompliancePolicy 'iOS baseline' -MinimumOsVersion 17 -StatePath $StatePath -SourceName $Source -WhatIf
            (Get-CompliancePolicy -StatePath $StatePath -SourceName $Source).MinimumOsVersion.ToString() | Should -Be '12.0'
            $bad = Invoke-Captured { Set-CompliancePolicy 'iOS baseline' -MinimumOsVersion 'seventeen' -StatePath $StatePath -SourceName $Source }
            (Get-SingleError -Result $bad).FullyQualifiedErrorId | Should -BeLike 'InvalidVersion,*'
        }

        It 'One enabled policy per platform and disable stops the platform' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS A'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'iOS B'; Platform = 'iOS'; Enabled = $false })
            $conflict = Get-SingleError -Result (Invoke-Captured { Enable-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source })
            $conflict.FullyQualifiedErrorId | Should -BeLike 'PolicyConflict,*'
            $conflict.CategoryInfo.Category | Should -Be 'ResourceExists'
            $conflict.Exception.Message | Should -Match 'iOS A'

            (Disable-CompliancePolicy 'iOS A' -StatePath $StatePath -SourceName $Source -PassThru).Enabled | Should -BeFalse
            (Get-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source | Enable-CompliancePolicy -StatePath $StatePath -PassThru).Enabled | Should -BeTrue

            Disable-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source
            $test = Invoke-Captured { Test-DeviceCompliance -DeviceId 'f695c552-ea98-56ca-8705-c280dd91d04a' -Platform iOS -OsVersion 17.5 -StatePath $StatePath -SourceName $Source }
            ($test.Warnings | Out-String) | Should -Match 'no enabled compliance policy'
            $test.Output[0].HasPolicy | Should -BeFalse
        }

        It 'Remove asks with high impact and WhatIf keeps the policy' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'macOS'; Platform = 'macOS'; Enabled = $true })
            (Get-Command Remove-CompliancePolicy).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
            Remove-CompliancePolicy macOS -StatePath $StatePath -SourceName $Source -WhatIf
            @(Get-CompliancePolicy -StatePath $StatePath -SourceName $Source) | Should -HaveCount 1
            Remove-CompliancePolicy macOS -StatePath $StatePath -SourceName $Source -Confirm:$false
            @(Get-CompliancePolicy -StatePath $StatePath -SourceName $Source) | Should -HaveCount 0
        }

        It 'The source defaults to the connections' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            Connect-Emulator
            (Get-CompliancePolicy -StatePath $StatePath).Name | Should -Be 'iOS baseline'
        }
    }

    Context 'Test-DeviceCompliance' {
        It 'Test evaluates objects by property name with stored policies' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true })
            $devices = @(
                [pscustomobject]@{ AzureDeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; DeviceName = 'iPhone-Adele'; Platform = 'iOS'; OsVersion = '17.5.1'; ClientVersion = '12.11.0'; Jailbroken = 'No'; LastCheckIn = '2026-11-20T08:15:00Z' }
                [pscustomobject]@{ EntraDeviceId = '6ac404bf-915b-532e-bdc8-06805f48dff3'; DeviceName = 'Pixel-Diego'; Platform = 'Android 14'; OsVersion = '7.1.2'; ClientVersion = '8.1'; Jailbroken = $true }
                [pscustomobject]@{ DeviceId = '1d67e732-ba7c-51b4-9ccf-0dbba41be764'; DeviceName = 'MacBook-Lee'; Platform = 'macOS'; OsVersion = '14.5' }
                [pscustomobject]@{ DeviceId = '05a8c43b-ebc1-53b9-89b6-d35bc8e7b55e'; DeviceName = 'LAPTOP-LIDIA01'; Platform = 'Windows'; OsVersion = '10.0.22631' }
                [pscustomobject]@{ DeviceId = 'not-a-guid'; DeviceName = 'Broken'; Platform = 'iOS' }
                [pscustomobject]@{ DeviceId = '2410d3a3-e621-544d-8879-5c6d3947c430'; DeviceName = 'iPhone-Alex'; Platform = 'iOS'; OsVersion = 'seventeen'; ClientVersion = '12.0'; Passcode = 'yes'; Jailbroken = $false; MdmState = 'Retired' }
            )
            $result = Invoke-Captured { $devices | Test-DeviceCompliance -StatePath $StatePath -SourceName $Source }

            $bad = Get-SingleError -Result $result
            $bad.FullyQualifiedErrorId | Should -BeLike 'InvalidDeviceInput,AzureCompliance.Cmdlets.Devices.TestDeviceComplianceCommand'
            $bad.CategoryInfo.Category | Should -Be 'InvalidData'
            $bad.TargetObject | Should -Be 'not-a-guid'
            $byName = @{}; $result.Output | ForEach-Object { $byName[$_.DeviceName] = $_ }
            $byName.Count | Should -Be 5
            $byName['iPhone-Adele'].IsCompliant | Should -BeTrue
            Get-Rules $byName['Pixel-Diego'] | Should -Be @('MinimumOsVersion', 'Jailbroken')
            Get-Rules $byName['MacBook-Lee'] | Should -Be @('Policy')
            Get-Rules $byName['LAPTOP-LIDIA01'] | Should -Be @('Platform')
            Get-Rules $byName['iPhone-Alex'] | Should -Be @('MinimumOsVersion')
            $byName['iPhone-Alex'].IsRetired | Should -BeTrue
            $byName['iPhone-Alex'].Reasons[0].Actual | Should -Be 'seventeen (unreadable)'
        }

        It 'Test with policy objects and NonCompliantOnly' {
            $strict = @{ Name = 'strict iOS'; Platform = 'iOS'; MinimumOsVersion = '17.0'; RequirePasscode = $true; Enabled = $false }
            $devices = @(
                [pscustomobject]@{ DeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; DeviceName = 'iPhone-Adele'; Platform = 'iOS'; OsVersion = '17.5.1'; PasscodePresent = $true }
                [pscustomobject]@{ DeviceId = 'b6939153-eb62-57b2-a6fe-5af82c119640'; DeviceName = 'iPhone-Megan'; Platform = 'iOS'; OsVersion = '16.7.8'; PasscodePresent = $false }
            )
            $result = @($devices | Test-DeviceCompliance -Policy $strict -NonCompliantOnly)
            $result | Should -HaveCount 1
            $result[0].DeviceName | Should -Be 'iPhone-Megan'
            Get-Rules $result[0] | Should -Be @('MinimumOsVersion', 'Passcode')
            ($result | Out-String) | Should -Match 'below the minimum 17.0'
        }

        It 'Two policy objects for one platform stop Test' {
            $result = Invoke-Captured { [pscustomobject]@{ DeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; Platform = 'iOS' } | Test-DeviceCompliance -Policy @{ Name = 'a'; Platform = 'iOS' }, @{ Name = 'b'; Platform = 'iOS' } }
            (Get-SingleError -Result $result).FullyQualifiedErrorId | Should -BeLike 'PolicyConflict,*'
            $result.Output | Should -HaveCount 0
        }
    }

    Context 'Import-ComplianceDevice' {
        It 'Imports the MobileIron Core sample export' {
            $result = Invoke-Captured { Import-ComplianceDevice -Path (Join-Path $Samples 'mobileiron-core-export.csv') -Format MobileIronCore }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 300
            $adele = $result.Output | Where-Object DeviceName -eq 'iPhone-Adele'
            $adele.DeviceId | Should -Be 'f695c552-ea98-56ca-8705-c280dd91d04a'
            $adele.Platform.ToString() | Should -Be 'iOS'
            @($result.Output | Where-Object IsRetired).Count | Should -BeGreaterThan 0
        }

        It 'Imports the MaaS360 sample export with its BOM' {
            @(Import-ComplianceDevice (Join-Path $Samples 'maas360-export.csv') -Format MaaS360) | Should -HaveCount 120
        }

        It 'Bad rows are per row errors and the good rows stream on' {
            $path = Join-Path $Folder 'devices.csv'
            $lines = @(
                'DeviceId,DeviceName,UserPrincipalName,Platform,OsVersion,ClientVersion,Jailbroken,LastCheckIn,MdmState'
                'f695c552-ea98-56ca-8705-c280dd91d04a,iPhone-Adele,adele@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active'
                'not-a-guid,Bad GUID,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active'
                ',Empty id,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active'
                '2410d3a3-e621-544d-8879-5c6d3947c430,Windows box,x@contoso.com,Windows,10.0,1.0,No,2026-11-20T08:15:00Z,Active'
                '6ac404bf-915b-532e-bdc8-06805f48dff3,Odd version,x@contoso.com,Android,fourteen,8.0,No,2026-11-20T08:15:00Z,Active'
                'be103ab5-616f-5eb0-bc38-abd5f9e5ad65,Future,x@contoso.com,Android,14,8.0,No,2099-01-01T00:00:00Z,Active'
                'F695C552-EA98-56CA-8705-C280DD91D04A,Duplicate,x@contoso.com,iOS,17.5.1,12.11.0,No,2026-11-20T08:15:00Z,Active'
                "b6939153-eb62-57b2-a6fe-5af82c119640,`"Megan, `"`"work`"`"`nphone`",megan@contoso.com,iOS,16.7.8,12.0,No,2026-11-19T08:00:00Z,Active"
                '5425c2c9-b0db-50f9-a082-554131aa935e,Short row'
                '1d67e732-ba7c-51b4-9ccf-0dbba41be764,MacBook-Lee,lee@contoso.com,macOS,14.5,,No,2026-11-18T10:00:00Z,Active'
            )
            [System.IO.File]::WriteAllText($path, ($lines -join "`n") + "`n", (New-Object System.Text.UTF8Encoding $false))
            $result = Invoke-Captured { Import-ComplianceDevice -Path $path }

            $result.Terminating | Should -BeNullOrEmpty
            @($result.Output.DeviceName) | Should -Be @('iPhone-Adele', "Megan, `"work`"`nphone", 'MacBook-Lee')
            $result.Errors | Should -HaveCount 7
            foreach ($rowError in $result.Errors) {
                $rowError.FullyQualifiedErrorId | Should -BeLike 'InvalidDeviceRow,AzureCompliance.Cmdlets.Devices.ImportComplianceDeviceCommand'
                $rowError.CategoryInfo.Category | Should -Be 'InvalidData'
                $rowError.Exception.Message | Should -Match 'devices\.csv line '
                $rowError.TargetObject.GetType().FullName | Should -Be 'AzureCompliance.Core.Devices.DeviceImportRow'
            }
            @($result.Errors | ForEach-Object { $_.TargetObject.Line }) | Should -Be @(3, 4, 5, 6, 7, 8, 11)
            $result.Errors[0].Exception.Message | Should -Match "column 'DeviceId'"
            $result.Errors[5].Exception.Message | Should -Match 'already on line 2'
        }

        It 'A header without the required columns is one terminating error listing them' {
            $path = Join-Path $Folder 'bad-header.csv'
            Set-Content -LiteralPath $path -Value "Name,Kind,Version`nx,iOS,17"
            $caught = try { Import-ComplianceDevice -Path $path; 'not stopped' } catch { $_ }
            $caught.FullyQualifiedErrorId | Should -BeLike 'MissingDeviceColumns,*'
            $caught.Exception.Message | Should -Match 'DeviceId'
            $caught.Exception.Message | Should -Match 'Platform'
        }

        It 'ColumnMap names the columns and an unknown key stops the command' {
            $path = Join-Path $Folder 'custom.csv'
            Set-Content -LiteralPath $path -Value "AAD Device,Kind,Seen,Notes`nf695c552-ea98-56ca-8705-c280dd91d04a,iPadOS,2026-11-20,`"a, b`""
            $record = Import-ComplianceDevice -Path $path -ColumnMap @{ DeviceId = 'AAD Device'; Platform = 'Kind'; LastCheckIn = 'Seen' }
            $record.Platform.ToString() | Should -Be 'iOS'
            $record.PlatformName | Should -Be 'iPadOS'
            { Import-ComplianceDevice -Path $path -ColumnMap @{ Colour = 'Kind' } } | Should -Throw -ErrorId 'InvalidColumnMap,*'
        }

        It 'Wildcards literal paths and a missing file' {
            Set-Content -LiteralPath (Join-Path $Folder 'a.csv') -Value "DeviceId,Platform`nf695c552-ea98-56ca-8705-c280dd91d04a,iOS"
            Set-Content -LiteralPath (Join-Path $Folder 'b.csv') -Value "DeviceId,Platform`n6ac404bf-915b-532e-bdc8-06805f48dff3,Android"
            @(Import-ComplianceDevice -Path (Join-Path $Folder '*.csv')) | Should -HaveCount 2
            @(Get-ChildItem -LiteralPath $Folder -Filter 'a.csv' | Import-ComplianceDevice) | Should -HaveCount 1
            $missing = Invoke-Captured { Import-ComplianceDevice -Path (Join-Path $Folder 'nope.csv'), (Join-Path $Folder 'b.csv') }
            (Get-SingleError -Result $missing).FullyQualifiedErrorId | Should -BeLike 'DeviceFileNotFound,*'
            $missing.Output | Should -HaveCount 1
        }

        It 'Import pipes into Test-DeviceCompliance with reasons' {
            $policies = @{ Name = 'iOS'; Platform = 'iOS'; MinimumOsVersion = '12.0'; MinimumClientVersion = '12.0'; BlockJailbroken = $true },
                        @{ Name = 'Android'; Platform = 'Android'; MinimumOsVersion = '8.0'; MinimumClientVersion = '8.0'; BlockJailbroken = $true },
                        @{ Name = 'macOS'; Platform = 'macOS'; MinimumOsVersion = '13.0'; BlockJailbroken = $true }
            $results = @(Import-ComplianceDevice -Path (Join-Path $Samples 'mobileiron-core-export.csv') -Format MobileIronCore | Test-DeviceCompliance -Policy $policies -NonCompliantOnly)
            $results.Count | Should -BeGreaterOrEqual 45
            $results.Count | Should -BeLessOrEqual 75
            Get-Rules ($results | Where-Object DeviceName -eq 'iPhone-Zrinka') | Should -Be @('Jailbroken')
        }
    }

    Context 'New-CompliancePolicy against the tenant' {
        It 'New needs a connection' {
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'iOS' -Platform iOS -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        }

        It 'New WhatIf stores nothing' {
            Connect-Emulator
            $result = Invoke-Captured { New-CompliancePolicy -Name 'iOS baseline' -Platform iOS -StatePath $StatePath -WhatIf }
            Assert-NoError -Result $result
            @(Get-CompliancePolicy -StatePath $StatePath) | Should -HaveCount 0
        }

        It 'New refuses a taken name and a second enabled policy' {
            Add-SeedPolicy $StatePath $Source @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            Connect-Emulator
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'IOS BASELINE' -Platform Android -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'PolicyExists,*'
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'iOS strict' -Platform iOS -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'PolicyConflict,*'
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'Android' -Platform Android -MinimumOsVersion 'eight' -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'InvalidVersion,*'
        }

        It 'New creates the Intune partner policy and assigns the scoped groups' {
            Set-SeedScope -StatePath $StatePath -AllUsers $false -GroupId $MobilePilotGroupId -GroupName 'Mobile Pilot'
            Connect-Emulator
            $result = Invoke-Captured { New-CompliancePolicy -Name 'iOS baseline' -Platform iOS -MinimumOsVersion 16 -RequirePasscode:$true -StatePath $StatePath -Verbose }
            Assert-NoError -Result $result
            $result.Warnings | Should -HaveCount 0
            $policy = $result.Output[0]
            $policy.MinimumOsVersion.ToString() | Should -Be '16.0'
            $policy.IntunePolicyId | Should -Not -BeNullOrEmpty
            ($result.Verbose | Out-String) | Should -Match 'Mobile Pilot'
            (Get-CompliancePolicy -StatePath $StatePath).IntunePolicyId | Should -Be $policy.IntunePolicyId
        }

        It 'New without assignable groups says what was not assigned (<Case>)' -TestCases @(
            @{ Case = 'no scope'; AllUsers = $false; Expected = 'No group scope is recorded' }
            @{ Case = 'All users'; AllUsers = $true; Expected = 'All users' }
        ) {
            if ($AllUsers) { Set-SeedScope -StatePath $StatePath -AllUsers $true }
            Connect-Emulator
            $result = Invoke-Captured { New-CompliancePolicy -Name 'Android baseline' -Platform Android -Disabled -StatePath $StatePath }
            Assert-NoError -Result $result
            $result.Warnings | Should -HaveCount 1
            $result.Warnings[0].Message | Should -Match 'NOT assigned'
            $result.Warnings[0].Message | Should -Match $Expected
            $result.Output[0].Enabled | Should -BeFalse
            $result.Text | Should -Not -Match ([regex]::Escape($Demo.AppSecret))
        }
    }
}
