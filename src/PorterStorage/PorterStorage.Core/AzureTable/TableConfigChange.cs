using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using PorterStorage.Core.Azure;
using PorterStorage.Core.Config;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Home;
using PorterStorage.Core.IO;

namespace PorterStorage.Core.AzureTable
{
    /// <summary>
    /// The change to Porter's config that moves a home from the azure.table plugin to the azure.blob plugin once its table has been
    /// moved into a container. Both plugins connect the same way (the same <c>env</c>, <c>account</c>, <c>resource-group</c> and
    /// <c>subscription-id</c>), so the change is the plugin's name alone, when the container is the account's <c>porter</c>.
    /// </summary>
    public static class TableConfigChange
    {
        private static readonly Regex TableValue = new Regex(@"(?<q>[""']?)azure\.table\k<q>(?![\w.\-])", RegexOptions.CultureInvariant);

        /// <summary>What to change, as text for the operator (no secret: names of files, entries and accounts only).</summary>
        public static string Describe(PorterAzureStorage table, PorterAzureStorage container)
        {
            var text = new StringBuilder();
            string where = table.ConfigFile != null
                ? (table.ConfigEntry != null ? $"In {table.ConfigFile}, the [[storage]] entry \"{table.ConfigEntry}\"" : $"In {table.ConfigFile}, default-storage-plugin")
                : "In the Porter config whose storage entry selects this table";
            text.Append(where).Append(": change plugin \"azure.table\" to \"azure.blob\"; keep its other settings (both plugins connect the same way).");
            string? blocker = Blocker(table, container);
            if (blocker != null)
            {
                text.Append(' ').Append(blocker);
            }
            return text.ToString();
        }

        /// <summary>Why the plugin's name alone is not enough for Porter to read <paramref name="container"/>, or null.</summary>
        private static string? Blocker(PorterAzureStorage table, PorterAzureStorage container)
        {
            if (!string.Equals(table.AccountName, container.AccountName, StringComparison.Ordinal) || table.BlobEndpoint != container.BlobEndpoint)
            {
                return $"The container is in the account '{container.AccountName}', not the table's '{table.AccountName}': point the entry's env (or account and resource-group) at '{container.AccountName}' too.";
            }
            if (container.Container != PorterAzureStorage.DefaultContainer)
            {
                return $"The azure.blob plugin reads only the container '{PorterAzureStorage.DefaultContainer}', not '{container.Container}': move the table into '{PorterAzureStorage.DefaultContainer}' for Porter to use it.";
            }
            return null;
        }

        /// <summary>
        /// Makes the change in the config file that named <paramref name="table"/>: its one <c>azure.table</c> value becomes
        /// <c>azure.blob</c>, the old text kept beside it (0600) and the new config read back to select the azure.blob plugin.
        /// Returns the kept copy's path. Raises <c>ConfigNotUpdated</c>, naming the config, when the table was not named by a config,
        /// the name alone is not enough (another account, a container other than <c>porter</c>), the file names azure.table other
        /// than once, or the changed config does not read back as azure.blob; the file is then as it was.
        /// </summary>
        public static string Apply(PorterAzureStorage table, PorterAzureStorage container, DateTime localNow)
        {
            string? file = table.ConfigFile;
            if (file == null || table.ConfigHome == null)
            {
                throw NotUpdated(table.Source, "the table was not named by a home's Porter config (use Get-PorterAzureStorage -Path <home>)");
            }
            string? blocker = Blocker(table, container);
            if (blocker != null)
            {
                throw NotUpdated(file, blocker);
            }
            // A linked config is changed where it lives, and stays a link.
            file = FileSystemExtras.RealPath(file);
            string text;
            try
            {
                text = Encoding.UTF8.GetString(FileSystemExtras.ReadAllBytes(file));
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, file, IOOperation.Read, "The config was not changed.");
            }
            MatchCollection found = TableValue.Matches(text);
            if (found.Count != 1)
            {
                throw NotUpdated(file, $"it names azure.table {found.Count} times, so which one to change is not clear; make the change by hand");
            }
            Match m = found[0];
            string q = m.Groups["q"].Value;
            string changed = text.Substring(0, m.Index) + q + PorterResolvedStorage.AzureBlobPlugin + q + text.Substring(m.Index + m.Length);
            string kept = file + "." + localNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + ".azure-table";
            try
            {
                PrivateFile.Write(FileIO.System, kept, replace: false, Utf8(text));
                PrivateFile.Write(FileIO.System, file, replace: true, Utf8(changed));
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                if (File.Exists(file) && File.Exists(kept) && File.ReadAllText(file) == text)
                {
                    // Nothing was changed: no copy of the old text is left beside it.
                    File.Delete(kept);
                }
                throw IOErrors.Map(ex, file, IOOperation.Write, "The config was not changed.");
            }
            string? wrong = null;
            try
            {
                PorterConfig config = PorterHomeService.ReadConfig(table.ConfigHome);
                PorterResolvedStorage now = config.ResolvedStorage;
                if (table.ConfigEntry != null && now.Name != table.ConfigEntry)
                {
                    PorterPluginEntry? entry = System.Linq.Enumerable.FirstOrDefault(config.Storage, s => s.Name == table.ConfigEntry);
                    wrong = entry == null ? "the entry is gone" : entry.Plugin != PorterResolvedStorage.AzureBlobPlugin ? $"the entry now names '{entry.Plugin}'" : null;
                }
                else if (!now.IsAzureBlob)
                {
                    wrong = $"it now selects '{now.Plugin}'";
                }
            }
            catch (PorterStorageException ex)
            {
                wrong = ex.Message;
            }
            if (wrong != null)
            {
                FileSystemExtras.MoveFile(kept, file, overwrite: true);
                throw NotUpdated(file, "the changed config did not read back as the azure.blob plugin (" + wrong + "); the old config is back");
            }
            return kept;
        }

        private static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);

        private static PorterStorageException NotUpdated(string target, string why) =>
            new PorterStorageException(ErrorIds.ConfigNotUpdated, PorterErrorKind.InvalidOperation, target, $"The Porter config '{target}' was not changed: {why}.");
    }
}
