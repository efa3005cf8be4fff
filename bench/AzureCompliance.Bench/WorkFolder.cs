namespace AzureCompliance.Bench;

/// <summary>A benchmark's scratch folder under the temp directory, removed when the run ends.</summary>
internal static class WorkFolder
{
    public static async Task<int> RunInAsync(string prefix, Func<string, Task<int>> run)
    {
        var work = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            return await run(work);
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }
}
