using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace PorterStorage.Loading
{
    /// <summary>
    /// Hooks assembly resolution for the engine when the module is imported. On PowerShell 7 the engine
    /// and its dependencies load into <see cref="DependencyLoadContext"/>; on Windows PowerShell 5.1
    /// (no load contexts) an AssemblyResolve handler loads them side by side from the Dependencies folder.
    /// PowerShell 7 does not look into a private load context when it resolves a type name, so the engine's public types (namespace
    /// <c>PorterStorage</c>: every output, its parts, the error's exception) are registered under their full names as type
    /// accelerators, and scripts can write <c>$x -is [PorterStorage.PorterBackup]</c>; they are removed with the module.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string DependencyFolder =
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "Dependencies");

        private static readonly bool IsNetFramework =
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        public void OnImport()
        {
            if (IsNetFramework)
            {
                AppDomain.CurrentDomain.AssemblyResolve += ResolveSideBySide;
            }
            else
            {
                HookDefaultContext();
                NamePublicTypes();
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (IsNetFramework)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= ResolveSideBySide;
            }
            else
            {
                UnnamePublicTypes();
                UnhookDefaultContext();
            }
        }

        /// <summary>The namespace of every type a script meets.</summary>
        public const string PublicNamespace = "PorterStorage";

        private static readonly List<string> Named = new List<string>();

        private static MethodInfo? Accelerators(string method, params Type[] parameters) =>
            typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators")?.GetMethod(method, BindingFlags.Public | BindingFlags.Static, null, parameters, null);

        private static void NamePublicTypes()
        {
            MethodInfo? add = Accelerators("Add", typeof(string), typeof(Type));
            if (add == null)
            {
                return; // a PowerShell without accelerators: the types are still there, by reflection
            }
            Assembly engine = DependencyLoadContext.LoadEngine(DependencyFolder);
            lock (Named)
            {
                foreach (Type type in engine.GetExportedTypes())
                {
                    if (type.Namespace == PublicNamespace && type.FullName != null && !Named.Contains(type.FullName))
                    {
                        add.Invoke(null, new object[] { type.FullName, type });
                        Named.Add(type.FullName);
                    }
                }
            }
        }

        private static void UnnamePublicTypes()
        {
            MethodInfo? remove = Accelerators("Remove", typeof(string));
            lock (Named)
            {
                foreach (string name in Named)
                {
                    remove?.Invoke(null, new object[] { name });
                }
                Named.Clear();
            }
        }

        // Kept in separate methods so that .NET Framework never JIT-compiles a reference to AssemblyLoadContext.
        private static void HookDefaultContext() => AssemblyLoadContext.Default.Resolving += ResolveEngine;

        private static void UnhookDefaultContext() => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

        private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
        {
            // Only the engine is handed out to the default context; its dependencies stay private.
            return string.Equals(name.Name, DependencyLoadContext.EngineAssemblyName, StringComparison.Ordinal)
                ? DependencyLoadContext.LoadEngine(DependencyFolder)
                : null;
        }

        private static Assembly? ResolveSideBySide(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name);
            string candidate = Path.Combine(DependencyFolder, name.Name + ".dll");
            if (!File.Exists(candidate))
            {
                return null;
            }
            foreach (Assembly loaded in AppDomain.CurrentDomain.GetAssemblies())
            {
                if (!loaded.IsDynamic && string.Equals(loaded.Location, candidate, StringComparison.OrdinalIgnoreCase))
                {
                    return loaded;
                }
            }
            return Assembly.LoadFrom(candidate);
        }
    }
}
