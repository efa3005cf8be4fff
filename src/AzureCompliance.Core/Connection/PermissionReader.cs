using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using AzureCompliance.Core.Graph;

namespace AzureCompliance.Core.Connection
{
    /// <summary>
    /// Reads the application permissions an app holds: its service principal's app role assignments, named through the
    /// app roles of the Graph service principal and of the Intune service principal (the partner API's permissions,
    /// e.g. update_device_attributes). Roles are matched by value, never by a hard-coded id. If the app may not read
    /// those, the token's roles claim says the same thing for the Graph token.
    /// </summary>
    internal static class PermissionReader
    {
        private static async Task<Microsoft.Graph.Models.ServicePrincipal?> ReadIntunePrincipalAsync(ServiceSession session, CancellationToken cancellationToken)
        {
            try
            {
                return await GraphErrors.CallAsync(
                    () => session.Graph.ServicePrincipalsWithAppId(Partner.PartnerApiClient.IntuneAppId).GetAsync(r => r.QueryParameters.Select = new[] { "id", "appId", "appRoles" }, cancellationToken),
                    "Reading the Intune API's app roles", PermissionCatalog.ApplicationRead).ConfigureAwait(false);
            }
            catch (ComplianceServiceException ex) when (ex.StatusCode == 404)
            {
                return null; // No Intune in the tenant: readiness says so on its own.
            }
        }

        public static async Task<IReadOnlyList<string>> ReadApplicationPermissionsAsync(ServiceSession session, string clientId,
            TokenClaims claims, IOperationContext context, CancellationToken cancellationToken)
        {
            try
            {
                var graph = session.Graph;
                var app = await GraphErrors.CallAsync(
                    () => graph.ServicePrincipalsWithAppId(clientId).GetAsync(r => r.QueryParameters.Select = new[] { "id", "appId", "displayName" }, cancellationToken),
                    "Reading the app's service principal", PermissionCatalog.ApplicationRead).ConfigureAwait(false);
                var resource = await GraphErrors.CallAsync(
                    () => graph.ServicePrincipalsWithAppId(ConnectionService.GraphAppId).GetAsync(r => r.QueryParameters.Select = new[] { "id", "appId", "appRoles" }, cancellationToken),
                    "Reading Microsoft Graph's app roles", PermissionCatalog.ApplicationRead).ConfigureAwait(false);
                if (app?.Id == null || resource?.Id == null)
                {
                    return claims.Roles;
                }
                var intune = await ReadIntunePrincipalAsync(session, cancellationToken).ConfigureAwait(false);

                // Role names per resource (resource id, role id): Graph's and, when the tenant has Intune, the Intune API's.
                var roleNames = new Dictionary<(Guid, Guid), string>();
                foreach (var principal in new[] { resource, intune })
                {
                    if (principal?.Id == null) continue;
                    foreach (var role in (principal.AppRoles ?? new List<Microsoft.Graph.Models.AppRole>()).Where(r => r.Id.HasValue && r.Value != null))
                    {
                        roleNames[(Guid.Parse(principal.Id), role.Id!.Value)] = role.Value!;
                    }
                }
                var granted = new List<string>();
                var assignments = graph.ServicePrincipals[app.Id].AppRoleAssignments;
                const string operation = "Reading the app's granted permissions";
                await GraphPager.ForEachPageAsync(session,
                    token => GraphErrors.CallAsync(() => assignments.GetAsync(cancellationToken: token), operation, PermissionCatalog.ApplicationRead),
                    (next, token) => GraphErrors.CallAsync(() => assignments.WithUrl(next).GetAsync(cancellationToken: token), operation, PermissionCatalog.ApplicationRead),
                    page =>
                    {
                        foreach (var assignment in page.Value ?? new List<Microsoft.Graph.Models.AppRoleAssignment>())
                        {
                            if (assignment.ResourceId.HasValue && assignment.AppRoleId.HasValue &&
                                roleNames.TryGetValue((assignment.ResourceId.Value, assignment.AppRoleId.Value), out var name))
                            {
                                granted.Add(name);
                            }
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                context.WriteVerbose($"The app holds {granted.Count} application permission(s) on Microsoft Graph and the Intune API.");
                return granted.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            }
            catch (ComplianceServiceException ex) when (ex.StatusCode == 403 || ex.StatusCode == 404)
            {
                context.WriteVerbose("Could not read the app's permissions from Graph (" + ex.ServiceErrorCode + "); using the token's roles claim.");
                return claims.Roles;
            }
        }
    }
}
