using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace PorterStorage.Core.Config
{
    /// <summary>The one place that changes Porter's config file.</summary>
    public static class PorterConfigWriter
    {
        /// <summary>
        /// Changes the storage plugin <paramref name="from"/> to <paramref name="to"/> in <paramref name="file"/>, the config of the home
        /// <paramref name="home"/>: its one value <paramref name="from"/> (quoted or not, in TOML, YAML or JSON) becomes <paramref name="to"/>,
        /// the old text is kept beside it (0600, named with <paramref name="localNow"/>), and the changed config must read back selecting
        /// <paramref name="to"/> (through the entry <paramref name="entry"/> when one is named), else the old config is put back. A linked
        /// config is changed where it lives. Returns the kept copy's path. Raises <c>ConfigNotUpdated</c>, naming the config, when the
        /// file names <paramref name="from"/> other than once or does not read back; the file is then as it was.
        /// </summary>
        public static string ReplacePlugin(string file, string home, string? entry, string from, string to, DateTime localNow)
        {
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
            MatchCollection found = PluginValue(from).Matches(text);
            if (found.Count != 1)
            {
                throw NotUpdated(file, $"it names {from} {found.Count} times, so which one to change is not clear; make the change by hand");
            }
            Match m = found[0];
            string q = m.Groups["q"].Value;
            string changed = text.Substring(0, m.Index) + q + to + q + text.Substring(m.Index + m.Length);
            string kept = file + "." + localNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "." + from.Replace('.', '-');
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
                PorterConfig config = PorterConfigReader.Read(home);
                PorterResolvedStorage now = config.ResolvedStorage;
                if (entry != null && now.Name != entry)
                {
                    PorterPluginEntry? named = System.Linq.Enumerable.FirstOrDefault(config.Storage, s => s.Name == entry);
                    wrong = named == null ? "the entry is gone" : named.Plugin != to ? $"the entry now names '{named.Plugin}'" : null;
                }
                else if (now.Plugin != to)
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
                throw NotUpdated(file, $"the changed config did not read back as the {to} plugin (" + wrong + "); the old config is back");
            }
            return kept;
        }

        private static Regex PluginValue(string plugin) =>
            new Regex(@"(?<q>[""']?)" + Regex.Escape(plugin) + @"\k<q>(?![\w.\-])", RegexOptions.CultureInvariant);

        private static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);

        /// <summary><c>ConfigNotUpdated</c>: the config <paramref name="target"/> was left as it was, and why.</summary>
        internal static PorterStorageException NotUpdated(string target, string why) =>
            new PorterStorageException(ErrorIds.ConfigNotUpdated, PorterErrorKind.InvalidOperation, target, $"The Porter config '{target}' was not changed: {why}.");
    }
}
