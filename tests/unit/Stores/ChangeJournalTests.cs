using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using CsCheck;
using Xunit;

namespace PorterStorage.Tests.Stores
{
    /// <summary>
    /// The change journal, lock and repair engines over any store (here the in-memory one): a change set interrupted at any
    /// step is finished by the next run, and one refused at any step is rolled back or set aside with nothing lost.
    /// </summary>
    public class ChangeJournalTests
    {
        private static readonly string[] Pool = { "credentials/a.json", "credentials/b.json", "credentials/c.json", "parameters/d.json", "parameters/e.json" };

        /// <summary>A store's items before, and a change set over them: writes (new or replacing), renames and deletes of what exists.</summary>
        public sealed class Case
        {
            public Dictionary<string, string> Before = new Dictionary<string, string>();
            public List<string> Writes = new List<string>();
            public List<string> Renames = new List<string>();
            public List<string> Deletes = new List<string>();
            public int Step;
            public int Concurrency = 1;

            public override string ToString() =>
                $"before [{string.Join(",", Before.Keys)}] writes [{string.Join(",", Writes)}] renames [{string.Join(",", Renames)}] deletes [{string.Join(",", Deletes)}] step {Step} concurrency {Concurrency}";
        }

        private static readonly Gen<Case> Cases =
            from present in Gen.Bool.Array[Pool.Length]
            from roles in Gen.Int[0, 3].Array[Pool.Length]
            from step in Gen.Int[0, 12]
            from concurrency in Gen.Int[1, 4]
            select Make(present, roles, step, concurrency);

        private static Case Make(bool[] present, int[] roles, int step, int concurrency = 1)
        {
            var c = new Case { Step = step, Concurrency = concurrency };
            for (int i = 0; i < Pool.Length; i++)
            {
                if (present[i])
                {
                    c.Before[Pool[i]] = "old " + i;
                }
                // 1: written; 2: renamed (when present); 3: deleted (when present); 0: untouched.
                if (roles[i] == 1)
                {
                    c.Writes.Add(Pool[i]);
                }
                else if (roles[i] == 2 && present[i])
                {
                    c.Renames.Add(Pool[i]);
                }
                else if (roles[i] == 3 && present[i])
                {
                    c.Deletes.Add(Pool[i]);
                }
            }
            return c;
        }

        private static (InMemoryMigrationStore Store, ChangeSet Changes) Setup(Case c)
        {
            var store = new InMemoryMigrationStore { PlaceConcurrency = c.Concurrency };
            foreach (KeyValuePair<string, string> item in c.Before)
            {
                store.Put(item.Key, item.Value);
            }
            var changes = new ChangeSet("the change");
            foreach (string w in c.Writes)
            {
                string[] parts = w.Split('/');
                changes.Writes.Add(new StoredDocument(parts[0], null, parts[1].Substring(0, parts[1].Length - ".json".Length), Encoding.UTF8.GetBytes("new " + w)));
            }
            changes.Renames.AddRange(c.Renames.Select(r => new KeyValuePair<string, string>(r, r + ".migrated")));
            changes.Deletes.AddRange(c.Deletes);
            return (store, changes);
        }

        private static Dictionary<string, string> Applied(Case c)
        {
            var after = new Dictionary<string, string>(c.Before);
            foreach (string w in c.Writes)
            {
                after[w] = "new " + w;
            }
            foreach (string r in c.Renames)
            {
                after[r + ".migrated"] = after[r];
                after.Remove(r);
            }
            foreach (string d in c.Deletes)
            {
                after.Remove(d);
            }
            return after;
        }

        private static Dictionary<string, string> State(InMemoryMigrationStore store) =>
            store.Contents.ToDictionary(i => i.Key, i => Encoding.UTF8.GetString(i.Value));

