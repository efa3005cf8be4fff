using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AzureCompliance.Loader
{
    /// <summary>
    /// Makes the core and its libraries (MSAL, Graph, Kiota, Azure.Core, SQLite) loadable from the module's
    /// dependencies/ folder. On PowerShell 7 they load into a private AssemblyLoadContext, so another module's
    /// copy of MSAL or Azure.Core (Az.Accounts, Microsoft.Graph) can neither clash with ours nor be picked up
    /// instead; only AzureCompliance.Core is handed to the cmdlets. Windows PowerShell 5.1 has no load
    /// contexts: there the folder is probed through AssemblyResolve.
    /// This runs as a nested module, before PowerShell reflects over the cmdlet assembly: loading the cmdlet
    /// types already needs the core (they implement its interfaces and use its enums).
    /// </summary>
    public sealed class ModuleAssemblyLoader : IModuleAssemblyInitializer
    {
        private static readonly object Gate = new object();
        private static bool _registered;

        internal static string DependenciesDirectory { get; } = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleAssemblyLoader).Assembly.Location) ?? ".", "dependencies");

        /// <summary>The assembly the cmdlets reference; everything else is the core's own business.</summary>
        internal const string BridgeAssembly = "AzureCompliance.Core";

        public void OnImport() => Register();

        internal static void Register()
        {
            lock (Gate)
            {
                if (_registered)
                {
                    return;
                }
                _registered = true;
            }

            if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase))
            {
                RegisterDesktop(DependenciesDirectory);
            }
            else
            {
                RegisterCore(DependenciesDirectory);
            }
        }

        private static void RegisterDesktop(string directory)
        {
            AppDomain.CurrentDomain.AssemblyResolve += (sender, args) =>
            {
                // Every library of the module is looked up here: .NET Framework has no per-module context.
                var path = Path.Combine(directory, new AssemblyName(args.Name).Name + ".dll");
                return File.Exists(path) ? Assembly.LoadFrom(path) : null;
            };
        }

        // Kept out of line so Windows PowerShell never compiles a reference to AssemblyLoadContext.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RegisterCore(string directory) => DependencyLoadContext.Register(directory);
    }
}
