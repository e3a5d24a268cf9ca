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

        private StoreBackend(Type reference, Func<object, IPorterStore> read, Func<object, string, CancellationToken, IMigrationStore>? migrate,
            Func<object, PorterStorageException>? notMigrated)
        {
            Reference = reference;
            _read = read;
            _migrate = migrate;
            _notMigrated = notMigrated;
        }

        /// <summary>A backend whose stores are migrated: <paramref name="migrate"/> gets the reference, the migration log's folder and the run's cancellation.</summary>
        public static StoreBackend Of<TReference>(Func<TReference, IPorterStore> read, Func<TReference, string, CancellationToken, IMigrationStore> migrate)
            where TReference : class =>
            new StoreBackend(typeof(TReference), r => read((TReference)r), (r, log, cancel) => migrate((TReference)r, log, cancel), null);

        /// <summary>A backend whose stores are read and checked, never migrated; <paramref name="notMigrated"/> says why, as a named error.</summary>
        public static StoreBackend ReadOnly<TReference>(Func<TReference, IPorterStore> read, Func<TReference, PorterStorageException> notMigrated)
            where TReference : class =>
            new StoreBackend(typeof(TReference), r => read((TReference)r), null, r => notMigrated((TReference)r));

        /// <summary>The type of the references this backend opens.</summary>
        public Type Reference { get; }

        internal bool Opens(object reference) => Reference.IsInstanceOfType(reference);

        internal IPorterStore OpenReader(object reference) => _read(reference);

        internal bool Migrates => _migrate != null;

        internal IMigrationStore Open(object reference, string logFolder, CancellationToken cancel) =>
            _migrate != null ? _migrate(reference, logFolder, cancel) : throw _notMigrated!(reference);
    }
}
