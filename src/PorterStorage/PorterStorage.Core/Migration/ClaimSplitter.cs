using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace PorterStorage.Core.Migration
{
    /// <summary>What one legacy claim becomes (format §5.2 steps 5–10, with the documented improvements).</summary>
    public sealed class SplitClaim
    {
        internal SplitClaim(string installation, IReadOnlyList<string> claimIds, IReadOnlyList<string> resultIds, IReadOnlyList<string> outputNames, ChangeSet changes)
        {
            Installation = installation;
            ClaimIds = claimIds;
            ResultIds = resultIds;
            OutputNames = outputNames;
            Changes = changes;
        }

        public string Installation { get; }

        public IReadOnlyList<string> ClaimIds { get; }

        public IReadOnlyList<string> ResultIds { get; }

        public IReadOnlyList<string> OutputNames { get; }

        public ChangeSet Changes { get; }
    }

    /// <summary>Turns a legacy claim into the current layout's documents.</summary>
    public static class ClaimSplitter
    {
        /// <summary>
        /// Builds the documents: an optional placeholder install claim and its <c>unknown</c> result, the last-action
        /// claim and its result, one output file per legacy output, and the index entry — in ULID order
        /// (placeholder claim, placeholder revision, placeholder result, last claim, last revision, last result).
        /// </summary>
        public static SplitClaim Split(LegacyClaim legacy, string sourceRelativePath, UlidGenerator ids)
        {
            var changes = new ChangeSet($"installation {legacy.Installation}");
            var claimIds = new List<string>();
            var resultIds = new List<string>();
            var claims = new List<StoredDocument>();
            var results = new List<StoredDocument>();
            string inst = legacy.Installation;

            if (legacy.NeedsPlaceholder)
            {
                string placeholderId = ids.Next();
                ids.Next(); // Porter draws a revision here and then overwrites it with the legacy one.
                string placeholderResult = ids.Next();
                claims.Add(new StoredDocument(ItemTypes.Claims, inst, placeholderId,
                    ClaimJson(placeholderId, inst, legacy.Revision, legacy.Created, "install", legacy.Bundle, legacy.BundleReference, null, legacy.Custom))
                {
                    Expected = ClaimExpected(placeholderId, inst, legacy.Revision, legacy.Created, "install", legacy.Bundle, legacy.BundleReference, null, legacy.Custom),
                });
                results.Add(new StoredDocument(ItemTypes.Results, placeholderId, placeholderResult,
                    ResultJson(placeholderResult, placeholderId, legacy.Created, null, "unknown"))
                {
                    Expected = ResultExpected(placeholderResult, placeholderId, legacy.Created, null, "unknown"),
                });
                claimIds.Add(placeholderId);
                resultIds.Add(placeholderResult);
            }

            string claimId = ids.Next();
            string revision = ids.Next();
            string resultId = ids.Next();
            // Improvement over Porter (E11, E12): custom, bundleReference and the result message survive.
            claims.Add(new StoredDocument(ItemTypes.Claims, inst, claimId,
                ClaimJson(claimId, inst, revision, legacy.Modified, legacy.Action, legacy.Bundle, legacy.BundleReference, legacy.Parameters, legacy.Custom))
            {
                Expected = ClaimExpected(claimId, inst, revision, legacy.Modified, legacy.Action, legacy.Bundle, legacy.BundleReference, legacy.Parameters, legacy.Custom),
            });
            results.Add(new StoredDocument(ItemTypes.Results, claimId, resultId,
                ResultJson(resultId, claimId, legacy.Modified, legacy.Message, legacy.MappedStatus))
            {
                Expected = ResultExpected(resultId, claimId, legacy.Modified, legacy.Message, legacy.MappedStatus),
            });
            claimIds.Add(claimId);
            resultIds.Add(resultId);

            var outputNames = new List<string>();
            if (legacy.Outputs.HasValue)
            {
                foreach (JsonProperty output in GoJsonWriter.SortedProperties(legacy.Outputs.Value))
                {
                    ItemNames.Throw("output", output.Name, ItemNames.NameProblem(output.Name), sourceRelativePath);
                    string text = output.Value.ValueKind == JsonValueKind.String ? output.Value.GetString()! : GoFormat.V(output.Value);
                    changes.Writes.Add(new StoredDocument(ItemTypes.Outputs, resultId, resultId + "-" + output.Name, new UTF8Encoding(false).GetBytes(text))
                    {
                        Expected = new ExpectedText(text),
                    });
                    outputNames.Add(output.Name);
                }
            }

            changes.Writes.AddRange(results);
            changes.Writes.AddRange(claims);
            changes.Writes.Add(new StoredDocument(ItemTypes.Installations, null, inst, Array.Empty<byte>()) { Expected = new ExpectedText(string.Empty) });
            changes.Deletes.Add(sourceRelativePath);
            return new SplitClaim(inst, claimIds, resultIds, outputNames, changes);
        }

        /// <summary>A claim in Porter's field order, indented, no trailing newline (format §5.4).</summary>
        public static byte[] ClaimJson(string id, string installation, string revision, string created, string action, JsonElement bundle,
            string bundleReference, JsonElement? parameters, JsonElement? custom)
        {
            var w = new GoJsonWriter(indented: true).StartObject()
                .Property(PorterDocuments.SchemaVersionProperty, SchemaVersions.ClaimDocument)
                .Property("id", id)
                .Property("installation", installation)
                .Property("revision", revision)
                .Property("created", created)
                .Property("action", action);
            w.Name("bundle").PassThrough(bundle);
            if (bundleReference.Length > 0)
            {
                w.Property("bundleReference", bundleReference);
            }
            if (parameters.HasValue && parameters.Value.EnumerateObject().GetEnumerator().MoveNext())
            {
                w.Name("parameters").Generic(parameters.Value);
            }
            if (custom.HasValue)
            {
                w.Name("custom").Generic(custom.Value);
            }
            return w.EndObject().ToUtf8();
        }

        /// <summary>
        /// What <see cref="ClaimJson"/> must hold, built from the legacy values directly (the guard's yardstick): the same
        /// fields and omission rules, the bundle, parameters and custom as Go decodes them.
        /// </summary>
        public static ExpectedObject ClaimExpected(string id, string installation, string revision, string created, string action, JsonElement bundle,
            string bundleReference, JsonElement? parameters, JsonElement? custom)
        {
            var e = new ExpectedObject()
                .Add(PorterDocuments.SchemaVersionProperty, SchemaVersions.ClaimDocument)
                .Add("id", id)
                .Add("installation", installation)
                .Add("revision", revision)
                .Add("created", created)
                .Add("action", action)
                .Add("bundle", bundle);
            if (bundleReference.Length > 0)
            {
                e.Add("bundleReference", bundleReference);
            }
            if (parameters.HasValue && parameters.Value.EnumerateObject().Any())
            {
                e.Add("parameters", parameters.Value);
            }
            if (custom.HasValue)
            {
                e.Add("custom", custom.Value);
            }
            return e;
        }

        /// <summary>What <see cref="ResultJson"/> must hold.</summary>
        public static ExpectedObject ResultExpected(string id, string claimId, string created, string? message, string status)
        {
            var e = new ExpectedObject().Add("id", id).Add("claimId", claimId).Add("created", created);
            if (!string.IsNullOrEmpty(message))
            {
                e.Add("message", message);
            }
            return e.Add("status", status);
        }

        /// <summary>A result in Porter's field order: id, claimId, created, message (when set), status.</summary>
        public static byte[] ResultJson(string id, string claimId, string created, string? message, string status)
        {
            var w = new GoJsonWriter(indented: true).StartObject()
                .Property("id", id)
                .Property("claimId", claimId)
                .Property("created", created);
            if (!string.IsNullOrEmpty(message))
            {
                w.Property("message", message!);
            }
            return w.Property("status", status).EndObject().ToUtf8();
        }
    }
}
