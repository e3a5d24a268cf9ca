using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Xunit;

namespace PorterStorage.Tests.Properties
{
    /// <summary>
    /// Test-PorterStorage names every set Porter v0.28+ will not see: over generated set folders (names sharing stems across
    /// <c>.json</c>, <c>.yaml</c>, <c>.yml</c>, <c>.yaml.migrated</c> and other files), the <c>YamlOnlySet</c> warnings are exactly
    /// the <c>.yaml</c>/<c>.yml</c> files with no <c>.json</c> of their name, one per file, and they never make a current home invalid.
    /// </summary>
    public class YamlOnlySetProperties
    {
        private static readonly string[] Extensions = { ".json", ".yaml", ".yml", ".yaml.migrated", ".txt", ".YAML" };

        /// <summary>Relative paths of a home's set files.</summary>
        private static readonly Gen<string[]> SetFiles =
            Gen.Select(Gen.OneOf(ItemTypes.Credentials, ItemTypes.Parameters), Gen.OneOf("a", "b", "c", "a.b", "x-y"), Gen.OneOf(Extensions))
                .Select((folder, stem, ext) => folder + "/" + stem + ext)
                .Array[0, 10]
                .Select(a => a.Distinct(StringComparer.Ordinal).ToArray());

        [Fact]
        public void Verify_GeneratedSetFolders_EveryYamlOnlySetWarnedOnce_NothingElse()
        {
            SetFiles.Sample(files =>
            {
                using var home = new TempHome();
                home.Write("schema.json", SchemaVersions.CurrentSchemaJson);
                foreach (string f in files)
                {
                    home.Write(f, f.EndsWith(".json", StringComparison.Ordinal) ? SetJson(f) : "name: x\n");
                }
                var expected = files
                    .Where(f => (f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                                && !files.Contains(f.Substring(0, f.LastIndexOf('.')) + ".json"))
                    .Select(home.P)
                    .OrderBy(f => f, StringComparer.Ordinal);

                PorterStorageVerification v = StorageVerifier.Verify(PorterStores.OpenFolder(home.Path, FileIO.System));

                Assert.Equal(expected, v.Findings.Where(f => f.Code == FindingCodes.YamlOnlySet).Select(f => f.Path).OrderBy(f => f, StringComparer.Ordinal));
                Assert.True(v.IsValid, string.Join("; ", v.Findings));
            }, iter: 200, threads: 1, seed: MigrationInvariantProperties.Seed);
        }

        /// <summary>A current set of the file's type and name.</summary>
        internal static string SetJson(string relative)
        {
            string name = relative.Substring(relative.IndexOf('/') + 1);
            name = name.Substring(0, name.Length - ".json".Length);
            return relative.StartsWith(ItemTypes.Credentials + "/", StringComparison.Ordinal)
                ? "{\"schemaVersion\":\"1.0.0-DRAFT+b6c701f\",\"name\":\"" + name + "\",\"credentials\":null}"
                : "{\"name\":\"" + name + "\",\"schemaVersion\":\"1.0.0-DRAFT+TODO\"}";
        }
    }
}
