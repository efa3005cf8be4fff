namespace AzureCompliance.Core.Devices
{
    /// <summary>
    /// Bounds on one inventory row, so a malformed or hostile export cannot exhaust memory: a row over a bound is a
    /// row error (RowTooLarge) naming the file, line and limit, and the rest of the file is read.
    /// </summary>
    public static class DeviceInputLimits
    {
        /// <summary>The longest JSON line (JSON lines format), in characters.</summary>
        public const int MaxJsonLineChars = 4 * 1024 * 1024;

        /// <summary>The largest element of a JSON array inventory, in UTF-8 bytes.</summary>
        public const int MaxJsonElementBytes = 4 * 1024 * 1024;

        /// <summary>The most fields of one CSV record (header or row).</summary>
        public const int MaxCsvFields = 4096;
    }
}
