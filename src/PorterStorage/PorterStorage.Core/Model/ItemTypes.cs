using System.Collections.Generic;

namespace PorterStorage.Core.Model
{
    /// <summary>Porter's storage item types (format §2.3) and their file extensions in the filesystem store.</summary>
    public static class ItemTypes
    {
        public const string Root = "";
        public const string Installations = "installations";
        public const string Claims = "claims";
        public const string Results = "results";
        public const string Outputs = "outputs";
        public const string Credentials = "credentials";
        public const string Parameters = "parameters";

        /// <summary>The name of the schema document (root item type).</summary>
        public const string SchemaName = "schema";

        /// <summary>
        /// Every item type that holds documents (a home's data folders, a container's blob prefixes), in the order Porter
        /// declares them; reports per type are in this order.
        /// </summary>
        public static IReadOnlyList<string> All { get; } = new List<string> { Installations, Claims, Results, Outputs, Credentials, Parameters }.AsReadOnly();

        /// <summary>The same types as <see cref="All"/>, as the data folders of a home, in the order Porter's migration visits them.</summary>
        public static IReadOnlyList<string> DataFolders { get; } = new List<string> { Claims, Results, Outputs, Installations, Credentials, Parameters }.AsReadOnly();

        /// <summary>The data folders whose files (with the config file) Porter checks the modes of (format §2.4, <see cref="PorterFileModes"/>).</summary>
        public static IReadOnlyList<string> ModeChecked { get; } = new List<string> { Claims, Outputs, Credentials, Parameters }.AsReadOnly();

        /// <summary>
        /// True for the types whose items Porter keeps in groups: claims by installation, results by claim, outputs by result (a
        /// folder's subfolders, a blob's group tag).
        /// </summary>
        public static bool IsGrouped(string itemType) => itemType == Claims || itemType == Results || itemType == Outputs;

        /// <summary>The item type a '/'-separated store path lies under (its first part), or the root type "" for a path without one.</summary>
        public static string OfPath(string storePath)
        {
            int slash = storePath.IndexOf('/');
            return slash < 0 ? string.Empty : storePath.Substring(0, slash);
        }

        /// <summary>The filesystem store's extension for an item type: ".json" or "" (none).</summary>
        public static string Extension(string itemType)
        {
            switch (itemType)
            {
                case Installations:
                case Outputs:
                    return string.Empty;
                default:
                    return ".json";
            }
        }
    }
}
