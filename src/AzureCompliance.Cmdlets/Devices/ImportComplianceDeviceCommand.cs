using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using AzureCompliance.Cmdlets.Infrastructure;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Devices
{
    /// <summary>
    /// Streams device records out of MDM inventory exports (CSV or JSON). A bad row is a non-terminating error naming the
    /// file, line and column, and the rest goes on. Local only: reads files, sends nothing.
    /// </summary>
    [Cmdlet(VerbsData.Import, "ComplianceDevice", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(DeviceRecord))]
    public sealed class ImportComplianceDeviceCommand : ComplianceCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        private DeviceImportOptions? _options;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>Which export's column names to look for (see about_AzureCompliance and the help). Default: Generic.</summary>
        [Parameter]
        public DeviceInventoryFormat Format { get; set; } = DeviceInventoryFormat.Generic;

        /// <summary>Device value → column name, overriding the format's columns, e.g. @{ DeviceId = 'AAD Device'; LastCheckIn = 'Last Seen' }.</summary>
        [Parameter]
        [ValidateNotNull]
        public Hashtable? ColumnMap { get; set; }

        /// <summary>The file's text encoding when it has no byte order mark (default UTF-8).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EncodingNameCompleter))]
        public string? Encoding { get; set; }

        /// <summary>The CSV field separator (default comma).</summary>
        [Parameter]
        public char Delimiter { get; set; } = ',';

        /// <summary>Emit rows without an Entra device id (devices not registered in Entra) instead of reporting them as errors.</summary>
        [Parameter]
        public SwitchParameter IncludeUnregistered { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                _options = new DeviceImportOptions
                {
                    Format = Format,
                    ColumnMap = ColumnMap?.Cast<DictionaryEntry>().ToDictionary(e => e.Key?.ToString() ?? "", e => Unwrap(e.Value)?.ToString()),
                    Encoding = string.IsNullOrEmpty(Encoding) ? null : DeviceImportOptions.ResolveEncoding(Encoding!),
                    Delimiter = Delimiter,
                    IncludeUnregistered = IncludeUnregistered.IsPresent,
                };
                _ = new DeviceColumnMap(_options.Format, _options.ColumnMap); // an unknown -ColumnMap key stops the command here
            }
            catch (ComplianceException ex)
            {
                ThrowTerminatingError(ex);
            }
        }

        protected override void ProcessRecord()
        {
            foreach (var path in ResolvePaths())
            {
                ImportFile(path);
            }
        }

        private IEnumerable<string> ResolvePaths()
        {
            if (ParameterSetName == LiteralPathSet)
            {
                foreach (var literal in LiteralPath!)
                {
                    yield return GetUnresolvedProviderPathFromPSPath(literal);
                }
                yield break;
            }
            foreach (var pattern in Path!)
            {
                if (!WildcardPattern.ContainsWildcardCharacters(pattern))
                {
                    yield return GetUnresolvedProviderPathFromPSPath(pattern);
                    continue;
                }
                List<string> resolved;
                try
                {
                    resolved = GetResolvedProviderPathFromPSPath(pattern, out _).ToList();
                }
                catch (ItemNotFoundException)
                {
                    resolved = new List<string>();
                }
                if (resolved.Count == 0)
                {
                    WriteError(DeviceImportErrors.FileNotFound(pattern));
                }
                foreach (var file in resolved)
                {
                    yield return file;
                }
            }
        }

        private void ImportFile(string path)
        {
            if (Directory.Exists(path))
            {
                WriteError(new ComplianceException("DeviceFileIsDirectory", ComplianceErrorCategory.InvalidArgument,
                    $"{path} is a folder; give an inventory file (CSV or JSON).", path));
                return;
            }
            long records = 0;
            long errors = 0;
            try
            {
                foreach (var item in DeviceImporter.ReadFile(path, _options!))
                {
                    if (item.Record != null)
                    {
                        records++;
                        WriteObject(item.Record);
                    }
                    else
                    {
                        errors++;
                        WriteError(item.Error!);
                    }
                }
            }
            catch (ComplianceException ex) when (ex.ErrorId == "DeviceFileNotFound")
            {
                WriteError(ex);
                return;
            }
            catch (ComplianceException ex)
            {
                ThrowTerminatingError(ex);
            }
            WriteVerbose($"{System.IO.Path.GetFileName(path)}: {records} device(s) imported, {errors} row(s) with errors.");
        }

        private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
    }
}
