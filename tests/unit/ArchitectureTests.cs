using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>The layering docs/architecture.md describes, kept so: stores are chosen in one place and never asked what they are.</summary>
    public class ArchitectureTests
    {
        private static readonly Regex StoreType = new Regex(@"\b(?:AzureBlob|FileSystem)(?:Migration|Porter)Store\b");

        private static IEnumerable<(string File, string Text)> Sources(string folder) =>
            Directory.EnumerateFiles(Path.Combine(FormatCitationTests.RepoRoot(), "src", "PorterStorage", folder), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar))
                .Select(f => (f, File.ReadAllText(f)));

        [Fact]
        public void NoStoreTypeIsCheckedOrCast_OutsideTheFactory()
        {
            // A store opened to be read is an IPorterStore: taking it as one to change (IMigrationStore, ITransactionalStore) is as wrong.
            var pattern = new Regex(@"\b(?:is|as)\s+(?:(?:AzureBlob|FileSystem|AzureTable)\w*Store|IMigrationStore|ITransactionalStore)\b|\(\s*(?:(?:AzureBlob|FileSystem|AzureTable)\w*Store|IMigrationStore|ITransactionalStore)\s*\)\s*\w");
            string storage = Path.DirectorySeparatorChar + "Factory" + Path.DirectorySeparatorChar;
            foreach ((string file, string text) in Sources("PorterStorage.Core").Concat(Sources("PorterStorage")).Where(s => !s.File.Contains(storage)))
            {
                Match m = pattern.Match(text);
                Assert.False(m.Success, $"{file} checks or casts a store type ('{m.Value}'); ask the store interface instead");
            }
        }

        [Fact]
        public void TheCmdletsNeverNameAStoreType()
        {
            foreach ((string file, string text) in Sources("PorterStorage"))
            {
                Match m = StoreType.Match(text);
                Assert.False(m.Success, $"{file} names the store type '{m.Value}'; open stores through PorterStores and use IMigrationStore");
            }
        }

        [Fact]
        public void MigrationStoresAreOpenedOnlyByTheFactoryAndThemselves()
        {
            var opening = new Regex(@"new\s+(AzureBlobMigrationStore|FileSystemMigrationStore)\s*\(");
            foreach ((string file, string text) in Sources("PorterStorage.Core"))
            {
                string name = Path.GetFileNameWithoutExtension(file);
                foreach (Match m in opening.Matches(text))
                {
                    Assert.True(name == "PorterStores" || name == m.Groups[1].Value,
                        $"{file} opens a {m.Groups[1].Value} itself; go through PorterStores.Open");
                }
            }
        }

        [Fact]
        public void TheHomeServiceOpensItsReadersThroughTheFactory()
        {
            var opening = new Regex(@"new\s+(?:AzureBlob|FileSystem)\w*Store\s*\(");
            foreach ((string file, string text) in Sources(Path.Combine("PorterStorage.Core", "Home")))
            {
                Match m = opening.Match(text);
                Assert.False(m.Success, $"{file} opens a store itself ('{m.Value}'); go through PorterStores");
            }
        }

        /// <summary>An Azure store's kind is its type: no flag or run-time check of the kind is left for code to forget.</summary>
        [Fact]
        public void NoAzureKindIsAskedAtRunTime()
        {
            var pattern = new Regex(@"\b(?:IsTable|RequireKind)\b");
            foreach ((string file, string text) in Sources("PorterStorage.Core").Concat(Sources("PorterStorage")))
            {
                Match m = pattern.Match(text);
                Assert.False(m.Success, $"{file} asks an Azure store's kind ('{m.Value}'); take PorterAzureContainer or PorterAzureTable, or AzureReferences at a cmdlet");
            }
        }

        /// <summary>Each core file has one job and stays small enough to read whole.</summary>
        [Fact]
        public void NoCoreFileIsOver450Lines()
        {
            foreach ((string file, string text) in Sources("PorterStorage.Core").Concat(Sources("PorterStorage")))
            {
                int lines = text.Split('\n').Length - (text.EndsWith("\n", StringComparison.Ordinal) ? 1 : 0);
                Assert.True(lines <= 450, $"{file} has {lines} lines; split it by job (no core file over 450 lines)");
            }
        }

        [Fact]
        public void TheEngineNeverCopiesFolders()
        {
            // The folder store copies a home for -Destination (HomeCopy); nothing else of the migration walks folders itself.
            string[] folderStore = { "FileSystemMigrationStore.cs", "HomeCopy.cs" };
            foreach ((string file, string text) in Sources(Path.Combine("PorterStorage.Core", "Migration")).Where(s => !folderStore.Any(f => s.File.EndsWith(f, StringComparison.Ordinal))))
            {
                Assert.DoesNotContain("CopyTree(", text);
                Assert.DoesNotContain("EnumerateFileSystemInfos(", text);
            }
        }
    }
}