        [Fact]
        public void Property_KilledAtAnyStep_TheNextRunFinishesTheChange()
        {
            Cases.Sample(c =>
            {
                (InMemoryMigrationStore store, ChangeSet changes) = Setup(c);
                store.CrashAfter = c.Step;
                try
                {
                    new ChangeJournal(store).Apply(changes);
                }
                catch (InMemoryMigrationStore.SimulatedCrash)
                {
                    IReadOnlyList<RecoveredChange> recovered = new ChangeJournal(store).Recover();
                    Assert.True(Assert.Single(recovered).Finished);
                }
                Assert.Equal(Applied(c).OrderBy(i => i.Key), State(store).OrderBy(i => i.Key));
                Assert.Empty(store.PendingJournals());
            }, iter: 300, threads: 1);
        }

        [Fact]
        public void Property_RefusedAtAnyStep_RolledBackOrSetAside_NothingLost()
        {
            Cases.Sample(c =>
            {
                (InMemoryMigrationStore store, ChangeSet changes) = Setup(c);
                store.FailAfter = c.Step;
                PorterStorageException? refused = null;
                try
                {
                    new ChangeJournal(store).Apply(changes);
                }
                catch (PorterStorageException ex)
                {
                    refused = ex;
                }
                Dictionary<string, string> state = State(store);
                Assert.Empty(store.PendingJournals());
                if (refused == null)
                {
                    Assert.Equal(Applied(c).OrderBy(i => i.Key), state.OrderBy(i => i.Key));
                    return;
                }
                Assert.Equal(ErrorIds.MigrationWriteError, refused.ErrorId);
                Assert.Contains("the change", refused.Message, StringComparison.Ordinal);
                bool setAside = refused.Message.Contains("set aside", StringComparison.Ordinal);
                foreach (string path in Pool.Concat(Pool.Select(p => p + ".migrated")))
                {
                    c.Before.TryGetValue(path, out string? before);
                    state.TryGetValue(path, out string? now);
                    bool written = c.Writes.Contains(path);
                    if (setAside)
                    {
                        // Every write landed and the renames were done; a deletion may or may not have happened.
                        Applied(c).TryGetValue(path, out string? applied);
                        Assert.True(now == applied || (c.Deletes.Contains(path) && now == before), $"{path}: {now} ({c})");
                    }
                    else if (written)
                    {
                        // Rolled back: what the change created is gone; what it replaced holds either content.
                        Assert.True(before == null ? now == null : now == before || now == "new " + path, $"{path}: {now} ({c})");
                    }
                    else
                    {
                        Assert.True(now == before, $"{path}: {now} ({c})");
                    }
                }
            }, iter: 300, threads: 1);
        }

        /// <summary>Several independent change sets (each over its own items) applied together in one batch.</summary>
        public sealed class BatchCase
        {
            public List<Case> Sets = new List<Case>();
            public int Step;
            public int Concurrency = 1;

            public override string ToString() => $"step {Step} concurrency {Concurrency}: " + string.Join(" | ", Sets);
        }

        private static readonly Gen<BatchCase> Batches =
            from sets in Gen.Select(Gen.Bool.Array[Pool.Length], Gen.Int[0, 3].Array[Pool.Length], (p, r) => Make(p, r, 0)).Array[1, 4]
            from step in Gen.Int[0, 30]
            from concurrency in Gen.Int[1, 5]
            select new BatchCase { Sets = sets.ToList(), Step = step, Concurrency = concurrency };

        /// <summary>The n-th set's items are named apart: <c>credentials/a.json</c> becomes <c>credentials/a-n.json</c>.</summary>
        private static string Apart(string path, int n) => path.Insert(path.LastIndexOf('.'), "-" + n);

        private static Case Renamed(Case c, int n) => new Case
        {
            Before = c.Before.ToDictionary(i => Apart(i.Key, n), i => i.Value),
            Writes = c.Writes.Select(w => Apart(w, n)).ToList(),
            Renames = c.Renames.Select(w => Apart(w, n)).ToList(),
            Deletes = c.Deletes.Select(w => Apart(w, n)).ToList(),
        };

