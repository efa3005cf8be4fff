using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Onboarding.Groups
{
    /// <summary>A group as the directory knows it.</summary>
    internal sealed class DirectoryGroup
    {
        public DirectoryGroup(string id, string displayName, string? description)
        {
            Id = id;
            DisplayName = displayName;
            Description = description;
        }

        public string Id { get; }
        public string DisplayName { get; }
        public string? Description { get; }

        public override string ToString() => $"{DisplayName} ({Id})";
    }

    /// <summary>How many objects a group holds, nested groups followed (transitive membership).</summary>
    internal sealed class MemberCounts
    {
        public int Users { get; set; }
        public int Groups { get; set; }
        public int Devices { get; set; }
        public int Other { get; set; }
    }

    /// <summary>
    /// Group look-ups: by id or by display name (an OData literal with quotes doubled, so a name can never change the
    /// filter), name suggestions for completion, and transitive membership read page by page (999 per request).
    /// </summary>
    internal static class GroupDirectory
    {
        internal const int PageSize = 999;
        private static readonly string[] GroupFields = { "id", "displayName", "description" };

        /// <summary>Finds one group; unknown and ambiguous names are errors that list what the directory holds.</summary>
        public static async Task<DirectoryGroup> ResolveAsync(ComplianceConnection connection, DirectoryIdentity identity, CancellationToken cancellationToken)
        {
            if (identity.Id != null)
            {
                var byId = await GetByIdAsync(connection, identity.Id, cancellationToken).ConfigureAwait(false);
                if (byId != null)
                {
                    return byId;
                }
                if (identity.Name == null)
                {
                    throw new ComplianceException("GroupNotFound", ComplianceErrorCategory.ObjectNotFound,
                        $"No group has the id {identity.Id}.", identity.Id,
                        "Check the id, or give the group's display name.");
                }
            }

            var name = identity.Name!;
            var found = await FindByNameAsync(connection, name, cancellationToken).ConfigureAwait(false);
            if (found.Count == 1)
            {
                return found[0];
            }
            if (found.Count > 1)
            {
                throw new ComplianceException("GroupNameAmbiguous", ComplianceErrorCategory.InvalidArgument,
                    $"{found.Count} groups are named '{name}': " +
                    string.Join("; ", found.Select(g => g.Id + (string.IsNullOrEmpty(g.Description) ? "" : " (" + g.Description + ")"))) +
                    ". Give the id of the one you mean.", name,
                    "Pass the group's id instead of its name, e.g. -Group '" + found[0].Id + "'.");
            }

            var similar = await SimilarNamesAsync(connection, name, cancellationToken).ConfigureAwait(false);
            throw new ComplianceException("GroupNotFound", ComplianceErrorCategory.ObjectNotFound,
                $"No group is named '{name}'." + (similar.Count == 0
                    ? " No group name starts like it either."
                    : " Groups with similar names: " + string.Join(", ", similar.Select(s => "'" + s + "'")) + "."),
                name, "Check the name (press Tab after -Group to complete names), or give the group's id.");
        }

        public static async Task<DirectoryGroup?> GetByIdAsync(ComplianceConnection connection, string id, CancellationToken cancellationToken)
        {
            try
            {
                var group = await GraphErrors.CallAsync(
                    () => connection.Session.Graph.Groups[id].GetAsync(r => r.QueryParameters.Select = GroupFields, cancellationToken),
                    $"Reading group {id}", PermissionCatalog.GroupRead, connection.Permissions, id).ConfigureAwait(false);
                return group?.Id == null ? null : new DirectoryGroup(group.Id, group.DisplayName ?? "", group.Description);
            }
            catch (ComplianceServiceException ex) when (ex.StatusCode == 404 || (ex.StatusCode == 400 && !OData.IsGuid(id)))
            {
                return null;
            }
        }

        public static async Task<IReadOnlyList<DirectoryGroup>> FindByNameAsync(ComplianceConnection connection, string name, CancellationToken cancellationToken)
        {
            var page = await GraphErrors.CallAsync(
                () => connection.Session.Graph.Groups.GetAsync(r =>
                {
                    r.QueryParameters.Filter = "displayName eq " + OData.Literal(name);
                    r.QueryParameters.Select = GroupFields;
                    r.QueryParameters.Top = 25;
                }, cancellationToken),
                $"Finding the group named '{name}'", PermissionCatalog.GroupRead, connection.Permissions, name).ConfigureAwait(false);
            return (page?.Value ?? new List<Group>())
                .Where(g => g.Id != null && string.Equals(g.DisplayName, name, StringComparison.OrdinalIgnoreCase))
                .Select(g => new DirectoryGroup(g.Id!, g.DisplayName ?? "", g.Description))
                .ToList();
        }

        /// <summary>Display names starting with <paramref name="prefix"/> (all groups when it is empty), sorted, at most <paramref name="max"/>.</summary>
        public static async Task<IReadOnlyList<string>> SuggestNamesAsync(ComplianceConnection connection, string prefix, int max, CancellationToken cancellationToken)
        {
            var page = await GraphErrors.CallAsync(
                () => connection.Session.Graph.Groups.GetAsync(r =>
                {
                    if (prefix.Length > 0)
                    {
                        r.QueryParameters.Filter = "startswith(displayName," + OData.Literal(prefix) + ")";
                    }
                    r.QueryParameters.Select = new[] { "displayName" };
                    r.QueryParameters.Top = Math.Max(max, 1);
                }, cancellationToken),
                "Listing group names", PermissionCatalog.GroupRead, connection.Permissions, prefix).ConfigureAwait(false);
            return (page?.Value ?? new List<Group>())
                .Select(g => g.DisplayName)
                .Where(n => !string.IsNullOrEmpty(n))
                .Select(n => n!)
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .OrderBy(n => n, StringComparer.OrdinalIgnoreCase)
                .Take(max)
                .ToList();
        }

        private static async Task<IReadOnlyList<string>> SimilarNamesAsync(ComplianceConnection connection, string name, CancellationToken cancellationToken)
        {
            var prefix = name.Trim();
            prefix = prefix.Length > 3 ? prefix.Substring(0, 3) : prefix;
            if (prefix.Length == 0)
            {
                return Array.Empty<string>();
            }
            try
            {
                return await SuggestNamesAsync(connection, prefix, 10, cancellationToken).ConfigureAwait(false);
            }
            catch (ComplianceException)
            {
                return Array.Empty<string>(); // suggestions are a courtesy: the error stands without them
            }
        }

        /// <summary>Reads a group's transitive members page by page and counts them by kind.</summary>
        public static async Task<MemberCounts> CountMembersAsync(ComplianceConnection connection, string groupId, CancellationToken cancellationToken)
        {
            var counts = new MemberCounts();
            await ForEachMemberAsync(connection, groupId, new[] { "id" }, member =>
            {
                switch (member)
                {
                    case User _: counts.Users++; break;
                    case Group _: counts.Groups++; break;
                    case Device _: counts.Devices++; break;
                    default: counts.Other++; break;
                }
            }, cancellationToken).ConfigureAwait(false);
            return counts;
        }

        /// <summary>Every transitive member of a group, page by page (the whole @odata.nextLink chain), with the selected properties.</summary>
        public static async Task ForEachMemberAsync(ComplianceConnection connection, string groupId, string[] select,
            Action<DirectoryObject> onMember, CancellationToken cancellationToken)
        {
            var members = connection.Session.Graph.Groups[groupId].TransitiveMembers;
            var operation = $"Reading the members of group {groupId}";
            await GraphPager.ForEachPageAsync(connection.Session,
                token => GraphErrors.CallAsync(
                    () => members.GetAsync(r =>
                    {
                        r.QueryParameters.Select = select;
                        r.QueryParameters.Top = PageSize;
                    }, token),
                    operation, PermissionCatalog.GroupRead, connection.Permissions, groupId),
                (next, token) => GraphErrors.CallAsync(() => members.WithUrl(next).GetAsync(cancellationToken: token),
                    operation, PermissionCatalog.GroupRead, connection.Permissions, groupId),
                page =>
                {
                    foreach (var member in page.Value ?? new List<DirectoryObject>())
                    {
                        onMember(member);
                    }
                }, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Display names of group ids (cached per call); a deleted group shows as its id.</summary>
        public static async Task<IReadOnlyDictionary<string, string>> NamesAsync(ComplianceConnection connection, IEnumerable<string> ids, CancellationToken cancellationToken)
        {
            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var id in ids.Where(i => !string.IsNullOrEmpty(i)).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var group = await GetByIdAsync(connection, id, cancellationToken).ConfigureAwait(false);
                names[id] = group?.DisplayName ?? id;
            }
            return names;
        }
    }
}
