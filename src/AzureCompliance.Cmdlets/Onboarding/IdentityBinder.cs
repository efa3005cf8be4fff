using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using AzureCompliance.Core.Onboarding;

namespace AzureCompliance.Cmdlets.Onboarding
{
    /// <summary>
    /// Turns what a -Group or -User parameter received into engine identities: a name, an id (GUID text or Guid), or an
    /// object with Id/GroupId/UserId and DisplayName/UserPrincipalName properties (the module's own objects, Microsoft
    /// Graph PowerShell objects, CSV rows...).
    /// </summary>
    internal static class IdentityBinder
    {
        private static readonly string[] GroupIdProperties = { "GroupId", "Id", "ObjectId" };
        private static readonly string[] GroupNameProperties = { "DisplayName", "GroupName", "Name" };
        private static readonly string[] UserIdProperties = { "UserId", "Id", "ObjectId" };
        private static readonly string[] UserNameProperties = { "UserPrincipalName", "Upn", "Mail" };

        public static List<DirectoryIdentity> Groups(IEnumerable<object?>? values) => Bind(values, GroupIdProperties, GroupNameProperties);

        public static List<DirectoryIdentity> Users(IEnumerable<object?>? values) => Bind(values, UserIdProperties, UserNameProperties);

        private static List<DirectoryIdentity> Bind(IEnumerable<object?>? values, string[] idProperties, string[] nameProperties)
        {
            var result = new List<DirectoryIdentity>();
            foreach (var value in Flatten(values))
            {
                var identity = ToIdentity(value, idProperties, nameProperties);
                if (identity != null)
                {
                    result.Add(identity);
                }
            }
            return result;
        }

        private static IEnumerable<object> Flatten(IEnumerable<object?>? values)
        {
            foreach (var value in values ?? Array.Empty<object?>())
            {
                var item = value is PSObject ps ? ps.BaseObject : value;
                if (item == null) continue;
                if (item is IEnumerable enumerable && !(item is string) && !(item is IDictionary))
                {
                    foreach (var inner in Flatten(enumerable.Cast<object?>())) yield return inner;
                    continue;
                }
                yield return value!;
            }
        }

        private static DirectoryIdentity? ToIdentity(object value, string[] idProperties, string[] nameProperties)
        {
            var item = value is PSObject ps ? ps.BaseObject : value;
            switch (item)
            {
                case string text:
                    return string.IsNullOrWhiteSpace(text) ? null : DirectoryIdentity.FromText(text);
                case Guid guid:
                    return new DirectoryIdentity(guid.ToString(), null);
            }
            var properties = value as PSObject ?? PSObject.AsPSObject(value);
            string? Read(string[] names)
            {
                if (item is IDictionary dictionary)
                {
                    foreach (var name in names)
                    {
                        foreach (DictionaryEntry entry in dictionary)
                        {
                            if (string.Equals(entry.Key?.ToString(), name, StringComparison.OrdinalIgnoreCase) && entry.Value != null)
                                return entry.Value.ToString();
                        }
                    }
                    return null;
                }
                return names.Select(n => properties.Properties[n]?.Value?.ToString()).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
            }
            var id = Read(idProperties);
            var name = Read(nameProperties);
            if (id != null && !Guid.TryParse(id, out _))
            {
                name ??= id;
                id = null;
            }
            if (id == null && name == null)
            {
                var text = item.ToString();
                return string.IsNullOrWhiteSpace(text) ? null : DirectoryIdentity.FromText(text!);
            }
            return new DirectoryIdentity(id, name);
        }
    }
}
