using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// What a backup's copy in a blob container records of it in the blob's metadata, so that the container's backups can be listed
    /// without downloading them: the archive's SHA-256 and size, kind, source (URI-escaped: metadata is ASCII; left out when long),
    /// creation time, file count and bytes, whether it is data only, and the run it was made for. Anyone who may write the container
    /// may write metadata too: a listing from it is what the copy claims, never a check (Get-PorterBackup -Verify checks). Written by <see cref="BackupUpload.Send"/>, read by
    /// <see cref="BackupUpload.List"/>; a blob whose metadata is missing or malformed is downloaded and checked instead.
    /// </summary>
    public static class BackupMetadata
    {
        private const string Sha256Key = "sha256";
        private const string KindKey = "kind";
        private const string SourceKey = "source";
        private const string CreatedKey = "created";
        private const string FilesKey = "files";
        private const string BytesKey = "bytes";
        private const string DataOnlyKey = "dataonly";
        private const string RunIdKey = "runid";
        private const string SizeKey = "size";

        /// <summary>The longest escaped source recorded: a blob's metadata holds at most 8 KiB; a longer one is left out (the listing then downloads).</summary>
        private const int SourceLimit = 2048;

        private static readonly Regex RunIdPattern = new Regex("^[A-Za-z0-9._-]{1,64}$", RegexOptions.CultureInvariant);
        private static readonly Regex Sha256Pattern = new Regex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant);

        /// <summary>Raises <c>RunIdInvalid</c> unless <paramref name="runId"/> is 1 to 64 letters, digits, dots, hyphens or underscores.</summary>
        public static string CheckRunId(string runId)
        {
            if (!RunIdPattern.IsMatch(runId))
            {
                throw new PorterStorageException(ErrorIds.RunIdInvalid, PorterErrorKind.InvalidArgument, runId,
                    $"The run id '{ArchiveRefusal.Printable(runId)}' is not 1 to 64 letters, digits, dots, hyphens or underscores.");
            }
            return runId;
        }

        /// <summary>The metadata the copy of <paramref name="backup"/> carries.</summary>
        public static IDictionary<string, string> Of(PorterBackup backup)
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [Sha256Key] = backup.Sha256,
                [KindKey] = backup.Kind.ToLowerInvariant(),
                [SizeKey] = backup.ArchiveBytes.ToString(CultureInfo.InvariantCulture),
                [CreatedKey] = backup.Created.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture),
                [FilesKey] = backup.FileCount.ToString(CultureInfo.InvariantCulture),
                [BytesKey] = backup.TotalBytes.ToString(CultureInfo.InvariantCulture),
                [DataOnlyKey] = backup.DataOnly ? "true" : "false",
            };
            string source = Uri.EscapeDataString(backup.Source);
            if (source.Length <= SourceLimit)
            {
                metadata[SourceKey] = source;
            }
            if (backup.RunId != null)
            {
                metadata[RunIdKey] = CheckRunId(backup.RunId);
            }
            return metadata;
        }

        /// <summary>The archive's SHA-256 a blob's metadata records, when it is one.</summary>
        public static string? Sha256Of(IDictionary<string, string>? metadata) =>
            metadata != null && Get(metadata, Sha256Key) is string sha && Sha256Pattern.IsMatch(sha) ? sha : null;

        /// <summary>The run id a blob's metadata records, when it is a valid one.</summary>
        public static string? RunIdOf(IDictionary<string, string>? metadata) =>
            metadata != null && Get(metadata, RunIdKey) is string id && RunIdPattern.IsMatch(id) ? id : null;

        /// <summary>
        /// Gives <paramref name="backup"/> the run it was made for (<c>RunIdInvalid</c> unless <see cref="CheckRunId"/> takes it); null
        /// leaves it without one.
        /// </summary>
        public static void Label(PorterBackup backup, string? runId) => backup.RunId = runId == null ? null : CheckRunId(runId);

        /// <summary>
        /// The backup <paramref name="item"/>'s metadata records, at <paramref name="blob"/>; null when it records none whole, or when what
        /// the listing itself shows contradicts it (the blob's length is not the archive's), or its source holds control characters.
        /// Nothing is checked against the archive's bytes: <see cref="PorterBackup.Verified"/> is false and
        /// <see cref="PorterBackup.MetadataOnly"/> true, and a download (-Verify) checks it.
        /// </summary>
        public static PorterBackup? Read(BlobItem item, Uri blob)
        {
            IDictionary<string, string>? m = item.Metadata;
            if (m == null
                || !long.TryParse(Get(m, SizeKey), NumberStyles.None, CultureInfo.InvariantCulture, out long size) || size != item.Properties.ContentLength
                || !(Get(m, Sha256Key) is string sha) || !Sha256Pattern.IsMatch(sha)
                || !(Get(m, KindKey) is string kind) || (kind != BackupKinds.HomeManifest && kind != BackupKinds.ContainerManifest && kind != BackupKinds.TableManifest)
                || !(Get(m, SourceKey) is string source) || source.Length == 0
                || !DateTime.TryParseExact(Get(m, CreatedKey), "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime created)
                || !int.TryParse(Get(m, FilesKey), NumberStyles.None, CultureInfo.InvariantCulture, out int files)
                || !long.TryParse(Get(m, BytesKey), NumberStyles.None, CultureInfo.InvariantCulture, out long bytes)
                || !(Get(m, DataOnlyKey) is string dataOnly) || (dataOnly != "true" && dataOnly != "false"))
            {
                return null;
            }
            string unescaped;
            try
            {
                unescaped = Uri.UnescapeDataString(source);
            }
            catch (UriFormatException)
            {
                return null;
            }
            foreach (char c in unescaped)
            {
                if (char.IsControl(c))
                {
                    return null;
                }
            }
            return new PorterBackup(blob.ToString(), BackupKinds.FromManifest(kind), unescaped, created, files, bytes, size, sha,
                dataOnly == "true", verified: false, TimeSpan.Zero, Array.Empty<BackupSkippedItem>())
            {
                CopiedTo = blob,
                RunId = RunIdOf(m),
                MetadataOnly = true,
            };
        }

        /// <summary>A metadata value by name: the service returns names as they were written, though they compare case-insensitively.</summary>
        private static string? Get(IDictionary<string, string> metadata, string key)
        {
            foreach (KeyValuePair<string, string> kv in metadata)
            {
                if (string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase))
                {
                    return kv.Value;
                }
            }
            return null;
        }
    }
}