        private static (InMemoryMigrationStore Store, List<ChangeSet> Changes, List<Case> Sets) Setup(BatchCase b)
        {
            var store = new InMemoryMigrationStore { PlaceConcurrency = b.Concurrency };
            var changes = new List<ChangeSet>();
            var sets = b.Sets.Select(Renamed).ToList();
            for (int n = 0; n < sets.Count; n++)
            {
                (InMemoryMigrationStore one, ChangeSet set) = Setup(sets[n]);
                foreach (KeyValuePair<string, byte[]> item in one.Contents)
                {
                    store.Put(item.Key, item.Value);
                }
                changes.Add(new ChangeSet("change " + n));
                changes[n].Writes.AddRange(set.Writes);
                changes[n].Renames.AddRange(set.Renames);
                changes[n].Deletes.AddRange(set.Deletes);
            }
            return (store, changes, sets);
        }

        private static Dictionary<string, string> Applied(IEnumerable<Case> sets) =>
            sets.SelectMany(Applied).ToDictionary(i => i.Key, i => i.Value);

        [Fact]
        public void Property_BatchKilledAtAnyStep_OneCommit_TheNextRunFinishesEveryChange()
        {
            Batches.Sample(b =>
            {
                (InMemoryMigrationStore store, List<ChangeSet> changes, List<Case> sets) = Setup(b);
                store.CrashAfter = b.Step;
                try
                {
                    IReadOnlyList<PorterStorageException?> outcomes = new ChangeJournal(store).ApplyAll(changes);
                    Assert.All(outcomes, Assert.Null);
                }
                catch (InMemoryMigrationStore.SimulatedCrash)
                {
                    Assert.Equal(changes.Count, store.PendingJournals().Count);
                    IReadOnlyList<RecoveredChange> recovered = new ChangeJournal(store).Recover();
                    Assert.Equal(changes.Count, recovered.Count);
                    Assert.All(recovered, r => Assert.True(r.Finished));
                }
                Assert.Equal(1, store.Commits);
                Assert.Equal(Applied(sets).OrderBy(i => i.Key), State(store).OrderBy(i => i.Key));
                Assert.Empty(store.PendingJournals());
            }, iter: 300, threads: 1);
        }

        [Fact]
        public void Property_BatchRefusedAtAnyStep_OnlyThatChangeRolledBackOrSetAside_TheOthersApplied()
        {
            Batches.Sample(b =>
            {
                (InMemoryMigrationStore store, List<ChangeSet> changes, List<Case> sets) = Setup(b);
                store.FailAfter = b.Step;
                IReadOnlyList<PorterStorageException?> outcomes = new ChangeJournal(store).ApplyAll(changes);
                Dictionary<string, string> state = State(store);
                Assert.Empty(store.PendingJournals());
                Assert.True(outcomes.Count(o => o != null) <= 1, b.ToString());
                for (int n = 0; n < sets.Count; n++)
                {
                    Case c = sets[n];
                    IEnumerable<string> paths = c.Before.Keys.Concat(c.Writes).SelectMany(p => new[] { p, p + ".migrated" }).Distinct();
                    PorterStorageException? refused = outcomes[n];
                    if (refused == null)
                    {
                        Dictionary<string, string> applied = Applied(c);
                        foreach (string path in paths)
                        {
                            applied.TryGetValue(path, out string? want);
                            state.TryGetValue(path, out string? now);
                            Assert.True(want == now, $"{path}: {now}, not {want} ({b})");
                        }
                        continue;
                    }
                    Assert.Equal(ErrorIds.MigrationWriteError, refused.ErrorId);
                    Assert.Contains("change " + n, refused.Message, StringComparison.Ordinal);
                    bool setAside = refused.Message.Contains("set aside", StringComparison.Ordinal);
                    foreach (string path in paths)
                    {
                        c.Before.TryGetValue(path, out string? before);
                        state.TryGetValue(path, out string? now);
                        if (setAside)
                        {
                            Applied(c).TryGetValue(path, out string? applied);
                            Assert.True(now == applied || (c.Deletes.Contains(path) && now == before), $"{path}: {now} ({b})");
                        }
                        else if (c.Writes.Contains(path))
                        {
                            Assert.True(before == null ? now == null : now == before || now == "new " + path, $"{path}: {now} ({b})");
                        }
                        else
                        {
                            Assert.True(now == before, $"{path}: {now} ({b})");
                        }
                    }
                }
            }, iter: 300, threads: 1);
        }

