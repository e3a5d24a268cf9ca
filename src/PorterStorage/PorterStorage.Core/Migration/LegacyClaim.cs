using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// A pre-v0.28 claim (one document per installation), read the way Porter's migration reads it (format §5.1,
    /// §5.2 steps 2–4): the unversioned name→installation step, then Go's case-insensitive struct decoding.
    /// The bundle is kept as raw JSON so that nothing in it is dropped or rejected.
    /// </summary>
    public sealed class LegacyClaim : IDisposable
    {
        /// <summary>Legacy documents larger than this are refused rather than read into memory.</summary>
        public const int MaxDocumentBytes = PorterDocuments.MaxDocumentBytes;

        private static readonly Regex InstallationName = new Regex("^[a-zA-Z0-9._-]+$", RegexOptions.CultureInvariant);

        private readonly JsonDocument _doc;

        private LegacyClaim(JsonDocument doc)
        {
            _doc = doc;
        }

        public string Installation { get; private set; } = string.Empty;

        /// <summary>True when the document used <c>name</c> (Porter ≤ v0.25) and it was moved to <c>installation</c>.</summary>
        public bool RenamedFromName { get; private set; }

        public string Revision { get; private set; } = string.Empty;

        public string Created { get; private set; } = GoTime.Zero;

        public string Modified { get; private set; } = GoTime.Zero;

        public JsonElement Bundle { get; private set; }

        public string BundleReference { get; private set; } = string.Empty;

        public string Action { get; private set; } = string.Empty;

        public string Status { get; private set; } = string.Empty;

        public string Message { get; private set; } = string.Empty;

        public JsonElement? Parameters { get; private set; }

        public JsonElement? Outputs { get; private set; }

        public JsonElement? Custom { get; private set; }

        public void Dispose() => _doc.Dispose();

        /// <summary>
        /// Parses a legacy claim. Raises <c>ClaimParseError</c> (with the position, never the content), <c>NumberOutOfRange</c>,
        /// <c>JsonNestingTooDeep</c> (with the JSON path),
        /// <c>ClaimBundleMissing</c> and <c>InvalidInstallationName</c>, each naming <paramref name="path"/>.
        /// </summary>
        public static LegacyClaim Parse(byte[] content, string path)
        {
            // The one strict reader: what Go's decoder refuses (1e400, 10,001 levels, broken text) is refused here, by name.
            JsonDocument doc = GoJson.Parse(content, ErrorIds.ClaimParseError, (id, detail) => Error(id, path, detail));

            var claim = new LegacyClaim(doc);
            try
            {
                claim.Read(path);
                return claim;
            }
            catch
            {
                doc.Dispose();
                throw;
            }
        }

        private void Read(string path)
        {
            JsonElement root = _doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(ErrorIds.ClaimParseError, path, $"the document is a JSON {Kind(root)}, not an object");
            }

            // Step 3: an unversioned claim with "name" and no "installation" (exact, case-sensitive keys).
            bool unversioned = !PorterDocuments.ClaimHasSchemaVersion(root);
            bool renamed = unversioned && HasExact(root, "name") && !HasExact(root, "installation");
            RenamedFromName = renamed;

            JsonElement? bundle = null;
            JsonElement? result = null;
            foreach (JsonProperty p in root.EnumerateObject())
            {
                string key = GoKeys.Fold(p.Name);
                if (renamed && p.NameEquals("name"))
                {
                    Installation = Text(p, path);
                    continue;
                }
                switch (key)
                {
                    case PorterDocuments.SchemaVersionFolded:
                        Text(p, path);
                        break;
                    case "installation":
                        if (!renamed)
                        {
                            Installation = Text(p, path);
                        }
                        break;
                    case "revision":
                        Revision = Text(p, path);
                        break;
                    case "created":
                        Created = Time(p, path);
                        break;
                    case "modified":
                        Modified = Time(p, path);
                        break;
                    case "bundle":
                        bundle = ObjectOrNull(p, path);
                        break;
                    case "bundlereference":
                        BundleReference = Text(p, path);
                        break;
                    case "result":
                        result = ObjectOrNull(p, path);
                        break;
                    case "parameters":
                        Parameters = ObjectOrNull(p, path);
                        break;
                    case "outputs":
                        Outputs = ObjectOrNull(p, path);
                        break;
                    case "custom":
                        Custom = p.Value.ValueKind == JsonValueKind.Null ? (JsonElement?)null : p.Value;
                        break;
                }
            }

            if (result.HasValue)
            {
                foreach (JsonProperty p in result.Value.EnumerateObject())
                {
                    switch (GoKeys.Fold(p.Name))
                    {
                        case "message":
                            Message = Text(p, path);
                            break;
                        case "action":
                            Action = Text(p, path);
                            break;
                        case "status":
                            Status = Text(p, path);
                            break;
                    }
                }
            }

            if (bundle == null)
            {
                throw Error(ErrorIds.ClaimBundleMissing, path, "it has no bundle (Porter crashes on such a claim)");
            }
            Bundle = bundle.Value;

            if (!InstallationName.IsMatch(Installation))
            {
                throw Error(ErrorIds.InvalidInstallationName, path,
                    $"its installation name {(Installation.Length == 0 ? "is empty" : "has characters outside [a-zA-Z0-9._-]")}");
            }
        }

        /// <summary>The status as Porter maps it: success→succeeded, failure→failed, anything else verbatim.</summary>
        public string MappedStatus => Status == "success" ? "succeeded" : Status == "failure" ? "failed" : Status;

        /// <summary>Porter's placeholder rule: created ≠ modified (instant and offset) and the last action was not install.</summary>
        public bool NeedsPlaceholder => Created != Modified && Action != "install";

        private static bool HasExact(JsonElement obj, string key)
        {
            foreach (JsonProperty p in obj.EnumerateObject())
            {
                if (p.NameEquals(key))
                {
                    return true;
                }
            }
            return false;
        }

        private static string Text(JsonProperty p, string path)
        {
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.String:
                    return p.Value.GetString()!;
                case JsonValueKind.Null:
                    return string.Empty;
                default:
                    throw Error(ErrorIds.ClaimParseError, path, $"the field \"{p.Name}\" is a JSON {Kind(p.Value)}, not a string");
            }
        }

        private static string Time(JsonProperty p, string path)
        {
            if (p.Value.ValueKind == JsonValueKind.Null)
            {
                return GoTime.Zero;
            }
            if (p.Value.ValueKind != JsonValueKind.String || !GoTime.TryNormalize(p.Value.GetString()!, out string normalized))
            {
                throw Error(ErrorIds.ClaimParseError, path, $"the field \"{p.Name}\" is not an RFC 3339 timestamp");
            }
            return normalized;
        }

        private static JsonElement? ObjectOrNull(JsonProperty p, string path)
        {
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    return p.Value;
                case JsonValueKind.Null:
                    return null;
                default:
                    throw Error(ErrorIds.ClaimParseError, path, $"the field \"{p.Name}\" is a JSON {Kind(p.Value)}, not an object");
            }
        }

        private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

        internal static PorterStorageException Error(string id, string path, string detail) =>
            new PorterStorageException(id, PorterErrorKind.InvalidData, path, $"The claim '{path}' cannot be migrated: {detail}.");
    }
}
