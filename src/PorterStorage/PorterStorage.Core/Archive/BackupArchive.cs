using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Reflection;

namespace PorterStorage.Core.Archive
{
    /// <summary>
    /// The two archive formats a backup may have. <see cref="TarGzip"/> (one gzip stream over a tar: files that repeat
    /// one another compress together) is what the module writes by default; <see cref="Zip"/> (each file deflated on
    /// its own) is written when the archive's name ends in <c>.zip</c> and read wherever a backup is read. Both open with
    /// the tools of Windows, Linux and macOS (tar.exe, tar, Finder).
    /// </summary>
    public enum ArchiveFormat
    {
        TarGzip,
        Zip,
    }

    /// <summary>Which format a name asks for, and which a file is.</summary>
    public static class ArchiveFormats
    {
        /// <summary>The extension of each format's default name.</summary>
        public static string Extension(ArchiveFormat format) => format == ArchiveFormat.Zip ? ".zip" : ".tar.gz";

        /// <summary>True when <paramref name="path"/> names an archive file (.zip, .tar.gz, .tgz) rather than a folder.</summary>
        public static bool IsArchiveName(string path) =>
            path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

        /// <summary>The format an archive of this name is written in: zip for <c>.zip</c>, else tar.gz.</summary>
        public static ArchiveFormat ForName(string path) =>
            path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? ArchiveFormat.Zip : ArchiveFormat.TarGzip;
    }

    /// <summary>Writes the entries of a backup in either format; <see cref="Finish"/> completes the archive.</summary>
    internal abstract class ArchiveWriter : IDisposable
    {
        public static ArchiveWriter Create(Stream output, ArchiveFormat format) =>
            format == ArchiveFormat.Zip ? new ZipWriter(output) : (ArchiveWriter)new TarGzipWriter(output);

        /// <summary>An entry holding <paramref name="content"/>; a tar records <paramref name="owner"/> (uid, gid) in its header, a zip has no place for it.</summary>
        public abstract void Add(string name, byte[] content, DateTime modifiedUtc, (uint Uid, uint Gid)? owner = null);

        /// <summary>An entry of <paramref name="size"/> bytes written through the stream (see <see cref="TarWriter.Open"/>).</summary>
        public abstract Stream Open(string name, long size, DateTime modifiedUtc, (uint Uid, uint Gid)? owner = null);

        /// <summary>Writes the manifest, as the archive's last entry.</summary>
        public void Add(BackupManifest manifest)
        {
            var content = new MemoryStream();
            manifest.WriteTo(content);
            Add(BackupManifest.ManifestEntryName, content.ToArray(), manifest.CreatedUtc);
        }

        /// <summary>Writes what ends the archive and flushes it into the output.</summary>
        public abstract void Finish();

        public abstract void Dispose();

        private sealed class ZipWriter : ArchiveWriter
        {
            private readonly ZipArchive _zip;
            private bool _finished;

            public ZipWriter(Stream output)
            {
                _zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
            }

            public override void Add(string name, byte[] content, DateTime modifiedUtc, (uint Uid, uint Gid)? owner = null)
            {
                using Stream s = Open(name, content.Length, modifiedUtc);
                s.Write(content, 0, content.Length);
            }

            public override Stream Open(string name, long size, DateTime modifiedUtc, (uint Uid, uint Gid)? owner = null)
            {
                ZipArchiveEntry entry = _zip.CreateEntry(name, CompressionLevel.Optimal);
                // Zip timestamps cover 1980-2107; the exact time is kept in the manifest.
                DateTime clamped = modifiedUtc.Year < 1981 ? new DateTime(1981, 1, 1, 0, 0, 0, DateTimeKind.Utc)
                    : modifiedUtc.Year > 2106 ? new DateTime(2106, 1, 1, 0, 0, 0, DateTimeKind.Utc) : modifiedUtc;
                entry.LastWriteTime = new DateTimeOffset(clamped);
                return entry.Open();
            }

            public override void Finish()
            {
                _finished = true;
                _zip.Dispose();
            }

