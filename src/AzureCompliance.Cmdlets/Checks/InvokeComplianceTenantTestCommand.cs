using System;
using System.Collections;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Onboarding;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding.Readiness;
using AzureCompliance.Core.Registry;

namespace AzureCompliance.Cmdlets.Checks
{
    /// <summary>
    /// Runs the module's Pester 5 checks of a live tenant (licences, partner and heartbeat, partner tenant, group scope,
    /// compliance policies, Conditional Access, drift, last sync) and returns one result per test; -OutputFile writes
    /// NUnit or JUnit XML for a pipeline. Pester is loaded only when this runs, never when the module is imported.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "ComplianceTenantTest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ComplianceTenantTestResult))]
    public sealed class InvokeComplianceTenantTestCommand : TenantReadinessCmdlet
    {
        internal static readonly string[] CheckNames = { "Licensing", "Partner", "PartnerTenant", "GroupScope", "CompliancePolicy", "ConditionalAccess", "Drift", "LastSync" };
        private static readonly Version MinimumPester = new Version(5, 0);

        /// <summary>Only these checks; by default all.</summary>
        [Parameter(Position = 0)]
        [ValidateSet("Licensing", "Partner", "PartnerTenant", "GroupScope", "CompliancePolicy", "ConditionalAccess", "Drift", "LastSync", IgnoreCase = true)]
        public string[]? Check { get; set; }

