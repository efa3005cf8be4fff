using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AzureCompliance.Core.Devices;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Onboarding;
using AzureCompliance.Core.Onboarding.ConditionalAccess;
using AzureCompliance.Core.Policy;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>
    /// Turns the parsed file into a <see cref="ComplianceConfiguration"/>. Strict: an unknown key, a wrong type or an
    /// unknown platform is refused with the file and line, before anything is read from the tenant.
    /// </summary>
    public sealed class ConfigurationReader
    {
        private readonly string _file;

        private ConfigurationReader(string file) => _file = file;

        public static ComplianceConfiguration Read(ConfigurationNode root, string file) => new ConfigurationReader(file).ReadRoot(root);

        /// <summary>The refusal every configuration check uses: "file, line N: what is wrong".</summary>
        public static ComplianceException Invalid(string file, int line, string message, string? recommendedAction = null, string errorId = "ConfigurationInvalid",
            ComplianceErrorCategory category = ComplianceErrorCategory.InvalidData) =>
            new ComplianceException(errorId, category, $"{Location(file, line)}: {message}", Location(file, line), recommendedAction);

        public static string Location(string file, int line) => line > 0 ? $"{file}, line {line}" : file;

        private ComplianceConfiguration ReadRoot(ConfigurationNode root)
        {
            var table = Table(root, "The file");
            Known(table, "SchemaVersion", "Partner", "GroupScope", "Licensing", "CompliancePolicies", "AccessPolicies");
            var version = table["SchemaVersion"];
            if (version != null && Integer(version, "SchemaVersion") != ComplianceConfiguration.CurrentSchemaVersion)
            {
                throw Fail(version, $"SchemaVersion {Integer(version, "SchemaVersion")} is not supported; this module reads version {ComplianceConfiguration.CurrentSchemaVersion}.",
                    "Export the configuration again with this module's Export-ComplianceConfiguration.");
            }
            var configuration = new ComplianceConfiguration
            {
                Partner = table["Partner"] is ConfigurationNode partner ? ReadPartner(partner) : null,
                GroupScope = table["GroupScope"] is ConfigurationNode scope ? ReadScope(scope) : null,
                Licensing = table["Licensing"] is ConfigurationNode licensing ? ReadLicensing(licensing) : null,
                CompliancePolicies = table["CompliancePolicies"] is ConfigurationNode policies ? Items(policies, "CompliancePolicies").Select(ReadPolicy).ToList() : null,
                AccessPolicies = table["AccessPolicies"] is ConfigurationNode access ? Items(access, "AccessPolicies").Select(ReadAccessPolicy).ToList() : null,
            };
            CheckUnique(configuration);
            return configuration;
        }

        /// <summary>The store's rules, checked on the whole file before anything is applied: unique names, one enabled policy per platform.</summary>
        private void CheckUnique(ComplianceConfiguration configuration)
        {
            var policies = configuration.CompliancePolicies ?? new List<PolicyConfiguration>();
            for (var i = 0; i < policies.Count; i++)
            {
                var earlier = policies.Take(i).ToList();
                var policy = policies[i];
                if (earlier.Any(p => string.Equals(p.Name, policy.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    throw Invalid(_file, policy.Line, $"A second compliance policy is named '{policy.Name}'; names are unique.");
                }
                var enabled = earlier.FirstOrDefault(p => p.Enabled && policy.Enabled && p.Platform == policy.Platform);
                if (enabled != null)
                {
                    throw Invalid(_file, policy.Line, $"'{policy.Name}' and '{enabled.Name}' (line {enabled.Line}) are both enabled for {policy.Platform}; one policy per platform can be enabled.",
                        "Set Enabled = $false on one of them.");
                }
            }
            var access = configuration.AccessPolicies ?? new List<AccessPolicyConfiguration>();
            for (var i = 0; i < access.Count; i++)
            {
                if (access.Take(i).Any(p => string.Equals(p.DisplayName, access[i].DisplayName, StringComparison.OrdinalIgnoreCase)))
                {
                    throw Invalid(_file, access[i].Line, $"A second Conditional Access policy is named '{access[i].DisplayName}'; names are unique in the file.");
                }
            }
        }

        private PartnerConfiguration ReadPartner(ConfigurationNode node)
        {
            var table = Table(node, "Partner");
            Known(table, "DisplayName", "Platforms");
            var platforms = Required(table, "Platforms");
            return new PartnerConfiguration
            {
                DisplayName = Text(Required(table, "DisplayName"), "DisplayName"),
                Platforms = Platforms(platforms),
                Line = node.Line,
                PlatformsLine = platforms.Line,
            };
        }

        private ScopeConfiguration ReadScope(ConfigurationNode node)
        {
            var table = Table(node, "GroupScope");
            Known(table, "AllUsers", "Groups");
            var allUsers = table["AllUsers"] is ConfigurationNode all && Boolean(all, "AllUsers");
            var groupsNode = table["Groups"];
            var groups = groupsNode == null ? new List<ScopeGroupConfiguration>() : Items(groupsNode, "Groups").Select(ReadScopeGroup).ToList();
            if (allUsers == (groups.Count > 0))
            {
                throw Fail(node, "GroupScope needs AllUsers = $true, or Groups with one to ten groups (not both).",
                    "Write AllUsers = $true, or list the groups: Groups = @( @{ DisplayName = 'Mobile Pilot' } ).");
            }
            return new ScopeConfiguration { AllUsers = allUsers, Groups = groups, Line = node.Line, GroupsLine = groupsNode?.Line ?? node.Line };
        }

        private ScopeGroupConfiguration ReadScopeGroup(ConfigurationNode node)
        {
            if (node is ConfigurationScalar scalar && scalar.Value is string text && text.Trim().Length > 0)
            {
                return OData.IsGuid(text) ? new ScopeGroupConfiguration(null, text.Trim(), node.Line) : new ScopeGroupConfiguration(text, null, node.Line);
            }
            var table = Table(node, "A group");
            Known(table, "DisplayName", "Id");
            var name = table["DisplayName"] is ConfigurationNode n ? Text(n, "DisplayName") : null;
            var id = table["Id"] is ConfigurationNode i ? Text(i, "Id") : null;
            if (name == null && id == null)
            {
                throw Fail(node, "A group needs a DisplayName or an Id.");
            }
            if (id != null && !OData.IsGuid(id))
            {
                throw Fail(table["Id"]!, $"'{id}' is not a group object id (a GUID).");
            }
            return new ScopeGroupConfiguration(name, id, node.Line);
        }

        private LicensingConfiguration ReadLicensing(ConfigurationNode node)
        {
            var table = Table(node, "Licensing");
            Known(table, "AssignMissingLicenses", "SkuId", "UsageLocation");
            Guid? sku = null;
            if (table["SkuId"] is ConfigurationNode skuNode)
            {
                var text = Text(skuNode, "SkuId");
                sku = Guid.TryParse(text, out var parsed) ? parsed : throw Fail(skuNode, $"'{text}' is not a SKU id (a GUID); see Get-ComplianceLicense.");
            }
            return new LicensingConfiguration
            {
                AssignMissingLicenses = table["AssignMissingLicenses"] is ConfigurationNode assign && Boolean(assign, "AssignMissingLicenses"),
                SkuId = sku,
                UsageLocation = table["UsageLocation"] is ConfigurationNode location ? Text(location, "UsageLocation") : null,
                Line = node.Line,
            };
        }

        private PolicyConfiguration ReadPolicy(ConfigurationNode node)
        {
            var table = Table(node, "A compliance policy");
            Known(table, "Name", "Platform", "Enabled", "MinimumOsVersion", "MinimumClientVersion", "BlockJailbroken", "RequireEncryption",
                "RequirePasscode", "RequireEntraRegistration", "MaximumCheckInAgeHours");
            var name = Text(Required(table, "Name"), "Name");
            var platformNode = Required(table, "Platform");
            var platform = Platform(platformNode);
            // Rules left out take the module's defaults for the platform, as New-CompliancePolicy does.
            var defaults = CompliancePolicy.CreateDefault(name, platform);
            var policy = new PolicyConfiguration
            {
                Name = name,
                Platform = platform,
                Enabled = Flag(table, "Enabled", true),
                MinimumOsVersion = table["MinimumOsVersion"] is ConfigurationNode os ? Version(os, "MinimumOsVersion") : defaults.MinimumOsVersion,
                MinimumClientVersion = table["MinimumClientVersion"] is ConfigurationNode client ? Version(client, "MinimumClientVersion") : defaults.MinimumClientVersion,
                BlockJailbroken = Flag(table, "BlockJailbroken", defaults.BlockJailbroken),
                RequireEncryption = Flag(table, "RequireEncryption", defaults.RequireEncryption),
                RequirePasscode = Flag(table, "RequirePasscode", defaults.RequirePasscode),
                RequireEntraRegistration = Flag(table, "RequireEntraRegistration", defaults.RequireEntraRegistration),
                Line = node.Line,
            };
            if (table["MaximumCheckInAgeHours"] is ConfigurationNode age && !(age is ConfigurationScalar { Value: null }))
            {
                var hours = Integer(age, "MaximumCheckInAgeHours");
                if (hours < 0) throw Fail(age, "MaximumCheckInAgeHours cannot be negative.");
                policy.MaximumCheckInAge = hours == 0 ? (TimeSpan?)null : TimeSpan.FromHours(hours);
            }
            try
            {
                CompliancePolicyStore.ValidateName(name);
            }
            catch (ComplianceException ex)
            {
                throw Fail(node, ex.Message);
            }
            return policy;
        }

        private AccessPolicyConfiguration ReadAccessPolicy(ConfigurationNode node)
        {
            var table = Table(node, "A Conditional Access policy");
            Known(table, "DisplayName", "State", "Platforms", "Applications", "AllUsers", "Groups", "ExcludeUsers", "ExcludeGroups");
            var policy = new AccessPolicyConfiguration { DisplayName = Text(Required(table, "DisplayName"), "DisplayName"), Line = node.Line };
            if (table["State"] is ConfigurationNode state)
            {
                var text = Text(state, "State");
                policy.State = Enum.TryParse<ComplianceAccessPolicyState>(text, true, out var parsed) && Enum.IsDefined(typeof(ComplianceAccessPolicyState), parsed)
                    ? parsed
                    : throw Fail(state, $"'{text}' is not a Conditional Access state: use ReportOnly, Enabled or Disabled.");
            }
            if (table["Platforms"] is ConfigurationNode platforms) policy.Platforms = Platforms(platforms);
            if (table["Applications"] is ConfigurationNode applications)
            {
                try
                {
                    policy.Applications = AccessPolicyShape.ValidateApplications(Texts(applications, "Applications")).ToList();
                }
                catch (ComplianceException ex)
                {
                    throw Fail(applications, ex.Message);
                }
            }
            policy.AllUsers = Flag(table, "AllUsers", false);
            policy.Groups = table["Groups"] is ConfigurationNode groups ? Texts(groups, "Groups") : new List<string>();
            policy.ExcludeUsers = table["ExcludeUsers"] is ConfigurationNode users ? Texts(users, "ExcludeUsers") : new List<string>();
            policy.ExcludeGroups = table["ExcludeGroups"] is ConfigurationNode excluded ? Texts(excluded, "ExcludeGroups") : new List<string>();
            if (policy.AllUsers == (policy.Groups.Count > 0))
            {
                throw Fail(node, $"The Conditional Access policy '{policy.DisplayName}' needs AllUsers = $true, or Groups (not both).");
            }
            return policy;
        }

        private ConfigurationTable Table(ConfigurationNode node, string what) =>
            node as ConfigurationTable ?? throw Fail(node, $"{what} must be a table: @{{ Name = value }}.");

        private IReadOnlyList<ConfigurationNode> Items(ConfigurationNode node, string key) =>
            node is ConfigurationList list ? list.Items
            : node is ConfigurationScalar { Value: null } ? Array.Empty<ConfigurationNode>()
            : new[] { node }; // one item without @( ), as PowerShell allows

        private void Known(ConfigurationTable table, params string[] keys)
        {
            foreach (var entry in table.Entries)
            {
                if (!keys.Contains(entry.Key, StringComparer.OrdinalIgnoreCase))
                {
                    throw Fail(entry.Value, $"'{entry.Key}' is not a setting here; the settings are {string.Join(", ", keys)}.");
                }
            }
        }

        private ConfigurationNode Required(ConfigurationTable table, string key) =>
            table[key] ?? throw Fail(table, $"'{key}' is missing.");

        private string Text(ConfigurationNode node, string key)
        {
            if (node is ConfigurationScalar scalar && scalar.Value != null && !(scalar.Value is bool))
            {
                var text = Convert.ToString(scalar.Value, CultureInfo.InvariantCulture)!.Trim();
                if (text.Length > 0) return text;
            }
            throw Fail(node, $"{key} must be a non-empty text.");
        }

        private List<string> Texts(ConfigurationNode node, string key) =>
            Items(node, key).Select(i => Text(i, key)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

        private bool Boolean(ConfigurationNode node, string key) =>
            node is ConfigurationScalar { Value: bool value } ? value : throw Fail(node, $"{key} must be $true or $false.");

        private bool Flag(ConfigurationTable table, string key, bool defaultValue) =>
            table[key] is ConfigurationNode node ? Boolean(node, key) : defaultValue;

        private int Integer(ConfigurationNode node, string key)
        {
            if (node is ConfigurationScalar scalar && scalar.Value != null && !(scalar.Value is bool) && !(scalar.Value is string) &&
                long.TryParse(Convert.ToString(scalar.Value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) &&
                value >= int.MinValue && value <= int.MaxValue)
            {
                return (int)value;
            }
            throw Fail(node, $"{key} must be a whole number.");
        }

        private Version? Version(ConfigurationNode node, string key)
        {
            if (node is ConfigurationScalar { Value: null }) return null;
            var text = Text(node, key);
            return VersionString.TryParse(text, out var version) ? version : throw Fail(node, $"'{text}' is not a version such as 12.0 or 8.1.0.");
        }

        private DevicePlatform Platform(ConfigurationNode node)
        {
            var text = Text(node, "Platform");
            return OnboardingPlatforms.Parse(text) ?? throw Fail(node, $"'{text}' is not a platform: use {string.Join(", ", OnboardingPlatforms.Names)}.");
        }

        private List<DevicePlatform> Platforms(ConfigurationNode node)
        {
            var platforms = Items(node, "Platforms").Select(Platform).ToList();
            if (platforms.Count == 0) throw Fail(node, "Name at least one platform (Android, iOS, macOS).");
            return OnboardingPlatforms.Normalize(platforms).ToList();
        }

        private ComplianceException Fail(ConfigurationNode node, string message, string? recommendedAction = null) =>
            Invalid(_file, node.Line, message, recommendedAction);
    }
}
