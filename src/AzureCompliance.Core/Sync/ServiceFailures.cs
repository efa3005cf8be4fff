using System;
using System.Net.Http;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Core.Sync
{
    /// <summary>How the courier tells a failed request (an answer, no answer, a timeout) from a failed run.</summary>
    internal static class ServiceFailures
    {
        /// <summary>A failure of one request (an answer, no answer, or a timeout of the HTTP client), not of the run.</summary>
        public static bool IsServiceFailure(Exception exception) =>
            exception is ComplianceServiceException || exception is OperationCanceledException || exception is HttpRequestException || exception is System.IO.IOException;

        public static ComplianceServiceException AsServiceFailure(Exception exception, string operation) =>
            exception as ComplianceServiceException ?? new ComplianceServiceException("ServiceUnreachable", ComplianceErrorCategory.ConnectionError,
                $"{operation} got no answer ({exception.GetBaseException().Message}).", 0, null, null, null, null, exception);

        /// <summary>The service refused the content itself: sending it again unchanged cannot help.</summary>
        public static bool IsRejection(int status) =>
            status >= 400 && status < 500 && status != 404 && status != 408 && status != 409 && status != 429;
    }
}
