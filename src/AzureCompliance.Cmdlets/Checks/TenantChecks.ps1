<#
    The Pester 5 checks of a live tenant that Invoke-ComplianceTenantTest runs (shipped inside the module, not
    loaded when the module is imported). Each Context is one check, tagged with its name; each failure says what to
    do. The data comes from Invoke-ComplianceTenantTest's parameters.
#>
param(
    [Parameter(Mandatory)] [object] $Connection,
    [string[]] $Platform = @('Android', 'iOS'),
    [string] $PartnerName,
    [string] $StatePath,
    [timespan] $MaximumHeartbeatAge = [timespan]::FromDays(1),
    [timespan] $MaximumSyncAge = [timespan]::FromDays(1),
    [string] $DevicePath,
    [string] $DeviceFormat = 'Generic',
    [double] $MaximumDriftPercent = 5,
    [bool] $RequireEnforced = $false,
    [object] $Registry
)

Describe 'Intune compliance partner setup of this MDM instance' {
    BeforeAll {
        $Tenant = @{ Connection = $Connection }
        $State = @{}
        if ($StatePath) { $State.StatePath = $StatePath }
        $Partner = @{}
        if ($PartnerName) { $Partner.PartnerName = $PartnerName }
        $Readiness = @(Test-ComplianceTenant @Tenant @State @Partner -Platform $Platform -ErrorAction Stop)

        function Get-ReadinessReason([string] $Name) {
            $check = $Readiness | Where-Object Name -EQ $Name | Select-Object -First 1
            if (-not $check) { return "Test-ComplianceTenant returned no '$Name' check." }
            "$($check.Detail) To fix: $($check.Remedy)"
        }
        function Get-ReadinessResult([string] $Name) { [string]($Readiness | Where-Object Name -EQ $Name | Select-Object -First 1).Result }
    }

    Context 'Licensing' -Tag 'Licensing' {
        It 'gives every user in scope an Intune licence' {
            Get-ReadinessResult 'Users licensed' | Should -Be 'Pass' -Because (Get-ReadinessReason 'Users licensed')
        }
    }

    Context 'Partner' -Tag 'Partner' {
        It 'onboards the partner for <_>' -ForEach $Platform {
            $name = "Partner onboarded: $_"
            Get-ReadinessResult $name | Should -Be 'Pass' -Because (Get-ReadinessReason $name)
        }

        It 'hears from the partner within the heartbeat interval' {
            $partners = @(Get-CompliancePartner @Tenant | Where-Object { -not $PartnerName -or $_.DisplayName -eq $PartnerName } | Where-Object { $_.Platforms.Count -gt 0 })
            $partners | Should -Not -BeNullOrEmpty -Because 'no compliance partner is onboarded. To fix: Add-CompliancePartner -DisplayName <MDM name> -Platform Android, iOS'
            $heartbeat = $partners[0].LastHeartbeat
            $limit = [datetimeoffset]::UtcNow - $MaximumHeartbeatAge
            $heartbeat | Should -Not -BeNullOrEmpty -Because "Intune has never heard from '$($partners[0].DisplayName)'. To fix: run the MDM's device sync (Send-DeviceCompliance) and check the partner in the Intune admin center"
            $heartbeat | Should -BeGreaterOrEqual $limit -Because "'$($partners[0].DisplayName)' last reported to Intune at $($heartbeat.ToString('u')), more than $MaximumHeartbeatAge ago. To fix: check that the MDM's device sync runs, then the partner's state in the Intune admin center (Tenant administration > Connectors and tokens > Partner compliance management)"
        }
    }

    Context 'Partner tenant' -Tag 'PartnerTenant' {
        It 'provisions the partner tenant and registers this instance' {
            Get-ReadinessResult 'Partner tenant provisioned' | Should -Be 'Pass' -Because (Get-ReadinessReason 'Partner tenant provisioned')
        }
    }

    Context 'Group scope' -Tag 'GroupScope' {
        BeforeAll { $Groups = @(Get-ComplianceGroup @Tenant @State -WarningAction SilentlyContinue) }

        It 'records a scope within the ten-group limit' {
            $Groups | Should -Not -BeNullOrEmpty -Because 'no group scope is recorded for this instance. To fix: Set-ComplianceGroup -Group <up to 10 groups> (or -AllUsers)'
            $Groups.Count | Should -BeLessOrEqual 10 -Because 'a group scope holds at most ten groups. To fix: Set-ComplianceGroup with a parent group that nests the others'
        }

        It 'finds every group of the scope in the directory' {
            $missing = @($Groups | Where-Object { -not $_.Exists } | ForEach-Object { "'$($_.DisplayName)' ($($_.Id))" })
            $missing | Should -BeNullOrEmpty -Because "these groups of the scope no longer exist: $($missing -join ', '). To fix: Set-ComplianceGroup -Group <existing groups>"
        }

        It 'assigns the partner to the recorded scope' {
            Get-ReadinessResult 'Group scope' | Should -Be 'Pass' -Because (Get-ReadinessReason 'Group scope')
        }
    }

    Context 'Compliance policies' -Tag 'CompliancePolicy' {
        It 'has an enabled partner compliance policy for <_>' -ForEach $Platform {
            $enabled = @(Get-CompliancePolicy @State -SourceName $Connection.SourceName -Platform $_ | Where-Object Enabled)
            $enabled | Should -Not -BeNullOrEmpty -Because "the MDM instance '$($Connection.SourceName)' has no enabled compliance policy for $_, so it reports no $_ device. To fix: New-CompliancePolicy -Name '$_ baseline' -Platform $_ (or Enable-CompliancePolicy)"
        }
    }

    Context 'Conditional Access' -Tag 'ConditionalAccess' {
        BeforeAll {
            $Requiring = @(Get-ComplianceAccessPolicy @Tenant | Where-Object { $_.State -ne 'Disabled' } | Where-Object {
                    $policy = $_; $policy.Platforms.Count -eq 0 -or @($Platform | Where-Object { $policy.Platforms -contains $_ -or $policy.Platforms -contains 'All' }).Count -gt 0 })
            $Excluding = @($Requiring | Where-Object { ($_.ExcludeUsers.Count + $_.ExcludeGroups.Count + $_.ExcludeRoles.Count) -gt 0 })
        }

        It 'requires a compliant device and excludes an emergency access account' {
            $Requiring | Should -Not -BeNullOrEmpty -Because "no enabled or report-only Conditional Access policy requires a compliant device on $($Platform -join ', '). To fix: New-ComplianceAccessPolicy -DisplayName 'Require compliant mobile devices' -Group <groups> -ExcludeGroup <emergency access group>"
            $Excluding | Should -Not -BeNullOrEmpty -Because "$(($Requiring | ForEach-Object { "'$($_.DisplayName)'" }) -join ', ') exclude nobody: an administrator without a compliant device is locked out. To fix: Set-ComplianceAccessPolicy -DisplayName '$($Requiring[0].DisplayName)' -ExcludeGroup <emergency access group>"
        }

        It 'enforces it (report-only passes with a warning unless enforcement is required)' {
            $enforced = @($Excluding | Where-Object State -EQ 'Enabled')
            if ($enforced.Count -eq 0 -and $Excluding.Count -gt 0 -and -not $RequireEnforced) {
                Write-Warning "The Conditional Access policy '$($Excluding[0].DisplayName)' is report-only: sign-ins are logged, nobody is blocked. When its sign-in reports look right: Set-ComplianceAccessPolicy -DisplayName '$($Excluding[0].DisplayName)' -State Enabled"
                return
            }
            $enforced | Should -Not -BeNullOrEmpty -Because "no Conditional Access policy that requires a compliant device and excludes an emergency account is enforced. To fix: review its sign-in logs, then Set-ComplianceAccessPolicy -DisplayName <name> -State Enabled"
        }
    }

    Context 'Drift' -Tag 'Drift' {
        It 'keeps the drift between the MDM and Entra within the threshold' {
            if (-not $DevicePath) {
                Set-ItResult -Skipped -Because 'no device inventory was given (Invoke-ComplianceTenantTest -DevicePath <MDM export>)'
                return
            }
            # The devices of the platforms checked; others (e.g. macOS when only Android and iOS are onboarded) are not this partner's.
            $drift = @(Import-ComplianceDevice -Path $DevicePath -Format $DeviceFormat -WarningAction SilentlyContinue |
                    Where-Object { $Platform -contains [string]$_.Platform } | Compare-DeviceCompliance @Tenant @State -ErrorAction SilentlyContinue)
            $drift | Should -Not -BeNullOrEmpty -Because "no $($Platform -join ' or ') device of $DevicePath could be compared. To fix: check the export (Import-ComplianceDevice -Path '$DevicePath' -Format $DeviceFormat)"
            $drifting = @($drift | Where-Object { -not $_.InSync })
            $percent = [math]::Round(100.0 * $drifting.Count / $drift.Count, 1)
            $percent | Should -BeLessOrEqual $MaximumDriftPercent -Because "$($drifting.Count) of $($drift.Count) device(s) ($percent %) differ between the MDM and Entra, e.g. $(($drifting | Select-Object -First 3 | ForEach-Object { "'$_'" }) -join ', '). To fix: run Send-DeviceCompliance with the MDM's inventory, then Compare-DeviceCompliance -DriftOnly to see what remains"
        }
    }

    Context 'Last sync' -Tag 'LastSync' {
        It 'synchronised this instance within the expected interval' {
            $Registry | Should -Not -BeNullOrEmpty
            $Registry.Problem | Should -BeNullOrEmpty -Because "the instance registry could not be read: $($Registry.Problem)"
            $Registry.Registered | Should -BeTrue -Because "the MDM instance '$($Connection.SourceName)' is not registered on the tenant. To fix: Add-CompliancePartner -DisplayName <MDM name> -Platform Android, iOS"
            $Registry.LastSyncOn | Should -Not -BeNullOrEmpty -Because "the MDM instance '$($Connection.SourceName)' has never sent device compliance. To fix: schedule Send-DeviceCompliance with the MDM's inventory"
            $Registry.LastSyncOn | Should -BeGreaterOrEqual ([datetimeoffset]::UtcNow - $MaximumSyncAge) -Because "the last sync of '$($Connection.SourceName)' was at $($Registry.LastSyncOn.ToString('u')), more than $MaximumSyncAge ago. To fix: check the scheduled Send-DeviceCompliance job"
        }
    }
}
