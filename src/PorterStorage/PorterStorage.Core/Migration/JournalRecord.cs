using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using PorterStorage.Core.Json;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// One committed change set in a folder store's journal: a line <c>{"commit":id,"description":…,"writes":[…],"renames":[[from,to]…],"deletes":[…]}</c>;
    /// a later line <c>{"done":id}</c> marks it finished. Holds paths and descriptions only, never document content.
    /// </summary>
    internal sealed class JournalRecord
    {
        public JournalRecord(string id, string description, IReadOnlyList<string> writes, IReadOnlyList<KeyValuePair<string, string>> renames, IReadOnlyList<string> deletes,
            IReadOnlyList<int>? replaced = null)
        {
            Replaced = replaced;
            Id = id;
            Description = description;
            Writes = writes;
            Renames = renames;
            Deletes = deletes;
        }

        public string Id { get; }

        public string Description { get; }

        /// <summary>Target paths, in staging order (the n-th is staged as <c>&lt;id&gt;-n</c>).</summary>
        public IReadOnlyList<string> Writes { get; }

        public IReadOnlyList<KeyValuePair<string, string>> Renames { get; }

        public IReadOnlyList<string> Deletes { get; }

        /// <summary>
        /// Indexes of <see cref="Writes"/> whose target existed when the change was committed (a roll back keeps those);
        /// null in records of earlier builds.
        /// </summary>
        public IReadOnlyList<int>? Replaced { get; }

        /// <summary>True when the n-th write created its file (a roll back may remove it). Earlier records: claims, results and outputs are always new.</summary>
        public bool CreatedFile(int index)
        {
            if (Replaced != null)
            {
                return !Replaced.Contains(index);
            }
            string first = Writes[index].Split('/')[0];
            return first == Storage.ItemTypes.Claims || first == Storage.ItemTypes.Results || first == Storage.ItemTypes.Outputs;
        }

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
            return w.EndObject().ToUtf8();
        }

        /// <summary>Reads one journal line: a commit record, or the id a done line names. False for a torn or foreign line.</summary>
        public static bool TryParse(string line, out JournalRecord? record, out string? doneId)
        {
            record = null;
            doneId = null;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }
                if (root.TryGetProperty("done", out JsonElement done) && done.ValueKind == JsonValueKind.String)
                {
                    doneId = done.GetString();
                    return true;
                }
                if (!root.TryGetProperty("commit", out JsonElement id) || id.ValueKind != JsonValueKind.String)
                {
                    return false;
                }
                record = new JournalRecord(id.GetString()!, root.GetProperty("description").GetString()!,
                    root.GetProperty("writes").EnumerateArray().Select(e => e.GetString()!).ToList(),
                    root.GetProperty("renames").EnumerateArray().Select(e => new KeyValuePair<string, string>(e[0].GetString()!, e[1].GetString()!)).ToList(),
                    root.GetProperty("deletes").EnumerateArray().Select(e => e.GetString()!).ToList(),
                    root.TryGetProperty("replaced", out JsonElement replaced) ? replaced.EnumerateArray().Select(e => e.GetInt32()).ToList() : null);
                return true;
            }
            catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException || ex is KeyNotFoundException || ex is IndexOutOfRangeException || ex is FormatException)
            {
                return false;
            }
        }
    }
}
