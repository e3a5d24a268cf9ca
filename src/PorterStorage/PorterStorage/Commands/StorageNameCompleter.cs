using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using PorterStorage.Core.Config;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Home;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Completes -StorageName with the [[storage]] entries of the home's config (the -Path already typed, else the home
    /// Porter would use). Reads the config file only; offers nothing when it cannot be read.
    /// </summary>
    public sealed class StorageNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            foreach (PorterPluginEntry entry in Entries(FirstPath(fakeBoundParameters["Path"]) ?? FirstPath(fakeBoundParameters["LiteralPath"])))
            {
                if (entry.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                {
                    string text = entry.Name.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', '(', ')', '{', '}' }) >= 0 ? "'" + entry.Name.Replace("'", "''") + "'" : entry.Name;
                    yield return new CompletionResult(text, entry.Name, CompletionResultType.ParameterValue, $"{entry.Name} ({entry.Plugin})");
                }
            }
        }

        /// <summary>The home typed so far: one path, or the first of several.</summary>
        private static string? FirstPath(object? bound) =>
            bound is string one ? one : bound is object[] many && many.Length > 0 ? (many[0] is PSObject p ? p.BaseObject : many[0]) as string : null;

        private static string CurrentFolder()
        {
            try
            {
                return System.Management.Automation.Runspaces.Runspace.DefaultRunspace?.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath
                       ?? Environment.CurrentDirectory;
            }
            catch (PSInvalidOperationException)
            {
                return Environment.CurrentDirectory;
            }
        }

        private static IEnumerable<PorterPluginEntry> Entries(string? path)
        {
            try
            {
                string home = PorterHomeService.ResolvePath(path, Environment.GetEnvironmentVariable("PORTER_HOME"), PorterHomeService.UserHomeFromEnvironment(),
                    CurrentFolder(), out _);
                return PorterHomeService.ReadConfig(home).Storage.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (PorterStorageException)
            {
                return Array.Empty<PorterPluginEntry>();
            }
        }
    }
}