        /// <summary>Leave these checks out.</summary>
        [Parameter]
        [ValidateSet("Licensing", "Partner", "PartnerTenant", "GroupScope", "CompliancePolicy", "ConditionalAccess", "Drift", "LastSync", IgnoreCase = true)]
        public string[]? ExcludeCheck { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        /// <summary>How recent the partner's heartbeat must be (default one day).</summary>
        [Parameter]
        public TimeSpan MaximumHeartbeatAge { get; set; } = TimeSpan.FromDays(1);

        /// <summary>How recent this instance's last Send-DeviceCompliance run must be (default one day).</summary>
        [Parameter]
        public TimeSpan MaximumSyncAge { get; set; } = TimeSpan.FromDays(1);

        /// <summary>The MDM's device export (as Import-ComplianceDevice reads it) for the drift check; without it that check is skipped.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DevicePath { get; set; }

        /// <summary>The layout of -DevicePath (as Import-ComplianceDevice -Format).</summary>
        [Parameter]
        public DeviceInventoryFormat DeviceFormat { get; set; } = DeviceInventoryFormat.Generic;

        /// <summary>The share of devices (percent) whose Entra state may differ from the MDM's verdict (default 5).</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public double MaximumDriftPercent { get; set; } = 5;

        /// <summary>Fail the Conditional Access check when the policy is only report-only (by default a warning).</summary>
        [Parameter]
        public SwitchParameter RequireEnforced { get; set; }

        /// <summary>Write the results as XML to this file, for a CI pipeline.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutputFile { get; set; }

        [Parameter]
        [ValidateSet("NUnitXml", "JUnitXml", IgnoreCase = true)]
        public string OutputFormat { get; set; } = "NUnitXml";

        /// <summary>Pester's own console output: None (default: only the result objects), Normal or Detailed.</summary>
        [Parameter]
        [ValidateSet("None", "Normal", "Detailed", IgnoreCase = true)]
        public string PesterOutput { get; set; } = "None";

        protected override void ProcessRecord()
        {
            var connection = RequireConnection();
            var checks = (Check ?? CheckNames).Where(c => !(ExcludeCheck ?? Array.Empty<string>()).Contains(c, StringComparer.OrdinalIgnoreCase))
                .Select(c => CheckNames.First(n => string.Equals(n, c, StringComparison.OrdinalIgnoreCase))).Distinct().ToList();
            if (checks.Count == 0)
            {
                ThrowTerminatingError(new ComplianceException("NoCheckSelected", ComplianceErrorCategory.InvalidArgument,
                    "-Check and -ExcludeCheck leave no check to run.", null, "Run without -ExcludeCheck, or name checks with -Check: " + string.Join(", ", CheckNames) + "."));
            }
            var outputFile = OutputFile == null ? null : GetUnresolvedProviderPathFromPSPath(OutputFile);
            if (!ShouldProcess($"tenant {connection.TenantDomain ?? connection.TenantId}", "Run the Pester checks " + string.Join(", ", checks) +
                (outputFile == null ? "" : " and write " + OutputFormat + " to " + outputFile)))
            {
                return;
            }
            var pester = FindPester();

            var registry = new Hashtable { ["Registered"] = false, ["LastSyncOn"] = null, ["Problem"] = null };
            if (checks.Contains("LastSync"))
            {
                try
                {
                    var instances = Run((bridge, token) => InstanceRegistry.GetAsync(connection, token));
                    var self = instances.FirstOrDefault(i => string.Equals(i.Name, connection.SourceName, StringComparison.OrdinalIgnoreCase));
                    registry["Registered"] = self != null;
                    registry["LastSyncOn"] = self?.LastSyncOn;
                }
                catch (ComplianceException ex)
                {
                    registry["Problem"] = ex.Message;
                }
            }
            var data = new Hashtable
            {
                ["Connection"] = connection,
                ["Platform"] = Platform.Select(p => p.ToString()).ToArray(),
                ["MaximumHeartbeatAge"] = MaximumHeartbeatAge,
                ["MaximumSyncAge"] = MaximumSyncAge,
                ["MaximumDriftPercent"] = MaximumDriftPercent,
                ["RequireEnforced"] = RequireEnforced.IsPresent,
                ["Registry"] = ToObject(registry),
            };
            if (PartnerName != null) data["PartnerName"] = PartnerName;
            if (StatePath != null) data["StatePath"] = GetUnresolvedProviderPathFromPSPath(StatePath);
            if (DevicePath != null)
            {
                data["DevicePath"] = GetUnresolvedProviderPathFromPSPath(DevicePath);
                data["DeviceFormat"] = DeviceFormat.ToString();
            }

            // Pester hands container data to the run phase of a file only (not of a script block): a private copy per run.
            var directory = Path.Combine(Path.GetTempPath(), "azurecompliance-checks-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            var checksFile = Path.Combine(directory, "AzureCompliance.Tenant.Tests.ps1");
            Collection<PSObject> results;
            try
            {
                File.WriteAllText(checksFile, ReadChecks(), new System.Text.UTF8Encoding(true));
                results = InvokeCommand.InvokeScript(false, ScriptBlock.Create(RunnerScript), null,
                    pester, checksFile, data, checks.ToArray(), outputFile, OutputFormat, PesterOutput);
            }
            finally
            {
                try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            foreach (var item in results)
            {
                var row = item.Properties;
                WriteObject(new ComplianceTenantTestResult(
                    row["Check"]?.Value?.ToString() ?? "",
                    row["Name"]?.Value?.ToString() ?? "",
                    row["Result"]?.Value?.ToString() ?? "",
                    row["Message"]?.Value?.ToString(),
                    row["Duration"]?.Value is TimeSpan duration ? duration : TimeSpan.Zero));
            }
        }

        private static PSObject ToObject(Hashtable values)
        {
            var result = new PSObject();
            foreach (DictionaryEntry entry in values)
            {
                result.Properties.Add(new PSNoteProperty((string)entry.Key, entry.Value));
            }
            return result;
        }

        /// <summary>Pester 5 as loaded in the session, else the newest installed; a terminating error that says how to get it otherwise.</summary>
        private PSModuleInfo FindPester()
        {
            var found = InvokeCommand.InvokeScript(
                "@(Get-Module -Name Pester) + @(Get-Module -ListAvailable -Name Pester) | Where-Object { $_.Version -ge [version]'" + MinimumPester + "' } | " +
                "Sort-Object -Property @{ Expression = { $null -ne $_.SessionState } }, Version -Descending | Select-Object -First 1");
            if (found.Count > 0 && found[0].BaseObject is PSModuleInfo module)
            {
                return module;
            }
            ThrowTerminatingError(new ComplianceException("PesterNotFound", ComplianceErrorCategory.ObjectNotFound,
                "Invoke-ComplianceTenantTest runs Pester 5 (5.0 or later), which is not installed for this PowerShell. " +
                "The AzureCompliance module does not need Pester for anything else, so it does not install it. " +
                "(Windows PowerShell ships Pester 3.4, which cannot run these checks.)", "Pester",
                "Install it once: Install-Module -Name Pester -MinimumVersion 5.0 -Scope CurrentUser -Force -SkipPublisherCheck " +
                "(or Install-PSResource -Name Pester -Version '[5.0,6.0)'), then run Invoke-ComplianceTenantTest again."));
            return null!; // not reached
        }

        private static string ReadChecks()
        {
            using var stream = typeof(InvokeComplianceTenantTestCommand).Assembly.GetManifestResourceStream("AzureCompliance.Cmdlets.Checks.TenantChecks.ps1")
                ?? throw new InvalidOperationException("The module's Pester checks are missing from AzureCompliance.Cmdlets.dll.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        // Runs in the caller's session: Pester is imported here, on demand, and the results are flattened to plain values.
        private const string RunnerScript = @"
param($Pester, $ChecksFile, $Data, $Tags, $OutputFile, $OutputFormat, $Verbosity)
Import-Module -ModuleInfo $Pester -ErrorAction Stop
$configuration = New-PesterConfiguration
$configuration.Run.Container = New-PesterContainer -Path $ChecksFile -Data $Data
$configuration.Run.PassThru = $true
$configuration.Filter.Tag = $Tags
$configuration.Output.Verbosity = $Verbosity
$configuration.Should.ErrorAction = 'Stop'
if ($OutputFile) {
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputPath = $OutputFile
    $configuration.TestResult.OutputFormat = $OutputFormat
    $configuration.TestResult.TestSuiteName = 'AzureCompliance tenant checks'
}
$run = Invoke-Pester -Configuration $configuration
foreach ($test in $run.Tests | Where-Object ShouldRun) {
    $message = $null
    if ($test.ErrorRecord.Count -gt 0) { $message = ($test.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join ' ' }
    elseif ($test.Result -eq 'Skipped' -and $test.ErrorRecord) { $message = [string]$test.ErrorRecord }
    if (-not $message) {
        # A failed BeforeAll fails every test below it: its error is the reason.
        for ($block = $test.Block; $block -and -not $message; $block = $block.Parent) {
            if ($block.ErrorRecord.Count -gt 0) { $message = ($block.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join ' ' }
        }
    }
    [pscustomobject]@{
        Check    = @($test.Tag + $test.Block.Tag | Where-Object { $_ })[0]
        Name     = $test.ExpandedName
        Result   = [string]$test.Result
        Message  = $message
        Duration = $test.Duration
    }
}
foreach ($container in $run.Containers) {
    if ($container.Result -eq 'Failed' -and $container.ErrorRecord.Count -gt 0) {
        [pscustomobject]@{ Check = 'Setup'; Name = 'Reading the tenant'; Result = 'Failed'; Message = ($container.ErrorRecord | ForEach-Object { $_.Exception.Message }) -join ' '; Duration = [timespan]::Zero }
    }
}
";
    }
}
