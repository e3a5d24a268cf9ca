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
                // Loaded now, so that a script can name its types before the first cmdlet runs.
                LoadSideBySide();
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

        // The accelerators are the process's; the imports that use them are counted, and a name is removed with the last one.
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, Type> Named = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        private static int _imports;

        private static Type? AcceleratorType => typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");

        /// <summary>
        /// Registers each public type of the engine under its full name, unless that name is taken (by another module, or by an
        /// earlier import of this one). Never fails the import: without the names, the types are still there by reflection.
        /// </summary>
        private static void NamePublicTypes()
        {
            lock (Gate)
            {
                if (_imports++ > 0)
                {
                    return;
                }
                try
                {
                    MethodInfo? add = AcceleratorType?.GetMethod("Add", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string), typeof(Type) }, null);
                    var existing = AcceleratorType?.GetProperty("Get", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IDictionary<string, Type>;
                    if (add == null || existing == null)
                    {
                        return;
                    }
                    Assembly engine = DependencyLoadContext.LoadEngine(DependencyFolder);
                    Type?[] types;
                    try
                    {
                        types = engine.GetExportedTypes();
                    }
                    catch (ReflectionTypeLoadException partly)
                    {
                        types = partly.Types;
                    }
                    foreach (Type? type in types)
                    {
                        if (type?.FullName != null && type.Namespace == PublicNamespace && !existing.ContainsKey(type.FullName))
                        {
                            add.Invoke(null, new object[] { type.FullName, type });
                            Named[type.FullName] = type;
                        }
                    }
                }
                catch (Exception ex) when (ex is TargetInvocationException || ex is IOException || ex is BadImageFormatException || ex is TypeLoadException)
                {
                    // The module works without the names.
                }
            }
        }

        /// <summary>With the last import removed, takes out each name it added that still names its type.</summary>
        private static void UnnamePublicTypes()
        {
            lock (Gate)
            {
                if (_imports == 0 || --_imports > 0)
                {
                    return;
                }
                MethodInfo? remove = AcceleratorType?.GetMethod("Remove", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
                var existing = AcceleratorType?.GetProperty("Get", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IDictionary<string, Type>;
                foreach (KeyValuePair<string, Type> name in Named)
                {
                    if (existing != null && existing.TryGetValue(name.Key, out Type? now) && now == name.Value)
                    {
                        remove?.Invoke(null, new object[] { name.Key });
                    }
                }
                Named.Clear();
            }
        }

        private static void LoadSideBySide()
        {
            string engine = Path.Combine(DependencyFolder, DependencyLoadContext.EngineAssemblyName + ".dll");
            if (File.Exists(engine))
            {
                ResolveSideBySide(null, new ResolveEventArgs(DependencyLoadContext.EngineAssemblyName + ", Culture=neutral"));
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
