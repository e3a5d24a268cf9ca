using System;
using System.Collections.Generic;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// One stored item in Porter's model: its type, its group (the installation of a claim, the claim of a result, the result of an
    /// output; null for ungrouped types and for a legacy claim), its name, and the native index record Porter finds it by (a blob's
    /// tags; null in a folder, where the path is the index).
    /// </summary>
    public sealed class StoreItem
    {
        public StoreItem(string itemType, string? group, string name, string storePath, string location, IReadOnlyDictionary<string, string>? tags)
        {
            ItemType = itemType;
            Group = group;
            Name = name;
            StorePath = storePath;
            Location = location;
            Tags = tags;
        }

        public string ItemType { get; }

        public string? Group { get; }

        public string Name { get; }

        /// <summary>The store path ('/'-separated: <c>claims/mybun/01H.json</c> in a folder, the blob <c>claims/01H</c>).</summary>
        public string StorePath { get; }

        /// <summary>The full name for messages: a file path or a blob URL, never a secret.</summary>
        public string Location { get; }

        /// <summary>The index record the store keeps beside the content (a blob's tags), or null.</summary>
        public IReadOnlyDictionary<string, string>? Tags { get; }

        public override string ToString() => StorePath;
    }

    /// <summary>
    /// What a store lists of one item type: its items sorted by store path, the groups seen (with a location naming each, even a
    /// group that holds nothing or could not be listed), and the parts that could not be listed, as named errors.
    /// </summary>
    public sealed class StoreListing
    {
        public StoreListing(IReadOnlyList<StoreItem> items, IReadOnlyDictionary<string, string> groups, IReadOnlyList<PorterStorageException> unlisted)
        {
            Items = items;
            Groups = groups;
            Unlisted = unlisted;
        }

        public static StoreListing Empty { get; } = new StoreListing(Array.Empty<StoreItem>(), new Dictionary<string, string>(), Array.Empty<PorterStorageException>());

        public IReadOnlyList<StoreItem> Items { get; }

        /// <summary>Group name → the location that names it (a folder, or the first blob of the group).</summary>
        public IReadOnlyDictionary<string, string> Groups { get; }

        /// <summary>Folders that could not be listed (<c>AccessDenied</c>, <c>StoreReadError</c>); what they hold is left out.</summary>
        public IReadOnlyList<PorterStorageException> Unlisted { get; }
    }
}
