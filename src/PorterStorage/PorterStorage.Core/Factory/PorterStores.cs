using System;
using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Core.Factory
{
    /// <summary>
    /// The one place a store is chosen and opened: a home by its path and its config, any other store by its reference through
    /// the backend that takes it (<see cref="Backends"/>, one line each). Everything above works through <see cref="IMigrationStore"/>
    /// (and <see cref="IPorterStore"/>) and never asks which store it holds.
    /// </summary>
    public static class PorterStores
    {
        /// <summary>The backends a reference can name, one line each (a home by its path: the store its config selects); a backend outside the module (a test's) is added by <see cref="Register"/>.</summary>
        private static StoreBackend[] Backends =
        {
            StoreBackend.Of<string>(home => OpenReader(home, HomeShape.ReadConfig(home), FileIO.System, Environment.GetEnvironmentVariable, default),
                (home, logFolder, cancel) => Open(home, logFolder, Environment.GetEnvironmentVariable, cancel),
                (home, _, cancel) => OpenForCheck(home, Environment.GetEnvironmentVariable, cancel)),
            StoreBackend.Of<PorterAzureContainer>(container => new AzureBlobMigrationStore(container), (container, logFolder, cancel) => new AzureBlobMigrationStore(container, logFolder, cancel)),
            StoreBackend.ReadOnly<PorterAzureTable>(table => new AzureTablePorterStore(table), table => TableNotMigrated(table.StoreUri.ToString(), $"'{table.StoreUri}' is the azure.table plugin's table")),
        };

        private static readonly object Registering = new object();

        /// <summary>
        /// Adds a backend (one from outside the module, as a test's): its reference type may not be one a backend already opens, nor
        /// a base or derived type of one, so no backend can take another's references.
        /// </summary>
        public static void Register(StoreBackend backend)
        {
            if (backend == null)
            {
                throw new ArgumentNullException(nameof(backend));
            }
            lock (Registering)
            {
                StoreBackend? overlapping = Array.Find(Backends, b => b.Reference.IsAssignableFrom(backend.Reference) || backend.Reference.IsAssignableFrom(b.Reference));
                if (overlapping != null)
                {
                    throw new InvalidOperationException($"A backend already opens the references of type {overlapping.Reference.Name}; {backend.Reference.Name} would take them too.");
                }
                var grown = new StoreBackend[Backends.Length + 1];
                grown[0] = backend;
                Array.Copy(Backends, 0, grown, 1, Backends.Length);
                Backends = grown;
            }
        }

        private static StoreBackend BackendOf(object reference) =>
            Array.Find(Backends, b => b.Opens(reference ?? throw new ArgumentNullException(nameof(reference))))
            ?? throw new ArgumentException($"No backend opens a reference of type {reference.GetType().Name}; give a home's path, a container or a table.", nameof(reference));

        /// <summary>
        /// The store that holds a home's data, as Porter's config selects it: the folder itself (filesystem plugin), or the
        /// azure.blob plugin's container reached as the plugin reaches it, whose migration log goes to <paramref name="logFolder"/>
        /// (default: the home). Raises <c>HomeNotFound</c> (<c>PathNotFolder</c> for a file), config and Azure errors, and <c>StorageNotLocal</c> for other plugins.
        /// </summary>
        public static IMigrationStore Open(string homePath, string? logFolder, Func<string, string?> environment, CancellationToken cancellationToken = default)
        {
            PorterConfig config = HomeShape.ReadConfig(homePath);
            if (config.ResolvedStorage.IsAzureTable)
            {
                throw TableNotMigrated(config.FilePath ?? homePath, $"The home '{homePath}' keeps its data in the azure.table plugin's table");
            }
            if (config.ResolvedStorage.IsAzureBlob)
            {
                PorterAzureStorage storage = AzureStorageFactory.FromConfig(config, null, PorterAzureStorage.DefaultContainer, environment, cancellationToken);
                return Open(storage, logFolder ?? homePath, cancellationToken);
            }
            if (!config.ResolvedStorage.IsFilesystem)
            {
                throw new PorterStorageException(ErrorIds.StorageNotLocal, PorterErrorKind.InvalidOperation, config.FilePath ?? homePath,
                    $"The home '{homePath}' keeps its data in the '{config.ResolvedStorage.Plugin}' plugin, which PorterStorage cannot migrate.");
            }
            return new FileSystemMigrationStore(homePath, FileIO.System, config.FilePath);
        }

        /// <summary>
        /// A home folder as a read-only store, read through <paramref name="io"/>, whose config file (found as Porter finds it) has
        /// its mode checked. Raises <c>HomeNotFound</c> (<c>PathNotFolder</c> for a file).
        /// </summary>
        internal static IPorterStore OpenFolder(string homePath, IFileIO io)
        {
            HomeShape.RequireFolder(homePath);
            return new FileSystemMigrationStore(homePath, io, PorterConfigReader.FindConfigFile(homePath, out _, out _));
        }

        /// <summary>
        /// The store Porter reads a home's data from, as its config selects it: the azure.blob plugin's container, reached as the
        /// plugin reaches it, or else the folder itself (read through <paramref name="io"/>). Raises config and Azure errors.
        /// </summary>
        internal static IPorterStore OpenReader(string homePath, PorterConfig? config, IFileIO io, Func<string, string?> environment, CancellationToken cancellationToken) =>
            config?.ResolvedStorage.IsAzureBlob == true || config?.ResolvedStorage.IsAzureTable == true
                ? OpenReader(AzureStorageFactory.FromConfig(config, null, PorterAzureStorage.DefaultContainer, environment, cancellationToken))
                : new FileSystemMigrationStore(homePath, io, config?.FilePath);

        /// <summary>A store named by a reference (a container, a table, or a registered backend's) as a store to read and check.</summary>
        public static IPorterStore OpenReader(object reference) => BackendOf(reference).OpenReader(reference);

        /// <summary>
        /// The store Test-PorterStorage checks for a home: the migration store (<see cref="Open(string, string?, Func{string, string?}, CancellationToken)"/>),
        /// or the table a home on the azure.table plugin keeps, which is read, never migrated.
        /// </summary>
        public static IPorterStore OpenForCheck(string homePath, Func<string, string?> environment, CancellationToken cancellationToken)
        {
            PorterConfig config = HomeShape.ReadConfig(homePath);
            return config.ResolvedStorage.IsAzureTable
                ? OpenReader(AzureStorageFactory.FromConfig(config, null, PorterAzureStorage.DefaultContainer, environment, cancellationToken))
                : Open(homePath, null, environment, cancellationToken);
        }

        /// <summary>
        /// A backup of the store a reference names (a container's blobs, a table's entities) through the one backup engine of a remote
        /// store (<see cref="StoreBackup"/>), written to <paramref name="archivePath"/>. A home is backed up as a folder (<c>HomeBackup</c>).
        /// </summary>
        public static PorterBackup Backup(PorterAzureStorage storage, string archivePath, bool force, IProgress<OperationProgress>? progress, CancellationToken cancellationToken) =>
            StoreBackup.Create((IBackupSource)OpenReader(storage), archivePath, force, progress, cancellationToken);

        /// <summary>
        /// The store Test-PorterStorage checks for a reference (a store from Get-PorterAzureStorage): the store to migrate when its
        /// backend migrates (its log would go to <paramref name="logFolder"/>), else the store to read.
        /// </summary>
        public static IPorterStore OpenForCheck(object reference, string logFolder, CancellationToken cancellationToken) =>
            BackendOf(reference).OpenForCheck(reference, logFolder, cancellationToken);

        /// <summary>The plugin's store (container or table) a reader from <see cref="OpenReader(string, PorterConfig?, IFileIO, Func{string, string?}, CancellationToken)"/> reads, or null when it reads the home folder.</summary>
        internal static PorterAzureStorage? ContainerOf(IPorterStore reader) => (PorterAzureStorage?)(reader as AzureBlobMigrationStore)?.Storage ?? (reader as AzureTablePorterStore)?.Storage;

        /// <summary>
        /// What a reader's store holds, legacy and current (<see cref="StoreCounter"/>), with a folder's YAML-only credential sets,
        /// which only a folder can hold (Porter ≤ v0.22 had no other store). What could not be listed or read is in <paramref name="failures"/>.
        /// </summary>
        internal static PorterItemCounts CountItems(IPorterStore reader, out IReadOnlyList<PorterStorageException> failures, CancellationToken cancellationToken)
        {
            PorterItemCounts counts = StoreCounter.Count(reader, out failures, cancellationToken);
            counts.YamlCredentials = YamlOnlyCredentialSets(reader).Count;
            return counts;
        }

        /// <summary>A folder's credential sets that exist only as YAML (full paths); none in any other store.</summary>
        internal static IReadOnlyList<string> YamlOnlyCredentialSets(IPorterStore reader) =>
            reader is FileSystemMigrationStore folder ? folder.YamlOnlyCredentialSets() : Array.Empty<string>();

        /// <summary>
        /// The store a reference names (the azure.blob plugin's container, or a registered backend's), opened to be migrated; its
        /// migration log goes to <paramref name="logFolder"/>. A store its backend only reads is refused with that backend's named
        /// error (a table: <c>AzureStoreKindMismatch</c>, it is read, never migrated).
        /// </summary>
        public static IMigrationStore Open(object reference, string logFolder, CancellationToken cancellationToken = default) =>
            BackendOf(reference).Open(reference, logFolder, cancellationToken);

        /// <summary>
        /// The table plugin postdates the v0.28 format: there is nothing to migrate in its table, only a store to move off the
        /// dropped plugin.
        /// </summary>
        private static PorterStorageException TableNotMigrated(string target, string what) =>
            new PorterStorageException(ErrorIds.AzureStoreKindMismatch, PorterErrorKind.InvalidOperation, target,
                what + ", which holds the current format and is not migrated; check it with Test-PorterStorage and move it to a blob container with Copy-PorterAzureContainer.");
    }
}
