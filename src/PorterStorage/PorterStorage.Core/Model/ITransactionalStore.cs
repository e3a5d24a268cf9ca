using System;
using System.Collections.Generic;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// What a store gives the engines that change it (<see cref="ChangeJournal"/>, <see cref="StoreLock"/>): a lock, a durable place for
    /// committed change sets, and the single steps of applying one. Every step raises a named error (<c>PorterStorageException</c>) and
    /// may be repeated safely; the engines decide the order, the commit point, the roll back and the messages.
    /// </summary>
    public interface ITransactionalStore
    {
        /// <summary>The full name of a store path for messages and error targets (a file path or a blob URL, never a secret).</summary>
        string FullName(string path);

        /// <summary>What names this store can hold (a folder's file names, a container's blob names); the rule is <see cref="ItemNames"/>.</summary>
        StoreNameLimits NameLimits { get; }

        bool Exists(string path);

        /// <summary>The store path a document is written to ('/'-separated: <c>claims/x/id.json</c>, the blob <c>claims/id</c>).</summary>
        string StorePath(StoredDocument document);

        /// <summary>
        /// Takes the store's exclusive lock: released when the lease is disposed or when the process dies. Raises <c>MigrationInProgress</c>.
        /// A lease with a <see cref="IStoreLease.Duration"/> is renewed by <see cref="StoreLock"/>.
        /// </summary>
        IStoreLease AcquireLock();

        /// <summary>Indexes of the store paths that exist now, or null when the store cannot tell without a request per path.</summary>
        IReadOnlyList<int>? Existing(IReadOnlyList<string> paths);

        /// <summary>
        /// The commit point of one or more change sets, in one durable step (one journal flush, one journal blob): makes each record
        /// and every write's content (<paramref name="writes"/>, by record) durable where readers do not see it. When it raises,
        /// nothing of them is committed or visible. Returns the records as committed: with their content, when a record holds it.
        /// </summary>
        IReadOnlyList<JournalRecord> Commit(IReadOnlyList<JournalRecord> records, IReadOnlyList<IReadOnlyList<StoredDocument>> writes);

        /// <summary>The ids of committed change sets never finished, in commit order.</summary>
        IReadOnlyList<string> Committed();

        /// <summary>A committed change set by its id (with its content, when the record holds it).</summary>
        JournalRecord ReadCommitted(string id);

        /// <summary>
        /// Puts the n-th write in place from where <see cref="Commit"/> kept it; does nothing when it is already in place. A write whose
        /// target the record expects at a version (<see cref="JournalRecord.ExpectedVersion"/>) replaces it only while it is that version. Called for
        /// up to <see cref="PlaceConcurrency"/> writes at once (of different change sets, or of one item type of one).
        /// </summary>
        void Place(JournalRecord record, int index);

        /// <summary>How many <see cref="Place"/> or <see cref="Delete"/> steps may run at once: 1 for a local store, more where each is a round trip.</summary>
        int PlaceConcurrency { get; }

        /// <summary>
        /// Removes the n-th write's target, for a roll back, only while it holds exactly that write (<see cref="JournalRecord.IsWrite"/>):
        /// a target another writer made or changed is left as it is.
        /// </summary>
        void Unplace(JournalRecord record, int index);

        /// <summary>Drops the n-th write's content when it is still held apart and was never placed; true when it was (its target is untouched).</summary>
        bool Discard(JournalRecord record, int index);

        /// <summary>
        /// Moves an item to another path, replacing what is there when <paramref name="overwrite"/>; keeps it private. With
        /// <paramref name="expected"/> (what <see cref="VersionOf"/> gave), only while the item is still that version; raises
        /// <c>ItemChangedDuringMigration</c> otherwise and moves nothing.
        /// </summary>
        void Move(string from, string to, bool overwrite, string? expected);

        /// <summary>
        /// Removes an item if it is there; safe to call for several items at once. With <paramref name="expected"/> (what
        /// <see cref="VersionOf"/> gave), only while the item is still that version (a blob's ETag, a file's identity and content):
        /// an item another process changed meanwhile is kept as it made it, and <c>ItemChangedDuringMigration</c> raised.
        /// </summary>
        void Delete(string path, string? expected);

        /// <summary>
        /// The version of an item as this run first read it (a blob's ETag, a file's identity and content hash), or null when this
        /// run did not read it. A change records it for every item it removes, renames or replaces (<see cref="JournalRecord.Expected"/>),
        /// and <see cref="Place"/>, <see cref="Move"/> and <see cref="Delete"/> act on the item only while it is that version.
        /// </summary>
        string? VersionOf(string path);

        /// <summary>Marks a committed change set finished (<paramref name="rolledBackBy"/>: the error id that made it roll back), durably when it rolled back.</summary>
        void Finish(JournalRecord record, string? rolledBackBy);

        /// <summary>After recovery: removes what was staged but never committed, and an emptied journal.</summary>
        void Recovered();
    }

    /// <summary>A store's lock, held until disposed (a bounded release).</summary>
    public interface IStoreLease : IDisposable
    {
        /// <summary>What is locked, for messages: the lock file or blob.</summary>
        string Name { get; }

        /// <summary>How long the lock lasts unless renewed; null for a lock held as long as the process lives.</summary>
        TimeSpan? Duration { get; }

        /// <summary>Renews the lock once. False when it is no longer ours (expired and taken, or broken); raises on a failure that may pass.</summary>
        bool Renew(System.Threading.CancellationToken cancellationToken);
    }
}
