using System;
using System.Threading;

namespace PorterStorage.Core.Factory
{
    /// <summary>
    /// A backend as the factory knows it: the kind of reference that names one of its stores (a container, a table, …), how such a
    /// store is opened to be read and checked, and how it is opened to be migrated, or why it is not (a backend that is read only).
    /// <see cref="PorterStores"/> holds one per backend, one line each.
    /// </summary>
    public sealed class StoreBackend
    {
        private readonly Func<object, IPorterStore> _read;
        private readonly Func<object, string, CancellationToken, IMigrationStore>? _migrate;
        private readonly Func<object, PorterStorageException>? _notMigrated;
        private readonly Func<object, string, CancellationToken, IPorterStore>? _check;

        private StoreBackend(Type reference, Func<object, IPorterStore> read, Func<object, string, CancellationToken, IMigrationStore>? migrate,
            Func<object, PorterStorageException>? notMigrated, Func<object, string, CancellationToken, IPorterStore>? check)
        {
            Reference = reference;
            _read = read;
            _migrate = migrate;
            _notMigrated = notMigrated;
            _check = check;
        }

        /// <summary>
        /// A backend whose stores are migrated: <paramref name="migrate"/> gets the reference, the migration log's folder and the run's
        /// cancellation. What Test-PorterStorage checks is the store to migrate, unless <paramref name="check"/> says otherwise (a home
        /// whose config selects a table checks the table).
        /// </summary>
        public static StoreBackend Of<TReference>(Func<TReference, IPorterStore> read, Func<TReference, string, CancellationToken, IMigrationStore> migrate,
            Func<TReference, string, CancellationToken, IPorterStore>? check = null)
            where TReference : class =>
            new StoreBackend(typeof(TReference), r => read((TReference)r), (r, log, cancel) => migrate((TReference)r, log, cancel), null,
                check == null ? null : (r, log, cancel) => check((TReference)r, log, cancel));

        /// <summary>A backend whose stores are read and checked, never migrated; <paramref name="notMigrated"/> says why, as a named error.</summary>
        public static StoreBackend ReadOnly<TReference>(Func<TReference, IPorterStore> read, Func<TReference, PorterStorageException> notMigrated)
            where TReference : class =>
            new StoreBackend(typeof(TReference), r => read((TReference)r), null, r => notMigrated((TReference)r), null);

        /// <summary>The type of the references this backend opens.</summary>
        public Type Reference { get; }

        internal bool Opens(object reference) => Reference.IsInstanceOfType(reference);

        internal IPorterStore OpenReader(object reference) => _read(reference);

        /// <summary>What Test-PorterStorage checks: the store to migrate, for a backend that migrates, else the store to read.</summary>
        internal IPorterStore OpenForCheck(object reference, string logFolder, CancellationToken cancel) =>
            _check != null ? _check(reference, logFolder, cancel) : _migrate != null ? _migrate(reference, logFolder, cancel) : _read(reference);

        internal IMigrationStore Open(object reference, string logFolder, CancellationToken cancel) =>
            _migrate != null ? _migrate(reference, logFolder, cancel) : throw _notMigrated!(reference);
    }
}
