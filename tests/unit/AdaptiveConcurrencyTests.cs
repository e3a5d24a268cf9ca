using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace PorterStorage.Tests
{
    /// <summary>The account's request limit: halved by a busy answer (once per burst), grown back by one per round of answers.</summary>
    public class AdaptiveConcurrencyTests
    {
        [Fact]
        public void BusyAnswer_HalvesWhatWasInUse_OncePerBurst()
        {
            var limit = new AdaptiveConcurrency(32);
            var slots = new List<AdaptiveConcurrency.Slot>();
            for (int i = 0; i < 8; i++)
            {
                slots.Add(limit.Enter(default));
            }
            Assert.Equal(32, limit.Limit);
            limit.Leave(slots[0], busy: true);
            Assert.Equal(4, limit.Limit); // 8 were on the wire
            limit.Leave(slots[1], busy: true); // sent before the halving: the same burst
            Assert.Equal(4, limit.Limit);
            Assert.Equal(1, limit.Halvings);

            limit.Leave(slots[2], busy: false);
            limit.Leave(slots[3], busy: false);
            limit.Leave(slots[4], busy: false); // 3 on the wire, limit 4 and some
            AdaptiveConcurrency.Slot after = limit.Enter(default);
            limit.Leave(after, busy: true); // sent after the halving: halves again
            Assert.Equal(2, limit.Limit);
            Assert.Equal(2, limit.Halvings);
            Assert.Equal(2, limit.Lowest);
        }

        [Fact]
        public async Task NoSlot_WaitsUntilOneIsGivenBack()
        {
            var limit = new AdaptiveConcurrency(2);
            AdaptiveConcurrency.Slot a = limit.Enter(default);
            AdaptiveConcurrency.Slot b = limit.Enter(default);
            ValueTask<AdaptiveConcurrency.Slot> third = limit.EnterAsync(default);
            Assert.False(third.IsCompleted);
            limit.Leave(a, busy: true); // limit 1, one still on the wire: the waiter still waits
            Assert.Equal(1, limit.Limit);
            Assert.False(third.IsCompleted);
            limit.Leave(b, busy: false);
            AdaptiveConcurrency.Slot c = await third.AsTask().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(1, limit.InFlight);
            limit.Leave(c, busy: false);
            Assert.Equal(0, limit.InFlight);
        }

        [Fact]
        public async Task CancelledWaiter_LeavesNoSlotTakenAndBlocksNoOne()
        {
            var limit = new AdaptiveConcurrency(1);
            AdaptiveConcurrency.Slot held = limit.Enter(default);
            using var cancel = new CancellationTokenSource();
            Task<AdaptiveConcurrency.Slot> waiting = limit.EnterAsync(cancel.Token).AsTask();
            Task<AdaptiveConcurrency.Slot> blocked = Task.Run(() => limit.Enter(default));
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            limit.Leave(held, busy: false);
            AdaptiveConcurrency.Slot unblocked = await blocked.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(1, limit.InFlight);
            limit.Leave(unblocked, busy: false);
            Assert.Equal(0, limit.InFlight);
            limit.Leave(limit.Enter(default), busy: false); // nothing left queued in the way
        }

        /// <summary>From one request at once back to the ceiling: at most one more per round of answers, all the way up.</summary>
        [Fact]
        public void AnswersThatAreNotBusy_GrowTheLimitBack_OnePerRound()
        {
            var limit = new AdaptiveConcurrency(16);
            limit.Leave(limit.Enter(default), busy: true);
            Assert.Equal(1, limit.Limit);
            int rounds = 0;
            while (limit.Limit < 16 && rounds < 100)
            {
                int before = limit.Limit;
                var slots = new List<AdaptiveConcurrency.Slot>();
                for (int i = 0; i < before; i++)
                {
                    slots.Add(limit.Enter(default));
                }
                foreach (AdaptiveConcurrency.Slot s in slots)
                {
                    limit.Leave(s, busy: false);
                }
                Assert.InRange(limit.Limit, before, before + 1);
                rounds++;
            }
            Assert.Equal(16, limit.Limit);
            Assert.InRange(rounds, 15, 30);
            Assert.Equal(1, limit.Lowest);
        }
    }
}
