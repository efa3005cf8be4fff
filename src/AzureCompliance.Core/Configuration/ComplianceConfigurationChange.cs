namespace AzureCompliance.Core.Configuration
{
    /// <summary>The part of the setup a difference is in, in the order they are applied.</summary>
    public enum ConfigurationArea
    {
        Partner,
        GroupScope,
        Licensing,
        CompliancePolicy,
        AccessPolicy,
    }

    public enum ConfigurationAction
    {
        Add,
        Change,
        Remove,
    }

    /// <summary>
    /// One difference between a configuration file and the tenant (with this instance's state): what
    /// Compare-ComplianceConfiguration returns and Set-ComplianceConfiguration applies. OldValue is the tenant's,
    /// NewValue the file's; Location names the file and line the wanted value comes from.
    /// </summary>
    public sealed class ComplianceConfigurationChange
    {
        internal ComplianceConfigurationChange(ConfigurationArea area, string item, ConfigurationAction action, string? property,
            string? oldValue, string? newValue, string location)
        {
            Area = area;
            Item = item;
            Action = action;
            Property = property;
            OldValue = oldValue;
            NewValue = newValue;
            Location = location;
        }

        public ConfigurationArea Area { get; }
        /// <summary>The partner, policy or group scope the difference is about.</summary>
        public string Item { get; }
        public ConfigurationAction Action { get; }
        /// <summary>The setting that differs; null when the whole item is added or removed.</summary>
        public string? Property { get; }
        public string? OldValue { get; }
        public string? NewValue { get; }
        /// <summary>The file and line of the wanted value ("config.psd1, line 12").</summary>
        public string Location { get; }
        /// <summary>True once Set-ComplianceConfiguration has made the change.</summary>
        public bool Applied { get; internal set; }

        /// <summary>"Change AccessPolicy 'Require compliant devices' State: ReportOnly -> Enabled".</summary>
        public string Description =>
            $"{Action} {Area} '{Item}'" + (Property == null ? "" : " " + Property) +
            (Action == ConfigurationAction.Change ? $": {Show(OldValue)} -> {Show(NewValue)}"
             : Action == ConfigurationAction.Add && NewValue != null ? ": " + NewValue
             : Action == ConfigurationAction.Remove && OldValue != null ? " (was " + OldValue + ")" : "");

        private static string Show(string? value) => string.IsNullOrEmpty(value) ? "(none)" : value!;

        public override string ToString() => Description;
    }
}
