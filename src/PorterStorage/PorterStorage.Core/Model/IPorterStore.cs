using System;
using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Core.Model
{
    /// <summary>What a store with an eventually consistent index (a container's Blob Index) is given by default to catch up.</summary>
    public static class StoreIndex
    {
        /// <summary>How long a check waits by default for the index to show what the listing shows.</summary>
        public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);
    }

    /// <summary>
    /// Porter's storage model (item type, group, name) over one backing store: a PORTER_HOME folder or
    /// an Azure blob container. Stores read and write documents; they know nothing of config or rules.
    /// </summary>
    public interface IPorterStore
    {
        /// <summary>A display location: a folder path or a container URL without credentials.</summary>
        string Location { get; }

        /// <summary>
        /// Names of the items of a type (in a group, when given), sorted ordinally, as Porter's List returns
        /// them. Read-only: never creates folders. A missing type or group yields an empty list.
        /// </summary>
        IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default);

        /// <summary>
        /// Reads an item the way Porter's Read does. Returns null when it does not exist; the located
        /// path or blob name is returned in <paramref name="location"/>.
        /// </summary>
        byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default);

        /// <summary>
        /// Every item of each of the types, grouped as Porter groups it (a folder's subfolder, a blob's group tag), with its native
        /// record, in one pass the store chooses (one listing of a container). Read-only. A part that cannot be listed is in
        /// <see cref="StoreListing.Unlisted"/>, never a raw exception.
        /// </summary>
        IReadOnlyDictionary<string, StoreListing> Items(IEnumerable<string> itemTypes, CancellationToken cancellationToken);

        /// <summary>The content of a listed item; raises a named error (<c>FileUnreadable</c>, <c>AccessDenied</c>, Azure errors).</summary>
        byte[] ReadItem(StoreItem item, CancellationToken cancellationToken);

        /// <summary>The full name (for messages) of where an item of a type, group and name is or would be.</summary>
        string ItemLocation(string itemType, string? group, string name);

        /// <summary>
        /// True when each read is a request to a remote service. Engines then judge documents by the index the store keeps
        /// (tags, names) and read only the few they must (sets, the schema); a local store has every document read.
        /// </summary>
        bool IsRemote { get; }

        /// <summary>
        /// What only this kind of store can get wrong in the way Porter reads it, given what was listed: a folder's shape and file
        /// modes, a container's missing tags and tag queries that do not find a blob. <paramref name="indexWait"/> is how long an
        /// eventually consistent index (a container's Blob Index) is given to show what was listed; zero asks it once. A store
        /// without one ignores it.
        /// </summary>
        IEnumerable<StorageFinding> NativeFindings(IReadOnlyDictionary<string, StoreListing> listings, TimeSpan indexWait, CancellationToken cancellationToken);
    }
}
