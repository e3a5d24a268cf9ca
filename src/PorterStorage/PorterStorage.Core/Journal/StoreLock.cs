using System;
using System.Diagnostics;
using System.Threading;

namespace PorterStorage.Core.Journal
{
    /// <summary>
    /// The migration lock of any store. A lock that lasts a while (a container's 15-second lease) is renewed every third of its
    /// duration on a timer. A renewal never throws on the timer's thread (that would end the process); a lock that could not be
    /// renewed for its whole duration, or that the store says is no longer ours, counts as lost, and <see cref="ChangeJournal"/> then
    /// refuses to commit another change set.
    /// </summary>
    public sealed class StoreLock : IDisposable
    {
        private readonly IStoreLease _lease;
        private readonly Timer? _renew;
        private readonly Stopwatch _sinceRenewed = Stopwatch.StartNew();
        private int _renewing;
        private volatile bool _taken;
        private volatile bool _disposed;

        private StoreLock(IStoreLease lease)
        {
            _lease = lease;
            if (lease.Duration is TimeSpan duration)
            {
                TimeSpan every = TimeSpan.FromTicks(duration.Ticks / 3);
                _renew = new Timer(_ => Renew(), null, every, every);
            }
        }

        /// <summary>Takes the store's lock. Raises <c>MigrationInProgress</c>.</summary>
        public static StoreLock Take(ITransactionalStore store) => new StoreLock(store.AcquireLock());

        /// <summary>What is locked, for messages.</summary>
        public string Name => _lease.Name;

        /// <summary>True once the lock may have passed to another run: never renewed for its duration, or refused.</summary>
        public bool Lost => !_disposed && (_taken || (_lease.Duration is TimeSpan d && _sinceRenewed.Elapsed >= d - TimeSpan.FromSeconds(1)));

        /// <summary>
        /// Raises <c>MigrationLockLost</c> when the lock is lost, naming what was not started. A lock that only ran out (a slow or
        /// throttled service answered no renewal in time) is renewed first, for up to another duration: a store renews a lapsed lease
        /// only while no other run has taken it since, so a renewal that succeeds proves no other run held it meanwhile.
        /// </summary>
        public void RequireHeld(string notStarted)
        {
            if (Lost && !_taken && _lease.Duration is TimeSpan duration)
            {
                var waited = Stopwatch.StartNew();
                while (Lost && !_taken && waited.Elapsed < duration)
                {
                    if (!Renew())
                    {
                        Thread.Sleep(20);
                    }
                }
            }
            if (Lost)
            {
                throw new PorterStorageException(ErrorIds.MigrationLockLost, PorterErrorKind.ResourceBusy, Name,
                    $"The lock '{Name}' could not be renewed, so another run may hold it now; {notStarted} and what follows were not started. Run the migration again: what was committed is finished and nothing is migrated twice.");
            }
        }

        /// <summary>Renews the lock now, on this thread, after any renewal the timer has under way (tests).</summary>
        internal void RenewNow()
        {
            while (!Renew())
            {
                Thread.Sleep(10);
            }
        }

        /// <summary>One renewal; false when another is still under way (and this one did nothing).</summary>
        private bool Renew()
        {
            if (Interlocked.Exchange(ref _renewing, 1) == 1)
            {
                return false; // the previous renewal is still waiting for the store
            }
            try
            {
                using (var timeout = new CancellationTokenSource(_lease.Duration ?? TimeSpan.FromSeconds(15)))
                {
                    if (_lease.Renew(timeout.Token))
                    {
                        _sinceRenewed.Restart();
                    }
                    else
                    {
                        _taken = true;
                    }
                }
            }
#pragma warning disable CA1031 // A timer callback must not throw: the failure is reported through Lost.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
            finally
            {
                Interlocked.Exchange(ref _renewing, 0);
            }
            return true;
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _renew?.Dispose();
            _lease.Dispose();
        }
    }
}
