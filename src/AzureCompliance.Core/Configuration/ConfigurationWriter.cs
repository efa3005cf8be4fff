using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>
    /// Writes a configuration as a PowerShell data file (.psd1): one setting per line in a fixed order, lists sorted, so
    /// that two exports of the same setup are identical and a diff in source control shows exactly what changed.
    /// </summary>
    public static class ConfigurationWriter
    {
        public static string Write(ComplianceConfiguration configuration, string header)
        {
            var text = new StringBuilder();
            foreach (var line in header.Replace("\r", "").Split('\n'))
            {
                text.Append("# ").Append(line).Append('\n');
            }
            text.Append("@{\n");
            Line(text, 1, "SchemaVersion", ComplianceConfiguration.CurrentSchemaVersion.ToString(CultureInfo.InvariantCulture));
            if (configuration.Partner is PartnerConfiguration partner)
            {
                Open(text, 1, "Partner");
                Line(text, 2, "DisplayName", Quote(partner.DisplayName));
                Line(text, 2, "Platforms", List(partner.Platforms.Select(p => p.ToString())));
                Close(text, 1);
            }
            if (configuration.GroupScope is ScopeConfiguration scope)
            {
                Open(text, 1, "GroupScope");
                Line(text, 2, "AllUsers", Boolean(scope.AllUsers));
                if (!scope.AllUsers)
                {
                    Indent(text, 2).Append("Groups = @(\n");
                    foreach (var group in scope.Groups.OrderBy(g => g.DisplayName ?? g.Id, StringComparer.OrdinalIgnoreCase))
                    {
                        var parts = new List<string>();
                        if (group.DisplayName != null) parts.Add("DisplayName = " + Quote(group.DisplayName));
                        if (group.Id != null) parts.Add("Id = " + Quote(group.Id));
                        Indent(text, 3).Append("@{ ").Append(string.Join("; ", parts)).Append(" }\n");
                    }
                    Indent(text, 2).Append(")\n");
                }
                Close(text, 1);
            }
            if (configuration.Licensing is LicensingConfiguration licensing)
            {
                Open(text, 1, "Licensing");
                Line(text, 2, "AssignMissingLicenses", Boolean(licensing.AssignMissingLicenses));
                if (licensing.SkuId is Guid sku) Line(text, 2, "SkuId", Quote(sku.ToString()));
                if (licensing.UsageLocation != null) Line(text, 2, "UsageLocation", Quote(licensing.UsageLocation));
                Close(text, 1);
            }
            if (configuration.CompliancePolicies is List<PolicyConfiguration> policies)
            {
                Indent(text, 1).Append("CompliancePolicies = @(\n");
                foreach (var policy in policies.OrderBy(p => p.Platform).ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
                {
                    Indent(text, 2).Append("@{\n");
                    Line(text, 3, "Name", Quote(policy.Name));
                    Line(text, 3, "Platform", Quote(policy.Platform.ToString()));
                    Line(text, 3, "Enabled", Boolean(policy.Enabled));
                    Line(text, 3, "MinimumOsVersion", policy.MinimumOsVersion == null ? "$null" : Quote(policy.MinimumOsVersion.ToString()));
                    Line(text, 3, "MinimumClientVersion", policy.MinimumClientVersion == null ? "$null" : Quote(policy.MinimumClientVersion.ToString()));
                    Line(text, 3, "BlockJailbroken", Boolean(policy.BlockJailbroken));
                    Line(text, 3, "RequireEncryption", Boolean(policy.RequireEncryption));
                    Line(text, 3, "RequirePasscode", Boolean(policy.RequirePasscode));
                    Line(text, 3, "RequireEntraRegistration", Boolean(policy.RequireEntraRegistration));
                    Line(text, 3, "MaximumCheckInAgeHours", policy.MaximumCheckInAge is TimeSpan age
                        ? ((long)Math.Ceiling(age.TotalHours)).ToString(CultureInfo.InvariantCulture) : "0");
                    Indent(text, 2).Append("}\n");
                }
                Indent(text, 1).Append(")\n");
            }
            if (configuration.AccessPolicies is List<AccessPolicyConfiguration> access)
            {
                Indent(text, 1).Append("AccessPolicies = @(\n");
                foreach (var policy in access.OrderBy(p => p.DisplayName, StringComparer.OrdinalIgnoreCase))
                {
                    Indent(text, 2).Append("@{\n");
                    Line(text, 3, "DisplayName", Quote(policy.DisplayName));
                    Line(text, 3, "State", Quote(policy.State.ToString()));
                    Line(text, 3, "Platforms", List(policy.Platforms.Select(p => p.ToString())));
                    Line(text, 3, "Applications", List(policy.Applications));
                    Line(text, 3, "AllUsers", Boolean(policy.AllUsers));
                    if (!policy.AllUsers) Line(text, 3, "Groups", List(Sorted(policy.Groups)));
                    Line(text, 3, "ExcludeUsers", List(Sorted(policy.ExcludeUsers)));
                    Line(text, 3, "ExcludeGroups", List(Sorted(policy.ExcludeGroups)));
                    Indent(text, 2).Append("}\n");
                }
                Indent(text, 1).Append(")\n");
            }
            text.Append("}\n");
            return text.ToString();
        }

        /// <summary>A single-quoted PowerShell string: nothing in it is expanded; a quote is doubled.</summary>
        public static string Quote(string value) => "'" + value.Replace("'", "''").Replace("\u2018", "\u2018\u2018").Replace("\u2019", "\u2019\u2019") + "'";

        private static IEnumerable<string> Sorted(IEnumerable<string> values) => values.OrderBy(v => v, StringComparer.OrdinalIgnoreCase);

        private static string List(IEnumerable<string> values) => "@(" + string.Join(", ", values.Select(Quote)) + ")";

        private static string Boolean(bool value) => value ? "$true" : "$false";

        private static StringBuilder Indent(StringBuilder text, int level) => text.Append(' ', 4 * level);

        private static void Line(StringBuilder text, int level, string key, string value) => Indent(text, level).Append(key).Append(" = ").Append(value).Append('\n');

        private static void Open(StringBuilder text, int level, string key) => Indent(text, level).Append(key).Append(" = @{\n");

        private static void Close(StringBuilder text, int level) => Indent(text, level).Append("}\n");
    }
}
