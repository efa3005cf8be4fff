using System;
using System.Management.Automation;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>Engine errors as PowerShell error records: the stable ErrorId, the category, the target and what to do.</summary>
    internal static class ErrorRecords
    {
        public static ErrorRecord From(ComplianceException exception)
        {
            var category = Enum.TryParse<ErrorCategory>(exception.Category.ToString(), out var parsed) ? parsed : ErrorCategory.NotSpecified;
            var record = new ErrorRecord(exception, exception.ErrorId, category, exception.Target);
            if (!string.IsNullOrEmpty(exception.RecommendedAction))
            {
                record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = exception.RecommendedAction };
            }
            return record;
        }

        public static ErrorRecord InvalidArgument(string errorId, string message, object? target) =>
            From(new ComplianceException(errorId, ComplianceErrorCategory.InvalidArgument, message, target));
    }
}
