using System.Collections.Generic;
using System.Threading;

namespace PorterStorage.Core.Journal
{
    /// <summary>Puts right, in any store, the items Porter would trip on (a folder's file modes, a container's index tags).</summary>
    public static class StoreRepairs
    {
        /// <summary>
        /// Repairs every item the store finds now, each on its own: one that fails does not stop the others. Returns the log line;
        /// raises the first item's error, naming how many failed, once all were tried (a rerun retries them).
        /// </summary>
        public static string Run(IMigrationStore store, CancellationToken cancel)
        {
            IReadOnlyList<string> items = store.ItemsToRepair(cancel);
            var failed = new List<PorterStorageException>();
            foreach (string item in items)
            {
                cancel.ThrowIfCancellationRequested();
                try
                {
                    store.RepairItem(item, cancel);
                }
                catch (PorterStorageException ex)
                {
                    failed.Add(ex);
                }
            }
            if (failed.Count > 0)
            {
                PorterStorageException first = failed[0];
                throw new PorterStorageException(first.ErrorId, first.Kind, first.Target,
                    $"{first.Message} {failed.Count} of {items.Count} item(s) could not be repaired; the others were, and a rerun retries these.", first);
            }
            return store.RepairSummary(items.Count);
        }
    }
}
