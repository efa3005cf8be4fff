using System;
using System.Globalization;
using System.Management.Automation;

namespace AzureCompliance.Cmdlets.Devices
{
    /// <summary>Pipeline values as invariant text: bools, dates (a DateTime without a kind is UTC), numbers.</summary>
    internal static class PipelineValues
    {
        public static string? Text(object? value)
        {
            if (value is PSObject wrapped)
            {
                value = wrapped.BaseObject;
            }
            switch (value)
            {
                case null:
                    return null;
                case string text:
                    return text;
                case bool flag:
                    return flag ? "true" : "false";
                case DateTimeOffset time:
                    return time.ToString("o", CultureInfo.InvariantCulture);
                case DateTime time:
                    return (time.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : new DateTimeOffset(time))
                        .ToString("o", CultureInfo.InvariantCulture);
                case IFormattable formattable:
                    return formattable.ToString(null, CultureInfo.InvariantCulture);
                default:
                    return value.ToString();
            }
        }
    }
}
