using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Linq;
using PorterStorage.Core.Errors;
using PorterStorage.Core.IO;

namespace PorterStorage.Core.Storage
{
    /// <summary>Porter's filesystem store (crud FileSystemStore, format §2.3) over a PORTER_HOME folder.</summary>
    public sealed class FileSystemPorterStore : IPorterStore
    {
        private readonly IFileIO _io;

        public FileSystemPorterStore(string homePath)
            : this(homePath, FileIO.System)
        {
        }

        /// <summary>As above, listing and reading through <paramref name="io"/> (tests fail its calls).</summary>
        internal FileSystemPorterStore(string homePath, IFileIO io)
        {
            HomePath = homePath;
            _io = io;
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
            foreach (FileSystemInfo entry in ListFolder(folder))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string name = entry.Name;
                if (entry is DirectoryInfo)
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
                return _io.ReadAllBytes(location);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, location, IOOperation.Read);
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
            foreach (FileSystemInfo sub in ListFolder(typeFolder).Where(e => e is DirectoryInfo))
            {
                string candidate = Path.Combine(sub.FullName, name + ext);
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

        /// <summary>A folder's entries, sorted; a folder that cannot be listed is <c>AccessDenied</c> or <c>StoreReadError</c> naming it.</summary>
        private List<FileSystemInfo> ListFolder(string folder)
        {
            try
            {
                return _io.List(folder).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, folder, IOOperation.List);
            }
        }
    }
}
