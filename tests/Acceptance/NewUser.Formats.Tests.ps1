<#
    Issue 9, point 7: every format view of the module reads in a console of 80 and of 120 columns. Each view is
    rendered through Out-String at both widths with realistic values (long reasons and details, GUIDs, user names,
    lists); no line may be longer than the width, no text cut ('…' truncation or a word split across lines; a long
    name may break after punctuation inside it), and every column of a table must show (none squeezed out).
    Real pwsh and the built module's format files.
#>

BeforeDiscovery {
    $moduleFolder = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'module')
    $Views = foreach ($file in Get-ChildItem -LiteralPath $moduleFolder -Filter '*.format.ps1xml') {
        $xml = [xml](Get-Content -LiteralPath $file.FullName -Raw)
        foreach ($view in $xml.Configuration.ViewDefinitions.View) {
            foreach ($width in 80, 120) {
                @{ Name = $view.Name; TypeName = [string]$view.ViewSelectedBy.TypeName; Width = $width; File = $file.Name; Xml = $view.OuterXml }
            }
        }
    }
}

Describe 'Format views read at 80 and 120 columns' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestSetup.ps1')
        Import-AzureComplianceModule

        $Guid = '2410d3a3-e621-544d-8879-5c6d3947c430'
        $Long = @{
            ReasonSummary = 'OS version 15.2 is below the minimum 16.0; the device last checked in 45 days ago (limit 30 days); the device is jailbroken'
            Detail        = 'Intune rejected the upload: the device is not enrolled by this compliance partner (DeviceNotFound); it is sent again next run'
            Message       = 'The OS version 15.2 is below the minimum version 16.0 of the policy'
            Remedy        = "Run Add-CompliancePartner -DisplayName 'MobileIron Core' -Platform Android, iOS, then Set-ComplianceGroup -Group 'Mobile Pilot'"
            Changes       = 'Assign the partner compliance policy (iOS) to Mobile Pilot, Field Staff'
            AssignmentSummary = 'iOS: Mobile Pilot, Field Staff; Android: All users'
            Applications  = 'Office 365, Exchange Online, SharePoint Online'
            Scope         = 'Mobile Pilot, Field Staff, All Sales'
            Action        = 'Remove the partner compliance policy for Android'
            StatePath     = '/home/adele/.local/share/AzureCompliance/state.db'
            Target        = 'Mobile Pilot (9f5c4c11-30b0-56aa-a46a-f811f0ce184a)'
            UnregisteredInstances = 'core-02, core-03'
            AccessPoliciesRequiringCompliance = 'Require compliant device for Office 365'
            LicensedThrough = 'Mobile Pilot (group)'
        }
        $Values = @{
            Outcome = 'OutOfScope'; Platform = 'Android'; Platforms = @('Android', 'iOS', 'macOS'); DeviceName = 'Contoso-iPhone-0042'
            DisplayName = 'MobileIron Core'; PolicyName = 'iOS baseline 2026'; Name = 'iOS baseline 2026'; PartnerName = 'MobileIron Core'
            UserPrincipalName = 'adele.vance@contoso.onmicrosoft.com'; Account = 'adele.vance@contoso.onmicrosoft.com'
            TenantDomain = 'contoso.onmicrosoft.com'; SourceName = 'core-01'; State = 'Enabled'; MdmState = 'Managed'; MdmVerdict = 'NotCompliant'
            Rule = 'MinimumOsVersion'; Expected = '16.0'; Actual = '15.2'; OsVersion = '17.4.1'; ClientVersion = '12.11.0'; OperatingSystem = 'iOS'
            OperatingSystemVersion = '17.4.1'; MinimumOsVersion = '16.0'; MinimumClientVersion = '12.0'; SkuPartNumber = 'EMSPREMIUM'
            AuthType = 'ClientSecret'; Environment = 'Global'; UsageLocation = 'US'; Permissions = @('DeviceManagementServiceConfig.ReadWrite.All', 'Group.Read.All')
            MissingPermissions = @('Policy.ReadWrite.ConditionalAccess'); MaximumCheckInAge = [TimeSpan]::FromDays(30); Elapsed = [TimeSpan]::FromSeconds(95.5)
            DevicesPerSecond = 1234.5; Result = 'Warning'; AssignedPolicies = @('iOS baseline 2026', 'Android baseline')
        }
        $Dates = 'LastCheckIn', 'LastHeartbeat', 'ApproximateLastSignIn', 'ExpiresOn'
        $Guids = 'DeviceId', 'Id', 'GroupId', 'TenantId', 'ClientId', 'SkuId'

        function New-SampleObject {
            <# An object the view selects (by its type name) with a realistic value for each property the view reads. #>
            param([string] $TypeName, [string[]] $Property, [int] $Index)
            $sample = [ordered]@{}
            foreach ($name in $Property) {
                $sample[$name] = if ($Long.ContainsKey($name)) { $Long[$name] }
                elseif ($Values.ContainsKey($name)) { $Values[$name] }
                elseif ($Guids -contains $name) { $Guid }
                elseif ($Dates -contains $name) { [DateTimeOffset]::new(2026, 11, 22, 9, 30, 0, [TimeSpan]::Zero) }
                elseif ($name -match '^(Is|Has|Require|Block|Entra|In|Signed|Exists|Enabled|WhatIf|Partner|Lockout)') { ($Index % 2) -eq 0 }
                else { 123456 + $Index }
            }
            $object = [pscustomobject]$sample
            $object.PSObject.TypeNames.Insert(0, $TypeName)
            $object
        }

        function Get-Words {
            <#
                The words a rendering may show: of the values, of the labels, and of the view's script blocks run
                without their wrapping (dates and numbers as the host formats them, lists joined).
            #>
            param([object[]] $Object, [string[]] $Label, [string[]] $Script)
            $words = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
            $texts = [System.Collections.Generic.List[string]]::new()
            foreach ($text in $Label) { $texts.Add($text) }
            foreach ($o in $Object) {
                foreach ($p in $o.PSObject.Properties) { $texts.Add((@($p.Value) -join ', ')); $texts.Add([string]$p.Value) }
                $texts.Add(($o | Format-List -Property * | Out-String -Width 4096))
                foreach ($body in $Script) {
                    $unwrapped = $body.Replace('[AzureCompliance.Cmdlets.Infrastructure.ConsoleText]::Wrap(', 'Join-Unwrapped(')
                    $block = [scriptblock]::Create('function Join-Unwrapped { param($Pair) @($Pair[0]) -join '', '' }; $_ = $args[0]; ' + $unwrapped)
                    $texts.Add((@(& $block $o) -join ', '))
                }
            }
            foreach ($text in $texts) { foreach ($word in ([string]$text -split '\s+')) { [void]$words.Add($word) } }
            , $words
        }

        function Test-WholeWord {
            <# A shown token is a word, or a piece of a long word broken after punctuation inside it (ConsoleText.Wrap). #>
            param([System.Collections.Generic.HashSet[string]] $Words, [string] $Token)
            if ($Words.Contains($Token)) { return $true }
            $breaks = '.@-/\,;:'.ToCharArray()
            foreach ($word in $Words) {
                $at = $word.IndexOf($Token, [StringComparison]::Ordinal)
                while ($at -ge 0) {
                    $startsWell = $at -eq 0 -or $breaks -contains $word[$at - 1]
                    $endsWell = ($at + $Token.Length) -eq $word.Length -or $breaks -contains $Token[-1]
                    if ($startsWell -and $endsWell) { return $true }
                    $at = $word.IndexOf($Token, $at + 1, [StringComparison]::Ordinal)
                }
            }
            $false
        }
    }

    It '<Name> (<File>) at <Width> columns' -ForEach $Views {
        $view = ([xml]$Xml).View
        $properties = @(
            $view.SelectNodes('.//PropertyName') | ForEach-Object { $_.InnerText }
            $view.SelectNodes('.//ScriptBlock') | ForEach-Object { [regex]::Matches($_.InnerText, '\$_\.(\w+)') | ForEach-Object { $_.Groups[1].Value } }
        ) | Select-Object -Unique
        $labels = @($view.SelectNodes('.//Label') | ForEach-Object { $_.InnerText }) + @($properties)
        $objects = @(0, 1 | ForEach-Object { New-SampleObject -TypeName $TypeName -Property $properties -Index $_ })
        $text = $objects | Out-String -Width $Width
        $lines = @($text -split "`r?`n" | Where-Object { $_.Trim() })
        $scripts = @($view.SelectNodes('.//ScriptBlock') | ForEach-Object { $_.InnerText })
        $words = Get-Words -Object $objects -Label $labels -Script $scripts

        $text | Should -Not -Match ([regex]::Escape([string][char]0x2026)) -Because "a cut value loses words:`n$text"
        foreach ($line in $lines) {
            $line.Length | Should -BeLessOrEqual $Width -Because "the line must fit:`n$text"
            # Every token on every line (header, values and their continuation lines) is a whole word.
            $value = if ($view.ListControl -and $line -match '^\S.*? : (.*)$') { $Matches[1] } else { $line }
            foreach ($token in ($value.Trim() -split '\s+' | Where-Object { $_ -and $_ -notmatch '^-+$' })) {
                Test-WholeWord -Words $words -Token $token | Should -BeTrue -Because "'$token' is a cut word:`n$text"
            }
        }
        if ($view.TableControl) {
            $dashIndex = [array]::FindIndex([string[]]$lines, [Predicate[string]] { param($l) $l -match '^[\s-]+$' })
            $dashIndex | Should -BeGreaterThan 0 -Because "a table has a header line:`n$text"
            @([regex]::Matches($lines[$dashIndex], '-+')).Count | Should -Be @($view.TableControl.TableHeaders.TableColumnHeader).Count -Because "every column shows:`n$text"
        }
    }
}
