using System.Collections.Generic;
using PorterStorage.Core.Storage;

namespace PorterStorage.Core.Migration
{
    /// <summary>One document in Porter's storage model: item type, group, name and content.</summary>
    public sealed class StoredDocument
    {
        public StoredDocument(string itemType, string? group, string name, byte[] content)
        {
            ItemType = itemType;
            Group = group;
            Name = name;
            Content = content;
        }

        public string ItemType { get; }

        /// <summary>The installation (claims), claim ID (results) or result ID (outputs); null for ungrouped types.</summary>
        public string? Group { get; }

        public string Name { get; }

        public byte[] Content { get; }

        /// <summary>
        /// The content the document is meant to hold, built from the legacy item independently of the writer (see
        /// <see cref="WrittenDocumentGuard"/>); null checks only that a JSON document re-reads strictly. Elements in it
        /// belong to the legacy document and are valid while it is.
        /// </summary>
        public object? Expected { get; set; }

        /// <summary>The path in a PORTER_HOME folder, '/'-separated (spec §2.3).</summary>
        public string FileSystemPath =>
            (ItemType.Length == 0 ? string.Empty : ItemType + "/") + (Group == null ? string.Empty : Group + "/") + Name + ItemTypes.Extension(ItemType);

        public override string ToString() => FileSystemPath;
    }

    /// <summary>
    /// Everything one migrated item changes, applied by a store as one unit: all writes land, then the deletions,
    /// or (after a crash) the unit is finished by the next run.
    /// </summary>
    public sealed class ChangeSet
    {
        public ChangeSet(string description)
        {
            Description = description;
        }

        public string Description { get; }

        /// <summary>Documents to write, in the order readers may see them (outputs, results, claims, index last).</summary>
        public List<StoredDocument> Writes { get; } = new List<StoredDocument>();

        /// <summary>'/'-separated paths to delete once every write has landed.</summary>
        public List<string> Deletes { get; } = new List<string>();

        /// <summary>'/'-separated paths to rename once every write has landed (source, destination).</summary>
        public List<KeyValuePair<string, string>> Renames { get; } = new List<KeyValuePair<string, string>>();
    }
}
