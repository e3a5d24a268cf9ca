using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;

namespace PorterStorage.Core.Migration
{
    /// <summary>
    /// One planned item of a run made into what it changes: a legacy claim split, a duplicate removed, a set rewritten or converted,
    /// the repairs run. Every change set is checked here (names, the documents read back strictly, the backup's evidence) before it
    /// waits in the <see cref="ChangeBatch"/>.
    /// </summary>
    internal static class MigrationItemExecution
    {
        /// <summary>
        /// Does what an item needs: the change set it makes (checked, waiting to be applied, with the record it leaves once it is),
        /// or null when it was done here (nothing to change, the repairs, an interrupted change already finished).
        /// </summary>
        public static QueuedChange? Execute(IMigrationStore store, PorterMigrationPlanItem item, MigrationOptions options, RunEvidence? evidence, Action<string> log,
            RunOutcomes outcomes, CancellationToken cancel)
        {
            string source = item.Source ?? string.Empty;
            string full = store.FullName(source);
            string fileName = Path.GetFileNameWithoutExtension(source);
            switch (item.Action)
            {
                case MigrationAction.Migrate:
                {
                    log($" - Migrating claim {fileName} to the new schema...");
                    using LegacyClaim legacy = item.Prepared as LegacyClaim ?? LegacyClaim.Parse(store.ReadFile(source), full);
                    if (legacy.RenamedFromName)
                    {
                        log($" - Migrating claim {fileName} from claim.Name to claim.Installation");
                        log(MigrationLogText.RenamedClaimLine(fileName));
                    }
                    SplitClaim split = ClaimSplitter.Split(legacy, source, options.Ids);
                    return Checked(store, item, split.Changes, full, options, evidence,
                        () => new InstallationMigrationRecord(split.Installation, source, MigrationOutcome.Migrated, split.ClaimIds, split.ResultIds, split.OutputNames, null, null));
                }
                case MigrationAction.RemoveDuplicate:
                {
                    var changes = new ChangeSet($"installation {item.Name} (duplicate legacy claim)");
                    changes.Deletes.Add(source);
                    return Checked(store, item, changes, full, options, evidence, () =>
                    {
                        outcomes.Warnings.Add($"'{full}' was already migrated by an earlier run; the legacy file was removed.");
                        return new InstallationMigrationRecord(item.Name, source, MigrationOutcome.RemovedDuplicate, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), null, null);
                    });
                }
                case MigrationAction.Rewrite when item.Kind == MigrationItemKind.CredentialSet:
                {
                    SetRewrite? rewrite = item.Prepared as SetRewrite ?? SetMigration.MigrateCredentialSet(store.ReadFile(source), full, fileName);
                    if (rewrite == null)
                    {
                        outcomes.CredentialSets.Add(new SetMigrationRecord("credentials", item.Name, source, null, MigrationOutcome.AlreadyCurrent, null, null));
                        return null;
                    }
                    log($" - Migrating credential set {rewrite.Name} to the new schema...");
                    string target = MigrationPlanner.CredentialTarget(store, rewrite.Name, new StoreEntry(Path.GetFileName(source), source, false, false, fileName, true));
                    var changes = new ChangeSet($"credential set {rewrite.Name}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, rewrite.Name, rewrite.Content) { Expected = rewrite.Expected });
                    if (target != source)
                    {
                        changes.Deletes.Add(source);
                    }
                    return Checked(store, item, changes, full, options, evidence,
                        () => new SetMigrationRecord("credentials", rewrite.Name, source, target, MigrationOutcome.Rewritten, null, null));
                }
                case MigrationAction.Convert:
                {
                    SetRewrite converted = item.Prepared as SetRewrite ?? SetMigration.ConvertYamlCredentialSet(store.ReadFile(source), full, fileName, store.ModifiedUtc(source));
                    log($" - Migrating credential set {converted.Name} to the new schema...");
                    var changes = new ChangeSet($"YAML credential set {converted.Name}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, converted.Name, converted.Content) { Expected = converted.Expected });
                    changes.Renames.Add(new KeyValuePair<string, string>(source, source + ".migrated"));
                    string target = store.SetPath(ItemTypes.Credentials, converted.Name);
                    return Checked(store, item, changes, full, options, evidence,
                        () => new SetMigrationRecord("credentials", converted.Name, source, target, MigrationOutcome.Converted, null, null));
                }
                case MigrationAction.Rewrite:
                {
                    SetRewrite? rewrite = item.Prepared as SetRewrite ?? SetMigration.MigrateParameterSet(store.ReadFile(source), full, fileName);
                    if (rewrite == null)
                    {
                        outcomes.ParameterSets.Add(new SetMigrationRecord("parameters", item.Name, source, null, MigrationOutcome.AlreadyCurrent, null, null));
                        return null;
                    }
                    log($" - Migrating parameter set {fileName} to the new schema...");
                    var changes = new ChangeSet($"parameter set {fileName}");
                    changes.Writes.Add(new StoredDocument(ItemTypes.Parameters, null, fileName, rewrite.Content) { Expected = rewrite.Expected });
                    return Checked(store, item, changes, full, options, evidence,
                        () => new SetMigrationRecord("parameters", fileName, source, source, MigrationOutcome.Rewritten, null, null));
                }
                case MigrationAction.Repair:
                {
                    log(StoreRepairs.Run(store, cancel));
                    return null;
                }
                case MigrationAction.Finish:
                    outcomes.Installations.Add(new InstallationMigrationRecord(item.Name, null, MigrationOutcome.Finished, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), null, null));
                    return null;
                default:
                    return null;
            }
        }

        /// <summary>
        /// Every stored item the change set deletes, renames or overwrites must be in the backup, byte for byte, or be what this run
        /// itself wrote there (<see cref="RunEvidence"/>).
        /// </summary>
        private static void RequireEvidence(IMigrationStore store, ChangeSet changes, RunEvidence? evidence)
        {
            if (evidence == null)
            {
                return;
            }
            var touched = new List<string>(changes.Deletes);
            touched.AddRange(changes.Renames.Select(r => r.Key));
            touched.AddRange(changes.Writes.Select(store.StorePath).Where(store.Exists));
            foreach (string path in touched.Distinct(StringComparer.Ordinal))
            {
                evidence.Require(path, store.ReadFile(path), store.FullName(path));
            }
        }

        /// <summary>
        /// Every change set goes to the store through here: its names are checked, its documents re-read strictly and compared with
        /// what they must hold (<see cref="WrittenDocumentGuard"/>), and what it replaces must be in the backup, before it waits to
        /// be committed, whatever the store.
        /// </summary>
        private static QueuedChange Checked(IMigrationStore store, PorterMigrationPlanItem item, ChangeSet changes, string source, MigrationOptions options, RunEvidence? evidence,
            Func<object> applied)
        {
            if (options.WriterFault != null)
            {
                for (int i = 0; i < changes.Writes.Count; i++)
                {
                    StoredDocument d = changes.Writes[i];
                    changes.Writes[i] = new StoredDocument(d.ItemType, d.Group, d.Name, options.WriterFault(d)) { Expected = d.Expected };
                }
            }
            ChangeSetNames.Check(store, changes, source);
            WrittenDocumentGuard.Check(changes, source);
            RequireEvidence(store, changes, evidence);
            return new QueuedChange(item, changes, applied);
        }
    }
}