            public override void Dispose()
            {
                if (!_finished)
                {
                    _finished = true;
                    _zip.Dispose();
                }
            }
        }

        private sealed class TarGzipWriter : ArchiveWriter
        {
            private readonly GZipStream _gzip;
            private readonly BackgroundWriteStream _pipe;
            private readonly TarWriter _tar;
            private bool _finished;

            public TarGzipWriter(Stream output)
            {
                // The tar is framed on the caller's thread (beside reading and hashing the files), compressed and written on another.
                _gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
                _pipe = new BackgroundWriteStream(_gzip, "PorterStorage archive writer");
                _tar = new TarWriter(_pipe);
            }

            public override void Add(string name, byte[] content, DateTime modifiedUtc, (uint Uid, uint Gid)? owner = null) => _tar.Add(name, content, modifiedUtc, owner);

            public override Stream Open(string name, long size, DateTime modifiedUtc, (uint Uid, uint Gid)? owner = null) => _tar.Open(name, size, modifiedUtc, owner);

            public override void Finish()
            {
                _tar.Finish();
                _finished = true;
                _pipe.Complete();
                _pipe.Dispose();
                _gzip.Dispose();
            }

            public override void Dispose()
            {
                if (!_finished)
                {
                    _finished = true;
                    _pipe.Dispose();
                    try
                    {
                        _gzip.Dispose();
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PorterStorageException)
                    {
                        // an abandoned archive: the failure that abandoned it is what the caller reports
                    }
                }
            }
        }
    }

    /// <summary>One entry of an archive as <see cref="ArchiveReader"/> lists it.</summary>
    internal sealed class ArchiveItem
    {
        private readonly Func<Stream> _open;

        public ArchiveItem(string name, long length, string? special, Func<Stream> open)
        {
            Name = name;
            Length = length;
            Special = special;
            _open = open;
        }

        public string Name { get; }

        /// <summary>The size the archive declares for the entry (checked against what is read).</summary>
        public long Length { get; }

        /// <summary>Why the entry is not a plain file (a link, device, folder or unknown entry), or null.</summary>
        public string? Special { get; }

        /// <summary>The entry's bytes; for a tar only until the next item is read.</summary>
        public Stream Open() => _open();
    }

    /// <summary>
    /// Reads a backup archive of either format, found by its first bytes. A zip is read through its central directory
    /// (<see cref="RandomAccess"/>); a tar.gz in one pass, each item's stream valid until the next is read. A file of
    /// neither format, or a malformed one, raises <see cref="InvalidDataException"/>.
    /// </summary>
    internal abstract class ArchiveReader : IDisposable
    {
        /// <summary>The archive a restore has just verified, opened again to be read in order (of a container or a table).</summary>
        internal static ArchiveReader OpenVerified(string archivePath)
        {
            try
            {
                return ArchiveReader.OpenFile(archivePath);
            }
            catch (InvalidDataException ex)
            {
                throw BackupManifest.Corrupt(archivePath, "it changed since it was verified (" + ex.Message + ")", ex);
            }
            catch (Exception ex) when (IOErrors.IsIOFailure(ex))
            {
                throw IOErrors.Map(ex, archivePath, IOOperation.Read, "Nothing was restored.");
            }
        }

