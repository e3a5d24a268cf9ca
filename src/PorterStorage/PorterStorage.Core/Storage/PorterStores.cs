using System;
using System.Threading;
using PorterStorage.Core.Azure;
using PorterStorage.Core.Config;
using PorterStorage.Core.Errors;
using PorterStorage.Core.Home;
using PorterStorage.Core.IO;
using PorterStorage.Core.Migration;

namespace PorterStorage.Core.Storage
{
    /// <summary>
    /// The one place a store is chosen and opened. Everything above works through <see cref="IMigrationStore"/> (and
    /// <see cref="IPorterStore"/>) and never asks which store it holds; a new backend is one more branch here.
    /// </summary>
    public static class PorterStores
    {
        /// <summary>
        /// The store that holds a home's data, as Porter's config selects it: the folder itself (filesystem plugin), or the
        /// azure.blob plugin's container reached as the plugin reaches it, whose migration log goes to <paramref name="logFolder"/>
        /// (default: the home). Raises <c>HomeNotFound</c>, config and Azure errors, and <c>StorageNotLocal</c> for other plugins.
        /// </summary>
        public static IMigrationStore Open(string homePath, string? logFolder, Func<string, string?> environment, CancellationToken cancellationToken = default)
        {
            PorterConfig config = PorterHomeService.ReadConfig(homePath);
            if (config.ResolvedStorage.IsAzureBlob)
            {
                PorterAzureStorage storage = AzureStorageFactory.FromConfig(config, null, PorterAzureStorage.DefaultContainer, environment, cancellationToken);
                return Open(storage, logFolder ?? homePath);
            }
            if (!config.ResolvedStorage.IsFilesystem)
            {
                throw new PorterStorageException(ErrorIds.StorageNotLocal, PorterErrorKind.InvalidOperation, config.FilePath ?? homePath,
                    $"The home '{homePath}' keeps its data in the '{config.ResolvedStorage.Plugin}' plugin, which PorterStorage cannot migrate.");
            }
            return new FileSystemMigrationStore(homePath);
        }

        /// <summary>
        /// The store Porter reads a home's data from, as its config selects it: the azure.blob plugin's container, reached as the
        /// plugin reaches it, or else the folder itself (read through <paramref name="io"/>). Raises config and Azure errors.
        /// </summary>
        internal static IPorterStore OpenReader(string homePath, PorterConfig? config, IFileIO io, Func<string, string?> environment, CancellationToken cancellationToken) =>
            config?.ResolvedStorage.IsAzureBlob == true
                ? new AzureBlobPorterStore(AzureStorageFactory.FromConfig(config, null, PorterAzureStorage.DefaultContainer, environment, cancellationToken))
                : new FileSystemPorterStore(homePath, io);

        /// <summary>The plugin's container a reader from <see cref="OpenReader"/> reads, or null when it reads the home folder.</summary>
        internal static PorterAzureStorage? ContainerOf(IPorterStore reader) => (reader as AzureBlobPorterStore)?.Storage;

        /// <summary>
        /// What a reader's store holds, legacy and current: counted in the container by its tags and schema versions, or, for the
        /// home folder, by <paramref name="countFolder"/> (the home scan).
        /// </summary>
        internal static PorterItemCounts CountItems(IPorterStore reader, Func<PorterItemCounts> countFolder, CancellationToken cancellationToken) =>
            reader is AzureBlobPorterStore container ? container.Count(cancellationToken) : countFolder();

        /// <summary>The azure.blob plugin's container as a store; its migration log goes to <paramref name="logFolder"/>.</summary>
        public static IMigrationStore Open(PorterAzureStorage container, string logFolder) => new AzureBlobMigrationStore(container, logFolder);
    }
}
