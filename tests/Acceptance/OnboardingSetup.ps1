<#
.SYNOPSIS
    Shared set-up of the onboarding scenarios (Onboarding.*.Tests.ps1): each test runs its script text in a fresh
    session of its own (New-ModuleRunspace: the built module, a text host that keeps what the console shows and answers
    prompts), as a user's new pwsh window would, against the file's emulator; the emulator's journal, read through its
    admin endpoint, proves what was written and what was not.

    Dot-source after TestSetup.ps1 in BeforeAll, then:
        BeforeAll  { . Initialize-OnboardingFile }      (starts the emulator: $Emulator, $Demo)
        AfterAll   { Complete-OnboardingFile }
        BeforeEach { . Start-OnboardingTest }          ($Session, $StatePath, $Source)
        AfterEach  { Stop-OnboardingTest }
#>

function Initialize-OnboardingFile {
    param([string[]] $Option = @())
    $Emulator = Start-TenantEmulator -Option $Option
    $Demo = $Emulator.Demo
    $SecureSecret = ConvertTo-TestSecureString -Value $Demo.AppSecret
    $ReaderSecureSecret = ConvertTo-TestSecureString -Value $Demo.ReaderSecret
    $OnboardingWork = Join-Path ([System.IO.Path]::GetTempPath()) ('azc-onboarding-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $OnboardingWork
}

function Complete-OnboardingFile {
    Stop-TenantEmulator -Emulator $Emulator
    if ($OnboardingWork) { Remove-Item -LiteralPath $OnboardingWork -Recurse -Force -ErrorAction SilentlyContinue }
}

function Start-OnboardingTest {
    <# A fresh session, a private state file and an MDM instance name of the test's own. #>
    $Session = New-ModuleRunspace
    $StatePath = Join-Path $OnboardingWork ([guid]::NewGuid().ToString('N') + '.db')
    $Source = 'onb-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
}

function Stop-OnboardingTest {
    Remove-ModuleRunspace -Shell $Session
}

function Get-ScenarioVariable {
    <# The variables every scenario script can use. #>
    @{
        AuthorityHost      = $Emulator.AuthorityHost
        GraphEndpoint      = $Emulator.GraphEndpoint
        TenantId           = $Demo.TenantId
        TenantDomain       = $Demo.Domain
        ClientId           = $Demo.AppClientId
        SecureSecret       = $SecureSecret
        ReaderClientId     = $Demo.ReaderClientId
        ReaderSecureSecret = $ReaderSecureSecret
        StatePath          = $StatePath
        Source             = $Source
    }
}

function Invoke-Scenario {
    <# Runs script text in the test's session (or another one) with the scenario variables and -Variable set. #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Variable = @{}, [System.Management.Automation.PowerShell] $Shell = $Session)
    $all = Get-ScenarioVariable
    foreach ($name in $Variable.Keys) { $all[$name] = $Variable[$name] }
    Invoke-ModuleScript -Shell $Shell -Script $Script -Variable $all
}

function Get-ConnectScript {
    <# Script text that connects as the test's MDM instance (or another) and discards the connection object. #>
    param([string] $SourceName = '$Source')
    $name = if ($SourceName.StartsWith('$')) { $SourceName } else { "'$SourceName'" }
    "Connect-ComplianceTenant -TenantId `$TenantId -ClientId `$ClientId -ClientSecret `$SecureSecret -AuthorityHost `$AuthorityHost -GraphEndpoint `$GraphEndpoint -SourceName $name | Out-Null; "
}

$ConnectReaderScript = 'Connect-ComplianceTenant -TenantId $TenantId -ClientId $ReaderClientId -ClientSecret $ReaderSecureSecret -AuthorityHost $AuthorityHost -GraphEndpoint $GraphEndpoint -WarningAction SilentlyContinue | Out-Null; '

function Reset-Onboarding {
    <#
    Starts from a tenant with no compliance partner, no registered MDM instance and no Conditional Access policy made
    by these tests, in the test's session (which ends signed out).
    #>
    $result = Invoke-Scenario -Script ((Get-ConnectScript -SourceName 'onb-reset') +
        'Get-CompliancePartner | ForEach-Object { Remove-CompliancePartner -DisplayName $_.DisplayName -Confirm:$false -WarningAction SilentlyContinue }; ' +
        "Get-ComplianceAccessPolicy -All | Where-Object { `$_.DisplayName -like 'AzC test*' } | Remove-ComplianceAccessPolicy -Confirm:`$false; " +
        'Disconnect-ComplianceTenant -Deprovision -All -Force -Confirm:$false -WarningAction SilentlyContinue | Out-Null')
    Assert-NoError -Result $result
    # The partner API has no call that deletes a partner compliance policy: other scenarios' policies go here.
    Clear-EmulatorPartnerCompliancePolicy -Emulator $Emulator
}

function Get-Writes { Get-EmulatorWriteCount -Emulator $Emulator }

function Get-JournalMark { (Get-EmulatorJournal -Emulator $Emulator -CountOnly).Total }

function Get-JournalSince { param([int] $Mark) @((Get-EmulatorJournal -Emulator $Emulator -Since $Mark).entries) }

function Get-Strings { param($Item, [string] $Name) @($Item.$Name | ForEach-Object { [string]$_ }) }

function Get-ErrorWithId {
    <# The error of a run whose id is -ErrorId; fails naming them all when there is none. #>
    param([Parameter(Mandatory)] $Result, [Parameter(Mandatory)] [string] $ErrorId)
    $match = @($Result.Errors | Where-Object { $_.FullyQualifiedErrorId -like "$ErrorId,*" })
    if ($match.Count -eq 0) {
        throw ("Expected an error $ErrorId; got: " + (($Result.Errors | ForEach-Object { "$($_.FullyQualifiedErrorId) $_" }) -join ' | '))
    }
    $match[0]
}

function Assert-Mention {
    <# The error's message, details or recommended action name every text (ordinal). #>
    param([Parameter(Mandatory)] $ErrorRecord, [Parameter(Mandatory)] [string[]] $Text)
    $all = "$($ErrorRecord.Exception.Message) $($ErrorRecord.ErrorDetails.Message) $($ErrorRecord.ErrorDetails.RecommendedAction)"
    foreach ($item in $Text) {
        if (-not $all.Contains($item)) { throw "The error should mention '$item': $all" }
    }
}

function Get-TenantGroupId {
    param([Parameter(Mandatory)] [string] $Name)
    @(Get-EmulatorTenant -Emulator $Emulator -Collection groups | Where-Object displayName -ceq $Name)[0].id
}

function Get-TenantUserIds {
    <# The object ids of every user of the tenant, as a set. #>
    $set = New-Object -TypeName 'System.Collections.Generic.HashSet[string]'
    foreach ($user in Get-EmulatorTenant -Emulator $Emulator -Collection users) { $null = $set.Add($user.id) }
    , $set
}

function Get-TransitiveUserCount {
    <# How many users a group holds, nested groups followed (the emulator's count). #>
    param([Parameter(Mandatory)] [string] $GroupId)
    $users = Get-TenantUserIds
    @(Get-EmulatorTransitiveMember -Emulator $Emulator -GroupId $GroupId | Where-Object { $users.Contains($_) }).Count
}
