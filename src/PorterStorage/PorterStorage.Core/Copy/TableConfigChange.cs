using System;
using System.Text;

namespace PorterStorage.Core.Copy
{
    /// <summary>
    /// The change to Porter's config that moves a home from the azure.table plugin to the azure.blob plugin once its table has been
    /// moved into a container. Both plugins connect the same way (the same <c>env</c>, <c>account</c>, <c>resource-group</c> and
    /// <c>subscription-id</c>), so the change is the plugin's name alone, when the container is the account's <c>porter</c>.
    /// </summary>
    public static class TableConfigChange
    {
        /// <summary>What to change, as text for the operator (no secret: names of files, entries and accounts only).</summary>
        public static string Describe(PorterAzureTable table, PorterAzureContainer container)
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
        private static string? Blocker(PorterAzureTable table, PorterAzureContainer container)
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
        public static string Apply(PorterAzureTable table, PorterAzureContainer container, DateTime localNow)
        {
            string? file = table.ConfigFile;
            if (file == null || table.ConfigHome == null)
            {
                throw PorterConfigWriter.NotUpdated(table.Source, "the table was not named by a home's Porter config (use Get-PorterAzureStorage -Path <home>)");
            }
            string? blocker = Blocker(table, container);
            if (blocker != null)
            {
                throw PorterConfigWriter.NotUpdated(file, blocker);
            }
            return PorterConfigWriter.ReplacePlugin(file, table.ConfigHome, table.ConfigEntry, PorterResolvedStorage.AzureTablePlugin, PorterResolvedStorage.AzureBlobPlugin, localNow);
        }
    }
}
