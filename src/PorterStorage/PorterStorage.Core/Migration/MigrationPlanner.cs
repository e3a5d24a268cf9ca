using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Migration
{
    /// <summary>Plans a migration (format §4–§8): what each item of a store needs, computed without writing anything.</summary>
    internal static class MigrationPlanner
    {
        /// <summary>What a run would do, computed without writing anything.</summary>
        public static PorterMigrationPlan Plan(IMigrationStore store, CancellationToken cancel = default)
        {
            PorterSchemaDocument? schema = SchemaInspector.ReadSchema(store, out _, cancel);
            return new PorterMigrationPlan(store.Location, schema ?? PorterSchemaDocument.Empty, schema != null, PlanItems(store, schema, cancel).ToList());
        }

        /// <summary>
        /// The plan's items one at a time (the schema item last), for callers that need not hold the whole plan of a large
        /// store. Raises <c>SchemaParseError</c> when enumerated.
        /// </summary>
        public static IEnumerable<PorterMigrationPlanItem> PlanItems(IMigrationStore store, CancellationToken cancel = default) =>
            PlanItems(store, SchemaInspector.ReadSchema(store, out _, cancel), cancel);

        /// <summary>
        /// The plan's items; with <paramref name="prepare"/> each item that changes something also keeps what planning read and
        /// parsed (<see cref="PorterMigrationPlanItem.Prepared"/>), so the runner does not read and parse it again. A runner that
        /// holds changes back to apply them together passes <paramref name="settle"/>: it is called before anything is planned
        /// from the whole store (the repairs), so that planning sees every earlier item applied.
        /// </summary>
        internal static IEnumerable<PorterMigrationPlanItem> PlanItems(IMigrationStore store, PorterSchemaDocument? schema, CancellationToken cancel, bool prepare = false,
            Action? settle = null)
        {
            foreach (string journal in new ChangeJournal(store).Pending())
            {
                yield return new PorterMigrationPlanItem(MigrationItemKind.Interrupted, journal, null, MigrationAction.Finish,
                    "a change committed by an interrupted run is finished (rolled back when it cannot be)", Array.Empty<string>(), Array.Empty<string>());
            }

            foreach (StoreEntry entry in store.Entries(ItemTypes.Claims))
            {
                cancel.ThrowIfCancellationRequested();
                PorterMigrationPlanItem claim = PlanClaim(store, entry, prepare);
                claim.Entry = entry;
                yield return claim;
            }
            var unlisted = new List<string>();
            foreach (MigrationItemKind kind in new[] { MigrationItemKind.CredentialSet, MigrationItemKind.ParameterSet })
            {
                IReadOnlyList<StoreEntry> sets = SetEntries(store, kind, out PorterMigrationPlanItem? unlistedFolder);
                if (unlistedFolder != null)
                {
                    unlisted.Add(unlistedFolder.Source!);
                    yield return unlistedFolder;
                }
                foreach (StoreEntry entry in sets)
                {
                    PorterMigrationPlanItem? item = kind == MigrationItemKind.CredentialSet ? PlanCredential(store, entry, prepare) : PlanParameter(store, entry, prepare);
                    if (item != null)
                    {
                        yield return item;
                    }
                }
            }

            settle?.Invoke();
            IReadOnlyList<string> repairs = ItemsToRepair(store, unlisted, cancel);
            if (repairs.Count > 0)
            {
                yield return new PorterMigrationPlanItem(MigrationItemKind.Repair, "repairs", null, MigrationAction.Repair,
                    store.RepairReason(repairs.Count), repairs, Array.Empty<string>());
            }

            bool current = schema?.IsCurrent ?? false;
            yield return new PorterMigrationPlanItem(MigrationItemKind.Schema, store.SchemaPath, store.SchemaPath,
                current ? MigrationAction.Skip : MigrationAction.WriteSchema,
                current ? "already current" : "written last, and only when every item succeeded",
                current ? Array.Empty<string>() : new[] { store.SchemaPath }, Array.Empty<string>());
        }

        /// <summary>
        /// The entries of a set folder (credentials, parameters). One that cannot be listed (<c>AccessDenied</c>, <c>StoreReadError</c>)
        /// stops only its own sets: no entries, and <paramref name="unlisted"/> is one failing item naming the folder. The claims and
        /// the other folder's sets go on, and the schema is withheld as for any failed item (Porter's own migrator, too, fails its
        /// credentials step alone).
        /// </summary>
        internal static IReadOnlyList<StoreEntry> SetEntries(IMigrationStore store, MigrationItemKind kind, out PorterMigrationPlanItem? unlisted)
        {
            string folder = kind == MigrationItemKind.CredentialSet ? ItemTypes.Credentials : ItemTypes.Parameters;
            unlisted = null;
            try
            {
                return store.Entries(folder);
            }
            catch (PorterStorageException ex) when (ex.ErrorId == ErrorIds.AccessDenied || ex.ErrorId == ErrorIds.StoreReadError)
            {
                unlisted = new PorterMigrationPlanItem(kind, folder, folder, MigrationAction.Fail, ex.Message, Array.Empty<string>(), Array.Empty<string>(), ex.ErrorId)
                {
                    ErrorKind = ex.Kind,
                    IsFolder = true,
                };
                return Array.Empty<StoreEntry>();
            }
        }

        /// <summary>
        /// What the store would repair. A folder the sets' listing already reported as unlistable stops the scan without a second
        /// error (the repairs wait for the next run, as the schema does).
        /// </summary>
        private static IReadOnlyList<string> ItemsToRepair(IMigrationStore store, List<string> unlisted, CancellationToken cancel)
        {
            try
            {
                return store.ItemsToRepair(cancel);
            }
            catch (PorterStorageException ex) when (unlisted.Any(f => string.Equals(ex.Target, store.FullName(f), StringComparison.Ordinal)))
            {
                return Array.Empty<string>();
            }
        }

        /// <summary>
        /// An installation planned again from its legacy claim, against the store as it is now (the runner applied the changes an
        /// earlier item of the same installation was waiting on).
        /// </summary>
        internal static PorterMigrationPlanItem Replan(IMigrationStore store, PorterMigrationPlanItem item, bool prepare)
        {
            PorterMigrationPlanItem again = PlanClaim(store, item.Entry!, prepare);
            again.Entry = item.Entry;
            return again;
        }

        private static PorterMigrationPlanItem Failed(MigrationItemKind kind, string name, string source, PorterStorageException ex) =>
            new PorterMigrationPlanItem(kind, name, source, MigrationAction.Fail, ex.Message, Array.Empty<string>(), Array.Empty<string>(), ex.ErrorId) { ErrorKind = ex.Kind };

        private static PorterStorageException LinkError(IMigrationStore store, StoreEntry entry) =>
            UnixFiles.IsLossyName(store.FullName(entry.RelativePath))
                ? new PorterStorageException(ErrorIds.FileNameNotUtf8, PorterErrorKind.InvalidData, store.FullName(entry.RelativePath),
                    $"The name of '{store.FullName(entry.RelativePath)}' (shown with U+FFFD) is not valid UTF-8, so it cannot be opened by name; it is left in place. Rename it.")
                : new PorterStorageException(ErrorIds.DataFileIsLink, PorterErrorKind.InvalidData, store.FullName(entry.RelativePath),
                    $"'{store.FullName(entry.RelativePath)}' is a symbolic link; it is not followed and is left in place.");

        /// <summary>A link is never followed (a named failure); a folder is skipped with <paramref name="folderReason"/>; else null.</summary>
        private static PorterMigrationPlanItem? LinkOrFolder(MigrationItemKind kind, IMigrationStore store, StoreEntry entry, string folderReason)
        {
            if (entry.IsLink)
            {
                return Failed(kind, entry.ItemName, entry.RelativePath, LinkError(store, entry));
            }
            return entry.IsFolder
                ? new PorterMigrationPlanItem(kind, entry.Name, entry.RelativePath, MigrationAction.Skip, folderReason, Array.Empty<string>(), Array.Empty<string>())
                {
                    IsCurrentLayout = kind == MigrationItemKind.Installation,
                }
                : null;
        }

        private static PorterMigrationPlanItem PlanClaim(IMigrationStore store, StoreEntry entry, bool prepare)
        {
            string name = entry.ItemName;
            PorterMigrationPlanItem? guarded = LinkOrFolder(MigrationItemKind.Installation, store, entry, "already in the current layout");
            if (guarded != null)
            {
                return guarded;
            }
            if (!entry.IsDocument)
            {
                return new PorterMigrationPlanItem(MigrationItemKind.Installation, entry.Name, entry.RelativePath, MigrationAction.Skip,
                    "not a claim document (Porter ignores it)", Array.Empty<string>(), Array.Empty<string>());
            }
            LegacyClaim? parsed = null;
            bool kept = false;
            try
            {
                LegacyClaim legacy = parsed = LegacyClaim.Parse(store.ReadFile(entry.RelativePath), store.FullName(entry.RelativePath));
                string inst = legacy.Installation;
                // Names first: a name such as '.' or '..' would make the duplicate check look at another folder's claims.
                CheckClaimNames(store, legacy, store.FullName(entry.RelativePath));
                // An installation whose claims would go into the path its own legacy file holds ('a.json' in claims/a.json).
                string claimPath = store.StorePath(new StoredDocument(ItemTypes.Claims, inst, PlannedId, Array.Empty<byte>()));
                int slash = claimPath.LastIndexOf('/');
                if (slash > 0 && string.Equals(claimPath.Substring(0, slash), entry.RelativePath, StringComparison.Ordinal))
                {
                    ItemNames.Throw("installation", inst, $"its claims would go into the folder '{entry.RelativePath}', which is this legacy file itself", store.FullName(entry.RelativePath));
                }
                if (IsAlreadyPresent(store, legacy))
                {
                    return new PorterMigrationPlanItem(MigrationItemKind.Installation, inst, entry.RelativePath, MigrationAction.RemoveDuplicate,
                        $"claims/{inst}/ already holds this claim's last action (an interrupted earlier migration); the legacy file is removed",
                        Array.Empty<string>(), new[] { entry.RelativePath });
                }
                var writes = new List<string>();
                if (legacy.NeedsPlaceholder)
                {
                    writes.Add($"claims/{inst}/<new-install-claim-id>.json");
                    writes.Add("results/<new-install-claim-id>/<new-result-id>.json");
                }
                writes.Add($"claims/{inst}/<new-claim-id>.json");
                writes.Add("results/<new-claim-id>/<new-result-id>.json");
                if (legacy.Outputs.HasValue)
                {
                    writes.AddRange(legacy.Outputs.Value.EnumerateObject().Select(o => $"outputs/<new-result-id>/<new-result-id>-{o.Name}"));
                }
                writes.Add($"installations/{inst}");
                string reason = (legacy.NeedsPlaceholder ? $"{legacy.Action} after install: placeholder install claim plus the {legacy.Action} claim" : $"one {legacy.Action} claim")
                                + (legacy.RenamedFromName ? "; name moved to installation" : string.Empty)
                                + (inst != name ? $"; stored under its installation name '{inst}'" : string.Empty);
                kept = prepare;
                return new PorterMigrationPlanItem(MigrationItemKind.Installation, inst, entry.RelativePath, MigrationAction.Migrate, reason, writes, new[] { entry.RelativePath })
                {
                    Prepared = prepare ? legacy : null,
                };
            }
            catch (PorterStorageException ex)
            {
                return Failed(MigrationItemKind.Installation, name, entry.RelativePath, ex);
            }
            finally
            {
                if (!kept)
                {
                    parsed?.Dispose();
                }
            }
        }

        /// <summary>A stand-in for the ids a run generates: as long as a real one, so the names checked are as long as the ones written.</summary>
        private static readonly string PlannedId = new string('0', 26);

        /// <summary>
        /// Refuses, before anything is committed, an installation or output name the store cannot hold (<c>InvalidItemName</c>):
        /// the documents the split writes are checked under the same rule the apply step uses.
        /// </summary>
        private static void CheckClaimNames(IMigrationStore store, LegacyClaim legacy, string source)
        {
            var docs = new List<StoredDocument>
            {
                new StoredDocument(ItemTypes.Claims, legacy.Installation, PlannedId, Array.Empty<byte>()),
                new StoredDocument(ItemTypes.Results, PlannedId, PlannedId, Array.Empty<byte>()),
                new StoredDocument(ItemTypes.Installations, null, legacy.Installation, Array.Empty<byte>()),
            };
            if (legacy.Outputs.HasValue)
            {
                foreach (System.Text.Json.JsonProperty o in legacy.Outputs.Value.EnumerateObject())
                {
                    ItemNames.Throw("output", o.Name, ItemNames.NameProblem(o.Name), source);
                    docs.Add(new StoredDocument(ItemTypes.Outputs, PlannedId, PlannedId + "-" + o.Name, Array.Empty<byte>()));
                }
            }
            ChangeSetNames.Check(store, docs, Array.Empty<string>(), source);
        }

        /// <summary>Porter's own interrupted run may have written this claim already (E3): its last action, bundle, parameters and outputs.</summary>
        internal static bool IsAlreadyPresent(IMigrationStore store, LegacyClaim legacy) =>
            store.CurrentClaims(legacy.Installation).Any(c => ClaimStamp.IsMigrationOf(c, legacy, out string claimId) && OutputsMigrated(store, claimId, legacy));

        /// <summary>
        /// Every legacy output is in one result of the claim (<c>outputs/&lt;result&gt;/&lt;result&gt;-&lt;name&gt;</c>): a placeholder or
        /// a claim whose outputs were never written does not make the legacy file a duplicate.
        /// </summary>
        private static bool OutputsMigrated(IMigrationStore store, string claimId, LegacyClaim legacy)
        {
            if (!legacy.Outputs.HasValue || !legacy.Outputs.Value.EnumerateObject().Any())
            {
                return true;
            }
            if (claimId.Length == 0)
            {
                return false;
            }
            foreach (string result in store.List(ItemTypes.Results, claimId))
            {
                var outputs = new HashSet<string>(store.List(ItemTypes.Outputs, result), StringComparer.Ordinal);
                if (legacy.Outputs.Value.EnumerateObject().All(o => outputs.Contains(result + "-" + o.Name)))
                {
                    return true;
                }
            }
            return false;
        }

        private static PorterMigrationPlanItem? PlanCredential(IMigrationStore store, StoreEntry entry, bool prepare)
        {
            string name = entry.ItemName;
            PorterMigrationPlanItem? guarded = LinkOrFolder(MigrationItemKind.CredentialSet, store, entry, "a folder, not a credential set");
            if (guarded != null)
            {
                return guarded;
            }
            try
            {
                if (entry.IsDocument)
                {
                    SetRewrite? rewrite = SetMigration.MigrateCredentialSet(store.ReadFile(entry.RelativePath), store.FullName(entry.RelativePath), name);
                    if (rewrite == null)
                    {
                        return new PorterMigrationPlanItem(MigrationItemKind.CredentialSet, name, entry.RelativePath, MigrationAction.Skip,
                            "already has a schemaVersion", Array.Empty<string>(), Array.Empty<string>());
                    }
                    string target = CredentialTarget(store, rewrite.Name, entry);
                    return new PorterMigrationPlanItem(MigrationItemKind.CredentialSet, rewrite.Name, entry.RelativePath, MigrationAction.Rewrite,
                        target == entry.RelativePath ? "schemaVersion added" : $"schemaVersion added; saved under its name '{rewrite.Name}' without leaving the old file behind",
                        new[] { target }, target == entry.RelativePath ? Array.Empty<string>() : new[] { entry.RelativePath })
                    {
                        Prepared = prepare ? rewrite : null,
                    };
                }
                if (entry.Name.EndsWith(".yaml", StringComparison.Ordinal) && !store.Exists(store.SetPath(ItemTypes.Credentials, name)))
                {
                    SetRewrite converted = SetMigration.ConvertYamlCredentialSet(store.ReadFile(entry.RelativePath), store.FullName(entry.RelativePath), name,
                        store.ModifiedUtc(entry.RelativePath));
                    ChangeSetNames.Check(store, new[] { new StoredDocument(ItemTypes.Credentials, null, converted.Name, Array.Empty<byte>()) },
                        new[] { entry.RelativePath + ".migrated" }, store.FullName(entry.RelativePath));
                    string target = store.SetPath(ItemTypes.Credentials, converted.Name);
                    if (store.Exists(target))
                    {
                        return new PorterMigrationPlanItem(MigrationItemKind.CredentialSet, converted.Name, entry.RelativePath, MigrationAction.Skip,
                            $"YAML credential set already converted to '{target}'", Array.Empty<string>(), Array.Empty<string>());
                    }
                    return new PorterMigrationPlanItem(MigrationItemKind.CredentialSet, converted.Name, entry.RelativePath, MigrationAction.Convert,
                        "YAML credential set of Porter ≤ v0.22 converted; the YAML file is kept as .yaml.migrated",
                        new[] { target, entry.RelativePath + ".migrated" }, new[] { entry.RelativePath })
                    {
                        Prepared = prepare ? converted : null,
                    };
                }
                return null;
            }
            catch (PorterStorageException ex)
            {
                return Failed(MigrationItemKind.CredentialSet, name, entry.RelativePath, ex);
            }
        }

        internal static string CredentialTarget(IMigrationStore store, string setName, StoreEntry entry)
        {
            string target = store.SetPath(ItemTypes.Credentials, setName);
            if (target == entry.RelativePath)
            {
                return target;
            }
            ChangeSetNames.Check(store, new[] { new StoredDocument(ItemTypes.Credentials, null, setName, Array.Empty<byte>()) }, Array.Empty<string>(),
                store.FullName(entry.RelativePath));
            if (store.Exists(target))
            {
                throw new PorterStorageException(ErrorIds.CredentialSetNameConflict, PorterErrorKind.ResourceExists, store.FullName(entry.RelativePath),
                    $"'{store.FullName(entry.RelativePath)}' holds the credential set '{setName}', but '{store.FullName(target)}' already exists; rename one of them and run again.");
            }
            return target;
        }

        private static PorterMigrationPlanItem? PlanParameter(IMigrationStore store, StoreEntry entry, bool prepare)
        {
            string name = entry.ItemName;
            PorterMigrationPlanItem? guarded = LinkOrFolder(MigrationItemKind.ParameterSet, store, entry, "a folder, not a parameter set");
            if (guarded != null)
            {
                return guarded;
            }
            if (!entry.IsDocument)
            {
                return null;
            }
            try
            {
                SetRewrite? rewrite = SetMigration.MigrateParameterSet(store.ReadFile(entry.RelativePath), store.FullName(entry.RelativePath), name);
                return rewrite == null
                    ? new PorterMigrationPlanItem(MigrationItemKind.ParameterSet, name, entry.RelativePath, MigrationAction.Skip, "already has a schemaVersion", Array.Empty<string>(), Array.Empty<string>())
                    : new PorterMigrationPlanItem(MigrationItemKind.ParameterSet, name, entry.RelativePath, MigrationAction.Rewrite, "schemaVersion added", new[] { entry.RelativePath }, Array.Empty<string>())
                    {
                        Prepared = prepare ? rewrite : null,
                    };
            }
            catch (PorterStorageException ex)
            {
                return Failed(MigrationItemKind.ParameterSet, name, entry.RelativePath, ex);
            }
        }
    }
}
