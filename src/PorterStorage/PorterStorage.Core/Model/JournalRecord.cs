using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// One committed change set, the one journal format of every store: <c>{"commit":id,"description":…,"writes":[…],"renames":[[from,to]…],"deletes":[…],"replaced":[…]}</c>.
    /// A store that keeps the content in the record itself (a container's journal blob) adds <c>"contents":[{"tags":{…},"content":base64}…]</c>,
    /// one per write; a folder stages the content as files beside it instead. A folder's journal is a file of such lines, and a later
    /// line <c>{"done":id}</c> marks one finished; a container's journal blob is removed when its change set is.
    /// </summary>
    public sealed class JournalRecord
    {
        public JournalRecord(string id, string description, IReadOnlyList<string> writes, IReadOnlyList<KeyValuePair<string, string>> renames, IReadOnlyList<string> deletes,
            IReadOnlyList<int>? replaced = null, IReadOnlyList<JournalContent>? contents = null, IReadOnlyDictionary<string, string>? expected = null,
            IReadOnlyList<string>? hashes = null)
        {
            Hashes = hashes;
            Expected = expected;
            Replaced = replaced;
            Contents = contents;
            Id = id;
            Description = description;
            Writes = writes;
            Renames = renames;
            Deletes = deletes;
        }

        public string Id { get; }

        public string Description { get; }

        /// <summary>Target paths, in staging order (in a folder the n-th is staged as <c>&lt;id&gt;-n</c>).</summary>
        public IReadOnlyList<string> Writes { get; }

        public IReadOnlyList<KeyValuePair<string, string>> Renames { get; }

        public IReadOnlyList<string> Deletes { get; }

        /// <summary>
        /// Indexes of <see cref="Writes"/> whose target existed when the change was committed (a roll back keeps those);
        /// null when the store could not tell without a request per write, and in records of earlier builds.
        /// </summary>
        public IReadOnlyList<int>? Replaced { get; }

        /// <summary>
        /// The version each document this change removes, renames or replaces had when the run read it (a blob's ETag, a file's
        /// identity and content hash), by store path: the store removes or replaces it only while it is still that version, so
        /// what another writer made of it meanwhile is never lost. Null in records of earlier builds (the steps are then
        /// unconditional, as they were).
        /// </summary>
        public IReadOnlyDictionary<string, string>? Expected { get; }

        /// <summary>
        /// The SHA-256 (hex) of each write's content: a roll back removes a target only while it holds exactly that write, and a write
        /// that finds its new target taken keeps what is there unless it is this very write (a replay). Null in records of earlier builds.
        /// </summary>
        public IReadOnlyList<string>? Hashes { get; }

        /// <summary>The SHA-256 (hex) of content, as <see cref="Hashes"/> holds it.</summary>
        public static string Hash(byte[] content) => Hex.Sha256(content);

        /// <summary>True when <paramref name="content"/> is exactly the n-th write (always, for records of earlier builds).</summary>
        public bool IsWrite(int index, byte[] content) => Hashes == null || index >= Hashes.Count || string.Equals(Hashes[index], Hash(content), StringComparison.Ordinal);

        /// <summary>The version <paramref name="path"/> must still have for this change to remove or replace it, or null.</summary>
        public string? ExpectedVersion(string path) => Expected != null && Expected.TryGetValue(path, out string? version) ? version : null;

        /// <summary>This record with its content (a store that holds the content in the record itself).</summary>
        public JournalRecord WithContents(IReadOnlyList<JournalContent> contents) => new JournalRecord(Id, Description, Writes, Renames, Deletes, Replaced, contents, Expected, Hashes);

        /// <summary>The content of each write, when the record holds it (a container's journal blob); null when staged apart.</summary>
        public IReadOnlyList<JournalContent>? Contents { get; }

        /// <summary>
        /// True when the n-th write created its target (a roll back may remove it). Without <see cref="Replaced"/>: claims,
        /// results and outputs, whose names are new ULIDs, are always new; an installation index or a set may have existed.
        /// </summary>
        public bool CreatedFile(int index)
        {
            if (Replaced != null)
            {
                return !Replaced.Contains(index);
            }
            return ItemTypes.IsGrouped(ItemTypes.OfPath(Writes[index]));
        }

        /// <summary>What a commit of these records is called in messages: the change set's description, or how many and the first and last.</summary>
        public static string Describe(IReadOnlyList<JournalRecord> records) =>
            records.Count == 1 ? records[0].Description : $"{records.Count} change sets ({records[0].Description} … {records[records.Count - 1].Description})";

        /// <summary>A new journal id: sortable by commit time, unique across runs.</summary>
        public static string NewId() =>
            DateTime.UtcNow.ToString("yyyyMMddHHmmssfffffff", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

        public byte[] ToJson()
        {
            GoJsonWriter w = new GoJsonWriter(indented: false).StartObject().Property("commit", Id).Property("description", Description).Name("writes").StartArray();
            foreach (string path in Writes)
            {
                w.String(path);
            }
            w.EndArray().Name("renames").StartArray();
            foreach (KeyValuePair<string, string> r in Renames)
            {
                w.StartArray().String(r.Key).String(r.Value).EndArray();
            }
            w.EndArray().Name("deletes").StartArray();
            foreach (string path in Deletes)
            {
                w.String(path);
            }
            w.EndArray();
            if (Replaced != null)
            {
                w.Name("replaced").StartArray();
                foreach (int i in Replaced)
                {
                    w.RawNumber(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                w.EndArray();
            }
            if (Hashes != null)
            {
                w.Name("hashes").StartArray();
                foreach (string h in Hashes)
                {
                    w.String(h);
                }
                w.EndArray();
            }
            if (Expected != null && Expected.Count > 0)
            {
                w.Name("expect").StartObject();
                foreach (KeyValuePair<string, string> e in Expected.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    w.Property(e.Key, e.Value);
                }
                w.EndObject();
            }
            if (Contents != null)
            {
                w.Name("contents").StartArray();
                foreach (JournalContent c in Contents)
                {
                    w.StartObject().Name("tags").StartObject();
                    foreach (KeyValuePair<string, string> tag in c.Tags)
                    {
                        w.Property(tag.Key, tag.Value);
                    }
                    w.EndObject().Property("content", Convert.ToBase64String(c.Content)).EndObject();
                }
                w.EndArray();
            }
            return w.EndObject().ToUtf8();
        }

        /// <summary>
        /// Reads one journal record (a folder's line or a container's journal blob): a commit record, or the id a done line names.
        /// <paramref name="id"/> names a record that carries no id of its own (a journal blob of an earlier build, named by its blob).
        /// False for a torn or foreign record.
        /// </summary>
        public static bool TryParse(ReadOnlyMemory<byte> json, string? id, out JournalRecord? record, out string? doneId)
        {
            record = null;
            doneId = null;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(json);
                return TryParse(doc.RootElement, id, out record, out doneId);
            }
            catch (JsonException)
            {
                return false;
            }
        }

        public static bool TryParse(string line, out JournalRecord? record, out string? doneId) =>
            TryParse(System.Text.Encoding.UTF8.GetBytes(line), null, out record, out doneId);

        private static bool TryParse(JsonElement root, string? id, out JournalRecord? record, out string? doneId)
        {
            record = null;
            doneId = null;
            try
            {
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }
                if (root.TryGetProperty("done", out JsonElement done) && done.ValueKind == JsonValueKind.String)
                {
                    doneId = done.GetString();
                    return true;
                }
                if (root.TryGetProperty("commit", out JsonElement commit) && commit.ValueKind == JsonValueKind.String)
                {
                    id = commit.GetString();
                }
                if (id == null)
                {
                    return false;
                }
                JsonElement writes = root.GetProperty("writes");
                List<JournalContent>? contents = root.TryGetProperty("contents", out JsonElement c) ? c.EnumerateArray().Select(Content).ToList() : null;
                List<string> paths;
                if (writes.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object))
                {
                    // A container's journal blob of an earlier build: each write holds its blob, tags and content.
                    paths = writes.EnumerateArray().Select(e => e.GetProperty("blob").GetString()!).ToList();
                    contents = writes.EnumerateArray().Select(Content).ToList();
                }
                else
                {
                    paths = writes.EnumerateArray().Select(e => e.GetString()!).ToList();
                }
                if (contents != null && contents.Count != paths.Count)
                {
                    return false;
                }
                record = new JournalRecord(id, root.GetProperty("description").GetString()!, paths,
                    root.TryGetProperty("renames", out JsonElement renames)
                        ? renames.EnumerateArray().Select(e => new KeyValuePair<string, string>(e[0].GetString()!, e[1].GetString()!)).ToList()
                        : new List<KeyValuePair<string, string>>(),
                    root.GetProperty("deletes").EnumerateArray().Select(e => e.GetString()!).ToList(),
                    root.TryGetProperty("replaced", out JsonElement replaced) ? replaced.EnumerateArray().Select(e => e.GetInt32()).ToList() : null,
                    contents,
                    root.TryGetProperty("expect", out JsonElement expect)
                        ? expect.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
                        : null,
                    root.TryGetProperty("hashes", out JsonElement hashes) ? hashes.EnumerateArray().Select(e => e.GetString()!).ToList() : null);
                if (record.Hashes != null && record.Hashes.Count != paths.Count)
                {
                    record = null;
                    return false;
                }
                return true;
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException || ex is KeyNotFoundException || ex is IndexOutOfRangeException || ex is FormatException)
            {
                return false;
            }
        }

        private static JournalContent Content(JsonElement e) => new JournalContent(
            e.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
            Convert.FromBase64String(e.GetProperty("content").GetString()!));
    }

    /// <summary>The content a journal record holds for one write, and the native record (a blob's index tags) it is written with.</summary>
    public sealed class JournalContent
    {
        public JournalContent(IReadOnlyDictionary<string, string> tags, byte[] content)
        {
            Tags = tags;
            Content = content;
        }

        public IReadOnlyDictionary<string, string> Tags { get; }

        public byte[] Content { get; }
    }
}
