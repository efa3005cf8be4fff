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
    /// Reads the Graph application permissions an app holds: its service principal's app role assignments,
    /// named through the Graph service principal's app roles. If the app may not read those, the token's
    /// roles claim says the same thing for the current token.
    /// </summary>
    internal static class PermissionReader
    {
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

                var roleNames = (resource.AppRoles ?? new List<Microsoft.Graph.Models.AppRole>())
                    .Where(r => r.Id.HasValue && r.Value != null)
                    .ToDictionary(r => r.Id!.Value, r => r.Value!);
                var granted = new List<string>();
                var page = await GraphErrors.CallAsync(
                    () => graph.ServicePrincipals[app.Id].AppRoleAssignments.GetAsync(cancellationToken: cancellationToken),
                    "Reading the app's granted permissions", PermissionCatalog.ApplicationRead).ConfigureAwait(false);
                while (page != null)
                {
                    foreach (var assignment in page.Value ?? new List<Microsoft.Graph.Models.AppRoleAssignment>())
                    {
                        if (assignment.ResourceId == Guid.Parse(resource.Id) && assignment.AppRoleId.HasValue &&
                            roleNames.TryGetValue(assignment.AppRoleId.Value, out var name))
                        {
                            granted.Add(name);
                        }
                    }
                    var next = page.OdataNextLink;
                    if (string.IsNullOrEmpty(next))
                    {
                        break;
                    }
                    page = await GraphErrors.CallAsync(
                        () => graph.ServicePrincipals[app.Id].AppRoleAssignments.WithUrl(next).GetAsync(cancellationToken: cancellationToken),
                        "Reading the app's granted permissions", PermissionCatalog.ApplicationRead).ConfigureAwait(false);
                }
                context.WriteVerbose($"The app holds {granted.Count} Graph application permission(s).");
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
