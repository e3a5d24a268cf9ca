using System.Collections.Generic;
using System.Linq;

namespace PorterStorage.Core.Model
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

        /// <summary>The path in a PORTER_HOME folder, '/'-separated (format §2.3).</summary>
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

    /// <summary>Applies <see cref="ItemNames"/> to everything a change set would create in a store.</summary>
    public static class ChangeSetNames
    {
        /// <summary>What an item type's documents are called in messages.</summary>
        public static string KindOf(string itemType)
        {
            switch (itemType)
            {
                case ItemTypes.Claims: return "claim";
                case ItemTypes.Results: return "result";
                case ItemTypes.Outputs: return "output";
                case ItemTypes.Installations: return "installation";
                case ItemTypes.Credentials: return "credential set";
                case ItemTypes.Parameters: return "parameter set";
                default: return "item";
            }
        }

        /// <summary>Raises <c>InvalidItemName</c> naming <paramref name="source"/> when a write or rename target cannot be stored.</summary>
        public static void Check(IMigrationStore store, IEnumerable<StoredDocument> writes, IEnumerable<string> renameTargets, string source)
        {
            foreach (StoredDocument doc in writes)
            {
                ItemNames.Check(KindOf(doc.ItemType), doc.ItemType, doc.Group, doc.Name, store.StorePath(doc), store.NameLimits, source);
            }
            foreach (string target in renameTargets)
            {
                string name = target.Substring(target.LastIndexOf('/') + 1);
                ItemNames.Throw("item", name, ItemNames.NameProblem(name) ?? ItemNames.PathProblem(target, store.NameLimits), source);
            }
        }

        /// <summary>The same for a whole change set.</summary>
        public static void Check(IMigrationStore store, ChangeSet changes, string source) =>
            Check(store, changes.Writes, changes.Renames.Select(r => r.Value), source);
    }
}
