namespace PorterStorage.Core.Model
{
    /// <summary>An entry directly under a data folder of a store.</summary>
    public sealed class StoreEntry
    {
        public StoreEntry(string name, string relativePath, bool isFolder, bool isLink, string? itemName = null, bool isDocument = false)
        {
            Name = name;
            RelativePath = relativePath;
            IsFolder = isFolder;
            IsLink = isLink;
            ItemName = itemName ?? name;
            IsDocument = isDocument;
        }

        /// <summary>The file or folder name, with extension.</summary>
        public string Name { get; }

        /// <summary>The item's name in Porter's model (the file name without the store's document extension).</summary>
        public string ItemName { get; }

        /// <summary>A JSON document of the type (a <c>.json</c> file in a folder; any blob in a container).</summary>
        public bool IsDocument { get; }

        /// <summary>'/'-separated path in the store.</summary>
        public string RelativePath { get; }

        /// <summary>A folder; under claims/ a current-layout installation (in a container: the claims tagged with it).</summary>
        public bool IsFolder { get; }

        public bool IsLink { get; }
    }
}
