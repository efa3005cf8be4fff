using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Connection;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;
using Microsoft.Graph.Models;

namespace AzureCompliance.Core.Onboarding.Users
{
    /// <summary>User look-ups by object id or user principal name.</summary>
    internal static class UserDirectory
    {
        internal static readonly string[] IdentityFields = { "id", "userPrincipalName", "displayName" };
        internal static readonly string[] LicenseFields = { "id", "userPrincipalName", "displayName", "usageLocation", "assignedLicenses", "accountEnabled" };

        /// <summary>Reads one user; an unknown one is a UserNotFound error.</summary>
        public static async Task<User> ResolveAsync(ComplianceConnection connection, DirectoryIdentity identity, string[] select, CancellationToken cancellationToken)
        {
            var key = identity.Id ?? identity.Name!;
            var user = await GetAsync(connection, key, select, cancellationToken).ConfigureAwait(false);
            if (user == null && identity.Id != null && identity.Name != null)
            {
                user = await GetAsync(connection, identity.Name, select, cancellationToken).ConfigureAwait(false);
            }
            return user ?? throw new ComplianceException("UserNotFound", ComplianceErrorCategory.ObjectNotFound,
                $"No user has the id or user principal name '{key}'.", key,
                "Check the user principal name (e.g. adele.vance@contoso.com) or pass the user's object id.");
        }

        public static async Task<User?> GetAsync(ComplianceConnection connection, string idOrUpn, string[] select, CancellationToken cancellationToken)
        {
            try
            {
                return await GraphErrors.CallAsync(
                    () => connection.Session.Graph.Users[idOrUpn.Trim()].GetAsync(r => r.QueryParameters.Select = select, cancellationToken),
                    $"Reading user {idOrUpn}", PermissionCatalog.UserRead, connection.Permissions, idOrUpn).ConfigureAwait(false);
            }
            catch (ComplianceServiceException ex) when (ex.StatusCode == 404)
            {
                return null;
            }
        }

        /// <summary>User principal names of user ids (cached per call); special values (All, None, GuestsOrExternalUsers) and deleted users show as given.</summary>
        public static async Task<IReadOnlyDictionary<string, string>> NamesAsync(ComplianceConnection connection, IEnumerable<string> ids, CancellationToken cancellationToken)
        {
            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var id in ids.Where(OData.IsGuid).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var user = await GetAsync(connection, id, IdentityFields, cancellationToken).ConfigureAwait(false);
                names[id] = user?.UserPrincipalName ?? id;
            }
            return names;
        }

        /// <summary>Every user of the tenant, page by page, with the selected properties.</summary>
        public static async Task ForEachUserAsync(ComplianceConnection connection, string[] select, Action<User> onUser, CancellationToken cancellationToken)
        {
            var users = connection.Session.Graph.Users;
            const string operation = "Reading the tenant's users";
            await GraphPager.ForEachPageAsync(connection.Session,
                token => GraphErrors.CallAsync(
                    () => users.GetAsync(r =>
                    {
                        r.QueryParameters.Select = select;
                        r.QueryParameters.Top = 999;
                    }, token),
                    operation, PermissionCatalog.UserRead, connection.Permissions),
                (next, token) => GraphErrors.CallAsync(() => users.WithUrl(next).GetAsync(cancellationToken: token),
                    operation, PermissionCatalog.UserRead, connection.Permissions),
                page =>
                {
                    foreach (var user in page.Value ?? new List<User>())
                    {
                        onUser(user);
                    }
                }, cancellationToken).ConfigureAwait(false);
        }
    }
}