        [Fact]
        public void RecoveredRollBack_IsReportedAsSuch_AndTheStoreRunsOn()
        {
            var c = Make(new[] { true, false, false, false, false }, new[] { 3, 1, 0, 0, 0 }, 0);
            (InMemoryMigrationStore store, ChangeSet changes) = Setup(c);
            store.CrashAfter = 0;
            Assert.Throws<InMemoryMigrationStore.SimulatedCrash>(() => new ChangeJournal(store).Apply(changes));
            store.FailAfter = 0; // the replay's first write is refused too: it is rolled back instead

            RecoveredChange change = Assert.Single(new ChangeJournal(store).Recover());

            Assert.Equal(ErrorIds.InterruptedChangeRolledBack, change.ErrorId);
            Assert.Contains("rolled back", change.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { "credentials/a.json" }, store.Contents.Keys);
            Assert.Empty(store.PendingJournals());
        }

        [Fact]
        public void Lock_LostWhenTheStoreSaysSo_OrWhenNeverRenewedForItsDuration_CommitsRefused()
        {
            var taken = new FakeLease(TimeSpan.FromMinutes(1)) { Answer = false };
            var store = new InMemoryMigrationStore { Lease = taken };
            var journal = new ChangeJournal(store);
            using (StoreLock held = journal.Lock())
            {
                Assert.False(held.Lost);
                held.RenewNow();
                Assert.True(held.Lost);
                var changes = new ChangeSet("installation x");
                changes.Writes.Add(new StoredDocument(ItemTypes.Installations, null, "x", Array.Empty<byte>()));
                PorterStorageException ex = Assert.Throws<PorterStorageException>(() => journal.Apply(changes));
                Assert.Equal(ErrorIds.MigrationLockLost, ex.ErrorId);
                Assert.Contains("installation x", ex.Message, StringComparison.Ordinal);
                Assert.Empty(store.Contents);
            }
            Assert.True(taken.Released);

            var failing = new FakeLease(TimeSpan.FromSeconds(1.2)) { Throws = true };
            using (StoreLock held = StoreLock.Take(new InMemoryMigrationStore { Lease = failing }))
            {
                held.RenewNow(); // a failure that may pass: not lost until the lease would have run out
                Assert.False(held.Lost);
                Thread.Sleep(300);
                Assert.True(held.Lost);
            }

            var renewed = new FakeLease(TimeSpan.FromSeconds(1.2));
            using (StoreLock held = StoreLock.Take(new InMemoryMigrationStore { Lease = renewed }))
            {
                SpinWait.SpinUntil(() => renewed.Renewals >= 2, TimeSpan.FromSeconds(10));
                Assert.True(renewed.Renewals >= 2, "the timer renews every third of the duration");
                held.RenewNow();
                Assert.False(held.Lost);
            }
            int after = renewed.Renewals;
            Thread.Sleep(600);
            Assert.Equal(after, renewed.Renewals);
        }

        /// <summary>
        /// A lease that ran out because the service answered no renewal in time is renewed before the next change is committed: the
        /// store renews a lapsed lease only while no other run took it, so the run goes on. One the store refuses is lost.
        /// </summary>
        [Fact]
        public void Lock_RanOutWhileTheServiceWasSlow_RenewedBeforeTheNextCommit_TheRunGoesOn()
        {
            var slow = new FakeLease(TimeSpan.FromSeconds(3)) { Throws = true };
            var store = new InMemoryMigrationStore { Lease = slow };
            var journal = new ChangeJournal(store);
            using (StoreLock held = journal.Lock())
            {
                SpinWait.SpinUntil(() => held.Lost, TimeSpan.FromSeconds(30));
                Assert.True(held.Lost);
                slow.Throws = false;
                var changes = new ChangeSet("installation x");
                changes.Writes.Add(new StoredDocument(ItemTypes.Installations, null, "x", Array.Empty<byte>()));
                journal.Apply(changes);
                Assert.False(held.Lost);
                Assert.Single(store.Contents);

                slow.Throws = true;
                SpinWait.SpinUntil(() => held.Lost, TimeSpan.FromSeconds(30));
                slow.Answer = false; // before the renewals stop failing: no renewal in between may succeed
                slow.Throws = false;
                var refused = new ChangeSet("installation y");
                refused.Writes.Add(new StoredDocument(ItemTypes.Installations, null, "y", Array.Empty<byte>()));
                Assert.Equal(ErrorIds.MigrationLockLost, Assert.Throws<PorterStorageException>(() => journal.Apply(refused)).ErrorId);
                Assert.Single(store.Contents);
            }
        }

