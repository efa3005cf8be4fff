using System;
using System.IO;
using System.Runtime.InteropServices;

namespace AzureCompliance.Core.State
{
    /// <summary>
    /// Makes SQLite's native library (e_sqlite3) loadable from the module's dependencies/runtimes/&lt;rid&gt;/native
    /// folder. PowerShell 7 resolves it through the module's load context; Windows PowerShell has no such hook,
    /// so there the library is loaded by full path first and later DllImports find it by name.
    /// </summary>
    internal static class SqliteNative
    {
        private static readonly object Gate = new object();
        private static bool _initialized;

        public static void EnsureInitialized()
        {
            lock (Gate)
            {
                if (_initialized)
                {
                    return;
                }
                if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase))
                {
                    PreloadOnWindowsPowerShell();
                }
                SQLitePCL.Batteries_V2.Init();
                _initialized = true;
            }
        }

        private static void PreloadOnWindowsPowerShell()
        {
            var directory = Path.GetDirectoryName(typeof(SqliteNative).Assembly.Location) ?? ".";
            var architecture = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
            var path = Path.Combine(directory, "runtimes", "win-" + architecture, "native", "e_sqlite3.dll");
            if (File.Exists(path) && LoadLibraryW(path) == IntPtr.Zero)
            {
                throw new DllNotFoundException("Could not load " + path + " (error " + Marshal.GetLastWin32Error() + ").");
            }
        }

        [DllImport("kernel32", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern IntPtr LoadLibraryW(string path);
    }
}
