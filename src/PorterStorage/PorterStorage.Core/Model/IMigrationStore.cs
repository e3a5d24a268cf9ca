using System;
using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Core.Model
{
    /// <summary>
    /// What the migration engine needs of a store: a PORTER_HOME folder or the azure.blob plugin's container. Paths are
    /// store paths ('/'-separated: <c>claims/mybun.json</c> in a folder, <c>claims/mybun</c> in a container). A store applies
    /// the single steps of a change set (<see cref="ITransactionalStore"/>); <see cref="ChangeJournal"/> applies each <see cref="ChangeSet"/> with them so
    /// that an interruption is either invisible or finished by the next run.
    /// </summary>
    public interface IMigrationStore : IPorterStore, ITransactionalStore
    {
        /// <summary>What counts this store's requests to a remote service (its account's counter), or null for a local store.</summary>
        IRequestCounter? Requests { get; }

        /// <summary>The kind of backup that vouches for this store (<c>Home</c> or <c>Container</c>; see <c>PorterBackup.Kind</c>).</summary>
        string BackupKind { get; }

        /// <summary>
        /// Where a non-destructive migration of this store would go: <paramref name="destination"/> is a folder path for a home
        /// and a <c>PorterAzureStorage</c> for a container. Checks only what it is; nothing is written until
        /// <see cref="IStoreCopy.Create"/>. Raises <c>HomePathInvalid</c> for a destination of another kind.
        /// </summary>
        IStoreCopy CopyTo(object destination);

        /// <summary>The store path of the schema document: <c>schema.json</c> in a folder, the blob <c>schema</c> in a container.</summary>
        string SchemaPath { get; }

        /// <summary>The entries directly under a data folder (claims, credentials, parameters), sorted ordinally.</summary>
        IReadOnlyList<StoreEntry> Entries(string itemType);

        /// <summary>Reads a document; raises <c>FileUnreadable</c>, <c>DocumentTooLarge</c>.</summary>
        byte[] ReadFile(string path);

        DateTime ModifiedUtc(string path);

        /// <summary>The store path of a credential or parameter set named <paramref name="name"/>.</summary>
        string SetPath(string itemType, string name);

        /// <summary>The content of each current-layout claim of an installation; one that cannot be read is left out.</summary>
        IEnumerable<byte[]> CurrentClaims(string installation);

        void WriteSchema(byte[] content);

        /// <summary>
        /// Items Porter would trip on that the migration puts right: files with modes beyond 0600 (folders), blobs lacking
        /// the index tags the plugin lists them by (containers).
        /// </summary>
        IReadOnlyList<string> ItemsToRepair(CancellationToken cancel);

        /// <summary>Why those items need repair, for the plan.</summary>
        string RepairReason(int count);

        /// <summary>Puts one of them right (as planned by the last <see cref="ItemsToRepair"/>); raises a named error for that item.</summary>
        void RepairItem(string item, CancellationToken cancel);

        /// <summary>The log line saying what repairing <paramref name="count"/> items did.</summary>
        string RepairSummary(int count);

        /// <summary>Opens the migration log (0600) for this run.</summary>
        MigrationLog CreateLog(DateTime localNow);

        /// <summary>What the store could not do as asked in this run without failing it (files it may not give to the home's owner), as warnings.</summary>
        IReadOnlyList<string> RunWarnings();
    }

    /// <summary>A copy of a store that a non-destructive migration works on: where it goes, and making it.</summary>
    public interface IStoreCopy
    {
        /// <summary>The copy's location (a folder path or a container URL).</summary>
        string Location { get; }

        /// <summary>The full name a store path will have in the copy (for confirmations).</summary>
        string FullName(string path);

        /// <summary>What counts the requests made to the copy's remote service, or null for a local copy.</summary>
        IRequestCounter? Requests { get; }

        /// <summary>
        /// Copies the whole store there, verified, and opens the copy. A failing item of a resumable copy is passed to
        /// <paramref name="onItemError"/> before the copy is refused. Raises <c>DestinationNotEmpty</c>, <c>DestinationInsideHome</c>,
        /// <c>MigrationWriteError</c> (folders), <c>BlobVerificationFailed</c>, <c>ContainerNotEmpty</c> (containers).
        /// </summary>
        IMigrationStore Create(Action<PorterStorageException> onItemError, CancellationToken cancel);
    }

    /// <summary>A store's copy, given by where it goes, how a path is named there, and how it is made.</summary>
    public sealed class StoreCopy : IStoreCopy
    {
        private readonly Func<string, string> _fullName;
        private readonly Func<Action<PorterStorageException>, CancellationToken, IMigrationStore> _create;

        public StoreCopy(string location, Func<string, string> fullName, Func<Action<PorterStorageException>, CancellationToken, IMigrationStore> create,
            IRequestCounter? requests = null)
        {
            Requests = requests;
            Location = location;
            _fullName = fullName;
            _create = create;
        }

        public string Location { get; }

        public IRequestCounter? Requests { get; }

        public string FullName(string path) => _fullName(path);

        public IMigrationStore Create(Action<PorterStorageException> onItemError, CancellationToken cancel) => _create(onItemError, cancel);
    }

    /// <summary>How a store takes the destination of its copy.</summary>
    public static class StoreCopies
    {
        /// <summary>The copy <paramref name="open"/> makes of a destination of type <typeparamref name="T"/>; any other is <see cref="WrongDestination"/>.</summary>
        public static IStoreCopy To<T>(object destination, Func<T, IStoreCopy> open) =>
            destination is T typed ? open(typed) : throw WrongDestination(destination);

        /// <summary><c>HomePathInvalid</c>: -Destination takes a folder for a home and a PorterAzureStorage for a container.</summary>
        public static PorterStorageException WrongDestination(object destination) =>
            new PorterStorageException(ErrorIds.HomePathInvalid, PorterErrorKind.InvalidArgument, destination.ToString(),
                "-Destination takes a folder for a home and a PorterAzureStorage (Get-PorterAzureStorage) for a container.");
    }

    /// <summary>What recovery did with one change set of an interrupted run.</summary>
    public sealed class RecoveredChange
    {
        public RecoveredChange(string description, string? errorId, string? message)
        {
            Description = description;
            ErrorId = errorId;
            Message = message;
        }

        /// <summary>The change set's description ("installation mybun").</summary>
        public string Description { get; }

        /// <summary>Null when it was finished; <c>InterruptedChangeRolledBack</c> when it could not be and was undone or set aside.</summary>
        public string? ErrorId { get; }

        /// <summary>Why and what was done, when it was not finished.</summary>
        public string? Message { get; }

        public bool Finished => ErrorId == null;
    }
}
