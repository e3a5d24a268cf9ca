using System;
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
                UnhookDefaultContext();
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
