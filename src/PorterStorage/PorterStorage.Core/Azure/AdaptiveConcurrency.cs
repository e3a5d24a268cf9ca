using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// How many requests one account may have on the wire at once, tuned the way azcopy's auto-tuning and TCP tune it (additive
    /// increase, multiplicative decrease): an answer that says the service is busy (503 ServerBusy, 500 OperationTimedOut, 429) or a
    /// request that outlived the network timeout halves the limit (down to one), and every answer that is not one grows it by one per
    /// limit's worth of answers, back up to <see cref="AzureConcurrency.Max"/>. One back-off per burst: a busy answer to a request sent
    /// before the last halving does not halve again, since it was sent at the old rate. Every request of the account's clients asks it
    /// for a slot before each attempt (<see cref="AzureRetry"/>), so the loops of the copy, backup, restore and migration, whatever
    /// their own width, slow down together. Safe across threads.
    /// </summary>
    public sealed class AdaptiveConcurrency
    {
        private readonly object _gate = new object();
        private readonly Queue<TaskCompletionSource<bool>> _waiting = new Queue<TaskCompletionSource<bool>>();
        private readonly int _ceiling;
        private double _limit;
        private int _inFlight;
        private long _generation;
        private long _halvings;
        private int _lowest;

        public AdaptiveConcurrency(int ceiling = AzureConcurrency.Max)
        {
            _ceiling = Math.Max(1, ceiling);
            _limit = _ceiling;
            _lowest = _ceiling;
        }

        /// <summary>How many requests may be on the wire now.</summary>
        public int Limit
        {
            get
            {
                lock (_gate)
                {
                    return (int)_limit;
                }
            }
        }

        /// <summary>How many requests are on the wire now.</summary>
        public int InFlight
        {
            get
            {
                lock (_gate)
                {
                    return _inFlight;
                }
            }
        }

        /// <summary>How often the limit was halved.</summary>
        public long Halvings => Interlocked.Read(ref _halvings);

        /// <summary>The lowest the limit has been.</summary>
        public int Lowest => Volatile.Read(ref _lowest);

        /// <summary>Waits for a slot (the caller's cancellation ends the wait); the slot is given back with <see cref="Leave"/>.</summary>
        public Slot Enter(CancellationToken cancel)
        {
            Task<bool>? wait = Queue();
            if (wait != null)
            {
                Await(wait, cancel);
            }
            return NewSlot();
        }

        /// <summary>As <see cref="Enter"/>, without blocking a thread.</summary>
        public async ValueTask<Slot> EnterAsync(CancellationToken cancel)
        {
            Task<bool>? wait = Queue();
            if (wait != null)
            {
                using (cancel.Register(() => Withdraw(wait)))
                {
                    await wait.ConfigureAwait(false);
                }
            }
            return NewSlot();
        }

        /// <summary>Gives the slot back, with what its attempt met: a busy service or a timeout backs off, anything else grows the limit.</summary>
        public void Leave(Slot slot, bool busy)
        {
            lock (_gate)
            {
                _inFlight--;
                if (busy)
                {
                    if (slot.Generation == _generation)
                    {
                        // Halve what was really in use (the limit may stand far above it), counting this request.
                        _limit = Math.Max(1, Math.Floor(Math.Min(_limit, _inFlight + 1) / 2));
                        _generation++;
                        _halvings++;
                        _lowest = Math.Min(_lowest, (int)_limit);
                    }
                }
                else if (_limit < _ceiling)
                {
                    // A limit above what is in use does no harm: a halving starts from what was in use.
                    _limit = Math.Min(_ceiling, _limit + 1 / _limit);
                }
                GrantWaiting();
            }
        }

        private Slot NewSlot()
        {
            lock (_gate)
            {
                return new Slot(_generation);
            }
        }

        /// <summary>Takes a slot at once when one is free (null), or queues the caller and returns what it waits for.</summary>
        private Task<bool>? Queue()
        {
            lock (_gate)
            {
                while (_waiting.Count > 0 && _waiting.Peek().Task.IsCompleted)
                {
                    _waiting.Dequeue(); // gave up waiting
                }
                if (_waiting.Count == 0 && _inFlight < (int)_limit)
                {
                    _inFlight++;
                    return null;
                }
                var wait = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.Enqueue(wait);
                return wait.Task;
            }
        }

        private void Await(Task<bool> wait, CancellationToken cancel)
        {
            using (cancel.Register(() => Withdraw(wait)))
            {
                wait.GetAwaiter().GetResult();
            }
        }

        /// <summary>Cancels a wait that was not granted yet; one granted meanwhile keeps its slot (the caller gives it back).</summary>
        private void Withdraw(Task<bool> wait)
        {
            lock (_gate)
            {
                foreach (TaskCompletionSource<bool> w in _waiting)
                {
                    if (w.Task == wait)
                    {
                        w.TrySetCanceled();
                    }
                }
            }
        }

        /// <summary>Under the gate: hands free slots to the callers waiting longest (skipping those that gave up).</summary>
        private void GrantWaiting()
        {
            while (_waiting.Count > 0 && _inFlight < (int)_limit)
            {
                TaskCompletionSource<bool> next = _waiting.Dequeue();
                if (next.TrySetResult(true))
                {
                    _inFlight++;
                }
            }
        }

        /// <summary>A slot taken: when it was taken, relative to the last back-off.</summary>
        public readonly struct Slot
        {
            internal Slot(long generation) => Generation = generation;

            internal long Generation { get; }
        }
    }
}
