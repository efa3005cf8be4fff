<#
    Issue 9, point 2: rule parameters are switches, as PowerShell users expect, and no exported cmdlet keeps a
    [bool] parameter. Real pwsh, the built module and the tenant emulator (New-CompliancePolicy writes to Intune).
#>

Describe 'Switch parameters, not booleans' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        . (Join-Path $PSScriptRoot 'NewUser.Helpers.ps1')
        Import-AzureComplianceModule
        $Emulator = Start-TenantEmulator
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $Source = 'newuser-switches'
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
    }

    BeforeEach {
        $Folder = New-NewUserFolder
        $StatePath = Join-Path $Folder 'state.db'
    }

    AfterEach {
        Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'no exported cmdlet has a [bool] parameter' {
        $commands = @(Get-Command -Module AzureCompliance)
        $commands.Count | Should -BeGreaterThan 20
        $booleans = foreach ($command in $commands) {
            foreach ($parameter in $command.Parameters.Values) {
                $type = $parameter.ParameterType
                if ($type.IsArray) { $type = $type.GetElementType() }
                $underlying = [Nullable]::GetUnderlyingType($type)
                if ($underlying) { $type = $underlying }
                if ($type -eq [bool]) { "$($command.Name) -$($parameter.Name)" }
            }
        }
        @($booleans) | Should -BeNullOrEmpty
    }

    It 'New-CompliancePolicy takes -BlockJailbroken -RequireEncryption -RequirePasscode as switches' {
        $null = Connect-ComplianceTenant -TenantId $Demo.TenantId -ClientId $Demo.AppClientId -ClientSecret $SecureSecret @Endpoints -SourceName $Source
        try {
            $result = Invoke-Captured { New-CompliancePolicy -Name 'iOS strict' -Platform iOS -BlockJailbroken -RequireEncryption -RequirePasscode -StatePath $StatePath }
            Assert-NoError -Result $result
            $result.Output | Should -HaveCount 1
            $result.Output[0].BlockJailbroken | Should -BeTrue
            $result.Output[0].RequireEncryption | Should -BeTrue
            $result.Output[0].RequirePasscode | Should -BeTrue
            $result.Output[0].RequireEntraRegistration | Should -BeTrue

            # A rule on by default is turned off with the colon form; an absent switch keeps the default.
            $android = Invoke-Captured { New-CompliancePolicy -Name 'Android lenient' -Platform Android -BlockJailbroken:$false -RequireEntraRegistration:$false -StatePath $StatePath }
            Assert-NoError -Result $android
            $android.Output[0].BlockJailbroken | Should -BeFalse
            $android.Output[0].RequireEntraRegistration | Should -BeFalse
            $android.Output[0].RequireEncryption | Should -BeFalse
        }
        finally { Disconnect-ComplianceTenant -Confirm:$false }
    }

    It 'Set-CompliancePolicy turns rules on with a switch and off with :$false, and binds them from the pipeline' {
        Initialize-TestState -StatePath $StatePath -SourceName $Source -Policy @{ Name = 'iOS baseline'; Platform = 'iOS' }
        $on = Invoke-Captured { Set-CompliancePolicy 'iOS baseline' -RequireEncryption -RequirePasscode -StatePath $StatePath -SourceName $Source -PassThru }
        Assert-NoError -Result $on
        $on.Output[0].RequireEncryption | Should -BeTrue
        $on.Output[0].RequirePasscode | Should -BeTrue
        $on.Output[0].BlockJailbroken | Should -BeTrue

        $off = Invoke-Captured { Set-CompliancePolicy 'iOS baseline' -BlockJailbroken:$false -StatePath $StatePath -SourceName $Source -PassThru }
        Assert-NoError -Result $off
        $off.Output[0].BlockJailbroken | Should -BeFalse
        $off.Output[0].RequireEncryption | Should -BeTrue

        # Property values (Booleans) of piped objects bind to the switches.
        $piped = Invoke-Captured { [pscustomobject]@{ Name = 'iOS baseline'; RequirePasscode = $false } | Set-CompliancePolicy -StatePath $StatePath -SourceName $Source -PassThru }
        Assert-NoError -Result $piped
        $piped.Output[0].RequirePasscode | Should -BeFalse
        $piped.Output[0].RequireEncryption | Should -BeTrue
    }
}
