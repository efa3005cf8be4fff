<#
    Issue 9, points 3 and 4: the state file, its WAL/SHM files and the folder created for it are owner-only, and
    tab completion of policy names only reads the state file, resolving -StatePath as the cmdlets do.
    Real pwsh, the built module and (for New-CompliancePolicy) the tenant emulator.
#>

Describe 'The state file' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'NewUser.Helpers.ps1')
        Import-AzureComplianceModule
        $Source = 'newuser-state'

        function Get-Completion {
            param([string] $Line)
            @([System.Management.Automation.CommandCompletion]::CompleteInput($Line, $Line.Length, $null).CompletionMatches.CompletionText)
        }
    }

    BeforeEach {
        $Folder = New-NewUserFolder
    }

    AfterEach {
        Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    Context 'owner-only (Unix modes)' -Skip:($IsWindows) {
        BeforeAll {
            $Emulator = Start-TenantEmulator
            $Demo = $Emulator.Demo
            $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
            $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        }

        AfterAll {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
            Stop-TenantEmulator -Emulator $Emulator
        }

        It 'New-CompliancePolicy creates the folder 0700 and the state file, its -wal and -shm 0600' {
            $statePath = Join-Path $Folder 'mdm' 'state.db'
            $null = Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName $Source
            try {
                $result = Invoke-Captured { New-CompliancePolicy -Name 'iOS baseline' -Platform iOS -StatePath $statePath }
                Assert-NoError -Result $result
            }
            finally { Disconnect-ComplianceTenant -Confirm:$false }

            Get-UnixMode (Split-Path $statePath) | Should -Be '700'
            Get-UnixMode $statePath | Should -Be '600'

            # The WAL and shared-memory files exist while a connection is open: hold one and write.
            $store = (Get-EngineType 'AzureCompliance.Core.State.StateStore')::Open($statePath)
            try {
                $store.SetSetting($Source, 'probe', 'value')
                foreach ($suffix in '-wal', '-shm') {
                    Test-Path -LiteralPath ($statePath + $suffix) | Should -BeTrue -Because "SQLite keeps $suffix while the file is open in WAL mode"
                    Get-UnixMode ($statePath + $suffix) | Should -Be '600'
                }
            }
            finally { $store.Dispose() }
        }

        It 'a state file in an existing folder is 0600 and the folder is left as it was' {
            $before = Get-UnixMode $Folder
            $statePath = Join-Path $Folder 'state.db'
            Initialize-TestState -StatePath $statePath -SourceName $Source -Policy @{ Name = 'iOS baseline'; Platform = 'iOS' }
            Get-UnixMode $statePath | Should -Be '600'
            Get-UnixMode $Folder | Should -Be $before
        }
    }

    Context 'policy name completion only reads' {
        It 'leaves a file that is not a state file untouched (no tables, no WAL)' {
            $foreign = Join-Path $Folder 'other.db'
            [System.IO.File]::WriteAllBytes($foreign, [byte[]]@())
            Get-Completion "Get-CompliancePolicy -StatePath '$foreign' -SourceName $Source -Name i" | Should -BeNullOrEmpty
            Get-Completion "Set-CompliancePolicy -StatePath '$foreign' -Name i" | Should -BeNullOrEmpty
            (Get-Item -LiteralPath $foreign).Length | Should -Be 0
            @(Get-ChildItem -LiteralPath $Folder).Name | Should -Be @('other.db')
        }

        It 'does not create a missing state file' {
            $absent = Join-Path $Folder 'absent.db'
            Get-Completion "Remove-CompliancePolicy -StatePath '$absent' -Name i" | Should -BeNullOrEmpty
            Test-Path -LiteralPath $absent | Should -BeFalse
        }

        It 'resolves a relative -StatePath against the PowerShell location, as the cmdlet does' {
            Initialize-TestState -StatePath (Join-Path $Folder 'state.db') -SourceName $Source -Policy @{ Name = 'iOS baseline'; Platform = 'iOS' }
            $processFolder = [System.Environment]::CurrentDirectory
            Push-Location -LiteralPath $Folder
            try {
                # The cmdlet reads the file relative to the location...
                (Get-CompliancePolicy -StatePath 'state.db' -SourceName $Source).Name | Should -Be 'iOS baseline'
                # ...and so does completion, while the process folder stays elsewhere.
                [System.Environment]::CurrentDirectory | Should -Not -Be $Folder
                Get-Completion "Get-CompliancePolicy -StatePath state.db -SourceName $Source -Name i" | Should -Be @("'iOS baseline'")
            }
            finally { Pop-Location }
            Test-Path -LiteralPath (Join-Path $processFolder 'state.db') | Should -BeFalse
        }
    }
}
