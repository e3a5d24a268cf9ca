using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace PorterStorage.Core.Verification
{
    /// <summary>
    /// Checks any store in the v0.28–v0.38 layout the way Porter reads it: schema, claims, index, results, outputs and sets, then
    /// what only that kind of store can get wrong (<see cref="IPorterStore.NativeFindings"/>: a folder's shape and modes, a
    /// container's tags and tag queries). What makes Porter fail (missing or old schema, legacy leftovers, unreadable claims,
    /// index entries without claims, wide modes, blobs Porter cannot find) is an error; orphaned or mislabelled results and
    /// outputs, which Porter tolerates, are warnings. A local store has every claim and result read and checked against its
    /// path; a remote one is judged by its index (names and tags) and has only its sets and schema read.
    /// </summary>
    public static class StorageVerifier
    {
        /// <summary>
        /// Checks <paramref name="store"/>. A part that cannot be listed or a document that cannot be read is an error finding naming
        /// it (<c>AccessDenied</c>, <c>StoreReadError</c>; <c>DocumentUnreadable</c>), never a raw exception. <paramref name="indexWait"/>
        /// is how long a store's eventually consistent index is given to catch up (<see cref="StoreIndex.DefaultWait"/> when null).
        /// </summary>
        public static PorterStorageVerification Verify(IPorterStore store, CancellationToken cancel = default, TimeSpan? indexWait = null)
        {
            var findings = new List<StorageFinding>();
            void Add(FindingSeverity s, string code, string path, string message) => findings.Add(new StorageFinding(s, code, path, message));
            IReadOnlyDictionary<string, StoreListing> listings = store.Items(ItemTypes.All, cancel);
            var unlisted = new HashSet<string>(StringComparer.Ordinal);
            foreach (PorterStorageException u in ItemTypes.All.SelectMany(t => listings[t].Unlisted))
            {
                if (unlisted.Add(u.Target ?? string.Empty))
                {
                    Add(FindingSeverity.Error, u.ErrorId, u.Target ?? store.Location, u.Message);
                }
            }
            JsonElement? Read(StoreItem item) => ReadObject(store, item, cancel, Add);
            bool readAll = !store.IsRemote;

            // schema
            string schemaLocation = store.ItemLocation(ItemTypes.Root, null, ItemTypes.SchemaName);
            try
            {
                PorterSchemaDocument? schema = SchemaInspector.ReadSchema(store, out string? where, cancel);
                if (schema == null)
                {
                    Add(FindingSeverity.Error, FindingCodes.SchemaMissing, schemaLocation, $"'{schemaLocation}' is missing; Porter demands a migration.");
                }
                else if (!schema.IsCurrent)
                {
                    Add(FindingSeverity.Error, FindingCodes.SchemaOutdated, where!, $"'{where}' does not hold the current schema versions.");
                }
            }
            catch (PorterStorageException ex)
            {
                Add(FindingSeverity.Error, FindingCodes.SchemaUnreadable, ex.Target ?? schemaLocation, ex.Message);
            }

            // claims: an ungrouped claim is a legacy one (claims/<installation>.json, or a blob without the installation tag)
            StoreListing claims = listings[ItemTypes.Claims];
            var claimIds = new HashSet<string>(StringComparer.Ordinal);
            int claimCount = 0;
            foreach (StoreItem item in claims.Items.Where(i => i.Group == null))
            {
                Add(FindingSeverity.Error, FindingCodes.LegacyClaim, item.Location, $"'{item.Location}' is a pre-v0.28 claim that has not been migrated.");
            }
            foreach (IGrouping<string, StoreItem> installation in claims.Items.Where(i => i.Group != null).GroupBy(i => i.Group!, StringComparer.Ordinal))
            {
                cancel.ThrowIfCancellationRequested();
                var created = new List<KeyValuePair<string, string>>();
                foreach (StoreItem item in installation)
                {
                    claimCount++;
                    claimIds.Add(item.Name);
                    if (!UlidGenerator.IsValid(item.Name))
                    {
                        Add(FindingSeverity.Warning, FindingCodes.InvalidUlid, item.Location, $"The claim ID '{item.Name}' is not a valid ULID; Porter orders claims by this text.");
                    }
                    JsonElement? doc = readAll ? Read(item) : null;
                    if (doc == null)
                    {
                        continue;
                    }
                    if (Str(doc.Value, "id") != item.Name || Str(doc.Value, "installation") != installation.Key)
                    {
                        Add(FindingSeverity.Error, FindingCodes.ClaimMismatch, item.Location, $"'{item.Location}' does not carry the id and installation its path names.");
                    }
                    string? stamp = Str(doc.Value, "created");
                    if (stamp == null || !GoTime.TryNormalize(stamp, out _))
                    {
                        Add(FindingSeverity.Error, FindingCodes.ClaimUnreadable, item.Location, $"'{item.Location}' has no valid created time.");
                    }
                    else
                    {
                        created.Add(new KeyValuePair<string, string>(item.Name, stamp));
                    }
                }
                CheckOrder(claims.Groups.TryGetValue(installation.Key, out string? where) ? where : installation.Key, created, Add);
            }

            // index
            var index = new HashSet<string>(StringComparer.Ordinal);
            foreach (StoreItem item in listings[ItemTypes.Installations].Items)
            {
                index.Add(item.Name);
                if (!claims.Groups.ContainsKey(item.Name))
                {
                    Add(FindingSeverity.Error, FindingCodes.IndexWithoutClaims, item.Location, $"The index entry '{item.Location}' has no claims; 'porter list' fails on it.");
                }
            }
            foreach (string installation in claims.Groups.Keys.Where(i => !index.Contains(i)))
            {
                Add(FindingSeverity.Warning, FindingCodes.MissingIndex, store.ItemLocation(ItemTypes.Installations, null, installation),
                    $"The installation '{installation}' has claims but no index entry; Porter v1's migration skips it.");
            }

            // results
            StoreListing results = listings[ItemTypes.Results];
            var resultIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, string> group in results.Groups.Where(g => !claimIds.Contains(g.Key)))
            {
                Add(FindingSeverity.Warning, FindingCodes.ResultWithoutClaim, group.Value, $"The results in '{group.Value}' belong to no claim.");
            }
            foreach (StoreItem item in results.Items)
            {
                cancel.ThrowIfCancellationRequested();
                resultIds.Add(item.Name);
                JsonElement? doc = readAll && item.Group != null ? Read(item) : null;
                if (doc != null && (Str(doc.Value, "id") != item.Name || Str(doc.Value, "claimId") != item.Group))
                {
                    Add(FindingSeverity.Warning, FindingCodes.ResultMismatch, item.Location, $"'{item.Location}' does not carry the id and claimId its path names.");
                }
            }

            // outputs
            StoreListing outputs = listings[ItemTypes.Outputs];
            foreach (KeyValuePair<string, string> group in outputs.Groups.Where(g => !resultIds.Contains(g.Key)))
            {
                Add(FindingSeverity.Warning, FindingCodes.OutputWithoutResult, group.Value, $"The outputs in '{group.Value}' belong to no result.");
            }
            foreach (StoreItem item in outputs.Items.Where(i => i.Group != null))
            {
                string resultId = item.Group!;
                if (!item.Name.StartsWith(resultId + "-", StringComparison.Ordinal))
                {
                    Add(FindingSeverity.Error, FindingCodes.OutputMisnamed, item.Location, $"'{item.Location}' is not named <result id>-<output name>.");
                }
                else if (item.Name.Length > resultId.Length + 1 && (resultId + "-").IndexOf(item.Name[resultId.Length + 1]) >= 0)
                {
                    // cnab-go v0.19 strips the prefix with a character-set trim (E17).
                    Add(FindingSeverity.Warning, FindingCodes.OutputNameTrimmed, item.Location,
                        $"The output name in '{item.Location}' starts with a character of its result ID; Porter v0.38 may read it with that character cut off.");
                }
            }

            // sets
            foreach (string type in new[] { ItemTypes.Credentials, ItemTypes.Parameters })
            {
                foreach (StoreItem item in listings[type].Items.Where(i => i.Group == null))
                {
                    cancel.ThrowIfCancellationRequested();
                    JsonElement? doc = Read(item);
                    if (doc != null && !PorterDocuments.HasSchemaVersion(doc.Value, typed: type == ItemTypes.Credentials))
                    {
                        Add(FindingSeverity.Error, type == ItemTypes.Credentials ? FindingCodes.LegacyCredentialSet : FindingCodes.LegacyParameterSet,
                            item.Location, PorterDocuments.NotMigrated(item.Location));
                    }
                }
            }

            findings.AddRange(store.NativeFindings(listings, indexWait ?? StoreIndex.DefaultWait, cancel));
            return new PorterStorageVerification(store.Location, index.Count, claimCount, results.Items.Count, outputs.Items.Count, findings);
        }

        /// <summary>How many findings of one code are told one by one before they are told as one count.</summary>
        public const int FindingsToldEach = 5;

        /// <summary>
        /// One line per finding as <c>Test-PorterStorage: code: message</c>, in their order; a code found more than
        /// <see cref="FindingsToldEach"/> times is one line giving the count and the first of them (the verification keeps every one).
        /// </summary>
        public static IEnumerable<string> Summarise(IEnumerable<StorageFinding> findings)
        {
            foreach (IGrouping<string, StorageFinding> code in findings.GroupBy(f => f.Code, StringComparer.Ordinal))
            {
                List<StorageFinding> all = code.ToList();
                if (all.Count <= FindingsToldEach)
                {
                    foreach (StorageFinding f in all)
                    {
                        yield return $"Test-PorterStorage: {f.Code}: {f.Message}";
                    }
                }
                else
                {
                    yield return $"Test-PorterStorage: {code.Key}: {all.Count} items, the first: {all[0].Message} (the result's Verification.Findings names each one)";
                }
            }
        }

        private static void CheckOrder(string dir, List<KeyValuePair<string, string>> created, Action<FindingSeverity, string, string, string> add)
        {
            // Porter takes the claim with the greatest ID as the installation's latest; IDs must follow time.
            var byId = new List<decimal>();
            foreach (KeyValuePair<string, string> c in created.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (!GoTime.TryInstant(c.Value, out decimal instant))
                {
                    return; // an invalid time is reported where the claim is read
                }
                byId.Add(instant);
            }
            for (int i = 1; i < byId.Count; i++)
            {
                if (byId[i] < byId[i - 1])
                {
                    add(FindingSeverity.Warning, FindingCodes.ClaimOrder, dir, $"In '{dir}' a claim with a later ID was created earlier; Porter would report the wrong latest action.");
                    return;
                }
            }
        }

        private static string? Str(JsonElement e, string key) =>
            e.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static JsonElement? ReadObject(IPorterStore store, StoreItem item, CancellationToken cancel, Action<FindingSeverity, string, string, string> add)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(store.ReadItem(item, cancel), GoJson.DocumentOptions);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return doc.RootElement.Clone();
                }
                add(FindingSeverity.Error, FindingCodes.DocumentUnreadable, item.Location, $"'{item.Location}' is not a JSON object.");
            }
            catch (JsonException ex)
            {
                add(FindingSeverity.Error, FindingCodes.DocumentUnreadable, item.Location, $"'{item.Location}' is not valid JSON (line {(ex.LineNumber ?? 0) + 1}).");
            }
            catch (PorterStorageException named)
            {
                add(FindingSeverity.Error, FindingCodes.DocumentUnreadable, item.Location, $"{named.ErrorId}: {named.Message}");
            }
            return null;
        }
    }
}
