<#
    Connect/Get/Disconnect in a real PowerShell against the built module (out/AzureCompliance) and the tenant
    emulator running as a separate process: every sign-in mode (secret, credential, certificate object and
    thumbprint, device code, managed identity from the environment) and failure.
    Pester 5: Invoke-Pester -Path tests/Acceptance (or ./build.ps1 -Task Test).
#>

BeforeDiscovery {
    $IsCoreEdition = $PSVersionTable.PSEdition -eq 'Core'
}

Describe 'Connect-ComplianceTenant, Get-ComplianceConnection and Disconnect-ComplianceTenant against the tenant emulator' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule

        # Certificates the emulated app knows (written into the emulator's fixture) and one it does not.
        $ObjectCertificate = New-TestCertificate -Subject 'acceptance-test-object'
        $ThumbprintCertificate = New-TestCertificate -Subject 'acceptance-test-thumbprint'
        $UnregisteredCertificate = New-TestCertificate -Subject 'acceptance-test-unregistered'

        $Emulator = Start-TenantEmulator -RegisteredCertificate $ObjectCertificate, $ThumbprintCertificate
        $Demo = $Emulator.Demo
        $Endpoints = Get-EmulatorEndpoint -Emulator $Emulator
        $TenantId = $Demo.TenantId
        $TenantDomain = $Demo.Domain
        $ClientId = $Demo.AppClientId
        $Secret = $Demo.AppSecret
        $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
        $ReaderClientId = $Demo.ReaderClientId
        $ReaderSecureSecret = ConvertTo-TestSecureString -Value $Demo.ReaderSecret
        $CertificateRegistration = 'the emulator must register the keyCredentials that TestSetup.ps1 writes into its fixture (New-EmulatorFixture)'
    }

    AfterAll {
        if (Get-Command -Name Get-ComplianceConnection -ErrorAction SilentlyContinue) {
            if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
        }
        Stop-TenantEmulator -Emulator $Emulator
        foreach ($certificate in $ObjectCertificate, $ThumbprintCertificate, $UnregisteredCertificate) {
            if ($certificate) { $certificate.Dispose() }
        }
    }

    BeforeEach {
        # One session runs them all, so each starts without a connection.
        if (Get-ComplianceConnection) { Disconnect-ComplianceTenant -Confirm:$false }
    }

    It 'Client secret signs in and becomes the session connection' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret @Endpoints -SourceName 'core-01' }

        Assert-NoError -Result $result
        $result.Warnings | Should -HaveCount 0
        $result.Output | Should -HaveCount 1
        $connection = $result.Output[0]
        $connection.TenantId | Should -Be $Demo.TenantId
        $connection.TenantDomain | Should -Be $Demo.Domain
        $connection.ClientId | Should -Be $Demo.AppClientId
        $connection.AuthType.ToString() | Should -Be 'ClientSecret'
        $connection.Environment | Should -Be 'Custom'
        $connection.SourceName | Should -Be 'core-01'
        @($connection.MissingPermissions) | Should -HaveCount 0
        $connection.Permissions | Should -Contain 'DeviceManagementServiceConfig.ReadWrite.All'
        $connection.ExpiresOn | Should -BeGreaterThan ([System.DateTimeOffset]::UtcNow.AddMinutes(30))

        $current = @(Get-ComplianceConnection)
        $current | Should -HaveCount 1
        [object]::ReferenceEquals($current[0].PSObject.BaseObject, $connection.PSObject.BaseObject) | Should -BeTrue -Because 'Get-ComplianceConnection returns the object Connect-ComplianceTenant returned'
    }

    It 'Credential carries the client id as user name' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantDomain -Credential ([pscredential]::new($ClientId, $SecureSecret)) @Endpoints }

        Assert-NoError -Result $result
        $result.Output | Should -HaveCount 1
        $result.Output[0].TenantId | Should -Be $Demo.TenantId
        $result.Output[0].ClientId | Should -Be $Demo.AppClientId
    }

    It 'Connection shows in its format view without secrets' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret @Endpoints | Out-String -Width 160 }

        Assert-NoError -Result $result
        $view = $result.Output -join [System.Environment]::NewLine
        $view | Should -Match 'TenantDomain'
        $view | Should -Match ([regex]::Escape($Demo.Domain))
        $view | Should -Match 'MissingPermissions'
        $result.Text | Should -Not -Match ([regex]::Escape($Secret))
    }

    It 'Certificate object signs in' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -Certificate $ObjectCertificate @Endpoints }

        @($result.Errors | ForEach-Object { $_.FullyQualifiedErrorId }) | Should -HaveCount 0 -Because $CertificateRegistration
        $result.Output | Should -HaveCount 1
        $result.Output[0].AuthType.ToString() | Should -Be 'Certificate'
    }

    It 'Certificate thumbprint is found in the user store' {
        $store = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList @(
            [System.Security.Cryptography.X509Certificates.StoreName]::My, [System.Security.Cryptography.X509Certificates.StoreLocation]::CurrentUser)
        $store.Open([System.Security.Cryptography.X509Certificates.OpenFlags]::ReadWrite)
        $store.Add($ThumbprintCertificate)
        try {
            $Thumbprint = $ThumbprintCertificate.Thumbprint
            $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -CertificateThumbprint $Thumbprint @Endpoints }

            @($result.Errors | ForEach-Object { $_.FullyQualifiedErrorId }) | Should -HaveCount 0 -Because $CertificateRegistration
            $result.Output | Should -HaveCount 1
            $result.Output[0].AuthType.ToString() | Should -Be 'Certificate'
        }
        finally {
            $store.Remove($ThumbprintCertificate)
            $store.Dispose()
        }
    }

    It 'Unknown thumbprint is a clear error' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -CertificateThumbprint 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' @Endpoints }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'CertificateNotFound,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)

        { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -CertificateThumbprint 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' @Endpoints } |
            Should -Throw -ErrorId 'CertificateNotFound,AzureCompliance.Cmdlets.Connection.ConnectComplianceTenantCommand'
    }

    It 'Unregistered certificate is refused' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -Certificate $UnregisteredCertificate @Endpoints }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidClientCertificate,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::AuthenticationError)
        $result.Output | Should -HaveCount 0
    }

    It 'Wrong secret is an authentication error that never shows the secret' {
        $wrongSecret = 'Wr0ng-Secret-Value-7f3a9c'
        $Wrong = ConvertTo-TestSecureString -Value $wrongSecret
        $result = Invoke-Captured {
            $VerbosePreference = 'Continue'
            $DebugPreference = 'Continue'
            Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $Wrong @Endpoints -Verbose
        }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'InvalidClientSecret,AzureCompliance.Cmdlets.Connection.ConnectComplianceTenantCommand*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::AuthenticationError)
        $failure.Exception.Message | Should -Match 'AADSTS7000215'
        $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $result.Verbose | Should -Not -BeNullOrEmpty
        $result.Text | Should -Not -Match ([regex]::Escape($wrongSecret))
        Get-ComplianceConnection | Should -BeNullOrEmpty
    }

    It 'Unknown application is not found' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId '9d9d9d9d-1111-2222-3333-444444444444' -ClientSecret $SecureSecret @Endpoints }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'ApplicationNotFound,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
        $failure.Exception.Message | Should -Match 'AADSTS700016'
    }

    It 'Unknown tenant is not found' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId 'fabrikam.onmicrosoft.com' -ClientId $ClientId -ClientSecret $SecureSecret @Endpoints }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'TenantNotFound,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ObjectNotFound)
    }

    It 'Missing permissions are named in a warning and on the connection' {
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ReaderClientId -ClientSecret $ReaderSecureSecret @Endpoints }

        Assert-NoError -Result $result
        $result.Warnings | Should -HaveCount 1
        $warning = $result.Warnings[0].Message
        $warning | Should -Match ([regex]::Escape('DeviceManagementServiceConfig.ReadWrite.All'))
        $warning | Should -Match ([regex]::Escape('Policy.ReadWrite.ConditionalAccess'))
        $result.Output | Should -HaveCount 1
        $result.Output[0].MissingPermissions | Should -Contain 'DeviceManagementServiceConfig.ReadWrite.All'
        $result.Output[0].Permissions | Should -Contain 'Organization.Read.All'
    }

    It 'Device code prints the code message and signs in a user' {
        $result = Invoke-Captured { Connect-ComplianceTenant -DeviceCode -TenantId $TenantId -ClientId $ClientId @Endpoints }

        Assert-NoError -Result $result
        $result.Information | Should -HaveCount 1
        [string]$result.Information[0].MessageData | Should -Match 'enter the code'
        $result.Output | Should -HaveCount 1
        $connection = $result.Output[0]
        $connection.AuthType.ToString() | Should -Be 'DeviceCode'
        $connection.Account | Should -Be $Demo.DeviceCodeUser
        @($connection.MissingPermissions) | Should -HaveCount 0
    }

    It 'Managed identity (<Kind>) signs in from the environment' -ForEach @(
        @{ Kind = 'system-assigned' }
        @{ Kind = 'user-assigned' }
    ) {
        $identity = @{}
        $expectedClientId = $Demo.SystemManagedIdentityClientId
        if ($Kind -eq 'user-assigned') {
            $identity = @{ ClientId = $Demo.UserManagedIdentityClientId }
            $expectedClientId = $Demo.UserManagedIdentityClientId
        }
        $env:IDENTITY_ENDPOINT = $Emulator.ManagedIdentityEndpoint
        $env:IDENTITY_HEADER = $Emulator.ManagedIdentityHeader
        try {
            $result = Invoke-Captured { Connect-ComplianceTenant -ManagedIdentity @identity @Endpoints }
        }
        finally {
            Remove-Item -Path Env:IDENTITY_ENDPOINT, Env:IDENTITY_HEADER -ErrorAction SilentlyContinue
        }

        Assert-NoError -Result $result
        $result.Output | Should -HaveCount 1
        $connection = $result.Output[0]
        $connection.AuthType.ToString() | Should -Be 'ManagedIdentity'
        $connection.TenantId | Should -Be $Demo.TenantId
        $connection.ClientId | Should -Be $expectedClientId
    }

    It 'Disconnect signs out and later use of the connection says to connect' {
        $c = Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret @Endpoints
        $connected = Invoke-Captured {
            Disconnect-ComplianceTenant -WhatIf
            $c.IsConnected
            Get-ComplianceConnection | ForEach-Object { 'still' }
        }

        Assert-NoError -Result $connected
        $connected.Output | Should -HaveCount 2
        $connected.Output[0] | Should -BeOfType ([bool])
        $connected.Output[0] | Should -BeTrue
        $connected.Output[1] | Should -Be 'still'

        $result = Invoke-Captured {
            Disconnect-ComplianceTenant
            $c.IsConnected
            Get-ComplianceConnection | ForEach-Object { 'still' }
            Disconnect-ComplianceTenant -Connection $c
        }

        $result.Output | Should -HaveCount 1
        $result.Output[0] | Should -BeOfType ([bool])
        $result.Output[0] | Should -BeFalse
        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'ConnectionClosed,*'
    }

    It 'Disconnect without a connection says to connect first' {
        $result = Invoke-Captured { Disconnect-ComplianceTenant }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ConnectionError)
        $failure.Exception.Message | Should -Match 'Connect-ComplianceTenant'
    }

    It '<Command> without a connection stops and says to connect first' -ForEach @(
        @{ Command = 'Get-CompliancePartner' }
        @{ Command = 'Get-ComplianceLicense' }
        @{ Command = 'Get-ComplianceAccessPolicy' }
        @{ Command = 'Test-ComplianceTenant' }
        @{ Command = "Get-DeviceCompliance -DeviceId '2f0c9d1e-3b4a-4c5d-8e6f-7a8b9c0d1e2f'" }
    ) {
        $script = [scriptblock]::Create($Command + "; 'the script went on'")
        $result = Invoke-Captured $script

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike 'NotConnected,*'
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::ConnectionError)
        $failure.Exception.Message | Should -Match 'Connect-ComplianceTenant'
        $result.Output | Should -Be @('the script went on')
    }

    It 'Inconsistent endpoints (<Case>) are refused before any sign-in' -ForEach @(
        @{ Case = 'only -AuthorityHost'; ErrorId = 'CustomEndpointIncomplete' }
        @{ Case = 'custom endpoints with -Environment USGov'; ErrorId = 'EnvironmentConflict' }
        @{ Case = 'an http authority'; ErrorId = 'InvalidCustomEndpoint' }
    ) {
        $endpointArguments = switch ($ErrorId) {
            'CustomEndpointIncomplete' { @{ AuthorityHost = $Emulator.AuthorityHost } }
            'EnvironmentConflict' { @{ AuthorityHost = $Emulator.AuthorityHost; GraphEndpoint = $Emulator.GraphEndpoint; Environment = 'USGov' } }
            'InvalidCustomEndpoint' { @{ AuthorityHost = 'http://127.0.0.1:1'; GraphEndpoint = $Emulator.GraphEndpoint } }
        }
        $result = Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret @endpointArguments }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
    }

    It 'Malformed ids (<Case>) are refused' -ForEach @(
        @{ Case = 'a client id that is not a GUID'; ErrorId = 'InvalidClientId' }
        @{ Case = 'a tenant that is neither a GUID nor a domain'; ErrorId = 'InvalidTenantId' }
    ) {
        $ids = switch ($ErrorId) {
            'InvalidClientId' { @{ TenantId = $TenantId; ClientId = 'not-a-guid' } }
            'InvalidTenantId' { @{ TenantId = 'not a tenant'; ClientId = $ClientId } }
        }
        $result = Invoke-Captured { Connect-ComplianceTenant @ids -ClientSecret $SecureSecret @Endpoints }

        $failure = Get-SingleError -Result $result
        $failure.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $failure.CategoryInfo.Category | Should -Be ([System.Management.Automation.ErrorCategory]::InvalidArgument)
    }

    It 'Core libraries load in a private load context' -Skip:(-not $IsCoreEdition) {
        Assert-NoError -Result (Invoke-Captured { Connect-ComplianceTenant -TenantId $TenantId -ClientId $ClientId -ClientSecret $SecureSecret @Endpoints })

        $msal = @([System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Microsoft.Identity.Client' })
        $msal | Should -Not -BeNullOrEmpty
        foreach ($assembly in $msal) {
            $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly)
            [object]::ReferenceEquals($context, [System.Runtime.Loader.AssemblyLoadContext]::Default) | Should -BeFalse -Because 'MSAL must not load into the default load context, where other modules load theirs'
        }
        $core = @([System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AzureCompliance.Core' })
        $core | Should -HaveCount 1
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($core[0]).GetType().Name | Should -Be 'DependencyLoadContext'
    }
}
