using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace PorterStorage.Loading
{
    /// <summary>
    /// The private load context for the engine (PorterStorage.Core) and its third-party assemblies on
    /// PowerShell 7 (.NET Core). A framework assembly is shared from the default context only when the
    /// framework's copy is at least the version asked for; everything else in the Dependencies folder
    /// loads here, so other modules' copies (an older Azure.Core, say) never meet ours.
    /// This type touches no PowerShell API so that a plain .NET host can use it too (the .NET 8 test harness finds it by
    /// name). It is internal so that Windows PowerShell, which has no load contexts, never loads it while it looks for
    /// cmdlets among the exported types.
    /// </summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        public const string EngineAssemblyName = "PorterStorage.Core";

        private static readonly object Gate = new object();
        private static DependencyLoadContext? _instance;

        private readonly string _dependencyFolder;
        private readonly Dictionary<string, Version> _framework;

        private DependencyLoadContext(string dependencyFolder)
        {
            _dependencyFolder = dependencyFolder;
            _framework = FrameworkAssemblies();
        }

        /// <summary>The folder the private assemblies come from.</summary>
        public string DependencyFolder => _dependencyFolder;

        /// <summary>The one context of this process (created on first use).</summary>
        public static DependencyLoadContext GetOrCreate(string dependencyFolder)
        {
            lock (Gate)
            {
                return _instance ??= new DependencyLoadContext(dependencyFolder);
            }
        }

        /// <summary>Loads the engine into the private context and returns it.</summary>
        public static Assembly LoadEngine(string dependencyFolder) =>
            GetOrCreate(dependencyFolder).LoadFromAssemblyName(new AssemblyName(EngineAssemblyName));

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string? simpleName = assemblyName.Name;
            if (simpleName == null)
            {
                return null;
            }

            if (_framework.TryGetValue(simpleName, out Version? frameworkVersion)
                && (assemblyName.Version == null || frameworkVersion >= assemblyName.Version))
            {
                // The runtime's own copy is new enough: share it with everyone.
                return null;
            }

            string candidate = Path.Combine(_dependencyFolder, simpleName + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }

        /// <summary>The runtime's trusted platform assemblies and their versions.</summary>
        private static Dictionary<string, Version> FrameworkAssemblies()
        {
            var result = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
            if (!(AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list))
            {
                return result;
            }
            foreach (string path in list.Split(Path.PathSeparator))
            {
                if (path.Length == 0)
                {
                    continue;
                }
                try
                {
                    AssemblyName name = AssemblyName.GetAssemblyName(path);
                    if (name.Name != null && name.Version != null)
                    {
                        result[name.Name] = name.Version;
                    }
                }
                catch (Exception ex) when (ex is BadImageFormatException || ex is IOException || ex is ArgumentException)
                {
                    // Native images in the list are not assemblies.
                }
            }
            return result;
        }
    }
}