        [Fact]
        public void Repairs_OneFailingItem_TheOthersRepaired_TheFirstErrorNamesTheCount()
        {
            var store = new InMemoryMigrationStore();
            store.RepairRefused.Add("claims/b");
            store.NeedRepair.AddRange(new[] { "claims/a", "claims/b", "claims/c" });

            PorterStorageException ex = Assert.Throws<PorterStorageException>(() => StoreRepairs.Run(store, CancellationToken.None));

            Assert.Equal(ErrorIds.MigrationWriteError, ex.ErrorId);
            Assert.Equal("claims/b", ex.Target);
            Assert.Contains("1 of 3 item(s) could not be repaired", ex.Message, StringComparison.Ordinal);
            Assert.Equal(new[] { "claims/b" }, store.NeedRepair);
            store.RepairRefused.Clear();
            Assert.Equal("Repaired 1 item(s)", StoreRepairs.Run(store, CancellationToken.None));
            Assert.Empty(store.NeedRepair);
        }

        [Fact]
        public void Journal_OneFormat_ContentRoundTrips_AndEarlierContainerJournalsStillRead()
        {
            var record = new JournalRecord("20260101000000000000-0123abcd", "installation a", new[] { "installations/a", "claims/01ARZ3NDEKTSV4RRFFQ69G5FAV" },
                new[] { new KeyValuePair<string, string>("x", "x.migrated") }, new[] { "claims/a" }, null,
                new[] { new JournalContent(new Dictionary<string, string> { ["type"] = "installations" }, new byte[] { 1, 2 }), new JournalContent(new Dictionary<string, string>(), Array.Empty<byte>()) });
            Assert.True(JournalRecord.TryParse(record.ToJson(), null, out JournalRecord? back, out _));
            Assert.Equal(record.Id, back!.Id);
            Assert.Equal(record.Writes, back.Writes);
            Assert.Equal(record.Renames, back.Renames);
            Assert.Equal(record.Deletes, back.Deletes);
            Assert.Null(back.Replaced);
            Assert.Equal(new byte[] { 1, 2 }, back.Contents![0].Content);
            Assert.Equal("installations", back.Contents[0].Tags["type"]);

            // A journal blob of an earlier build: no id of its own (the blob name is it), each write an object.
            byte[] earlier = Encoding.UTF8.GetBytes("{\"description\":\"installation a\",\"writes\":[{\"blob\":\"installations/a\",\"tags\":{\"type\":\"installations\"},\"content\":\"AQI=\"}],\"deletes\":[\"claims/a\"]}");
            Assert.True(JournalRecord.TryParse(earlier, "20250101000000000000-00000000", out JournalRecord? old, out _));
            Assert.Equal("20250101000000000000-00000000", old!.Id);
            Assert.Equal(new[] { "installations/a" }, old.Writes);
            Assert.Equal(new byte[] { 1, 2 }, old.Contents![0].Content);
            Assert.Empty(old.Renames);

            Assert.False(JournalRecord.TryParse(earlier, null, out _, out _));
            Assert.False(JournalRecord.TryParse(Encoding.UTF8.GetBytes("{\"commit\":\"x\",\"description\":\"d\",\"writes\":[\"a\"],\"deletes\":[],\"contents\":[]}"), null, out _, out _));
        }

