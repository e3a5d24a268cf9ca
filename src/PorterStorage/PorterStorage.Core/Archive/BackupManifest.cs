using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace PorterStorage.Core.Archive
{
    /// <summary>What kind of thing an archive entry records.</summary>
    public enum BackupEntryType
    {
        File,
        Directory,
        SymbolicLink,
    }

    /// <summary>One recorded item: relative path ('/' separated), size, SHA-256, Unix mode, modification time.</summary>
    public sealed class BackupEntry
    {
        public BackupEntry(string path, BackupEntryType type, long size, string? sha256, int? mode, DateTime modifiedUtc, string? linkTarget,
            IReadOnlyDictionary<string, string>? headers = null, IReadOnlyDictionary<string, string>? metadata = null, IReadOnlyDictionary<string, string>? tags = null,
            uint? owner = null, uint? group = null)
        {
            Owner = owner;
            Group = group;
            Path = path;
            Type = type;
            Size = size;
            Sha256 = sha256;
            Mode = mode;
            ModifiedUtc = modifiedUtc;
            LinkTarget = linkTarget;
            Headers = headers;
            Metadata = metadata;
            Tags = tags;
        }

        /// <summary>Blob content headers (ContentType, ContentEncoding, ContentLanguage, ContentDisposition, CacheControl, ContentMD5).</summary>
        public IReadOnlyDictionary<string, string>? Headers { get; }

        /// <summary>Blob metadata.</summary>
        public IReadOnlyDictionary<string, string>? Metadata { get; }

        /// <summary>Blob index tags.</summary>
        public IReadOnlyDictionary<string, string>? Tags { get; }

        public string Path { get; }

        public BackupEntryType Type { get; }

        public long Size { get; }

        /// <summary>Lower-case hex SHA-256 of the content (files only).</summary>
        public string? Sha256 { get; }

        /// <summary>Permission bits, or null where the platform has none.</summary>
        public int? Mode { get; }

        public DateTime ModifiedUtc { get; }

        /// <summary>The link's target exactly as stored (symbolic links only).</summary>
        public string? LinkTarget { get; }

        /// <summary>The numeric owner (uid) the item had, or null where none was recorded (archives before owners were kept, Windows).</summary>
        public uint? Owner { get; }

        /// <summary>The numeric group (gid) the item had, or null where none was recorded.</summary>
        public uint? Group { get; }

        public override string ToString() => Path;
    }

    /// <summary>
    /// The archive's table of contents (<c>manifest.json</c>, written last). Content entries live under
    /// <c>home/</c> so that no file of the home can collide with the manifest.
    /// </summary>
    public sealed class BackupManifest
    {
        public const string Format = "porterstorage-backup/1";
        public const string ManifestEntryName = "manifest.json";

        /// <summary>What a manifest written by this build names as its tool: the module and its version.</summary>
        public static string CurrentTool { get; } = "PorterStorage " + typeof(BackupManifest).Assembly.GetName().Version;
        public const string HomePrefix = "home/";
        public const string ContainerPrefix = "blobs/";
        public const string TablePrefix = "entities/";
        /// <summary>The manifest kinds, as <see cref="BackupKinds"/> names them.</summary>
        public const string HomeKind = BackupKinds.HomeManifest;
        public const string ContainerKind = BackupKinds.ContainerManifest;

        public BackupManifest(string kind, DateTime createdUtc, string source, bool dataOnly, string tool,
            IReadOnlyList<BackupEntry> entries, IReadOnlyList<BackupSkippedItem> skipped)
        {
            Kind = kind;
            CreatedUtc = createdUtc;
            Source = source;
            DataOnly = dataOnly;
            Tool = tool;
            Entries = entries;
            Skipped = skipped;
        }

        /// <summary><c>home</c> (a PORTER_HOME folder).</summary>
        public string Kind { get; }

        public DateTime CreatedUtc { get; }

        /// <summary>Where the data came from: the home path.</summary>
        public string Source { get; }

        public bool DataOnly { get; }

        public string Tool { get; }

        public IReadOnlyList<BackupEntry> Entries { get; }

        /// <summary>Items that could not be recorded; a backup with any is incomplete.</summary>
        public IReadOnlyList<BackupSkippedItem> Skipped { get; }

        public bool Complete => Skipped.Count == 0;

        /// <summary>The numeric owner and group of the backed-up folder itself (a home), or null in archives that predate them.</summary>
        public (uint Owner, uint Group)? RootOwner { get; internal set; }

        public static string ArchiveName(string relativePath) => HomePrefix + relativePath;

        /// <summary>The archive entry of an item of this manifest: <c>home/…</c> for homes, <c>blobs/…</c> for containers.</summary>
        public string EntryName(string path) => (ArchiveKindRules.For(Kind)?.EntryPrefix ?? HomePrefix) + path;

        public void WriteTo(Stream stream)
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteString("kind", Kind);
            w.WriteString("created", CreatedUtc.ToString("o", CultureInfo.InvariantCulture));
            w.WriteString("source", Source);
            w.WriteBoolean("dataOnly", DataOnly);
            w.WriteString("tool", Tool);
            if (RootOwner.HasValue)
            {
                w.WriteNumber("uid", RootOwner.Value.Owner);
                w.WriteNumber("gid", RootOwner.Value.Group);
            }
            w.WriteStartArray("entries");
            foreach (BackupEntry e in Entries)
            {
                w.WriteStartObject();
                w.WriteString("path", e.Path);
                w.WriteString("type", e.Type == BackupEntryType.File ? "file" : e.Type == BackupEntryType.Directory ? "directory" : "symlink");
                if (e.Type == BackupEntryType.File)
                {
                    w.WriteNumber("size", e.Size);
                    w.WriteString("sha256", e.Sha256);
                }
                if (e.Mode.HasValue)
                {
                    w.WriteString("mode", "0" + Convert.ToString(e.Mode.Value, 8));
                }
                w.WriteString("mtime", e.ModifiedUtc.ToString("o", CultureInfo.InvariantCulture));
                if (e.LinkTarget != null)
                {
                    w.WriteString("target", e.LinkTarget);
                }
                if (e.Owner.HasValue && e.Group.HasValue)
                {
                    w.WriteNumber("uid", e.Owner.Value);
                    w.WriteNumber("gid", e.Group.Value);
                }
                WriteMap(w, "headers", e.Headers);
                WriteMap(w, "metadata", e.Metadata);
                WriteMap(w, "tags", e.Tags);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("skipped");
            foreach (BackupSkippedItem s in Skipped)
            {
                w.WriteStartObject();
                w.WriteString("path", s.Path);
                w.WriteString("errorId", s.ErrorId);
                w.WriteString("reason", s.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }

        private static void WriteMap(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string>? map)
        {
            if (map == null)
            {
                return;
            }
            w.WriteStartObject(name);
            foreach (KeyValuePair<string, string> kv in map)
            {
                w.WriteString(kv.Key, kv.Value);
            }
            w.WriteEndObject();
        }

        private static IReadOnlyDictionary<string, string>? ReadMap(JsonElement e, string name)
        {
            if (!e.TryGetProperty(name, out JsonElement map))
            {
                return null;
            }
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in map.EnumerateObject())
            {
                result[p.Name] = p.Value.GetString() ?? throw new FormatException($"'{name}.{p.Name}' is null");
            }
            return result;
        }

        /// <summary>Reads a manifest; raises <c>BackupCorrupt</c> naming the archive when it is not one.</summary>
        public static BackupManifest Read(Stream stream, string archivePath)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(stream);
                JsonElement root = doc.RootElement;
                if (Required(root, "format") != Format)
                {
                    throw Corrupt(archivePath, "the manifest is of an unknown format", null);
                }
                var entries = new List<BackupEntry>();
                foreach (JsonElement e in root.GetProperty("entries").EnumerateArray())
                {
                    string type = Required(e, "type");
                    BackupEntryType kind = type == "file" ? BackupEntryType.File : type == "directory" ? BackupEntryType.Directory
                        : type == "symlink" ? BackupEntryType.SymbolicLink : throw Corrupt(archivePath, $"unknown entry type '{type}'", null);
                    entries.Add(new BackupEntry(
                        Required(e, "path"),
                        kind,
                        e.TryGetProperty("size", out JsonElement size) ? size.GetInt64() : 0,
                        e.TryGetProperty("sha256", out JsonElement sha) ? sha.GetString() : null,
                        e.TryGetProperty("mode", out JsonElement mode) ? Mode(mode) : (int?)null,
                        DateTime.Parse(Required(e, "mtime"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                        e.TryGetProperty("target", out JsonElement target) ? target.GetString() : null,
                        ReadMap(e, "headers"), ReadMap(e, "metadata"), ReadMap(e, "tags"),
                        e.TryGetProperty("uid", out JsonElement uid) ? uid.GetUInt32() : (uint?)null,
                        e.TryGetProperty("gid", out JsonElement gid) ? gid.GetUInt32() : (uint?)null));
                }
                var skipped = new List<BackupSkippedItem>();
                foreach (JsonElement s in root.GetProperty("skipped").EnumerateArray())
                {
                    skipped.Add(new BackupSkippedItem(Required(s, "path"), Required(s, "errorId"), Required(s, "reason")));
                }
                return new BackupManifest(
                    Required(root, "kind"),
                    DateTime.Parse(Required(root, "created"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                    Required(root, "source"),
                    root.GetProperty("dataOnly").GetBoolean(),
                    Required(root, "tool"),
                    entries,
                    skipped)
                {
                    RootOwner = root.TryGetProperty("uid", out JsonElement rootUid) && root.TryGetProperty("gid", out JsonElement rootGid)
                        ? (rootUid.GetUInt32(), rootGid.GetUInt32()) : ((uint, uint)?)null,
                };
            }
            catch (Exception ex) when (ex is JsonException || ex is KeyNotFoundException || ex is InvalidOperationException || ex is FormatException || ex is ArgumentException || ex is OverflowException)
            {
                throw Corrupt(archivePath, "the manifest cannot be read", ex);
            }
        }

        /// <summary>A string property that must be there and not null (a missing or null one makes the manifest unreadable).</summary>
        private static string Required(JsonElement element, string name) =>
            element.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' is null");

        /// <summary>A recorded Unix mode: octal digits of at most the twelve mode bits (type bits and beyond make it unreadable).</summary>
        private static int Mode(JsonElement mode)
        {
            int value = Convert.ToInt32(mode.GetString() ?? throw new FormatException("a mode is null"), 8);
            return value < 0 || value > 0xFFF ? throw new FormatException("a mode beyond 07777") : value;
        }

        internal static PorterStorageException Corrupt(string archivePath, string detail, Exception? inner)
        {
            // A detail that is already a whole message (a verification's problem) is not wrapped twice.
            string lead = $"The backup '{archivePath}' is not intact: ";
            string message = detail.StartsWith(lead, StringComparison.Ordinal) ? detail : lead + detail;
            return new PorterStorageException(ErrorIds.BackupCorrupt, PorterErrorKind.InvalidData, archivePath,
                message.EndsWith(".", StringComparison.Ordinal) ? message : message + ".", inner);
        }
    }
}

namespace PorterStorage
{
    /// <summary>An item the backup could not record, and why (no content, never a value).</summary>
    public sealed class BackupSkippedItem
    {
        public BackupSkippedItem(string path, string errorId, string reason)
        {
            Path = path;
            ErrorId = errorId;
            Reason = reason;
        }

        public string Path { get; }

        public string ErrorId { get; }

        public string Reason { get; }

        public override string ToString() => $"{Path}: {Reason}";
    }
}
