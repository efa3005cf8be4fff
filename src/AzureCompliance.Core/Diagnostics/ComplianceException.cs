using System;

namespace AzureCompliance.Core.Diagnostics
{
    /// <summary>What kind of failure an engine error is; the cmdlets map it to PowerShell's ErrorCategory by name.</summary>
    public enum ComplianceErrorCategory
    {
        NotSpecified,
        AuthenticationError,
        PermissionDenied,
        ConnectionError,
        InvalidArgument,
        InvalidData,
        InvalidOperation,
        ObjectNotFound,
        ResourceExists,
        ResourceUnavailable,
        LimitsExceeded,
        OperationStopped,
        SecurityError,
    }

    /// <summary>
    /// Every failure the engine reports. ErrorId is stable (scripts and tests match on it); the message says
    /// what went wrong and RecommendedAction what to do. Messages never carry secrets.
    /// </summary>
    public class ComplianceException : Exception
    {
        public ComplianceException(string errorId, ComplianceErrorCategory category, string message,
            object? target = null, string? recommendedAction = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Category = category;
            Target = target;
            RecommendedAction = recommendedAction;
        }

        public string ErrorId { get; }
        public ComplianceErrorCategory Category { get; }
        public object? Target { get; }
        public string? RecommendedAction { get; }
    }

    /// <summary>A remote service (Graph, the Intune partner API) answered with an error.</summary>
    public class ComplianceServiceException : ComplianceException
    {
        public ComplianceServiceException(string errorId, ComplianceErrorCategory category, string message,
            int statusCode, string? serviceErrorCode, string? requestId, object? target = null,
            string? recommendedAction = null, Exception? innerException = null)
            : base(errorId, category, message, target, recommendedAction, innerException)
        {
            StatusCode = statusCode;
            ServiceErrorCode = serviceErrorCode;
            RequestId = requestId;
        }

        /// <summary>HTTP status; 0 when no answer came (network failure).</summary>
        public int StatusCode { get; }
        /// <summary>The service's own error code, e.g. Authorization_RequestDenied or AADSTS7000215.</summary>
        public string? ServiceErrorCode { get; }
        public string? RequestId { get; }
        /// <summary>How long the service asked to wait (Retry-After), when it said; set for answers nothing retried.</summary>
        public TimeSpan? RetryAfter { get; internal set; }
    }
}
