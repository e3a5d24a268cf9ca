using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using PorterStorage.Core.Errors;

namespace PorterStorage.Core.Storage
{
    /// <summary>Porter's filesystem store (crud FileSystemStore, spec §2.3) over a PORTER_HOME folder.</summary>
    public sealed class FileSystemPorterStore : IPorterStore
    {
        public FileSystemPorterStore(string homePath)
        {
            HomePath = homePath;
        }

        public string HomePath { get; }

        public string Location => HomePath;

        /// <inheritdoc />
        public IReadOnlyList<string> List(string itemType, string? group, CancellationToken cancellationToken = default)
        {
            string folder = string.IsNullOrEmpty(group) ? Path.Combine(HomePath, itemType) : Path.Combine(HomePath, itemType, group);
            var names = new List<string>();
            if (!Directory.Exists(folder))
            {
                return names;
            }

            string ext = ItemTypes.Extension(itemType);
            foreach (string entry in Directory.EnumerateFileSystemEntries(folder))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string name = Path.GetFileName(entry);
                if (Directory.Exists(entry))
                {
                    names.Add(name);
                }
                else if (ext.Length == 0)
                {
                    names.Add(name);
                }
                else if (name.EndsWith(ext, StringComparison.Ordinal))
                {
                    names.Add(name.Substring(0, name.Length - ext.Length));
                }
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }

        /// <inheritdoc />
        public byte[]? Read(string itemType, string name, out string? location, CancellationToken cancellationToken = default)
        {
            location = Locate(itemType, name);
            if (location == null)
            {
                return null;
            }
            try
            {
                return PorterStorage.Core.IO.FileSystemExtras.ReadAllBytes(location);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.StoreReadError, PorterErrorKind.ReadError, location,
                    $"'{location}' could not be read: {ex.Message}", ex);
            }
        }

        /// <summary>
        /// Porter's Read lookup: <c>type/name.ext</c>, else the glob <c>type/*/name.ext</c>; more than one
        /// glob match is an error, as in Porter.
        /// </summary>
        public string? Locate(string itemType, string name)
        {
            string ext = ItemTypes.Extension(itemType);
            string typeFolder = itemType.Length == 0 ? HomePath : Path.Combine(HomePath, itemType);
            string direct = Path.Combine(typeFolder, name + ext);
            if (File.Exists(direct))
            {
                return direct;
            }
            if (!Directory.Exists(typeFolder))
            {
                return null;
            }

            string? match = null;
            foreach (string sub in Directory.EnumerateDirectories(typeFolder))
            {
                string candidate = Path.Combine(sub, name + ext);
                if (!File.Exists(candidate))
                {
                    continue;
                }
                if (match != null)
                {
                    throw new PorterStorageException(ErrorIds.StoreAmbiguousItem, PorterErrorKind.InvalidData, candidate,
                        $"More than one file matched {(itemType.Length == 0 ? "the root" : itemType)} item '{name}': '{match}' and '{candidate}'.");
                }
                match = candidate;
            }
            return match;
        }
    }
}
