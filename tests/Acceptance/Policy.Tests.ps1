<#
    Compliance policies and Test-DeviceCompliance in a real PowerShell against the built module (out/AzureCompliance)
    and the tenant emulator running as a separate process; the emulator's request journal (read through its admin
    endpoint) proves what was, and was not, written. The 'creates the Intune partner policy' tests need the emulator's
    partner API (PROTOCOL.md 3.3). Import-ComplianceDevice: DeviceImport.Tests.ps1.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

Describe 'Compliance policies and Test-DeviceCompliance' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule

        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $Source = 'core-policy-tests'
        $MobilePilotGroupId = '9f5c4c11-30b0-56aa-a46a-f811f0ce184a'
        # A session of its own for what only the console shows (What if: lines, format views).
        $Session = New-ModuleRunspace -Variable @{ Source = $Source }

        $Connect = @{ TenantId = $Demo.TenantId; ClientId = $Demo.AppClientId; ClientSecret = $SecureSecret } + $Endpoints
        function Connect-Emulator {
            $null = Connect-ComplianceTenant @Connect -SourceName $Source
        }

        function Get-Rules { param($Result) @($Result.Reasons | ForEach-Object { [string]$_.Rule }) }

        function Get-JournalMark { (Get-EmulatorJournal -Emulator $Emulator -CountOnly).Total }
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Remove-ModuleRunspace -Shell $Session
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
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true }, @{ Name = 'iOS strict'; Platform = 'iOS'; Enabled = $false })
            Initialize-TestState -StatePath $StatePath -SourceName 'other-core' -Policy @(@{ Name = 'Elsewhere'; Platform = 'macOS'; Enabled = $true })

            $all = Invoke-Captured { Get-CompliancePolicy -StatePath $StatePath -SourceName $Source }
            Assert-NoError -Result $all
            @($all.Output | ForEach-Object Name | Sort-Object) | Should -Be @('Android baseline', 'iOS baseline', 'iOS strict')
            @($all.Output | Where-Object { $_.PSObject.BaseObject.GetType().FullName -ne 'AzureCompliance.Core.Policy.CompliancePolicy' }) | Should -HaveCount 0
            @(Get-CompliancePolicy 'ios*' -StatePath $StatePath -SourceName $Source) | Should -HaveCount 2
            $android = @(Get-CompliancePolicy -Platform Android -StatePath $StatePath -SourceName $Source)
            $android | Should -HaveCount 1
            "$($android[0].Platform)" | Should -Be 'Android'
            $android[0].MinimumOsVersion.ToString() | Should -Be '8.0'
            $android[0].SourceName | Should -Be $Source
            $other = @(Get-CompliancePolicy -StatePath $StatePath -SourceName 'other-core')
            $other | Should -HaveCount 1
            $other[0].Name | Should -Be 'Elsewhere'
        }

        It 'Get of an unknown name is PolicyNotFound and a missing state file is not created' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            $result = Invoke-Captured { Get-CompliancePolicy -Name 'nope', 'iOS baseline' -StatePath $StatePath -SourceName $Source }
            $failure = Get-SingleError -Result $result
            $failure.FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound,*'
            $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
            $failure.TargetObject | Should -Be 'nope'
            $result.Output | Should -HaveCount 1

            $absent = Join-Path $Folder 'absent.db'
            $none = Invoke-Captured { Get-CompliancePolicy -StatePath $absent -SourceName $Source }
            Assert-NoError -Result $none
            $none.Output | Should -HaveCount 0
            Test-Path -LiteralPath $absent | Should -BeFalse
        }

        It 'Policies show in their table view' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            $result = Invoke-ModuleScript -Shell $Session -Script 'Get-CompliancePolicy -StatePath $StatePath -SourceName $Source | Out-Host' -Variable @{ StatePath = $StatePath }
            Assert-NoError -Result $result
            foreach ($header in 'Name', 'Platform', 'Enabled', 'MinOS', 'MinClient', 'Rules', 'Source') {
                $result.HostText | Should -Match $header
            }
            $result.HostText | Should -Match 'iOS baseline'
            $result.HostText | Should -Match ([regex]::Escape('12.0'))
        }

        It 'Name and Platform complete' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true })
            $line = "Get-CompliancePolicy -StatePath '$StatePath' -SourceName $Source -Name i"
            @([System.Management.Automation.CommandCompletion]::CompleteInput($line, $line.Length, $null).CompletionMatches | ForEach-Object CompletionText) | Should -Be @("'iOS baseline'")
            $platforms = @([System.Management.Automation.CommandCompletion]::CompleteInput('Get-CompliancePolicy -Platform ', 31, $null).CompletionMatches | ForEach-Object CompletionText)
            @($platforms | Sort-Object) | Should -Be @('Android', 'iOS', 'macOS')
        }
    }

    Context 'Set, Enable, Disable and Remove' {
        It 'Set changes rules and passes the policy through' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            $result = Invoke-Captured { Set-CompliancePolicy -Name 'iOS baseline' -MinimumOsVersion '16.4' -RequirePasscode:$true -MaximumCheckInAge ([TimeSpan]::FromDays(7)) -StatePath $StatePath -SourceName $Source -PassThru }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 1
            $result.Output[0].MinimumOsVersion.ToString() | Should -Be '16.4'
            $result.Output[0].RequirePasscode | Should -BeTrue
            $result.Output[0].MaximumCheckInAge | Should -Be ([TimeSpan]::FromDays(7))
            $result.Output[0].MinimumClientVersion.ToString() | Should -Be '12.0' -Because 'it was not touched'
            (Get-CompliancePolicy 'iOS baseline' -StatePath $StatePath -SourceName $Source).MinimumOsVersion.ToString() | Should -Be '16.4'

            $cleared = Invoke-Captured { Set-CompliancePolicy 'iOS baseline' -MinimumClientVersion '' -MaximumCheckInAge $null -StatePath $StatePath -SourceName $Source -PassThru }
            Assert-NoError -Result $cleared
            $cleared.Output | Should -HaveCount 1
            $cleared.Output[0].MinimumClientVersion | Should -BeNullOrEmpty
            $cleared.Output[0].MaximumCheckInAge | Should -BeNullOrEmpty
        }

        It 'Set takes policies from the pipeline by property name' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true })
            $result = Invoke-Captured { Get-CompliancePolicy -StatePath $StatePath -SourceName $Source | Set-CompliancePolicy -RequireEncryption:$true -StatePath $StatePath -PassThru }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 2
            @($result.Output | Where-Object { -not $_.RequireEncryption }) | Should -HaveCount 0
            @($result.Output | Where-Object { $_.MinimumOsVersion.ToString() -eq '8.0' }) | Should -HaveCount 1 -Because 'each kept its own rules'
        }

        It 'Set WhatIf changes nothing and a bad version or name is an error' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            $whatIf = Invoke-ModuleScript -Shell $Session -Script "Set-CompliancePolicy 'iOS baseline' -MinimumOsVersion 17 -StatePath `$StatePath -SourceName `$Source -WhatIf" -Variable @{ StatePath = $StatePath }
            Assert-NoError -Result $whatIf
            $whatIf.HostText | Should -Match ([regex]::Escape('MinimumOsVersion 12.0 -> 17.0'))
            (Get-CompliancePolicy -StatePath $StatePath -SourceName $Source).MinimumOsVersion.ToString() | Should -Be '12.0'

            $bad = Get-SingleError -Result (Invoke-Captured { Set-CompliancePolicy 'iOS baseline' -MinimumOsVersion 'seventeen' -StatePath $StatePath -SourceName $Source })
            $bad.FullyQualifiedErrorId | Should -BeLike 'InvalidVersion,*'
            $bad.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
            (Get-SingleError -Result (Invoke-Captured { Set-CompliancePolicy 'nope' -RequirePasscode:$true -StatePath $StatePath -SourceName $Source })).FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound,*'
        }

        It 'Set renames, but not onto another policy' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true })
            (Get-SingleError -Result (Invoke-Captured { Set-CompliancePolicy 'iOS baseline' -NewName 'android BASELINE' -StatePath $StatePath -SourceName $Source })).FullyQualifiedErrorId | Should -BeLike 'PolicyExists,*'
            $renamed = Invoke-Captured { Set-CompliancePolicy 'iOS baseline' -NewName 'iOS 2026' -StatePath $StatePath -SourceName $Source -PassThru }
            Assert-NoError -Result $renamed
            $renamed.Output | Should -HaveCount 1
            $renamed.Output[0].Name | Should -Be 'iOS 2026'
        }

        It 'One enabled policy per platform and disable stops the platform' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS A'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'iOS B'; Platform = 'iOS'; Enabled = $false })
            $conflict = Get-SingleError -Result (Invoke-Captured { Enable-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source })
            $conflict.FullyQualifiedErrorId | Should -BeLike 'PolicyConflict,*'
            $conflict.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ResourceExists)
            $conflict.Exception.Message | Should -Match 'iOS A'

            $disabled = Invoke-Captured { Disable-CompliancePolicy 'iOS A' -StatePath $StatePath -SourceName $Source -PassThru }
            Assert-NoError -Result $disabled
            $disabled.Output[0].Enabled | Should -BeFalse
            $enabled = Invoke-Captured { Get-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source | Enable-CompliancePolicy -StatePath $StatePath -PassThru }
            Assert-NoError -Result $enabled
            $enabled.Output[0].Enabled | Should -BeTrue

            # Disabled policies do not judge devices: the platform is reported without a policy.
            Assert-NoError -Result (Invoke-Captured { Disable-CompliancePolicy 'iOS B' -StatePath $StatePath -SourceName $Source })
            $test = Invoke-Captured { Test-DeviceCompliance -DeviceId 'f695c552-ea98-56ca-8705-c280dd91d04a' -Platform iOS -OsVersion 17.5 -StatePath $StatePath -SourceName $Source }
            @($test.Warnings | Where-Object { $_.Message -match 'no enabled compliance policy' }) | Should -Not -BeNullOrEmpty
            $test.Output | Should -HaveCount 1
            $test.Output[0].HasPolicy | Should -BeFalse
        }

        It 'Disable -WhatIf and an unchanged state do nothing' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'Android'; Platform = 'Android'; Enabled = $true })
            Assert-NoError -Result (Invoke-Captured { Disable-CompliancePolicy Android -StatePath $StatePath -SourceName $Source -WhatIf })
            (Get-CompliancePolicy -StatePath $StatePath -SourceName $Source).Enabled | Should -BeTrue
            $again = Invoke-Captured { Enable-CompliancePolicy Android -StatePath $StatePath -SourceName $Source -PassThru -Verbose }
            Assert-NoError -Result $again
            @($again.Verbose | Where-Object { $_.Message -match 'already enabled' }) | Should -Not -BeNullOrEmpty
        }

        It 'Remove asks with high impact and WhatIf keeps the policy' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'macOS'; Platform = 'macOS'; Enabled = $true })
            "$((Get-Command Remove-CompliancePolicy).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact)" | Should -Be 'High'
            Assert-NoError -Result (Invoke-Captured { Remove-CompliancePolicy macOS -StatePath $StatePath -SourceName $Source -WhatIf })
            @(Get-CompliancePolicy -StatePath $StatePath -SourceName $Source) | Should -HaveCount 1
            $removed = Invoke-Captured { Remove-CompliancePolicy macOS -StatePath $StatePath -SourceName $Source -Confirm:$false }
            Assert-NoError -Result $removed
            $removed.Output | Should -HaveCount 0
            @(Get-CompliancePolicy -StatePath $StatePath -SourceName $Source) | Should -HaveCount 0
            (Get-SingleError -Result (Invoke-Captured { Remove-CompliancePolicy macOS -StatePath $StatePath -SourceName $Source -Confirm:$false })).FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound,*'
        }

        It 'The source defaults to the connections' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            Connect-Emulator
            $result = Invoke-Captured { Get-CompliancePolicy -StatePath $StatePath }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 1
            $result.Output[0].Name | Should -Be 'iOS baseline'
        }
    }

    Context 'Test-DeviceCompliance' {
        It 'Test evaluates objects by property name with stored policies and sends nothing' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true }, @{ Name = 'Android baseline'; Platform = 'Android'; Enabled = $true })
            Connect-Emulator
            $writes = Get-EmulatorWriteCount -Emulator $Emulator
            $devices = @(
                [pscustomobject]@{ AzureDeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; DeviceName = 'iPhone-Adele'; Platform = 'iOS'; OsVersion = '17.5.1'; ClientVersion = '12.11.0'; Jailbroken = 'No'; LastCheckIn = '2026-11-20T08:15:00Z' }
                [pscustomobject]@{ EntraDeviceId = '6ac404bf-915b-532e-bdc8-06805f48dff3'; DeviceName = 'Pixel-Diego'; Platform = 'Android 14'; OsVersion = '7.1.2'; ClientVersion = '8.1'; Jailbroken = $true }
                [pscustomobject]@{ DeviceId = '1d67e732-ba7c-51b4-9ccf-0dbba41be764'; DeviceName = 'MacBook-Lee'; Platform = 'macOS'; OsVersion = '14.5' }
                [pscustomobject]@{ DeviceId = '05a8c43b-ebc1-53b9-89b6-d35bc8e7b55e'; DeviceName = 'LAPTOP-LIDIA01'; Platform = 'Windows'; OsVersion = '10.0.22631' }
                [pscustomobject]@{ DeviceId = 'not-a-guid'; DeviceName = 'Broken'; Platform = 'iOS' }
                [pscustomobject]@{ DeviceId = '2410d3a3-e621-544d-8879-5c6d3947c430'; DeviceName = 'iPhone-Alex'; Platform = 'iOS'; OsVersion = 'seventeen'; ClientVersion = '12.0'; Passcode = 'yes'; Jailbroken = $false; MdmState = 'Retired' }
            )
            $result = Invoke-Captured { $devices | Test-DeviceCompliance -StatePath $StatePath -SourceName $Source }
            Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes

            $bad = Get-SingleError -Result $result
            $bad.FullyQualifiedErrorId | Should -BeLike 'InvalidDeviceInput,AzureCompliance.Cmdlets.Devices.TestDeviceComplianceCommand*'
            $bad.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidData)
            $bad.TargetObject | Should -Be 'not-a-guid'
            $result.Terminating | Should -BeNullOrEmpty
            $byName = @{}; $result.Output | ForEach-Object { $byName[$_.DeviceName] = $_ }
            $byName.Count | Should -Be 5 -Because 'the pipeline went on after the bad object'
            $byName['iPhone-Adele'].IsCompliant | Should -BeTrue
            $byName['iPhone-Adele'].PolicyName | Should -Be 'iOS baseline'
            $byName['Pixel-Diego'].IsCompliant | Should -BeFalse
            Get-Rules $byName['Pixel-Diego'] | Should -Be @('MinimumOsVersion', 'Jailbroken')
            Get-Rules $byName['MacBook-Lee'] | Should -Be @('Policy')
            Get-Rules $byName['LAPTOP-LIDIA01'] | Should -Be @('Platform')
            Get-Rules $byName['iPhone-Alex'] | Should -Be @('MinimumOsVersion')
            $byName['iPhone-Alex'].IsRetired | Should -BeTrue
            $byName['iPhone-Alex'].Reasons[0].Actual | Should -Be 'seventeen (unreadable)'
        }

        It 'Test with policy objects, NonCompliantOnly, and the result view' {
            $result = Invoke-ModuleScript -Shell $Session -Script @'
$strict = @{ Name = 'strict iOS'; Platform = 'iOS'; MinimumOsVersion = '17.0'; RequirePasscode = $true; Enabled = $false }
$devices = @([pscustomobject]@{ DeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; DeviceName = 'iPhone-Adele'; Platform = 'iOS'; OsVersion = '17.5.1'; PasscodePresent = $true },
             [pscustomobject]@{ DeviceId = 'b6939153-eb62-57b2-a6fe-5af82c119640'; DeviceName = 'iPhone-Megan'; Platform = 'iOS'; OsVersion = '16.7.8'; PasscodePresent = $false })
$devices | Test-DeviceCompliance -Policy $strict -NonCompliantOnly | Out-Host
$devices | Test-DeviceCompliance -Policy $strict -NonCompliantOnly
'@
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 1
            $megan = $result.Output[0]
            $megan.DeviceName | Should -Be 'iPhone-Megan'
            $megan.PolicyName | Should -Be 'strict iOS'
            Get-Rules $megan | Should -Be @('MinimumOsVersion', 'Passcode')
            $megan.PSObject.BaseObject.GetType().FullName | Should -Be 'AzureCompliance.Core.Devices.DeviceComplianceResult'
            foreach ($header in 'DeviceName', 'Platform', 'Compliant', 'PolicyName', 'Reasons') {
                $result.HostText | Should -Match $header
            }
            $result.HostText | Should -Match 'below\s+the\s+minimum\s+17\.0' -Because 'the view wraps reasons at word boundaries'
            $result.HostText | Should -Not -Match 'iPhone-Adele'
        }

        It 'Test re-evaluates results and records from the pipeline' {
            $ios = @{ Name = 'iOS'; Platform = 'iOS'; MinimumOsVersion = '12.0' }
            $result = Invoke-Captured {
                $first = [pscustomobject]@{ DeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; DeviceName = 'iPhone-Adele'; Platform = 'iOS'; OsVersion = '11.4' } | Test-DeviceCompliance -Policy $ios
                $first | Test-DeviceCompliance -Policy @{ Name = 'iOS 11'; Platform = 'iOS'; MinimumOsVersion = '11.0' }
                $first.Device | Test-DeviceCompliance -Policy $ios
            }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 2
            $result.Output[0].IsCompliant | Should -BeTrue
            $result.Output[0].PolicyName | Should -Be 'iOS 11'
            $result.Output[1].IsCompliant | Should -BeFalse
            [object]::ReferenceEquals($result.Output[0].Device, $result.Output[1].Device) | Should -BeTrue
        }

        It 'Two policy objects for one platform stop Test' {
            $result = Invoke-Captured { [pscustomobject]@{ DeviceId = 'f695c552-ea98-56ca-8705-c280dd91d04a'; Platform = 'iOS' } | Test-DeviceCompliance -Policy @{ Name = 'a'; Platform = 'iOS' }, @{ Name = 'b'; Platform = 'iOS' } }
            (Get-SingleError -Result $result).FullyQualifiedErrorId | Should -BeLike 'PolicyConflict,*'
            $result.Output | Should -HaveCount 0
        }
    }

    Context 'New-CompliancePolicy against the tenant' {
        It 'New needs a connection' {
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'iOS' -Platform iOS -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        }

        It 'New -WhatIf sends no write and stores nothing' {
            Assert-NoError -Result (Invoke-ModuleScript -Shell $Session -Script '$null = Connect-ComplianceTenant @Connect -SourceName $Source' -Variable @{ Connect = $Connect })
            $writes = Get-EmulatorWriteCount -Emulator $Emulator
            $result = Invoke-ModuleScript -Shell $Session -Script "New-CompliancePolicy -Name 'iOS baseline' -Platform iOS -StatePath `$StatePath -WhatIf" -Variable @{ StatePath = $StatePath }
            Assert-NoError -Result $result
            $result.HostText | Should -Match 'iOS baseline'
            Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes
            @(Get-CompliancePolicy -StatePath $StatePath -SourceName $Source) | Should -HaveCount 0
        }

        It 'New refuses a taken name, a second enabled policy, a bad version and a wildcard name before any write' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            Connect-Emulator
            $writes = Get-EmulatorWriteCount -Emulator $Emulator
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'IOS BASELINE' -Platform Android -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'PolicyExists,AzureCompliance.Cmdlets.Policy.NewCompliancePolicyCommand*'
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'iOS strict' -Platform iOS -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'PolicyConflict,*'
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'Android' -Platform Android -MinimumOsVersion 'eight' -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'InvalidVersion,*'
            (Get-SingleError -Result (Invoke-Captured { New-CompliancePolicy -Name 'Android*' -Platform Android -StatePath $StatePath })).FullyQualifiedErrorId | Should -BeLike 'InvalidPolicyName,*'
            Get-EmulatorWriteCount -Emulator $Emulator | Should -Be $writes
        }

        It 'New creates the Intune partner policy and assigns the scoped groups' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -GroupId $MobilePilotGroupId -GroupName 'Mobile Pilot'
            Connect-Emulator
            $mark = Get-JournalMark
            $result = Invoke-Captured { New-CompliancePolicy -Name 'iOS baseline' -Platform iOS -MinimumOsVersion 16 -RequirePasscode:$true -StatePath $StatePath -Verbose }
            Assert-NoError -Result $result
            $result.Warnings | Should -HaveCount 0
            $result.Output | Should -HaveCount 1
            $policy = $result.Output[0]
            $policy.Name | Should -Be 'iOS baseline'
            $policy.MinimumOsVersion.ToString() | Should -Be '16.0'
            $policy.MinimumClientVersion.ToString() | Should -Be '12.0'
            $policy.RequirePasscode | Should -BeTrue
            $policy.Enabled | Should -BeTrue
            $policy.SourceName | Should -Be $Source
            $policy.IntunePolicyId | Should -Not -BeNullOrEmpty

            $entries = @((Get-EmulatorJournal -Emulator $Emulator -Since $mark -Method POST).entries)
            @($entries | Where-Object { $_.pathAndQuery -like '*/PartnerCompliancePolicies`?*' -and $_.statusCode -in 201, 409 }) | Should -Not -BeNullOrEmpty
            @($entries | Where-Object { $_.pathAndQuery -like '*/Assign*' -and $_.statusCode -lt 300 }) | Should -Not -BeNullOrEmpty
            @($result.Verbose | Where-Object { $_.Message -match 'Mobile Pilot' }) | Should -Not -BeNullOrEmpty
            (Get-CompliancePolicy -StatePath $StatePath).IntunePolicyId | Should -Be $policy.IntunePolicyId
        }

        It 'New without assignable groups says what was not assigned (<Case>)' -TestCases @(
            @{ Case = 'no scope'; AllUsers = $false; Expected = 'No group scope is recorded' }
            @{ Case = 'All users'; AllUsers = $true; Expected = 'All users' }
        ) {
            if ($AllUsers) { Initialize-TestState -StatePath $StatePath -SourceName $Source -AllUsers }
            Connect-Emulator
            $mark = Get-JournalMark
            $result = Invoke-Captured { New-CompliancePolicy -Name 'Android baseline' -Platform Android -Disabled -StatePath $StatePath }
            Assert-NoError -Result $result
            $result.Warnings | Should -HaveCount 1
            $result.Warnings[0].Message | Should -Match 'NOT assigned'
            $result.Warnings[0].Message | Should -Match $Expected
            $result.Output[0].Enabled | Should -BeFalse
            (Get-EmulatorJournal -Emulator $Emulator -Since $mark -PathContains '/Assign' -CountOnly).Count | Should -Be 0
            $result.Text | Should -Not -Match ([regex]::Escape($Demo.AppSecret))
        }

        It 'Set -Publish assigns a stored policy to the current scope' {
            Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @(@{ Name = 'iOS baseline'; Platform = 'iOS'; Enabled = $true })
            Initialize-TestState -StatePath $StatePath -SourceName $Source -GroupId $MobilePilotGroupId -GroupName 'Mobile Pilot'
            Connect-Emulator
            $mark = Get-JournalMark
            $result = Invoke-Captured { Set-CompliancePolicy 'iOS baseline' -Publish -StatePath $StatePath -PassThru }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 1
            $result.Output[0].IntunePolicyId | Should -Not -BeNullOrEmpty
            (Get-EmulatorJournal -Emulator $Emulator -Since $mark -PathContains '/Assign' -CountOnly).Count | Should -BeGreaterThan 0
        }
    }
}
