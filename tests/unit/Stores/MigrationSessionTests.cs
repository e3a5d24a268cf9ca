using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace PorterStorage.Tests.Stores
{
    /// <summary>The planner, runner and session over a store in memory: no folder, no Azurite.</summary>
    public class MigrationSessionTests
    {
        private const string Testdata = "porter-v0.38.9/pkg/storage/testdata/";

        private static string Fixture(string name) => File.ReadAllText(TempHome.Fixture(Testdata + name));

        /// <summary>Porter's own legacy test data: two installations' claims, a credential set and a parameter set.</summary>
        private static InMemoryMigrationStore LegacyStore()
        {
            var store = new InMemoryMigrationStore();
            store.Put("claims/has-name.json", Fixture("claims/has-name.json"));
            store.Put("claims/installed.json", Fixture("claims/installed.json"));
            store.Put("credentials/mybun.json", Fixture("credentials/mybun.json"));
            store.Put("parameters/mybun.json", Fixture("parameters/mybun.json"));
            return store;
        }

        private static MigrationRequest Request(IMigrationStore store, Func<string, string, bool>? approve = null) =>
            new MigrationRequest(store) { SkipBackupCheck = true, Approve = approve ?? ((_, _) => true) };

        [Fact]
        public void Plan_LegacyStore_MigratesEachItemAndWritesTheSchemaLast()
        {
            PorterMigrationPlan plan = MigrationEngine.Plan(LegacyStore());

            Assert.Equal(new[] { MigrationAction.Migrate, MigrationAction.Migrate, MigrationAction.Rewrite, MigrationAction.Rewrite, MigrationAction.WriteSchema },
                plan.Items.Select(i => i.Action));
            Assert.Equal(MigrationItemKind.Schema, plan.Items.Last().Kind);
            Assert.Contains("installations/", string.Join(" ", plan.Items[0].Writes));
        }

        [Fact]
        public void Session_MigratesEverything_SchemaWritten_NoLegacyLeft()
        {
            InMemoryMigrationStore store = LegacyStore();

            PorterMigrationResult result = MigrationSession.Run(Request(store))!;

            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            Assert.True(result.SchemaWritten);
            Assert.Equal(SchemaVersions.CurrentSchemaJson, store.Text("schema.json"));
            Assert.DoesNotContain(store.Contents.Keys, k => k.StartsWith("claims/", StringComparison.Ordinal) && k.Count(c => c == '/') == 1);
            Assert.True(store.Contents.ContainsKey("installations/" + result.Installations[0].Installation));
            Assert.True(result.Verification!.IsValid);
            Assert.Contains(MigrationLogText.ClaimsSpecLine, store.LogLines);
        }

        [Fact]
        public void Session_PlansOnce_EachLegacyDocumentIsReadOnceToPlanAndOnceToMigrate()
        {
            InMemoryMigrationStore store = LegacyStore();

            MigrationSession.Run(Request(store));

            Assert.Equal(2, store.Reads["claims/has-name.json"]);
            Assert.Equal(2, store.Reads["credentials/mybun.json"]);
            Assert.Equal(2, store.Reads["parameters/mybun.json"]);
        }

        [Fact]
        public void Session_AsksOncePerChange_WithWhereAndWhat_AndRunsOnlyWhatWasApproved()
        {
            InMemoryMigrationStore store = LegacyStore();
            var asked = new List<string>();

            PorterMigrationResult result = MigrationSession.Run(Request(store, (where, what) =>
            {
                asked.Add(where + " | " + what);
                return !where.EndsWith("parameters/mybun.json", StringComparison.Ordinal);
            }))!;

            Assert.Equal(5, asked.Count);
            Assert.Contains(asked, a => a.StartsWith("memory://porter/claims/has-name.json | Migrate installation", StringComparison.Ordinal));
            Assert.Contains(asked, a => a.StartsWith("memory://porter/schema.json | Record the current schema versions", StringComparison.Ordinal));
            Assert.Equal(MigrationOutcome.Declined, result.ParameterSets.Single().Outcome);
            Assert.False(result.SchemaWritten);
            Assert.True(store.Contents.ContainsKey("parameters/mybun.json"));
            Assert.Contains(result.Errors, e => e.ErrorId == ErrorIds.MigrationDeclined);
        }

        [Fact]
        public void Session_EverythingDeclined_ReturnsNull_NothingChanged()
        {
            InMemoryMigrationStore store = LegacyStore();
            var before = store.Contents.ToDictionary(i => i.Key, i => i.Value);

            Assert.Null(MigrationSession.Run(Request(store, (_, _) => false)));
            Assert.Equal(before, store.Contents.ToDictionary(i => i.Key, i => i.Value));
        }

        [Fact]
        public void Session_NothingToMigrate_AsksOnceToCheck()
        {
            InMemoryMigrationStore store = LegacyStore();
            MigrationSession.Run(Request(store));
            var asked = new List<string>();

            PorterMigrationResult? again = MigrationSession.Run(Request(store, (where, what) =>
            {
                asked.Add(what);
                return true;
            }));

            Assert.Equal(new[] { MigrationConfirmation.CheckOnly }, asked);
            Assert.True(again!.Succeeded);
            Assert.False(again.SchemaWritten);
        }

        [Fact]
        public void Session_WithoutBackup_IsRefusedBeforeAnythingIsWritten()
        {
            InMemoryMigrationStore store = LegacyStore();
            var before = store.Contents.Keys.ToList();

            var ex = Assert.Throws<MigrationRefusedException>(() => MigrationSession.Run(new MigrationRequest(store)));

            Assert.Equal(ErrorIds.BackupRequired, ex.ErrorId);
            Assert.Equal(before, store.Contents.Keys.ToList());
            Assert.Empty(store.LogLines);
        }

        [Fact]
        public void Session_WithDestination_MigratesTheCopy_SourceUntouched()
        {
            InMemoryMigrationStore store = LegacyStore();
            var before = store.Contents.ToDictionary(i => i.Key, i => i.Value);
            var asked = new List<string>();
            MigrationRequest request = Request(store, (where, _) =>
            {
                asked.Add(where);
                return true;
            });
            request.Destination = "memory://copy";

            PorterMigrationResult result = MigrationSession.Run(request)!;

            Assert.Equal(before, store.Contents.ToDictionary(i => i.Key, i => i.Value));
            Assert.All(asked, a => Assert.StartsWith("memory://copy/", a));
            Assert.Equal("memory://porter", result.Source);
            Assert.Equal("memory://copy", result.Destination);
            Assert.True(store.LastCopy!.Contents.ContainsKey("schema.json"));
        }

        [Fact]
        public void Session_DestinationOfTheWrongKind_HomePathInvalid_BeforeAnyQuestion()
        {
            MigrationRequest request = Request(LegacyStore(), (_, _) => throw new InvalidOperationException("asked"));
            request.Destination = 42;

            Assert.Equal(ErrorIds.HomePathInvalid, Assert.Throws<PorterStorageException>(() => MigrationSession.Run(request)).ErrorId);
        }

        [Fact]
        public void Runner_CrashMidChange_NextRunFinishesIt_AndConverges()
        {
            InMemoryMigrationStore store = LegacyStore();
            store.CrashAfter = 3;

            Assert.Throws<InMemoryMigrationStore.SimulatedCrash>(() => Migrations.Run(store));
            // Both installations were committed together (one batch) before the crash.
            Assert.Equal(2, store.PendingJournals().Count);
            Assert.Equal(1, store.Commits);
            Assert.Contains(MigrationEngine.Plan(store).Items, i => i.Action == MigrationAction.Finish);

            PorterMigrationResult next = MigrationSession.Run(Request(store))!;

            Assert.True(next.Succeeded, string.Join("; ", next.Errors));
            Assert.Empty(store.PendingJournals());
            Assert.Contains(store.LogLines, l => l.StartsWith("Finished the interrupted migration of", StringComparison.Ordinal));
            Assert.True(next.Verification!.IsValid);
            Assert.Equal(2, store.List(ItemTypes.Installations, null).Count);
        }

        [Fact]
        public void Runner_ItemFailure_KeepsItsKindAndStopsOnlyTheSchema()
        {
            InMemoryMigrationStore store = LegacyStore();
            store.Put("claims/broken.json", "{\"name\": 1}");
            var errors = new List<MigrationError>();

            PorterMigrationResult result = Migrations.Run(store, r => { r.OnError = errors.Add; });

            MigrationError error = Assert.Single(errors);
            Assert.Equal(ErrorIds.ClaimParseError, error.ErrorId);
            Assert.Equal(PorterErrorKind.InvalidData, error.Kind);
            Assert.Equal(ErrorIds.ClaimParseError, error.ToException().ErrorId);
            Assert.Equal("memory://porter/claims/broken.json", error.Target);
            Assert.False(result.SchemaWritten);
            Assert.Equal(2, store.List(ItemTypes.Installations, null).Count);
        }

        [Fact]
        public void Runner_LockHeld_MigrationInProgress()
        {
            InMemoryMigrationStore store = LegacyStore();
            using (new ChangeJournal(store).Lock())
            {
                Assert.Equal(ErrorIds.MigrationInProgress, Assert.Throws<PorterStorageException>(() => Migrations.Run(store)).ErrorId);
            }
        }

        [Fact]
        public void Runner_Repairs_WhatTheStoreReports()
        {
            InMemoryMigrationStore store = LegacyStore();
            store.NeedRepair.Add("claims/x");

            PorterMigrationPlan plan = MigrationEngine.Plan(store);
            PorterMigrationResult result = MigrationSession.Run(Request(store))!;

            Assert.Contains(plan.Items, i => i.Action == MigrationAction.Repair && i.Reason == "1 item(s) need repair");
            Assert.Empty(store.NeedRepair);
            Assert.Contains("Repaired 1 item(s)", store.LogLines);
            Assert.True(result.Succeeded);
        }

        [Fact]
        public void Session_DuplicateChangedAfterApproval_PlanOutdated_LegacyKept()
        {
            // An earlier run wrote the claim, then was interrupted before removing the legacy file.
            InMemoryMigrationStore store = LegacyStore();
            MigrationSession.Run(Request(store));
            string legacy = Fixture("claims/installed.json");
            store.Put("claims/installed.json", legacy);
            Assert.Contains(MigrationEngine.Plan(store).Items, i => i.Action == MigrationAction.RemoveDuplicate);

            // While the operator confirms, Porter writes a newer action into the legacy file.
            string changed = legacy.Replace("\"install\"", "\"upgrade\"");
            Assert.NotEqual(legacy, changed);
            var errors = new List<MigrationError>();
            MigrationRequest request = Request(store, (_, _) =>
            {
                store.Put("claims/installed.json", changed);
                return true;
            });
            request.OnError = errors.Add;

            PorterMigrationResult result = MigrationSession.Run(request)!;

            Assert.Equal(ErrorIds.PlanOutdated, Assert.Single(errors).ErrorId);
            Assert.Equal(changed, store.Text("claims/installed.json"));
            Assert.False(result.Succeeded);
        }

        [Fact]
        public void Facade_Run_PlansUnderTheLock_WhenGivenNoPlan()
        {
            InMemoryMigrationStore store = LegacyStore();

            PorterMigrationResult result = Migrations.Run(store);

            Assert.True(result.Succeeded);
            Assert.Equal(2, result.Installations.Count(i => i.Outcome == MigrationOutcome.Migrated));
        }
        private static string Yaml() => File.ReadAllText(TempHome.Fixture("porter-v0.27.2/pkg/credentials/testdata/mybuns.yaml"));

        [Fact]
        public void Run_YamlSetNamedLikeASetRewrittenEarlierInTheRun_IsNotConverted_NothingOverwritten()
        {
            var store = new InMemoryMigrationStore();
            store.Put("credentials/foo.json", "{\"name\":\"azure\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"credentials\":[{\"name\":\"FOO_ONLY\",\"source\":{\"env\":\"X\"}}]}");
            store.Put("credentials/mybuns.yaml", Yaml());
            Assert.Equal(2, MigrationEngine.Plan(store).Items.Count(i => i.Writes.Contains("credentials/azure.json")));

            PorterMigrationResult result = MigrationSession.Run(Request(store))!;

            Assert.Contains("FOO_ONLY", store.Text("credentials/azure.json"));
            Assert.False(store.Contents.ContainsKey("credentials/foo.json"));
            Assert.Equal(Yaml(), store.Text("credentials/mybuns.yaml"));
            Assert.DoesNotContain(result.CredentialSets, c => c.Outcome == MigrationOutcome.Converted);
        }

        [Fact]
        public void Run_TwoYamlSetsOfOneName_TheSecondIsLeftAsItIs()
        {
            var store = new InMemoryMigrationStore();
            store.Put("credentials/mybuns.yaml", Yaml());
            store.Put("credentials/second.yaml", Yaml().Replace("env:", "env: "));
            Assert.NotEqual(store.Text("credentials/mybuns.yaml"), store.Text("credentials/second.yaml"));

            PorterMigrationResult result = MigrationSession.Run(Request(store))!;

            Assert.Equal(MigrationOutcome.Converted, Assert.Single(result.CredentialSets, c => c.SourceFile == "credentials/mybuns.yaml").Outcome);
            Assert.True(store.Contents.ContainsKey("credentials/mybuns.yaml.migrated"));
            Assert.True(store.Contents.ContainsKey("credentials/second.yaml"));
            Assert.False(store.Contents.ContainsKey("credentials/second.yaml.migrated"));
        }

        [Fact]
        public void Session_ItemAddedWhileConfirming_NotRun_PlanOutdated_SchemaWithheld()
        {
            InMemoryMigrationStore store = LegacyStore();
            var errors = new List<MigrationError>();
            MigrationRequest request = Request(store, (where, _) =>
            {
                store.Put("claims/late.json", Fixture("claims/upgraded.json"));
                return true;
            });
            request.OnError = errors.Add;

            PorterMigrationResult result = MigrationSession.Run(request)!;

            MigrationError error = Assert.Single(errors);
            Assert.Equal(ErrorIds.PlanOutdated, error.ErrorId);
            Assert.Equal("memory://porter/claims/late.json", error.Target);
            Assert.Contains("appeared after the migration was planned", error.Message);
            Assert.Equal(Fixture("claims/upgraded.json"), store.Text("claims/late.json"));
            Assert.False(result.SchemaWritten);
            Assert.False(store.Contents.ContainsKey("schema.json"));
            Assert.Equal(2, result.Installations.Count(i => i.Outcome == MigrationOutcome.Migrated));
        }

        [Fact]
        public void Session_MigratedByAnotherRunWhileConfirming_RemovedAsADuplicate_NothingDoubled()
        {
            InMemoryMigrationStore store = LegacyStore();
            bool once = false;
            var errors = new List<MigrationError>();
            MigrationRequest request = Request(store, (_, _) =>
            {
                if (!once)
                {
                    once = true;
                    // Another shell migrates the store, and the legacy claim comes back (restored by hand, say).
                    Assert.True(Migrations.Run(store).Succeeded);
                    store.Put("claims/installed.json", Fixture("claims/installed.json"));
                }
                return true;
            });
            request.OnError = errors.Add;

            PorterMigrationResult result = MigrationSession.Run(request)!;

            Assert.Empty(errors);
            Assert.Equal(MigrationOutcome.RemovedDuplicate, Assert.Single(result.Installations, i => i.Outcome != MigrationOutcome.AlreadyCurrent).Outcome);
            Assert.Single(store.List(ItemTypes.Claims, "mybun"));
            Assert.False(store.Contents.ContainsKey("claims/installed.json"));
        }

        [Fact]
        public void Session_FinishingAnInterruptedChangeDeclined_NothingRuns()
        {
            InMemoryMigrationStore store = LegacyStore();
            store.CrashAfter = 3;
            Assert.Throws<InMemoryMigrationStore.SimulatedCrash>(() => Migrations.Run(store));
            var before = store.Contents.Keys.ToList();
            IReadOnlyList<string> pending = store.PendingJournals();

            var ex = Assert.Throws<MigrationRefusedException>(() => MigrationSession.Run(Request(store, (_, what) => what != "Finish an interrupted migration step")));

            Assert.Equal(ErrorIds.MigrationDeclined, ex.ErrorId);
            Assert.Equal(before, store.Contents.Keys.ToList());
            Assert.Equal(pending, store.PendingJournals());
        }
        private static string WithParametersAndOutputs(string claim)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(claim)!.AsObject();
            node["parameters"] = System.Text.Json.Nodes.JsonNode.Parse("{\"replicas\":1,\"region\":\"eu\"}");
            node["outputs"] = System.Text.Json.Nodes.JsonNode.Parse("{\"endpoint\":\"https://example\"}");
            return node.ToJsonString();
        }

        [Fact]
        public void Run_InstallClaimBesideAnUpgradeOfItsInstallation_BothMigrated_NotTakenForThePlaceholder()
        {
            var store = new InMemoryMigrationStore();
            store.Put("claims/a.json", Fixture("claims/upgraded.json"));
            store.Put("claims/b.json", WithParametersAndOutputs(Fixture("claims/installed.json")));
            var errors = new List<MigrationError>();
            MigrationRequest request = Request(store);
            request.OnError = errors.Add;

            PorterMigrationResult result = MigrationSession.Run(request)!;

            Assert.Empty(errors);
            Assert.True(result.Succeeded);
            Assert.Equal(2, result.Installations.Count(i => i.Outcome == MigrationOutcome.Migrated));
            Assert.Contains(store.Contents, i => i.Key.StartsWith("claims/mybun/", StringComparison.Ordinal) && System.Text.Encoding.UTF8.GetString(i.Value).Contains("\"region\""));
            Assert.Contains(store.Contents.Keys, k => k.StartsWith("outputs/", StringComparison.Ordinal) && k.EndsWith("-endpoint", StringComparison.Ordinal));
        }

        [Fact]
        public void Run_ManyInstallations_CommittedInBatches_OneCommitPerBatch_ResultsInPlanOrder()
        {
            var store = new InMemoryMigrationStore();
            string claim = Fixture("claims/installed.json");
            int n = ChangeBatch.BatchCount + 36;
            for (int i = 0; i < n; i++)
            {
                store.Put($"claims/inst{i:D3}.json", claim.Replace("\"mybun\"", $"\"inst{i:D3}\"", StringComparison.Ordinal));
            }
            store.Put("parameters/p.json", "{\"name\":\"p\",\"parameters\":[]}");

            PorterMigrationResult result = MigrationSession.Run(Request(store))!;

            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            Assert.Equal(Enumerable.Range(0, n).Select(i => $"inst{i:D3}"), result.Installations.Select(i => i.Installation));
            Assert.All(result.Installations, i => Assert.Equal(MigrationOutcome.Migrated, i.Outcome));
            Assert.Equal(MigrationOutcome.Rewritten, Assert.Single(result.ParameterSets).Outcome);
            // Two batches of installations and one of the parameter set (each section is applied before the next is logged).
            Assert.Equal(3, store.Commits);
            Assert.Equal(n, store.List(ItemTypes.Installations, null).Count);
        }

        [Fact]
        public void Run_TheSameLegacyClaimTwice_TheSecondGoesAsADuplicate_NoFalseAlarm()
        {
            var store = new InMemoryMigrationStore();
            store.Put("claims/mybun.json", Fixture("claims/installed.json"));
            store.Put("claims/mybun-copy.json", Fixture("claims/installed.json"));
            var errors = new List<MigrationError>();
            MigrationRequest request = Request(store);
            request.OnError = errors.Add;

            PorterMigrationResult result = MigrationSession.Run(request)!;

            Assert.Empty(errors);
            Assert.True(result.SchemaWritten);
            Assert.Equal(new[] { MigrationOutcome.Migrated, MigrationOutcome.RemovedDuplicate }, result.Installations.Select(i => i.Outcome).OrderBy(o => o));
            Assert.Single(store.List(ItemTypes.Claims, "mybun"));
        }

        [Fact]
        public void Run_TheSameLegacyClaimWithOutputsTwice_TheSecondGoesAsADuplicate_ItsOutputsAreMigrated()
        {
            var store = new InMemoryMigrationStore();
            store.Put("claims/a.json", Fixture("claims/has-name.json"));
            store.Put("claims/b.json", Fixture("claims/has-name.json"));

            PorterMigrationResult result = MigrationSession.Run(Request(store))!;

            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            Assert.Equal(new[] { MigrationOutcome.Migrated, MigrationOutcome.RemovedDuplicate }, result.Installations.Select(i => i.Outcome).OrderBy(o => o));
            Assert.Equal(2, store.Contents.Keys.Count(k => k.StartsWith("outputs/", StringComparison.Ordinal)));
        }

        [Fact]
        public void Plan_ALegacyClaimWithOutputsWhoseOutputsWereNeverWritten_IsNoDuplicate()
        {
            var store = new InMemoryMigrationStore();
            store.Put("claims/a.json", Fixture("claims/has-name.json"));
            MigrationSession.Run(Request(store));
            foreach (string output in store.Contents.Keys.Where(k => k.StartsWith("outputs/", StringComparison.Ordinal)).ToList())
            {
                store.Remove(output);
            }
            store.Put("claims/a.json", Fixture("claims/has-name.json"));

            Assert.Contains(MigrationEngine.Plan(store).Items, i => i.Source == "claims/a.json" && i.Action == MigrationAction.Migrate);
        }

        [Fact]
        public void Run_ANameConflictTheRunItselfResolves_BothSetsRewritten_NoFalseAlarm()
        {
            var store = new InMemoryMigrationStore();
            store.Put("credentials/b.json", "{\"name\":\"c\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"credentials\":[]}");
            store.Put("credentials/z.json", "{\"name\":\"b\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"credentials\":[]}");
            Assert.Contains(MigrationEngine.Plan(store).Items, i => i.ErrorId == ErrorIds.CredentialSetNameConflict);

            PorterMigrationResult result = MigrationSession.Run(Request(store))!;

            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            Assert.True(result.SchemaWritten);
            Assert.Equal(new[] { "credentials/b.json", "credentials/c.json" }, store.Contents.Keys.Where(k => k.StartsWith("credentials/", StringComparison.Ordinal)));
        }

        [Fact]
        public void Run_AnApprovedConversionTheRunNoLongerFinds_IsReported_NotDroppedSilently()
        {
            var store = new InMemoryMigrationStore();
            store.Put("credentials/a.json", "{\"name\":\"mybuns\",\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\",\"credentials\":[]}");
            store.Put("credentials/mybuns.yaml", Yaml());
            Assert.Contains(MigrationEngine.Plan(store).Items, i => i.Action == MigrationAction.Convert);
            var errors = new List<MigrationError>();
            MigrationRequest request = Request(store);
            request.OnError = errors.Add;

            PorterMigrationResult result = MigrationSession.Run(request)!;

            MigrationError error = Assert.Single(errors);
            Assert.Equal(ErrorIds.PlanOutdated, error.ErrorId);
            Assert.Equal("memory://porter/credentials/mybuns.yaml", error.Target);
            Assert.Equal(Yaml(), store.Text("credentials/mybuns.yaml"));
            Assert.False(result.Succeeded);
        }
    }
}
