using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>Each Porter rule has one home under src/: its literals appear there and nowhere else, so a copy cannot drift.</summary>
    public class RuleHomeTests
    {
        /// <summary>Every C# source under src/ ('/'-separated path from src/, text).</summary>
        private static IEnumerable<KeyValuePair<string, string>> Sources()
        {
            string src = Path.Combine(FormatCitationTests.RepoRoot(), "src");
            string Sep(string part) => Path.DirectorySeparatorChar + part + Path.DirectorySeparatorChar;
            return Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Sep("obj")) && !f.Contains(Sep("bin")))
                .Select(f => new KeyValuePair<string, string>(f.Substring(src.Length + 1).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllText(f)));
        }

        private static void AssertOnlyIn(string home, string pattern, string what)
        {
            var found = Sources().Where(s => Regex.IsMatch(s.Value, pattern, RegexOptions.IgnoreCase)).Select(s => s.Key).ToList();
            Assert.Contains(found, f => f.EndsWith(home, StringComparison.Ordinal));
            Assert.All(found, f => Assert.True(f.EndsWith(home, StringComparison.Ordinal), $"{f} spells {what} itself; use {home}"));
        }

        [Fact]
        public void FileModes_LiveOnlyInPorterFileModes()
        {
            AssertOnlyIn("IO/PorterFileModes.cs", @"\b0x0*180\b", "the 0600 mode (0x180)");
            AssertOnlyIn("IO/PorterFileModes.cs", @"\b0x0*1FF\b", "the permission bits (0x1FF)");
            AssertOnlyIn("IO/PorterFileModes.cs", @"\b0x0*1C0\b", "the 0700 mode (0x1C0)");
        }

        [Fact]
        public void SchemaVersionKey_LivesOnlyInPorterDocuments()
        {
            AssertOnlyIn("Model/PorterDocuments.cs", "\"schemaVersion\"", "the schemaVersion key");
            var lookups = Sources().Where(s => Regex.IsMatch(s.Value, @"(TryGetProperty|GetProperty|NameEquals)\(\s*(PorterDocuments\.)?SchemaVersionProperty"))
                .Select(s => s.Key).ToList();
            Assert.All(lookups, f => Assert.True(f.EndsWith("Model/PorterDocuments.cs", StringComparison.Ordinal),
                $"{f} looks schemaVersion up itself; use PorterDocuments.HasSchemaVersion"));
        }

        [Fact]
        public void ItemTypeLists_LiveOnlyInItemTypes()
        {
            string[] types = { "installations", "claims", "results", "outputs", "credentials", "parameters" };
            foreach (KeyValuePair<string, string> source in Sources())
            {
                foreach (Match block in Regex.Matches(source.Value, @"\{[^{};]*\}"))
                {
                    int named = types.Count(t => Regex.IsMatch(block.Value, "(\"" + t + "\"|\\b" + char.ToUpperInvariant(t[0]) + t.Substring(1) + "\\b)"));
                    Assert.True(named < types.Length || source.Key.EndsWith("Model/ItemTypes.cs", StringComparison.Ordinal),
                        $"{source.Key} lists the six item types itself; use ItemTypes.All or ItemTypes.DataFolders");
                }
            }
        }

        [Fact]
        public void WholeFileWrites_LiveOnlyInPrivateFile()
        {
            // A temporary file renamed into place is written by one helper: its flush to disk, 0600 and clean-up cannot drift.
            AssertOnlyIn("IO/PrivateFile.cs", @"\.partial-", "a temporary name for a file renamed into place");
            var renames = Sources().Where(s => Regex.IsMatch(s.Value, @"\b(File\.Replace|FileSystemExtras\.MoveFile)\(")).Select(s => s.Key).ToList();
            Assert.All(renames, f => Assert.True(f.EndsWith("IO/FileSystemExtras.cs", StringComparison.Ordinal) || f.EndsWith("IO/FileIO.cs", StringComparison.Ordinal)
                || f.EndsWith("Config/PorterConfigWriter.cs", StringComparison.Ordinal),
                $"{f} renames a file into place itself; use PrivateFile.Write"));
        }

        [Fact]
        public void BoundedParallelLoops_LiveOnlyInBoundedWork()
        {
            // Items run side by side through one loop: its width, its cancellation and its wait for what is running cannot drift.
            AssertOnlyIn("Concurrency/BoundedWork.cs", @"\bnew SemaphoreSlim\b|\bParallel\.For(Each)?\b|\bTask\.(WhenAll|WaitAll)\(", "a bounded-parallel loop");
        }

        [Fact]
        public void BlobGroupTags_LiveOnlyInPorterBlobTags()
        {
            AssertOnlyIn("Model/PorterBlobTags.cs", "\"claim-id\"", "the claim-id tag");
            AssertOnlyIn("Model/PorterBlobTags.cs", "\"result-id\"", "the result-id tag");
        }

        [Fact]
        public void ChangeSets_RecoveryAndRenewal_LiveOnlyInTheirEngines()
        {
            AssertOnlyIn("Journal/ChangeJournal.cs", @"\bRoll(Back|Forward)\(", "rolling a change set forward or back");
            AssertOnlyIn("Journal/ChangeJournal.cs", @"ErrorIds\.InterruptedChangeRolledBack", "the roll back of an interrupted change");
            AssertOnlyIn("Journal/StoreLock.cs", @"\bnew\s+Timer\(", "a lock renewal timer");
            AssertOnlyIn("Journal/StoreLock.cs", @"ErrorIds\.MigrationLockLost", "a lost lock");
            AssertOnlyIn("Model/JournalRecord.cs", @"\(\s*""commit""", "the journal record's format");
        }
    }
}
