using System;
using System.Collections.Generic;

namespace PorterStorage
{
    /// <summary>A named plugin entry: one <c>[[storage]]</c> or <c>[[secrets]]</c> table.</summary>
    public sealed class PorterPluginEntry
    {
        public PorterPluginEntry(string name, string plugin, IReadOnlyDictionary<string, object?> config)
        {
            Name = name;
            Plugin = plugin;
            Values = config;
            Config = Core.Security.Redaction.Redact(config);
        }

        public string Name { get; }

        public string Plugin { get; }

        /// <summary>
        /// The free-form table handed to the plugin (keys compared case-insensitively, as viper does), for display:
        /// secret values (connection strings, keys, SAS, passwords, tokens) are masked.
        /// </summary>
        public IReadOnlyDictionary<string, object?> Config { get; }

        /// <summary>The table as written, secrets included: for the engine only, never shown.</summary>
        internal IReadOnlyDictionary<string, object?> Values { get; }

        public override string ToString() => $"{Name} ({Plugin})";
    }

    /// <summary>The storage Porter would use for this home, and why.</summary>
    public sealed class PorterResolvedStorage
    {
        public const string FilesystemPlugin = "filesystem";
        public const string AzureBlobPlugin = "azure.blob";
        public const string AzureTablePlugin = "azure.table";

        public PorterResolvedStorage(string? name, string plugin, IReadOnlyDictionary<string, object?> config, string source)
        {
            Name = name;
            Plugin = plugin;
            Values = config;
            Config = Core.Security.Redaction.Redact(config);
            Source = source;
            string[] parts = plugin.Split('.');
            switch (parts.Length)
            {
                case 1:
                    PluginBinary = "porter";
                    PluginImplementation = parts[0];
                    break;
                case 2:
                    PluginBinary = parts[0];
                    PluginImplementation = parts[1];
                    break;
                default:
                    // A three-part key's first part is replaced by "storage".
                    PluginBinary = parts[1];
                    PluginImplementation = string.Join(".", parts, 2, parts.Length - 2);
                    break;
            }
        }

        /// <summary>The <c>[[storage]]</c> entry name, or null when the plugin came from <c>default-storage-plugin</c>.</summary>
        public string? Name { get; }

        /// <summary>The plugin key, e.g. <c>filesystem</c> or <c>azure.blob</c>.</summary>
        public string Plugin { get; }

        /// <summary>The plugin's table for display: secret values are masked.</summary>
        public IReadOnlyDictionary<string, object?> Config { get; }

        /// <summary>The table as written, secrets included: for the engine only, never shown.</summary>
        internal IReadOnlyDictionary<string, object?> Values { get; }

        /// <summary>Where the choice came from, e.g. <c>default-storage "dev"</c>.</summary>
        public string Source { get; }

        public string PluginBinary { get; }

        public string PluginImplementation { get; }

        /// <summary>Only the literal key <c>filesystem</c> selects the local store.</summary>
        public bool IsFilesystem => string.Equals(Plugin, FilesystemPlugin, StringComparison.Ordinal);

        public bool IsAzureBlob => string.Equals(Plugin, AzureBlobPlugin, StringComparison.Ordinal);

        public bool IsAzureTable => string.Equals(Plugin, AzureTablePlugin, StringComparison.Ordinal);

        public static PorterResolvedStorage Default() =>
            new PorterResolvedStorage(null, FilesystemPlugin, new Dictionary<string, object?>(), "built-in default");

        public override string ToString() => Name == null ? Plugin : $"{Name} ({Plugin})";
    }

    /// <summary>Porter's config file as Porter v0.28–v0.38 reads it (format §9).</summary>
    public sealed class PorterConfig
    {
        internal PorterConfig(string homePath, string? filePath, PorterConfigFormat? format, string? defaultStorage, string? defaultStoragePlugin,
            string? defaultSecrets, string? defaultSecretsPlugin, IReadOnlyList<PorterPluginEntry> storage, IReadOnlyList<PorterPluginEntry> secrets,
            PorterResolvedStorage resolvedStorage, IReadOnlyList<string> ignoredFiles)
        {
            HomePath = homePath;
            FilePath = filePath;
            Format = format;
            DefaultStorage = defaultStorage;
            DefaultStoragePlugin = defaultStoragePlugin;
            DefaultSecrets = defaultSecrets;
            DefaultSecretsPlugin = defaultSecretsPlugin;
            Storage = storage;
            Secrets = secrets;
            ResolvedStorage = resolvedStorage;
            IgnoredFiles = ignoredFiles;
        }

        public string HomePath { get; }

        /// <summary>The file Porter reads, or null when the home has none (all defaults).</summary>
        public string? FilePath { get; }

        public PorterConfigFormat? Format { get; }

        public bool Exists => FilePath != null;

        public string? DefaultStorage { get; }

        /// <summary>As written in the file; Porter falls back to <c>filesystem</c> when it is empty.</summary>
        public string? DefaultStoragePlugin { get; }

        public string? DefaultSecrets { get; }

        /// <summary>As written in the file; Porter falls back to <c>host</c> when it is empty.</summary>
        public string? DefaultSecretsPlugin { get; }

        public IReadOnlyList<PorterPluginEntry> Storage { get; }

        public IReadOnlyList<PorterPluginEntry> Secrets { get; }

        /// <summary>The storage that applies.</summary>
        public PorterResolvedStorage ResolvedStorage { get; }

        /// <summary>Other config.* files beside the one that wins; Porter never reads them.</summary>
        public IReadOnlyList<string> IgnoredFiles { get; }

        public override string ToString() => FilePath ?? $"{HomePath} (no config file)";
    }
}
