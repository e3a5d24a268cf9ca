using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Threading;
using System.Text.Json;

namespace PorterStorage.Fuzz
{
    /// <summary>An input broke an invariant of the migration (not merely a refusal): the fuzzer reports it as a crash.</summary>
    public sealed class FuzzInvariantException : Exception
    {
        public FuzzInvariantException(string message)
            : base(message)
        {
        }
    }

    /// <summary>
    /// The fuzz targets. Each takes any bytes and either refuses them with a named <see cref="PorterStorageException"/>
    /// or produces documents that re-read strictly to the intended content; anything else (another exception, a
    /// <c>WrittenDocumentInvalid</c>, an unequal round trip) throws and is a crash. Shared with the xunit tests, which
    /// replay the corpus and every crash ever found.
    /// </summary>
    public static class FuzzTargets
    {
        public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
        {
            ["claim"] = Claim,
            ["credential-json"] = CredentialJson,
            ["credential-yaml"] = CredentialYaml,
            ["parameter"] = Parameter,
            ["roundtrip"] = RoundTrip,
            ["archive"] = Archive,
        };

        /// <summary>
        /// The backup validator over any tar stream (gzipped here, as a backup is) and, when the bytes already are a zip or
        /// gzip, over them as they are: it returns a verdict and never raises; and an archive it accepts restores, every
        /// file to its recorded bytes (the restore checks each against the manifest and raises if one differs).
        /// </summary>
        public static void Archive(byte[] data)
        {
            string dir = Path.Combine(Path.GetTempPath(), "porterstorage-fuzz-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                bool asIs = data.Length >= 2 && ((data[0] == 0x1F && data[1] == 0x8B) || (data[0] == (byte)'P' && data[1] == (byte)'K'));
                string archive = Path.Combine(dir, "fuzz.tar.gz");
                if (asIs)
                {
                    File.WriteAllBytes(archive, data);
                }
                else
                {
                    using FileStream file = File.Create(archive);
                    using var gzip = new GZipStream(file, CompressionLevel.Fastest);
                    gzip.Write(data, 0, data.Length);
                }
                PorterBackupVerification v = ArchiveValidator.Validate(archive, null, null, CancellationToken.None);
                if (!v.IsValid)
                {
                    if (v.ErrorId == null)
                    {
                        throw new FuzzInvariantException("an archive refused without an error id: " + v.Reason);
                    }
                    return;
                }
                try
                {
                    HomeRestore.Execute(HomeRestore.Plan(archive, null, Path.Combine(dir, "restored"), "/", false, null, CancellationToken.None), null, CancellationToken.None);
                }
                catch (PorterStorageException ex) when (ex.ErrorId == ErrorIds.BackupKindMismatch)
                {
                    // a valid container backup: Restore-PorterAzureContainer's, not a home's
                }
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        /// <summary>The legacy claim reader and splitter: every document of the change set passes the guard.</summary>
        public static void Claim(byte[] data)
        {
            LegacyClaim legacy;
            try
            {
                legacy = LegacyClaim.Parse(data, "claims/fuzz.json");
            }
            catch (PorterStorageException)
            {
                return;
            }
            using (legacy)
            {
                SplitClaim split;
                try
                {
                    split = ClaimSplitter.Split(legacy, "claims/fuzz.json", new UlidGenerator());
                }
                catch (PorterStorageException ex) when (ex.ErrorId != ErrorIds.WrittenDocumentInvalid)
                {
                    return;
                }
                Guard(split.Changes);
            }
        }

        public static void CredentialJson(byte[] data) =>
            Set(() => SetMigration.MigrateCredentialSet(data, "credentials/fuzz.json", "fuzz"), ItemTypes.Credentials);

        public static void CredentialYaml(byte[] data) =>
            Set(() => SetMigration.ConvertYamlCredentialSet(data, "credentials/fuzz.yaml", "fuzz", new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc)), ItemTypes.Credentials);

        public static void Parameter(byte[] data) =>
            Set(() => SetMigration.MigrateParameterSet(data, "parameters/fuzz.json", "fuzz"), ItemTypes.Parameters);

        /// <summary>The Go JSON writer: parse → write (generic and pass-through, indented and compact) → strict re-read → equal, and writing again changes nothing.</summary>
        public static void RoundTrip(byte[] data)
        {
            JsonDocument doc;
            try
            {
                doc = GoJson.Parse(data, "FuzzParseError", (id, detail) => new PorterStorageException(id, PorterErrorKind.InvalidData, "fuzz", detail));
            }
            catch (PorterStorageException)
            {
                return;
            }
            using (doc)
            {
                foreach (bool indented in new[] { true, false })
                {
                    byte[] generic = new GoJsonWriter(indented).Generic(doc.RootElement).ToUtf8();
                    using JsonDocument back = ReRead(generic, "generic");
                    Equal(back.RootElement, doc.RootElement, "generic");
                    byte[] again = new GoJsonWriter(indented).Generic(back.RootElement).ToUtf8();
                    if (!again.AsSpan().SequenceEqual(generic))
                    {
                        throw new FuzzInvariantException("writing the re-read document again gives other bytes");
                    }
                    byte[] passed = new GoJsonWriter(indented).PassThrough(doc.RootElement).ToUtf8();
                    using JsonDocument back2 = ReRead(passed, "pass-through");
                    Equal(back2.RootElement, doc.RootElement, "pass-through");
                }
                GoFormat.V(doc.RootElement);
            }
        }

        private static void Set(Func<SetRewrite?> migrate, string itemType)
        {
            SetRewrite? rewrite;
            try
            {
                rewrite = migrate();
            }
            catch (PorterStorageException ex) when (ex.ErrorId != ErrorIds.WrittenDocumentInvalid)
            {
                return;
            }
            if (rewrite == null)
            {
                return;
            }
            var changes = new ChangeSet("fuzz");
            changes.Writes.Add(new StoredDocument(itemType, null, "fuzz", rewrite.Content) { Expected = rewrite.Expected });
            Guard(changes);
        }

        private static void Guard(ChangeSet changes)
        {
            try
            {
                WrittenDocumentGuard.Check(changes, "fuzz");
            }
            catch (PorterStorageException ex)
            {
                throw new FuzzInvariantException("the writer produced a document the guard refuses: " + ex.Message);
            }
        }

        private static JsonDocument ReRead(byte[] written, string what)
        {
            try
            {
                return GoJson.Parse(written, "FuzzParseError", (id, detail) => new PorterStorageException(id, PorterErrorKind.InvalidData, "fuzz", detail));
            }
            catch (PorterStorageException ex)
            {
                throw new FuzzInvariantException($"the {what} writer's output does not re-read strictly: {ex.ErrorId}: {ex.Message}");
            }
        }

        private static void Equal(JsonElement actual, JsonElement expected, string what)
        {
            string? at = GoJsonCompare.FirstDifference(actual, expected);
            if (at != null)
            {
                throw new FuzzInvariantException($"the {what} round trip differs at {at}");
            }
        }
    }
}
