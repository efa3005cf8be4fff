using System;
using Azure;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.State.Blob
{
    /// <summary>
    /// Storage failures as the module's errors. The SDK's exception text names the request URL, which may carry a SAS:
    /// only the status and the service's error code are kept, and the SDK exception is not attached.
    /// </summary>
    internal static class StorageErrors
    {
        public static ComplianceException Unavailable(string display, string doing, Exception ex) =>
            // The connection's own sign-in errors (from the storage token's request) already say what to do.
            ex as ComplianceException ?? (IsRefused(ex) ? AccessDenied(display, doing, ex) :
            new ComplianceException("StateStorageUnavailable", Category(ex),
                $"The state {display} could not be {doing}: {Describe(ex)}.", display,
                "Check the storage account (reachable, the identity's role or the SAS's permissions and expiry) and run again: " +
                "nothing confirmed is lost, the next run sends what was not confirmed."));

        /// <summary>
        /// 401/403 from storage: the token or SAS was refused (no data role, a token for another audience, an expired or
        /// too narrow SAS). Running again cannot help, so it is a setup error of its own that says what to grant.
        /// </summary>
        public static ComplianceException AccessDenied(string display, string doing, Exception ex) =>
            new ComplianceException("StateAccessDenied", ComplianceErrorCategory.PermissionDenied,
                $"The state {display} could not be {doing}: the storage service refused access ({Describe(ex)}).", display,
                "Grant the connection's identity (the app, or the runbook's managed identity) the Storage Blob Data Contributor role " +
                "on the container or its storage account; its token must be for https://storage.azure.com/. With a SAS in the URL instead, " +
                "give it read, add, create, write and delete permissions and a later expiry. Nothing confirmed is lost.");

        public static ComplianceException LeaseLost(string display, string why) =>
            new ComplianceException("StateLeaseLost", ComplianceErrorCategory.ResourceUnavailable,
                $"This run lost its lease on the state {display} ({why}): it stopped so that two runs never write the same state.", display,
                "Run again: nothing confirmed is lost, the next run sends what was not confirmed. If it happens often, check that no one breaks the lease and that the storage account is reachable.");

        public static string Describe(Exception ex) => ex switch
        {
            RequestFailedException failed when failed.Status == 0 => "the storage service could not be reached",
            RequestFailedException failed => $"HTTP {failed.Status}{(string.IsNullOrEmpty(failed.ErrorCode) ? "" : " " + failed.ErrorCode)}",
            AggregateException aggregate when aggregate.InnerException != null => Describe(aggregate.InnerException),
            OperationCanceledException => "the storage service did not answer in time",
            System.Net.Http.HttpRequestException => "the storage service could not be reached",
            System.IO.IOException => "the connection to the storage service failed",
            _ => ex.GetType().Name,
        };

        private static ComplianceErrorCategory Category(Exception ex) =>
            IsRefused(ex) ? ComplianceErrorCategory.PermissionDenied : ComplianceErrorCategory.ResourceUnavailable;

        private static bool IsRefused(Exception ex) => ex switch
        {
            RequestFailedException failed => failed.Status == 401 || failed.Status == 403,
            AggregateException aggregate when aggregate.InnerException != null => IsRefused(aggregate.InnerException),
            _ => false,
        };

        public static bool IsStatus(Exception ex, int status) => ex is RequestFailedException failed && failed.Status == status;
    }
}