        /// <summary>
        /// Another writer creates a target the change committed to create, before it is put in place, in any store: the change never
        /// replaces it, fails as ItemChangedDuringMigration, and its roll back removes only what holds its own writes.
        /// </summary>
        [Fact]
        public void Apply_ATargetAnotherWriterCreatedFirst_IsKept_AndOnlyTheChangesOwnWritesAreRolledBack()
        {
            var store = new InMemoryMigrationStore();
            store.Put("claims/a.json", "legacy");
            var changes = new ChangeSet("installation a");
            changes.Writes.Add(new StoredDocument(ItemTypes.Claims, "a", "01ARZ3NDEKTSV4RRFFQ69G5FAV", Encoding.UTF8.GetBytes("{\"claim\":1}")));
            changes.Writes.Add(new StoredDocument(ItemTypes.Installations, null, "a", Encoding.UTF8.GetBytes("{\"index\":1}")));
            changes.Deletes.Add("claims/a.json");
            bool done = false;
            store.OtherWriter = s =>
            {
                if (!done && s.Contents.ContainsKey("claims/a/01ARZ3NDEKTSV4RRFFQ69G5FAV.json"))
                {
                    done = true;
                    s.Put(store.StorePath(changes.Writes[1]), "theirs");
                }
            };

            var ex = Assert.Throws<PorterStorageException>(() => new ChangeJournal(store).Apply(changes));

            Assert.Equal(ErrorIds.ItemChangedDuringMigration, ex.ErrorId);
            Assert.Equal("theirs", store.Text(store.StorePath(changes.Writes[1])));
            Assert.False(store.Contents.ContainsKey("claims/a/01ARZ3NDEKTSV4RRFFQ69G5FAV.json"), "the change's own write is rolled back");
            Assert.Equal("legacy", store.Text("claims/a.json"));
        }

        /// <summary>Delegates every step to the in-memory store; Existing can answer null and one step can be refused.</summary>
        private sealed class Wrapped : ITransactionalStore
        {
            private readonly InMemoryMigrationStore _s;
            public Wrapped(InMemoryMigrationStore s) => _s = s;
            public bool ExistingUnknown;
            public string? RefuseDeleteOf;
            public int RefuseFinishTimes;