        public static ArchiveReader Open(Stream input, bool leaveOpen = false)
        {
            var head = new byte[4];
            int got = 0;
            int n;
            while (got < head.Length && (n = input.Read(head, got, head.Length - got)) > 0)
            {
                got += n;
            }
            input.Seek(0, SeekOrigin.Begin);
            if (got >= 2 && head[0] == 0x1F && head[1] == 0x8B)
            {
                return new TarGzipReader(input, leaveOpen);
            }
            if (got >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6)))
            {
                return new ZipReader(input, leaveOpen);
            }
            if (!leaveOpen)
            {
                input.Dispose();
            }
            throw new InvalidDataException("it is neither a tar.gz nor a zip archive");
        }

        /// <summary>Opens the archive file at <paramref name="archivePath"/> (see <see cref="Open(Stream, bool)"/>).</summary>
        public static ArchiveReader OpenFile(string archivePath) =>
            Open(FileSystemExtras.OpenRegularForRead(archivePath));

        public abstract ArchiveFormat Format { get; }

        /// <summary>
        /// The files <paramref name="manifest"/> records, in archive order (so a tar.gz is read once), each once with its
        /// record; entries it does not record are passed over. Raises <c>BackupCorrupt</c> naming a recorded file the archive
        /// does not hold. For an archive that was verified; a restore reads it this way.
        /// </summary>
        /// <summary>
        /// Reads an entry whole and checks it is what <paramref name="entry"/> of the verified manifest records (size and SHA-256): an
        /// archive rewritten or swapped since it was verified is <c>BackupCorrupt</c> before any of its content is used.
        /// </summary>
        public static byte[] ReadChecked(ArchiveItem item, BackupEntry entry, string archivePath)
        {
            byte[] content;
            using (Stream read = item.Open())
            using (var buffer = new MemoryStream(entry.Size > 0 && entry.Size < int.MaxValue ? (int)entry.Size : 0))
            {
                read.CopyTo(buffer);
                content = buffer.ToArray();
            }
            if (content.Length != entry.Size || !string.Equals(Hex.Sha256(content), entry.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw BackupManifest.Corrupt(archivePath, $"'{entry.Path}' changed since the archive was verified (it was rewritten or replaced); nothing of it was used", null);
            }
            return content;
        }

        public IEnumerable<(ArchiveItem Item, BackupEntry Entry)> Files(BackupManifest manifest, string archivePath)
        {
            var left = new Dictionary<string, BackupEntry>(StringComparer.Ordinal);
            foreach (BackupEntry e in manifest.Entries)
            {
                if (e.Type == BackupEntryType.File)
                {
                    left[manifest.EntryName(e.Path)] = e;
                }
            }
            foreach (ArchiveItem item in Items())
            {
                if (left.TryGetValue(item.Name, out BackupEntry? entry))
                {
                    left.Remove(item.Name);
                    yield return (item, entry);
                }
            }
            foreach (BackupEntry missing in left.Values)
            {
                throw BackupManifest.Corrupt(archivePath, $"'{missing.Path}' is missing", null);
            }
        }

        /// <summary>True when entries can be listed (and the manifest read) before any content is read.</summary>
        public bool RandomAccess => Format == ArchiveFormat.Zip;

        /// <summary>The entries in archive order.</summary>
        public abstract IEnumerable<ArchiveItem> Items();

        public abstract void Dispose();

        private sealed class ZipReader : ArchiveReader
        {
            private static readonly PropertyInfo? ExternalAttributesProperty = typeof(ZipArchiveEntry).GetProperty("ExternalAttributes");
            private readonly ZipArchive _zip;

            public ZipReader(Stream input, bool leaveOpen)
            {
                _zip = new ZipArchive(input, ZipArchiveMode.Read, leaveOpen);
            }

            public override ArchiveFormat Format => ArchiveFormat.Zip;

            public override IEnumerable<ArchiveItem> Items()
            {
                foreach (ZipArchiveEntry entry in _zip.Entries)
                {
                    ZipArchiveEntry e = entry;
                    yield return new ArchiveItem(e.FullName, e.Length, Special(e), () => e.Open());
                }
            }

            public override void Dispose() => _zip.Dispose();

            /// <summary>A zip entry whose Unix mode marks a link, device, FIFO or socket (what an extractor would create as such).</summary>
            private static string? Special(ZipArchiveEntry entry)
            {
                if (ExternalAttributesProperty == null)
                {
                    return null;
                }
                int attributes = (int)ExternalAttributesProperty.GetValue(entry)!;
                int type = (attributes >> 16) & 0xF000;
                return type == 0xA000 ? "it is a symbolic link entry in the zip"
                    : type != 0 && type != 0x8000 && type != 0x4000 ? "it is a device, FIFO or socket entry in the zip"
                    : null;
            }
        }

        private sealed class TarGzipReader : ArchiveReader
        {
            private readonly Stream _input;
            private readonly bool _leaveOpen;
            private readonly GZipStream _gzip;
            private readonly Crc32Stream _crc;
            private readonly BackgroundReadStream _ahead;
            private readonly TarReader _tar;
            private bool _listed;

            public TarGzipReader(Stream input, bool leaveOpen)
            {
                _input = input;
                _leaveOpen = leaveOpen;
                // Decompressed on a thread of its own while the caller parses and hashes what came before.
                _gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
                _crc = new Crc32Stream(_gzip, input.CanSeek ? input : null);
                _ahead = new BackgroundReadStream(_crc, "PorterStorage archive reader");
                _tar = new TarReader(_ahead);
            }

            public override ArchiveFormat Format => ArchiveFormat.TarGzip;

            public override IEnumerable<ArchiveItem> Items()
            {
                if (_listed)
                {
                    throw new InvalidOperationException("A tar.gz archive is read once.");
                }
                _listed = true;
                TarEntry? entry;
                while ((entry = _tar.Next()) != null)
                {
                    yield return new ArchiveItem(entry.Name, entry.Size, Special(entry), () => _tar.Data);
                }
                CheckTrailer();
            }

            /// <summary>
            /// The tar has been read to its end: the file must end in the gzip trailer of what was read (CRC-32 and length), so a
            /// cut trailer or bytes appended after it are refused (the gzip reader itself ends quietly on both).
            /// </summary>
            private void CheckTrailer() => GzipMember.CheckTrailer(_input, _crc.Crc, _crc.BytesRead);

            public override void Dispose()
            {
                _ahead.Dispose();
                _gzip.Dispose();
                if (!_leaveOpen)
                {
                    _input.Dispose();
                }
            }

            private static string? Special(TarEntry entry) => entry.Type switch
            {
                '0' => null,
                '1' => "it is a hard link entry in the tar",
                '2' => "it is a symbolic link entry in the tar",
                '3' or '4' or '6' => "it is a device or FIFO entry in the tar",
                '5' => "it is a folder entry in the tar (a backup records folders in its manifest)",
                _ => $"it is a tar entry of type '{(entry.Type >= 0x20 && entry.Type < 0x7F ? entry.Type.ToString() : "?")}', which a backup never holds",
            };
        }
    }

    /// <summary>Passes a stream's bytes through, keeping their CRC-32 (the gzip polynomial) and count.</summary>
    /// <summary>How a finished archive file comes to be: written, then verified, then put in place.</summary>
    internal static class ArchiveFiles
    {
        /// <summary>
        /// Writes an archive 0600 under a temporary name beside <paramref name="archivePath"/> (its folder created private), hashing it
        /// as it goes: <paramref name="write"/> adds the content and returns the manifest, which is added last. The archive is then
        /// re-read against its manifest and renamed into place (replacing one only with <paramref name="force"/>); the temporary
        /// file never outlives the call. Raises <c>BackupWriteError</c> for a file that cannot be written.
        /// </summary>
        internal static (string Sha256, long Bytes, PorterBackupVerification Check) WriteVerified(string archivePath, bool force, IProgress<OperationProgress>? progress,
            System.Threading.CancellationToken cancel, Func<ArchiveWriter, BackupManifest> write)
        {
            FileSystemExtras.CreatePrivateDirectory(Path.GetDirectoryName(archivePath)!);
            PorterBackupVerification? check = null;
            try
            {
                (string sha, long bytes) = PrivateFile.Write(FileIO.System, archivePath, force, stream =>
                {
                    using var hashing = new HashingStream(stream);
                    using (ArchiveWriter archive = ArchiveWriter.Create(hashing, ArchiveFormats.ForName(archivePath)))
                    {
                        archive.Add(write(archive));
                        archive.Finish();
                    }
                    hashing.Flush();
                    return (hashing.HexDigest(), hashing.BytesWritten);
                }, (temp, written) => check = BackupVerifier.Verify(temp, written.Item1, progress, cancel));
                return (sha, bytes, check!);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PorterStorageException(ErrorIds.BackupWriteError, PorterErrorKind.WriteError, archivePath,
                    $"The backup '{archivePath}' could not be written: {ex.Message}", ex);
            }
        }
    }
}
