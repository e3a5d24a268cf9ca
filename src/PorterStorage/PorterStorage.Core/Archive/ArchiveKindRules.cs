using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;

namespace PorterStorage.Core.Archive
{
    /// <summary>
    /// What one kind of backup archive may hold, as data: the zip folder its content lives under, which entry types it
    /// records, how long a path may be and whether names that differ only in case collide where it is restored.
    /// <see cref="ArchiveValidator"/> applies the same checks to every kind; a new kind (a table backup) is one more row.
    /// </summary>
    public sealed class ArchiveKindRules
    {
        public ArchiveKindRules(string kind, string entryPrefix, string description, bool allowDirectories, bool allowLinks, bool namesFoldCase, int maxPathLength,
            int maxSegmentBytes = int.MaxValue, bool allowOutwardLinks = false, Func<string, byte[], string?>? contentProblem = null, long maxContentBytes = long.MaxValue)
        {
            ContentProblem = contentProblem;
            MaxContentBytes = maxContentBytes;
            MaxSegmentBytes = maxSegmentBytes;
            AllowOutwardLinks = allowOutwardLinks;
            Kind = kind;
            EntryPrefix = entryPrefix;
            Description = description;
            AllowDirectories = allowDirectories;
            AllowLinks = allowLinks;
            NamesFoldCase = namesFoldCase;
            MaxPathLength = maxPathLength;
        }

        /// <summary>
        /// What is wrong with an entry's content (its recorded path and bytes), or null: a kind whose entries are records, not
        /// opaque files (a table's entities), has each one read as a restore would read it, so a check never passes what a restore refuses.
        /// </summary>
        public Func<string, byte[], string?>? ContentProblem { get; }

        /// <summary>The largest entry whose content <see cref="ContentProblem"/> reads.</summary>
        public long MaxContentBytes { get; }

        /// <summary>The manifest's <c>kind</c>.</summary>
        public string Kind { get; }

        /// <summary>The zip folder of the content entries (<c>home/</c>, <c>blobs/</c>).</summary>
        public string EntryPrefix { get; }

        /// <summary>What the archive holds, for messages ("a Porter home").</summary>
        public string Description { get; }

        public bool AllowDirectories { get; }

        /// <summary>Symbolic link records (a home's links, restored as links that must stay inside the destination).</summary>
        public bool AllowLinks { get; }

        /// <summary>True where the restore target treats <c>A</c> and <c>a</c> as one name (a folder on Windows or macOS).</summary>
        public bool NamesFoldCase { get; }

        /// <summary>The longest recorded path, in characters.</summary>
        public int MaxPathLength { get; }

        /// <summary>The longest single path segment, in UTF-8 bytes (a file system's name limit); no limit for blobs.</summary>
        public int MaxSegmentBytes { get; }

        /// <summary>
        /// Links may point anywhere (a home's <c>porter</c> binary or a mixin linked from elsewhere): they are restored as
        /// links, last, and no entry may lie beneath one, so nothing is ever written through them.
        /// </summary>
        public bool AllowOutwardLinks { get; }

        /// <summary>A PORTER_HOME folder: files, folders and links, restored to this machine's file system.</summary>
        public static ArchiveKindRules Home { get; } = new ArchiveKindRules(BackupKinds.HomeManifest, BackupManifest.HomePrefix, "a Porter home",
            allowDirectories: true, allowLinks: true, namesFoldCase: !RuntimeInformation.IsOSPlatform(OSPlatform.Linux), maxPathLength: 4096,
            maxSegmentBytes: 255, allowOutwardLinks: true);

        /// <summary>A blob container: blobs only, names case-sensitive (the service's rule), at most 1,024 characters.</summary>
        public static ArchiveKindRules Container { get; } = new ArchiveKindRules(BackupKinds.ContainerManifest, BackupManifest.ContainerPrefix, "a blob container",
            allowDirectories: false, allowLinks: false, namesFoldCase: false, maxPathLength: 1024);

        /// <summary>
        /// A table: one entry per entity, named by its escaped keys (<c>PartitionKey/RowKey</c>; keys are up to 1 KiB, three
        /// characters per escaped byte), case-sensitive as the service's keys.
        /// </summary>
        public static ArchiveKindRules Table { get; } = new ArchiveKindRules(BackupKinds.TableManifest, BackupManifest.TablePrefix, "a table",
            allowDirectories: false, allowLinks: false, namesFoldCase: false, maxPathLength: 8192,
            contentProblem: TableEntityJson.EntryProblem, maxContentBytes: TableEntityJson.MaxEntryBytes);

        /// <summary>Every kind the module writes.</summary>
        public static IReadOnlyList<ArchiveKindRules> All { get; } = new[] { Home, Container, Table };

        /// <summary>The rules of a manifest kind, or null for a kind this build does not know.</summary>
        public static ArchiveKindRules? For(string? kind) => All.FirstOrDefault(r => string.Equals(r.Kind, kind, StringComparison.Ordinal));

        /// <summary>The comparer that decides when two recorded paths are the same name.</summary>
        public StringComparer NameComparer => NamesFoldCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

        public override string ToString() => Kind;
    }
}
