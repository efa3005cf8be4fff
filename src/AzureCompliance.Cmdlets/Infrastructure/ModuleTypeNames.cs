using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using AzureCompliance.Core.Connection;

namespace AzureCompliance.Cmdlets.Infrastructure
{
    /// <summary>
    /// Makes the core's public types nameable in scripts: <c>[AzureCompliance.Core.Sync.DeviceSyncResult]</c>.
    /// On PowerShell 7 the core loads in the module's own AssemblyLoadContext, which PowerShell's type-name
    /// resolution does not search; a type accelerator under each type's full name lets a script write the name it
    /// sees in Get-Member and in help. Removed again when the module is removed.
    /// </summary>
    public sealed class ModuleTypeNames : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static readonly List<string> Added = new List<string>();

        public void OnImport()
        {
            var accelerators = AcceleratorTable.Get();
            if (accelerators == null)
            {
                return;
            }
            lock (Gate)
            {
                foreach (var type in PublicTypes())
                {
                    var existing = accelerators.Find(type.FullName);
                    if (existing == null)
                    {
                        accelerators.Add(type.FullName, type);
                        Added.Add(type.FullName);
                    }
                    // A name already taken (another copy of the module in this process) keeps its first owner.
                }
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            var accelerators = AcceleratorTable.Get();
            if (accelerators == null)
            {
                return;
            }
            lock (Gate)
            {
                foreach (var name in Added)
                {
                    accelerators.Remove(name);
                }
                Added.Clear();
            }
        }

        /// <summary>Every public top-level type of the core: what cmdlets return and take, and the enums in them.</summary>
        internal static IEnumerable<Type> PublicTypes() =>
            typeof(ComplianceConnection).Assembly.GetExportedTypes()
                .Where(type => !type.IsNested && type.FullName != null && type.FullName.StartsWith("AzureCompliance.", StringComparison.Ordinal));

        /// <summary>PowerShell's internal TypeAccelerators class, reached by reflection (the documented way scripts use).</summary>
        private sealed class AcceleratorTable
        {
            private readonly MethodInfo _add;
            private readonly MethodInfo _remove;
            private readonly PropertyInfo _get;

            private AcceleratorTable(MethodInfo add, MethodInfo remove, PropertyInfo get)
            {
                _add = add;
                _remove = remove;
                _get = get;
            }

            public static AcceleratorTable? Get()
            {
                var type = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
                var add = type?.GetMethod("Add", new[] { typeof(string), typeof(Type) });
                var remove = type?.GetMethod("Remove", new[] { typeof(string) });
                var get = type?.GetProperty("Get");
                return add == null || remove == null || get == null ? null : new AcceleratorTable(add, remove, get);
            }

            public Type? Find(string name) =>
                _get.GetValue(null) is Dictionary<string, Type> all && all.TryGetValue(name, out var type) ? type : null;

            public void Add(string name, Type type) => _add.Invoke(null, new object[] { name, type });

            public void Remove(string name) => _remove.Invoke(null, new object[] { name });
        }
    }
}
