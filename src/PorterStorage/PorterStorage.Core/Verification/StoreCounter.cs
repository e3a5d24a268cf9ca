using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace PorterStorage.Core.Verification
{
    /// <summary>
    /// Counts what any store holds, legacy and current, in Porter's model: an ungrouped claim is a legacy one, a set without a
    /// schemaVersion is a legacy one, the groups of claims are the installations that have them.
    /// </summary>
    public static class StoreCounter
    {
        /// <summary>
        /// The counts of <paramref name="store"/>. What could not be listed or read is left out of them and returned in
        /// <paramref name="failures"/> as named errors (<c>AccessDenied</c>, <c>StoreReadError</c>, <c>FileUnreadable</c>).
        /// </summary>
        public static PorterItemCounts Count(IPorterStore store, out IReadOnlyList<PorterStorageException> failures, CancellationToken cancel = default)
        {
            var failed = new List<PorterStorageException>();
            IReadOnlyDictionary<string, StoreListing> listings = store.Items(ItemTypes.All, cancel);
            failed.AddRange(ItemTypes.All.SelectMany(t => listings[t].Unlisted));
            StoreListing claims = listings[ItemTypes.Claims];
            var counts = new PorterItemCounts
            {
                Installations = listings[ItemTypes.Installations].Items.Count,
                LegacyClaims = claims.Items.Count(i => i.Group == null),
                Claims = claims.Items.Count(i => i.Group != null),
                InstallationFolders = claims.Groups.Count,
                Results = listings[ItemTypes.Results].Items.Count,
                Outputs = listings[ItemTypes.Outputs].Items.Count,
            };
            foreach (string type in new[] { ItemTypes.Credentials, ItemTypes.Parameters })
            {
                bool credentials = type == ItemTypes.Credentials;
                foreach (StoreItem set in listings[type].Items.Where(i => i.Group == null))
                {
                    cancel.ThrowIfCancellationRequested();
                    bool? current = HasSchemaVersion(store, set, typed: credentials, failed, cancel);
                    if (current == null)
                    {
                        continue; // unreadable: left out, and named in the failures
                    }
                    if (credentials)
                    {
                        counts.Credentials += current.Value ? 1 : 0;
                        counts.LegacyCredentials += current.Value ? 0 : 1;
                    }
                    else
                    {
                        counts.Parameters += current.Value ? 1 : 0;
                        counts.LegacyParameters += current.Value ? 0 : 1;
                    }
                }
            }
            failures = failed;
            return counts;
        }

        /// <summary>True for a JSON object with a schemaVersion; false for invalid JSON (a legacy set to convert); null when it cannot be read.</summary>
        private static bool? HasSchemaVersion(IPorterStore store, StoreItem set, bool typed, List<PorterStorageException> failed, CancellationToken cancel)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(store.ReadItem(set, cancel), GoJson.DocumentOptions);
                return doc.RootElement.ValueKind == JsonValueKind.Object && PorterDocuments.HasSchemaVersion(doc.RootElement, typed);
            }
            catch (JsonException)
            {
                return false;
            }
            catch (PorterStorageException ex)
            {
                failed.Add(ex);
                return null;
            }
        }
    }
}
