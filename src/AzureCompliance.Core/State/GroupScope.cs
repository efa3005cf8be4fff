using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace AzureCompliance.Core.State
{
    /// <summary>A group in the scope, by id with the name it had when it was chosen.</summary>
    public sealed class ScopedGroup
    {
        public ScopedGroup(string id, string displayName)
        {
            Id = id;
            DisplayName = displayName;
        }

        public string Id { get; }
        public string DisplayName { get; }
    }

    /// <summary>
    /// Whose devices this MDM instance reports: all users, or the members (transitively) of up to ten groups.
    /// Set-ComplianceGroup records it; partner policy assignment and Send-DeviceCompliance read it.
    /// </summary>
    public sealed class GroupScope
    {
        /// <summary>MaaS360 documents at most ten groups.</summary>
        public const int MaxGroups = 10;
        private const string SettingName = "groupScope";

        public GroupScope(bool allUsers, IEnumerable<ScopedGroup> groups)
        {
            AllUsers = allUsers;
            Groups = groups.ToList();
            if (allUsers && Groups.Count > 0)
            {
                throw new ArgumentException("A scope is either all users or groups, not both.");
            }
        }

        public bool AllUsers { get; }
        public IReadOnlyList<ScopedGroup> Groups { get; }

        public static GroupScope Everyone { get; } = new GroupScope(true, Array.Empty<ScopedGroup>());

        /// <summary>The recorded scope of an MDM instance, or null if none was set.</summary>
        public static GroupScope? Load(StateStore store, string source)
        {
            var json = store.GetSetting(source, SettingName);
            if (json == null)
            {
                return null;
            }
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var groups = root.GetProperty("groups").EnumerateArray()
                .Select(g => new ScopedGroup(g.GetProperty("id").GetString()!, g.GetProperty("displayName").GetString() ?? ""));
            return new GroupScope(root.GetProperty("allUsers").GetBoolean(), groups);
        }

        public void Save(StateStore store, string source)
        {
            var json = JsonSerializer.Serialize(new
            {
                allUsers = AllUsers,
                groups = Groups.Select(g => new { id = g.Id, displayName = g.DisplayName }),
            });
            store.SetSetting(source, SettingName, json);
        }

        public override string ToString() => AllUsers ? "All users" : string.Join(", ", Groups.Select(g => g.DisplayName));
    }
}
