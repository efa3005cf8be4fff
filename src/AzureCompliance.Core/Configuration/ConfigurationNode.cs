using System;
using System.Collections.Generic;
using System.Linq;

namespace AzureCompliance.Core.Configuration
{
    /// <summary>
    /// A value read from a configuration file, with the line it starts on, so that a refusal can name the line. The
    /// cmdlets parse the file (PowerShell data file syntax) into these nodes; the engine never sees PowerShell types.
    /// </summary>
    public abstract class ConfigurationNode
    {
        protected ConfigurationNode(int line) => Line = line;

        /// <summary>The line (1-based) where the value starts; 0 when unknown.</summary>
        public int Line { get; }
    }

    /// <summary>A text, number, boolean or null.</summary>
    public sealed class ConfigurationScalar : ConfigurationNode
    {
        public ConfigurationScalar(object? value, int line) : base(line) => Value = value;

        public object? Value { get; }
    }

    /// <summary>A list of values (@( ... )).</summary>
    public sealed class ConfigurationList : ConfigurationNode
    {
        public ConfigurationList(IEnumerable<ConfigurationNode> items, int line) : base(line) => Items = items.ToList();

        public IReadOnlyList<ConfigurationNode> Items { get; }
    }

    /// <summary>A table of named values (@{ ... }); names are case-insensitive, as in PowerShell.</summary>
    public sealed class ConfigurationTable : ConfigurationNode
    {
        private readonly List<KeyValuePair<string, ConfigurationNode>> _entries;

        public ConfigurationTable(IEnumerable<KeyValuePair<string, ConfigurationNode>> entries, int line) : base(line) =>
            _entries = entries.ToList();

        public IReadOnlyList<KeyValuePair<string, ConfigurationNode>> Entries => _entries;

        public ConfigurationNode? this[string key] =>
            _entries.FirstOrDefault(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)).Value;
    }
}
