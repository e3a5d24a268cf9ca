using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

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

        /// <summary>
        /// The folder a typed home names, resolved the way the cmdlet will resolve it: relative to the session's current location (which
        /// is not the process's), with <c>~</c> and drives such as <c>TestDrive:</c> expanded. Asked of the session from C#, so it works
        /// in ConstrainedLanguage too; through a nested command where the busy runspace refuses its proxy. Null when neither can say.
        /// </summary>
        private static string? ProviderPath(string typed)
        {
            System.Management.Automation.Runspaces.Runspace? runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
            try
            {
                if (runspace != null)
                {
                    return runspace.SessionStateProxy.Path.GetUnresolvedProviderPathFromPSPath(typed);
                }
            }
            catch (Exception ex) when (ex is RuntimeException || ex is PSInvalidOperationException || ex is InvalidOperationException || ex is NotSupportedException)
            {
                // the runspace is running the completion itself: ask through it below
            }
            try
            {
                using (PowerShell ps = PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    ps.AddCommand("Microsoft.PowerShell.Management\\Convert-Path").AddParameter("LiteralPath", typed);
                    return ps.Invoke<string>().FirstOrDefault();
                }
            }
            catch (Exception ex) when (ex is RuntimeException || ex is PSInvalidOperationException || ex is InvalidOperationException)
            {
                return null;
            }
        }

        private static IEnumerable<PorterPluginEntry> Entries(string? path)
        {
            try
            {
                string? typed = string.IsNullOrEmpty(path) ? null : ProviderPath(path!);
                if (!string.IsNullOrEmpty(path) && typed == null)
                {
                    return Array.Empty<PorterPluginEntry>();
                }
                string home = PorterHomeService.ResolvePath(typed, Environment.GetEnvironmentVariable("PORTER_HOME"), PorterHomeService.UserHomeFromEnvironment(),
                    Environment.CurrentDirectory, out _);
                return PorterHomeService.ReadConfig(home).Storage.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (PorterStorageException)
            {
                return Array.Empty<PorterPluginEntry>();
            }
        }
    }
}
