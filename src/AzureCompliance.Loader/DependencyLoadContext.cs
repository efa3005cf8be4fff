using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace AzureCompliance.Loader
{
    /// <summary>The private load context for the module's dependencies on PowerShell 7 (see ModuleAssemblyLoader).</summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string _directory;

        private DependencyLoadContext(string directory) => _directory = directory;

        public static void Register(string directory)
        {
            var context = new DependencyLoadContext(directory);
            // The default context cannot find the core (it is not next to the cmdlets): hand it ours.
            Default.Resolving += (loadContext, name) =>
                string.Equals(name.Name, ModuleAssemblyLoader.BridgeAssembly, StringComparison.Ordinal) ? context.LoadFromAssemblyName(name) : null;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // The runtime's own assemblies always come from the default context: the System.* packages in
            // dependencies/ are there for Windows PowerShell, and a second System.Memory would split type identity.
            if (File.Exists(Path.Combine(FrameworkDirectory, assemblyName.Name + ".dll")))
            {
                return null;
            }
            // Otherwise our copy, even when another module loaded a different version into the default context.
            var path = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        private static readonly string FrameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? "";

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            // Native libraries (SQLite's e_sqlite3) ship per platform under runtimes/<rid>/native/.
            var directory = Path.Combine(_directory, "runtimes", RuntimeIdentifier(), "native");
            foreach (var candidate in new[] { unmanagedDllName, "lib" + unmanagedDllName + ".so", "lib" + unmanagedDllName + ".dylib", unmanagedDllName + ".dll" })
            {
                var path = Path.Combine(directory, candidate);
                if (File.Exists(path))
                {
                    return LoadUnmanagedDllFromPath(path);
                }
            }
            return IntPtr.Zero;
        }

        internal static string RuntimeIdentifier()
        {
            var architecture = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64";
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return "win-" + architecture;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return "osx-" + architecture;
            return "linux-" + architecture;
        }
    }
}
