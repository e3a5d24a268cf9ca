using System;
using System.Collections.Generic;
using System.IO;

namespace PorterStorage.Core.Config
{
    /// <summary>Finds, parses and resolves Porter's config file the way Porter v0.28–v0.38 does (format §9).</summary>
    public static class PorterConfigReader
    {
        /// <summary>The extensions viper tries, first existing file wins.</summary>
        public static readonly IReadOnlyList<KeyValuePair<string, PorterConfigFormat>> SearchOrder = new[]
        {
            Pair("json", PorterConfigFormat.Json),
            Pair("toml", PorterConfigFormat.Toml),
            Pair("yaml", PorterConfigFormat.Yaml),
            Pair("yml", PorterConfigFormat.Yml),
            Pair("properties", PorterConfigFormat.Properties),
            Pair("props", PorterConfigFormat.Props),
            Pair("prop", PorterConfigFormat.Prop),
            Pair("hcl", PorterConfigFormat.Hcl),
            Pair("dotenv", PorterConfigFormat.Dotenv),
            Pair("env", PorterConfigFormat.Env),
            Pair("ini", PorterConfigFormat.Ini),
        };

        private static KeyValuePair<string, PorterConfigFormat> Pair(string ext, PorterConfigFormat f) =>
            new KeyValuePair<string, PorterConfigFormat>(ext, f);

        /// <summary>The config file Porter would read in <paramref name="homePath"/>, or null.</summary>
        public static string? FindConfigFile(string homePath, out PorterConfigFormat format, out List<string> others)
        {
            string? found = null;
            format = PorterConfigFormat.Toml;
            others = new List<string>();
            foreach (KeyValuePair<string, PorterConfigFormat> candidate in SearchOrder)
            {
                string path = Path.Combine(homePath, "config." + candidate.Key);
                if (!File.Exists(path))
                {
                    continue;
                }
                if (found == null)
                {
                    found = path;
                    format = candidate.Value;
                }
                else
                {
                    others.Add(path);
                }
            }
            return found;
        }

        /// <summary>Reads the config of a home. A home with no config file yields all defaults.</summary>
        public static PorterConfig Read(string homePath) => Read(homePath, FileIO.System);

        /// <summary>
        /// As above, reading through <paramref name="io"/>. A config file the process may not read is <c>AccessDenied</c>, one
        /// that fails otherwise <c>ConfigReadError</c>, both naming the file.
        /// </summary>
        internal static PorterConfig Read(string homePath, IFileIO io)
        {
            string? file = FindConfigFile(homePath, out PorterConfigFormat format, out List<string> others);
            if (file == null)
            {
                return Build(homePath, null, null, new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase), others);
            }

            byte[] bytes;
            try
            {
                bytes = io.ReadAllBytes(file);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                PorterStorageException named = IOErrors.Map(ex, file, IOOperation.Read);
                if (named.ErrorId == ErrorIds.AccessDenied)
                {
                    throw named;
                }
                throw new PorterStorageException(ErrorIds.ConfigReadError, PorterErrorKind.ReadError, file,
                    $"The config file '{file}' could not be read: {ex.Message}", ex);
            }

            return Parse(homePath, file, format, ConfigDocument.DecodeText(bytes), others);
        }

        /// <summary>Parses config text (for tests and for callers holding the text already).</summary>
        public static PorterConfig Parse(string homePath, string filePath, PorterConfigFormat format, string text, IReadOnlyList<string>? ignoredFiles = null)
        {
            Dictionary<string, object?> root = ConfigDocument.Parse(text, format, filePath);
            return Build(homePath, filePath, format, root, ignoredFiles ?? Array.Empty<string>());
        }

        private static PorterConfig Build(string homePath, string? file, PorterConfigFormat? format, Dictionary<string, object?> root, IReadOnlyList<string> others)
        {
            string? defaultStorage = GetString(root, "default-storage");
            string? defaultStoragePlugin = GetString(root, "default-storage-plugin");
            string? defaultSecrets = GetString(root, "default-secrets");
            string? defaultSecretsPlugin = GetString(root, "default-secrets-plugin");
            List<PorterPluginEntry> storage = Entries(root, "storage");
            List<PorterPluginEntry> secrets = Entries(root, "secrets");

            PorterResolvedStorage resolved = Resolve(file ?? homePath, defaultStorage, defaultStoragePlugin, storage);
            return new PorterConfig(homePath, file, format, defaultStorage, defaultStoragePlugin, defaultSecrets, defaultSecretsPlugin,
                storage, secrets, resolved, others);
        }

        /// <summary>
        /// Porter's selection: a non-empty <c>default-storage</c> must name an entry (else <c>StorageNotDefined</c>);
        /// an empty plugin key falls back to <c>default-storage-plugin</c>, then <c>filesystem</c>.
        /// </summary>
        public static PorterResolvedStorage Resolve(string configPath, string? defaultStorage, string? defaultStoragePlugin, IReadOnlyList<PorterPluginEntry> storage)
        {
            string fallbackPlugin = string.IsNullOrEmpty(defaultStoragePlugin) ? PorterResolvedStorage.FilesystemPlugin : defaultStoragePlugin!;
            if (string.IsNullOrEmpty(defaultStorage))
            {
                string source = string.IsNullOrEmpty(defaultStoragePlugin) ? "built-in default" : "default-storage-plugin";
                return new PorterResolvedStorage(null, fallbackPlugin, new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase), source);
            }

            foreach (PorterPluginEntry entry in storage)
            {
                if (string.Equals(entry.Name, defaultStorage, StringComparison.Ordinal))
                {
                    string plugin = string.IsNullOrEmpty(entry.Plugin) ? fallbackPlugin : entry.Plugin;
                    return new PorterResolvedStorage(entry.Name, plugin, entry.Values, $"default-storage \"{entry.Name}\"");
                }
            }

            throw new PorterStorageException(ErrorIds.StorageNotDefined, PorterErrorKind.ObjectNotFound, configPath,
                $"The config file '{configPath}' sets default-storage to \"{defaultStorage}\", but no [[storage]] entry has that name. Porter fails with 'store \"{defaultStorage}\" not defined'.");
        }

        private static string? GetString(Dictionary<string, object?> table, string key) =>
            table.TryGetValue(key, out object? value) ? ConfigDocument.AsString(value) : null;

        private static List<PorterPluginEntry> Entries(Dictionary<string, object?> root, string key)
        {
            var result = new List<PorterPluginEntry>();
            if (!root.TryGetValue(key, out object? value) || !(value is List<object?> list))
            {
                return result;
            }
            foreach (object? item in list)
            {
                if (!(item is Dictionary<string, object?> table))
                {
                    continue;
                }
                IReadOnlyDictionary<string, object?> config = table.TryGetValue("config", out object? c) && c is Dictionary<string, object?> ct
                    ? ct
                    : new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                result.Add(new PorterPluginEntry(GetString(table, "name") ?? string.Empty, GetString(table, "plugin") ?? string.Empty, config));
            }
            return result;
        }
    }
}
