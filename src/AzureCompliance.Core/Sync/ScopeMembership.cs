using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using AzureCompliance.Core.Http;
using AzureCompliance.Core.State;

namespace AzureCompliance.Core.Sync
{
    /// <summary>
    /// Whose devices a run reports, resolved once per run: the users of the recorded group scope from the paged transitive
    /// membership of each scoped group (never one request per device), or every user for an "All users" scope. Also
    /// turns a user principal name into the owner's object id that the upload needs.
    /// </summary>
    internal sealed class ScopeMembership
    {
        private const string UserPermission = "User.Read.All";

        private readonly ComplianceConnection? _connection;
        private readonly IOperationContext _context;
        private readonly CancellationToken _cancellationToken;
        private readonly HashSet<string> _members = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private Dictionary<string, string> _byUpn = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly object _sync = new object();
        private bool _allUsersLoaded;

        private ScopeMembership(GroupScope scope, ComplianceConnection? connection, IOperationContext context, CancellationToken cancellationToken)
        {
            Scope = scope;
            _connection = connection;
            _context = context;
            _cancellationToken = cancellationToken;
        }

        public GroupScope Scope { get; }

        public bool AllUsers => Scope.AllUsers;

        /// <summary>Users in the scope (0 for All users: no filter).</summary>
        public int MemberCount => _members.Count;

        /// <summary>A scope with these members, for tests and the benchmark (no directory calls).</summary>
        internal static ScopeMembership FromMembers(GroupScope scope, IEnumerable<KeyValuePair<string, string>> idAndUpn)
        {
            var membership = new ScopeMembership(scope, null, SilentOperationContext.Instance, CancellationToken.None);
            foreach (var pair in idAndUpn)
            {
                membership.Add(pair.Key, pair.Value);
            }
            membership._allUsersLoaded = true;
            return membership;
        }

        public static async Task<ScopeMembership> LoadAsync(ComplianceConnection connection, GroupScope scope, IOperationContext context,
            CancellationToken cancellationToken)
        {
            var membership = new ScopeMembership(scope, connection, context, cancellationToken);
            if (scope.AllUsers)
            {
                context.WriteVerbose("Group scope: all users; no device is out of scope.");
                return membership;
            }
            foreach (var group in scope.Groups)
            {
                var uri = new Uri($"{connection.Session.GraphRoot}/groups/{Uri.EscapeDataString(group.Id)}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName&$top=999");
                var found = await membership.ReadUsersAsync(uri, $"Reading the members of group '{group.DisplayName}'", PermissionCatalog.GroupRead,
                    cancellationToken).ConfigureAwait(false);
                if (found < 0)
                {
                    context.WriteWarning($"The scoped group '{group.DisplayName}' ({group.Id}) no longer exists: it adds no users to the scope. " +
                        "Run Set-ComplianceGroup to update the scope.");
                    continue;
                }
                context.WriteVerbose($"Group '{group.DisplayName}': {found} users (transitive).");
            }
            context.WriteVerbose($"Group scope: {membership._members.Count} users in {scope.Groups.Count} group(s).");
            return membership;
        }

        /// <summary>
        /// The owner's object id if the device's user is in scope. <paramref name="userId"/> wins when it is an object id;
        /// otherwise the user principal name is looked up. False (with the reason) when the user is outside the scope or
        /// unknown.
        /// </summary>
        public bool TryResolveOwner(string? userId, string? userPrincipalName, out string ownerId, out string reason)
        {
            ownerId = "";
            var id = userId?.Trim();
            var hasId = !string.IsNullOrEmpty(id) && Guid.TryParse(id, out _);
            var upn = userPrincipalName?.Trim();
            if (!hasId && string.IsNullOrEmpty(upn))
            {
                reason = "The device has no user (neither UserId nor UserPrincipalName): Intune needs the owner's object id.";
                return false;
            }

            if (AllUsers)
            {
                if (hasId)
                {
                    ownerId = id!.ToLowerInvariant();
                    reason = "";
                    return true;
                }
                EnsureAllUsers();
                if (_byUpn.TryGetValue(upn!, out var found))
                {
                    ownerId = found;
                    reason = "";
                    return true;
                }
                reason = $"The user '{upn}' does not exist in the tenant.";
                return false;
            }

            if (hasId)
            {
                if (_members.Contains(id!))
                {
                    ownerId = id!.ToLowerInvariant();
                    reason = "";
                    return true;
                }
                reason = $"The user {(string.IsNullOrEmpty(upn) ? id : upn)} is not a member of the scoped groups ({Scope}).";
                return false;
            }
            if (_byUpn.TryGetValue(upn!, out var member))
            {
                ownerId = member;
                reason = "";
                return true;
            }
            reason = $"The user '{upn}' is not a member of the scoped groups ({Scope}).";
            return false;
        }

        /// <summary>All users, for a device known only by its user's principal name under an "All users" scope: read once, paged.</summary>
        private void EnsureAllUsers()
        {
            if (_allUsersLoaded || _connection == null)
            {
                return;
            }
            lock (_sync)
            {
                if (_allUsersLoaded)
                {
                    return;
                }
                var uri = new Uri($"{_connection.Session.GraphRoot}/users?$select=id,userPrincipalName&$top=999");
                var count = ReadUsersAsync(uri, "Reading the tenant's users", UserPermission, _cancellationToken).GetAwaiter().GetResult();
                _context.WriteVerbose($"Read {Math.Max(0, count)} users to resolve user principal names.");
                _allUsersLoaded = true;
            }
        }

        /// <summary>Reads every page of a user collection into the scope; -1 when the collection does not exist (404).</summary>
        private async Task<int> ReadUsersAsync(Uri first, string operation, string permission, CancellationToken cancellationToken)
        {
            var count = 0;
            var byUpn = new Dictionary<string, string>(_byUpn, StringComparer.OrdinalIgnoreCase);
            var pages = await GraphPager.ForEachItemAsync(_connection!.Session, first, operation, permission, _connection.Permissions, user =>
            {
                var id = JsonRequests.String(user, "id");
                if (string.IsNullOrEmpty(id))
                {
                    return;
                }
                var upn = JsonRequests.String(user, "userPrincipalName");
                if (!AllUsers)
                {
                    _members.Add(id!);
                }
                if (!string.IsNullOrEmpty(upn))
                {
                    byUpn[upn!] = id!.ToLowerInvariant();
                }
                count++;
            }, cancellationToken, notFoundIsNull: true).ConfigureAwait(false);
            if (pages == 0)
            {
                return -1;
            }
            _byUpn = byUpn;
            return count;
        }

        private void Add(string id, string upn)
        {
            if (!AllUsers)
            {
                _members.Add(id);
            }
            if (!string.IsNullOrEmpty(upn))
            {
                _byUpn[upn] = id.ToLowerInvariant();
            }
        }
    }
}
