using System;
using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// A migration store whose reading side is a reader of the same store (<see cref="FileSystemPorterStore"/>,
    /// <c>AzureBlobPorterStore</c>): every <see cref="IPorterStore"/> member is that reader's.
    /// </summary>
    public abstract class ReaderBackedStore
    {
        private protected ReaderBackedStore(IPorterStore reader)
        {
            Reader = reader;
        }

        private protected IPorterStore Reader { get; }

        public string Location => Reader.Location;

        public IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default) => Reader.List(itemType, group, cancellationToken);

        public byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default) =>
            Reader.Read(itemType, name, out location, cancellationToken);

        public IReadOnlyDictionary<string, StoreListing> Items(IEnumerable<string> itemTypes, CancellationToken cancellationToken) => Reader.Items(itemTypes, cancellationToken);

        public byte[] ReadItem(StoreItem item, CancellationToken cancellationToken) => Reader.ReadItem(item, cancellationToken);

        public string ItemLocation(string itemType, string? group, string name) => Reader.ItemLocation(itemType, group, name);

        public bool IsRemote => Reader.IsRemote;

        public IEnumerable<StorageFinding> NativeFindings(IReadOnlyDictionary<string, StoreListing> listings, TimeSpan indexWait, CancellationToken cancellationToken) =>
            Reader.NativeFindings(listings, indexWait, cancellationToken);
    }
}