            public string FullName(string path) => _s.FullName(path);
            public StoreNameLimits NameLimits => _s.NameLimits;
            public bool Exists(string path) => _s.Exists(path);
            public string StorePath(StoredDocument document) => _s.StorePath(document);
            public IStoreLease AcquireLock() => _s.AcquireLock();
            public IReadOnlyList<int>? Existing(IReadOnlyList<string> paths) => ExistingUnknown ? null : _s.Existing(paths);
            public IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<StoredDocument>> writes) => _s.Commit(records, writes);
            public IReadOnlyList<string> Committed() => _s.Committed();
            public JournalRecord ReadCommitted(string id) => _s.ReadCommitted(id);
            public void Place(JournalRecord record, int index) => _s.Place(record, index);
            public int PlaceConcurrency => _s.PlaceConcurrency;
            public bool Discard(JournalRecord record, int index) => _s.Discard(record, index);
            public void Unplace(JournalRecord record, int index) => _s.Unplace(record, index);
            public void Move(string from, string to, bool overwrite, string? expected) => _s.Move(from, to, overwrite, expected);
            public void Delete(string path, string? expected)
            {
                if (path == RefuseDeleteOf)
                {
                    throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, path, "403 (injected).");
                }
                _s.Delete(path, expected);
            }
            public string? VersionOf(string path) => _s.VersionOf(path);
            public void Finish(JournalRecord record, string? rolledBackBy)
            {
                if (RefuseFinishTimes-- > 0)
                {
                    throw new PorterStorageException(ErrorIds.MigrationWriteError, PorterErrorKind.WriteError, "journal", "503 (injected).");
                }
                _s.Finish(record, rolledBackBy);
            }
            public void Recovered() => _s.Recovered();
        }

        /// <summary>
        /// A credential set saved under its own name (target != source, as the runner builds it) whose old document cannot be
        /// deleted (403). A store that cannot tell what exists (Existing == null) keeps only what may have existed; the runner's
        /// stores answer, so the new set is removed, as the message says, and the next plan meets no name conflict.
        /// </summary>
        [Fact]
        public void RollBack_StoreCannotTellWhatExists_ASetItWroteIsKept_AndTheMessageSaysSo()
        {
            var mem = new InMemoryMigrationStore();
            mem.Put("credentials/foo.json", "{\"name\":\"bar\"}");
            var store = new Wrapped(mem) { ExistingUnknown = true, RefuseDeleteOf = "credentials/foo.json" };
            var changes = new ChangeSet("credential set bar");
            changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, "bar", Encoding.UTF8.GetBytes("{\"schemaVersion\":\"1.0.1\",\"name\":\"bar\"}")));
            changes.Deletes.Add("credentials/foo.json");

            var ex = Assert.Throws<PorterStorageException>(() => new ChangeJournal(store).Apply(changes));
            Assert.True(mem.Exists("credentials/foo.json"));
            Assert.True(mem.Exists("credentials/bar.json"), "unknown: a set may have existed, so it is kept");
            Assert.Contains("kept what may have been there before", ex.Message);
        }

        /// <summary>The same with a store that knows what exists (the folder, the container, memory).</summary>
        [Fact]
        public void RollBack_ASetSavedUnderANewName_IsRemoved_TheOriginalKept()
        {
            var mem = new InMemoryMigrationStore();
            mem.Put("credentials/foo.json", "{\"name\":\"bar\"}");
            var store = new Wrapped(mem) { RefuseDeleteOf = "credentials/foo.json" };
            var changes = new ChangeSet("credential set bar");
            changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, "bar", Encoding.UTF8.GetBytes("{}")));
            changes.Deletes.Add("credentials/foo.json");
            Assert.Throws<PorterStorageException>(() => new ChangeJournal(store).Apply(changes));
            Assert.False(mem.Exists("credentials/bar.json"));
        }

        /// <summary>
        /// Recover: the change rolled forward completely, then Finish failed once (a 503 on deleting the journal blob, a full disk on the
        /// done line). Recover rolls the COMPLETED change back: the .migrated YAML moves back and the converted set is deleted, and it
        /// is reported InterruptedChangeRolledBack. Apply, by contrast, leaves a completed change alone when Finish fails.
        /// </summary>
        [Fact]
        public void Recover_FinishRefusedAfterTheChangeCompleted_TheChangeIsNotUndone()
        {
            var mem = new InMemoryMigrationStore();
            mem.Put("credentials/x.yaml", "name: x\n");
            var store = new Wrapped(mem);
            var changes = new ChangeSet("YAML credential set x");
            changes.Writes.Add(new StoredDocument(ItemTypes.Credentials, null, "x", Encoding.UTF8.GetBytes("{\"name\":\"x\"}")));
            changes.Renames.Add(new KeyValuePair<string, string>("credentials/x.yaml", "credentials/x.yaml.migrated"));
            new ChangeJournal(store).Commit(changes); // killed just after the commit point

            store.RefuseFinishTimes = 1;
            IReadOnlyList<RecoveredChange> recovered = new ChangeJournal(store).Recover();
            Assert.True(mem.Exists("credentials/x.json"), "the completed conversion was undone: " + string.Join(",", mem.Contents.Keys));
            Assert.True(Assert.Single(recovered).Finished, recovered[0].Message);
        }

        private sealed class FakeLease : IStoreLease
        {
            public FakeLease(TimeSpan duration) => Duration = duration;

            public string Name => "memory://porter/lock";

            public TimeSpan? Duration { get; }

            public volatile bool Answer = true;

            public volatile bool Throws;

            public int Renewals;

            public bool Released { get; private set; }

            public bool Renew(CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref Renewals);
                if (Throws)
                {
                    throw new TimeoutException("the service did not answer (injected)");
                }
                return Answer;
            }

            public void Dispose() => Released = true;
        }
    }
}
