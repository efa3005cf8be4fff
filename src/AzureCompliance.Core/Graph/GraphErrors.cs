using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using AzureCompliance.Core.Diagnostics;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Kiota.Abstractions;

namespace AzureCompliance.Core.Graph
{
    /// <summary>
    /// Runs one Graph call and turns its failure into a <see cref="ComplianceServiceException"/> that names the
    /// operation, the service's error and, for a 403, the permission the call needed and the ones the app holds.
    /// Graph SDK types never leave the core.
    /// </summary>
    internal static class GraphErrors
    {
        public static async Task<T> CallAsync<T>(Func<Task<T>> call, string operation, string? requiredPermission,
            IReadOnlyList<string>? grantedPermissions = null, object? target = null)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException) && !(ex is ComplianceException))
            {
                throw Translate(ex, operation, requiredPermission, grantedPermissions, target);
            }
        }

        public static async Task CallAsync(Func<Task> call, string operation, string? requiredPermission,
            IReadOnlyList<string>? grantedPermissions = null, object? target = null)
        {
            await CallAsync(async () => { await call().ConfigureAwait(false); return true; },
                operation, requiredPermission, grantedPermissions, target).ConfigureAwait(false);
        }

        public static ComplianceException Translate(Exception exception, string operation, string? requiredPermission,
            IReadOnlyList<string>? grantedPermissions, object? target)
        {
            if (exception is ComplianceException compliance)
            {
                return compliance;
            }

            if (exception is ApiException api)
            {
                var status = api.ResponseStatusCode;
                string? code = null;
                string? message = null;
                string? requestId = null;
                if (api is ODataError odata)
                {
                    code = odata.Error?.Code;
                    message = odata.Error?.Message;
                    requestId = odata.Error?.InnerError?.RequestId;
                }
                return FromStatus(status, code, message ?? api.Message, requestId, operation, requiredPermission, grantedPermissions, target);
            }

            if (exception is HttpRequestException || exception is System.IO.IOException)
            {
                return new ComplianceServiceException("ServiceUnreachable", ComplianceErrorCategory.ConnectionError,
                    $"{operation} failed: the service could not be reached ({exception.GetBaseException().Message}).",
                    0, null, null, target, "Check the network connection and try again.", exception);
            }

            return new ComplianceException("GraphRequestFailed", ComplianceErrorCategory.NotSpecified,
                $"{operation} failed: {exception.Message}", target, innerException: exception);
        }

        public static ComplianceServiceException FromStatus(int status, string? code, string? message, string? requestId,
            string operation, string? requiredPermission, IReadOnlyList<string>? grantedPermissions, object? target)
        {
            var detail = string.IsNullOrEmpty(code) ? message : $"{code}: {message}";
            switch (status)
            {
                case 401:
                    return new ComplianceServiceException("Unauthorized", ComplianceErrorCategory.AuthenticationError,
                        $"{operation} was refused as unauthenticated (401 {detail}).", status, code, requestId, target,
                        "Run Connect-ComplianceTenant again.");
                case 403:
                    var holds = grantedPermissions == null ? "" :
                        " The app holds: " + (grantedPermissions.Count == 0 ? "no permissions" : string.Join(", ", grantedPermissions.OrderBy(p => p, StringComparer.OrdinalIgnoreCase))) + ".";
                    var needs = requiredPermission == null ? "" : $" It needs the Graph permission {requiredPermission}.";
                    return new ComplianceServiceException("PermissionDenied", ComplianceErrorCategory.PermissionDenied,
                        $"{operation} was refused (403 {detail}).{needs}{holds}", status, code, requestId, target,
                        requiredPermission == null
                            ? "Grant the app the permission this operation needs, then run Connect-ComplianceTenant again."
                            : $"Grant the app the application permission {requiredPermission} with admin consent, then run Connect-ComplianceTenant again.");
                case 404:
                    return new ComplianceServiceException("NotFound", ComplianceErrorCategory.ObjectNotFound,
                        $"{operation}: not found (404 {detail}).", status, code, requestId, target);
                case 409:
                    return new ComplianceServiceException("Conflict", ComplianceErrorCategory.ResourceExists,
                        $"{operation}: conflict (409 {detail}).", status, code, requestId, target);
                case 429:
                    return new ComplianceServiceException("Throttled", ComplianceErrorCategory.LimitsExceeded,
                        $"{operation} is still throttled after waiting and retrying (429 {detail}).", status, code, requestId, target,
                        "Try again later.");
                case 400:
                    return new ComplianceServiceException("BadRequest", ComplianceErrorCategory.InvalidArgument,
                        $"{operation} was rejected (400 {detail}).", status, code, requestId, target);
                default:
                    return new ComplianceServiceException(status >= 500 ? "ServiceUnavailable" : "GraphRequestFailed",
                        status >= 500 ? ComplianceErrorCategory.ResourceUnavailable : ComplianceErrorCategory.InvalidOperation,
                        $"{operation} failed ({status} {detail}).", status, code, requestId, target,
                        status >= 500 ? "Try again later." : null);
            }
        }
    }
}
