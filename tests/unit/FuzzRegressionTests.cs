using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PorterStorage.Fuzz;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>
    /// The fuzz targets' invariants on their seed corpus and on every input the fuzzer ever reported
    /// (tests/fuzz/crashes/&lt;target&gt;-*.bin): each is refused by name or migrates to documents that re-read equal.
    /// </summary>
    public class FuzzRegressionTests
    {
        private static string FuzzRoot => Path.Combine(AppContext.BaseDirectory, "fuzz");

        public static IEnumerable<object[]> CorpusFiles() =>
            Directory.EnumerateFiles(Path.Combine(FuzzRoot, "corpus"), "*", SearchOption.AllDirectories)
                .Select(f => new object[] { Path.GetFileName(Path.GetDirectoryName(f)!), Path.GetRelativePath(FuzzRoot, f) })
                .OrderBy(a => (string)a[1], StringComparer.Ordinal);

        public static IEnumerable<object[]> CrashFiles() =>
            Directory.EnumerateFiles(Path.Combine(FuzzRoot, "crashes"))
                .Select(f => new object[] { FuzzTargets.All.Keys.Single(k => Path.GetFileName(f).StartsWith(k + "-", StringComparison.Ordinal)), Path.GetRelativePath(FuzzRoot, f) })
                .OrderBy(a => (string)a[1], StringComparer.Ordinal);

        [Theory]
        [MemberData(nameof(CorpusFiles))]
        public void Corpus_HoldsTheInvariant(string target, string file) => FuzzTargets.All[target](File.ReadAllBytes(Path.Combine(FuzzRoot, file)));

        [Theory]
        [MemberData(nameof(CrashFiles))]
        public void Crash_FixedAndHoldsTheInvariant(string target, string file) => FuzzTargets.All[target](File.ReadAllBytes(Path.Combine(FuzzRoot, file)));

        [Fact]
        public void Crash_YamlNodeBuilderFailures_CredentialSetParseErrorNotRawException()
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(FuzzRoot, "crashes"), "credential-yaml-*"))
            {
                PorterStorageException ex = Assert.Throws<PorterStorageException>(() =>
                    SetMigration.ConvertYamlCredentialSet(File.ReadAllBytes(file), "c.yaml", "c", DateTime.UtcNow));
                Assert.Equal(ErrorIds.CredentialSetParseError, ex.ErrorId);
            }
        }

        [Fact]
        public void Yaml_SourceKeyIsAMapping_CredentialSetParseError()
        {
            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => SetMigration.ConvertYamlCredentialSet(
                Encoding.UTF8.GetBytes("name: c\ncredentials:\n- name: k\n  source:\n    ? {a: b}\n    : v\n"), "c.yaml", "c", DateTime.UtcNow));
            Assert.Equal(ErrorIds.CredentialSetParseError, ex.ErrorId);
        }
    }
}
