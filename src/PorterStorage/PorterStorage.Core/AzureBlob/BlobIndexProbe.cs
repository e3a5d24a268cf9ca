using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>A blob List shows with a Porter type tag that Porter's tag query did not return.</summary>
    public sealed class IndexMiss
    {
        internal IndexMiss(string blob, string type)
        {
            Blob = blob;
            Type = type;
        }

        public string Blob { get; }

        public string Type { get; }
    }

    /// <summary>What waiting for the index found: the blobs still missing from Porter's queries when it stopped.</summary>
    public sealed class IndexCheck
    {
        internal IndexCheck(IReadOnlyList<IndexMiss> missing, TimeSpan waited, int queries)
        {
            Missing = missing;
            Waited = waited;
            Queries = queries;
        }

        public IReadOnlyList<IndexMiss> Missing { get; }

        /// <summary>Some tagged blobs were not yet returned by Porter's queries when the wait ended.</summary>
        public bool Lagging => Missing.Count > 0;

        public TimeSpan Waited { get; }

        public int Queries { get; }
    }

    /// <summary>A live Blob Index probe, and the wait for the index, by Porter's tag rules (<see cref="PorterBlobTags"/>).</summary>
    public static class BlobIndexProbe
    {
        public const string ProbePrefix = ".probe-porterstorage-";

        /// <summary>The probe blob's own tag (not one of Porter's).</summary>
        private const string ProbeTag = "porterstorage-probe";

        /// <summary>
        /// Writes a marked blob with a tag, queries Find until it appears (or <paramref name="timeout"/>), deletes it; reads the
        /// account kind and SKU when allowed; counts blobs lacking Porter's tags per prefix (by List, which sees every blob).
        /// </summary>
        public static PorterBlobIndexStatus Probe(PorterAzureContainer storage, TimeSpan timeout, CancellationToken cancel) =>
            Probe(storage, timeout, true, cancel);

        /// <summary>
        /// As above; with <paramref name="writeProbe"/> false (-WhatIf) only reads: the account kind and SKU, the untagged
        /// counts, and whether a tag query of Porter's own is answered. Nothing is written; <see cref="PorterBlobIndexStatus.State"/>
        /// is <c>NotProbed</c> and <see cref="PorterBlobIndexStatus.Supported"/> false, since only a written probe shows support.
        /// </summary>
        public static PorterBlobIndexStatus Probe(PorterAzureContainer storage, TimeSpan timeout, bool writeProbe, CancellationToken cancel)
        {
            RequestCount before = storage.Counter.Snapshot();
            PorterBlobIndexStatus result = ProbeCounted(storage, timeout, writeProbe, cancel);
            result.Record(storage.Counter.Snapshot().Since(before));
            return result;
        }

        private static PorterBlobIndexStatus ProbeCounted(PorterAzureContainer storage, TimeSpan timeout, bool writeProbe, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            BlobServiceClient service = storage.CreateServiceClient();
            BlobContainerClient container = service.GetBlobContainerClient(storage.Container);
            string target = storage.ContainerUri.ToString();
            string? sku = null, kind = null;
            List<PrefixTagReport> prefixes;
            // The first request is bounded by the timeout too: an unreachable or unresolvable endpoint is named within it, not
            // after the SDK's retries. Any answer, a refusal included, shows the endpoint is reachable.
            long answersBefore = storage.Counter.Responses;
            using (var reach = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                reach.CancelAfter(timeout);
                try
                {
                    // Asked through the container: a container SAS may ask there. A credential that may not ask leaves it unknown.
                    AccountFacts account = AccountCheck.Read(container, target, reach.Token);
                    sku = account.SkuName;
                    kind = account.AccountKind;
                    // Listed, not checked for existence first: a container SAS may list blobs but not read the container's
                    // properties. A missing container is ContainerNotFound from the listing.
                    prefixes = CountUntagged(container, account, cancel);
                    if (account.LacksBlobIndex)
                    {
                        // Nothing to probe: such an account refuses every tag, so no probe blob is written.
                        return new PorterBlobIndexStatus(storage.AccountName, storage.ContainerUri, false,
                            AccountCheck.NoBlobIndex(target, "Porter's azure.blob plugin").Message, sku, kind, clock.Elapsed, prefixes);
                    }
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    if (storage.Counter.Responses > answersBefore)
                    {
                        throw new PorterStorageException(ErrorIds.AzureRequestFailed, PorterErrorKind.ConnectionError, target,
                            $"'{target}' answered but did not succeed within {timeout.TotalSeconds:0} s (-TimeoutSeconds; last answer HTTP {storage.Counter.LastStatus}): it is throttled or failing. Run the probe again later or raise -TimeoutSeconds.");
                    }
                    throw new PorterStorageException(ErrorIds.AzureConnectionFailed, PorterErrorKind.ConnectionError, target,
                        $"'{target}' did not answer within {timeout.TotalSeconds:0} s (-TimeoutSeconds); the endpoint could not be reached.");
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                {
                    throw AzureErrors.Translate(ex, target, "Listing the blobs");
                }
            }

            if (!writeProbe)
            {
                return ReadOnlyStatus(storage, service, target, sku, kind, prefixes, clock, cancel);
            }
            string marker = Guid.NewGuid().ToString("N");
            BlobClient probe = container.GetBlobClient(ProbePrefix + marker);
            bool supported;
            bool lagging = false;
            string? leftBehind = null;
            string reason;
            try
            {
                probe.Upload(BinaryData.FromString("PorterStorage Blob Index probe"),
                    new BlobUploadOptions { Tags = new Dictionary<string, string> { [ProbeTag] = marker } }, cancel);
                string condition = $"\"{ProbeTag}\"='{marker}'";
                supported = false;
                reason = $"the tagged probe blob did not appear in a tag query within {timeout.TotalSeconds:0} s";
                TimeSpan wait = TimeSpan.FromMilliseconds(100);
                var deadline = Stopwatch.StartNew();
                while (true)
                {
                    if (storage.FindByTags(service, condition, cancel).Any(b => b == probe.Name))
                    {
                        supported = true;
                        reason = $"a tagged blob was found by a tag query after {deadline.Elapsed.TotalSeconds:0.0} s";
                        break;
                    }
                    if (deadline.Elapsed > timeout)
                    {
                        // Written and readable, just not yet indexed: a slow index, not a missing one.
                        if (probe.GetTags(cancellationToken: cancel).Value.Tags.TryGetValue(ProbeTag, out string? back) && back == marker)
                        {
                            lagging = true;
                            reason = $"the probe blob's tags were written and read back, but a tag query did not return it within {timeout.TotalSeconds:0} s: the index is lagging";
                        }
                        break;
                    }
                    cancel.WaitHandle.WaitOne(wait);
                    cancel.ThrowIfCancellationRequested();
                    wait = TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds * 2, 2000));
                }
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                PorterStorageException named = AzureErrors.Translate(ex, target, "Writing and finding a tagged probe blob");
                if (named.ErrorId != ErrorIds.BlobIndexUnsupported && !(ex is RequestFailedException r && (r.Status == 400 || r.Status == 409)))
                {
                    throw named;
                }
                supported = false;
                reason = named.Message;
            }
            finally
            {
                // Removed even after Ctrl+C (given 2 s then, 10 s otherwise), never held longer by a stalled endpoint; one left
                // behind is named.
                TimeSpan bound = TimeSpan.FromSeconds(cancel.IsCancellationRequested ? 2 : 10);
                try
                {
                    using var bounded = new CancellationTokenSource(bound);
                    probe.DeleteIfExists(cancellationToken: bounded.Token);
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex) || ex is OperationCanceledException)
                {
                    leftBehind = ex is OperationCanceledException
                        ? $"The probe blob '{probe.Name}' could not be deleted within {bound.TotalSeconds:0} s; delete it, or it is backed up and copied with the container."
                        : AzureErrors.Translate(ex, probe.Name, "Deleting the probe blob").Message + " Delete it, or it is backed up and copied with the container.";
                }
            }
            return new PorterBlobIndexStatus(storage.AccountName, storage.ContainerUri, supported, reason, sku, kind, clock.Elapsed, prefixes)
            {
                State = supported ? "Supported" : lagging ? "Lagging" : "Unsupported",
                ProbeBlobLeft = leftBehind,
            };
        }

        /// <summary>The -WhatIf status: one read-only tag query of Porter's own says whether the account answers tag queries at all.</summary>
        private static PorterBlobIndexStatus ReadOnlyStatus(PorterAzureContainer storage, BlobServiceClient service, string target, string? sku, string? kind,
            List<PrefixTagReport> prefixes, Stopwatch clock, CancellationToken cancel)
        {
            string answered;
            try
            {
                int found = storage.FindByTags(service, PorterBlobTags.TypeCondition(ItemTypes.Installations), cancel).Count();
                answered = $"Porter's tag query for installations answered ({found} found)";
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                answered = "Porter's tag query for installations was refused: " + AzureErrors.Translate(ex, target, "Querying by tags").Message;
            }
            string reason = $"not probed (its write was not approved, as under -WhatIf): the probe would write a tagged blob '{ProbePrefix}<id>', find it by its tag and delete it; {answered}";
            return new PorterBlobIndexStatus(storage.AccountName, storage.ContainerUri, false, reason, sku, kind, clock.Elapsed, prefixes) { State = "NotProbed" };
        }

        /// <summary>How long a verification waits by default for the index to show what List already shows (format A§2).</summary>
        public static readonly TimeSpan DefaultIndexTimeout = StoreIndex.DefaultWait;

        /// <summary>
        /// The index is eventually consistent (format A§2): List with tags is the truth, and Porter's tag queries are polled
        /// with back-off until they return every tagged blob of <paramref name="listed"/> or <paramref name="timeout"/>
        /// passes. Only the types still missing something are queried again.
        /// </summary>
        public static IndexCheck WaitForIndex(PorterAzureContainer storage, IEnumerable<BlobItem> listed, TimeSpan timeout, CancellationToken cancel) =>
            WaitForIndex(storage, listed.Select(b => (b.Name, TypeTag(b.Tags))), timeout, cancel);

        /// <summary>As above, for the items a store listed (their store paths are the blob names).</summary>
        public static IndexCheck WaitForIndex(PorterAzureContainer storage, IEnumerable<StoreItem> listed, TimeSpan timeout, CancellationToken cancel) =>
            WaitForIndex(storage, listed.Select(i => (i.StorePath, i.Tags != null && i.Tags.TryGetValue(PorterBlobTags.Type, out string? t) ? t : null)), timeout, cancel);

        private static string? TypeTag(IDictionary<string, string>? tags) => tags != null && tags.TryGetValue(PorterBlobTags.Type, out string? t) ? t : null;

        /// <summary>Polls Porter's tag query of each type until it finds every blob listed with that type tag, or the timeout passes.</summary>
        private static IndexCheck WaitForIndex(PorterAzureContainer storage, IEnumerable<(string Blob, string? TypeTag)> listed, TimeSpan timeout, CancellationToken cancel)
        {
            var pending = new SortedDictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var types = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach ((string blob, string? t) in listed)
            {
                if (t != null && ItemTypes.All.Contains(t))
                {
                    string condition = PorterBlobTags.TypeCondition(t);
                    if (!pending.TryGetValue(condition, out HashSet<string>? names))
                    {
                        pending[condition] = names = new HashSet<string>(StringComparer.Ordinal);
                    }
                    names.Add(blob);
                    types[blob] = t;
                }
            }
            return WaitForQueries(storage, pending, types, Array.Empty<IndexMiss>(), timeout, cancel);
        }

        /// <summary>How many of Porter's tag queries a round of the wait asks at once: as many as any other loop of the account's requests.</summary>
        internal static readonly int QueryConcurrency = AzureConcurrency.Default;

        /// <summary>
        /// Polls each tag condition (asked as Porter asks it, <see cref="PorterAzureContainer.FindByTags"/>, every page) until it returns
        /// every blob <paramref name="pending"/> expects of it, or the timeout passes (the index lags behind writes); <paramref name="types"/>
        /// names each blob's type for the misses, which follow <paramref name="missedAlready"/>. A round asks each pending condition once,
        /// <see cref="QueryConcurrency"/> at a time. The first round asks every condition whatever the timeout (a timeout of zero asks each
        /// once: a condition never asked would be reported as not found); a later round starts no query past the deadline, so a round of
        /// many conditions ends with the timeout too, and a condition not asked again keeps what it found. Cancellable at once.
        /// </summary>
        internal static IndexCheck WaitForQueries(PorterAzureContainer storage, SortedDictionary<string, HashSet<string>> pending, IReadOnlyDictionary<string, string> types,
            IReadOnlyList<IndexMiss> missedAlready, TimeSpan timeout, CancellationToken cancel)
        {
            BlobServiceClient service = storage.CreateServiceClient();
            var clock = Stopwatch.StartNew();
            TimeSpan pause = TimeSpan.FromMilliseconds(250);
            int queries = 0;
            bool first = true;
            while (true)
            {
                PorterStorageException? failed = null;
                bool everyOne = first;
                BoundedWork.ForEach(pending.Keys.ToList(), QueryConcurrency, condition =>
                {
                    if (!everyOne && clock.Elapsed >= timeout)
                    {
                        return false;
                    }
                    Interlocked.Increment(ref queries);
                    // Each condition's set is touched by its own query only.
                    HashSet<string> expected = pending[condition];
                    try
                    {
                        foreach (string blob in storage.FindByTags(service, condition, cancel))
                        {
                            expected.Remove(blob);
                        }
                    }
                    catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
                    {
                        Interlocked.CompareExchange(ref failed, AzureErrors.Translate(ex, storage.ContainerUri.ToString(), "Querying by tags"), null);
                        return false;
                    }
                    return true;
                }, cancel);
                if (failed != null)
                {
                    throw failed;
                }
                first = false;
                foreach (string done in pending.Where(kv => kv.Value.Count == 0).Select(kv => kv.Key).ToList())
                {
                    pending.Remove(done);
                }
                TimeSpan left = timeout - clock.Elapsed;
                if (pending.Count == 0 || left <= TimeSpan.Zero)
                {
                    var missing = missedAlready.Concat(pending.Values.SelectMany(n => n).Distinct(StringComparer.Ordinal)
                        .Where(n => !missedAlready.Any(m => m.Blob == n)).OrderBy(n => n, StringComparer.Ordinal)
                        .Select(n => new IndexMiss(n, types.TryGetValue(n, out string? t) ? t : string.Empty))).ToList();
                    return new IndexCheck(missing, clock.Elapsed, queries);
                }
                // Cancellable at once: Ctrl+C never waits out a back-off.
                if (cancel.WaitHandle.WaitOne(pause < left ? pause : left))
                {
                    cancel.ThrowIfCancellationRequested();
                }
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 8000));
            }
        }

        /// <summary>Porter's blobs by type and how many lack its tags (every one, in an account that has no tags to list).</summary>
        internal static List<PrefixTagReport> CountUntagged(BlobContainerClient container, AccountFacts account, CancellationToken cancel)
        {
            var blobs = new Dictionary<string, int>();
            var missing = new Dictionary<string, int>();
            foreach (string p in ItemTypes.All)
            {
                blobs[p] = 0;
                missing[p] = 0;
            }
            foreach (BlobItem item in container.GetBlobs(account.Listing(BlobTraits.None), BlobStates.None, null, cancel))
            {
                int slash = item.Name.IndexOf('/');
                string type = slash > 0 ? item.Name.Substring(0, slash) : string.Empty;
                if (!blobs.ContainsKey(type))
                {
                    continue;
                }
                blobs[type]++;
                if (!PorterBlobTags.HasPorterTags(type, PorterBlobTags.Of(item.Tags)))
                {
                    missing[type]++;
                }
            }
            return ItemTypes.All.Select(p => new PrefixTagReport(p, blobs[p], missing[p])).ToList();
        }
    }
}

namespace PorterStorage
{
    /// <summary>How many blobs under one Porter prefix lack the tags the Azure plugin lists them by.</summary>
    public sealed class PrefixTagReport
    {
        internal PrefixTagReport(string prefix, int blobs, int missingTags)
        {
            Prefix = prefix;
            Blobs = blobs;
            MissingTags = missingTags;
        }

        public string Prefix { get; }

        public int Blobs { get; }

        public int MissingTags { get; }

        public override string ToString() => $"{Prefix}: {MissingTags} of {Blobs} untagged";
    }

    /// <summary>The result of Test-PorterAzureBlobIndex.</summary>
    public sealed class PorterBlobIndexStatus : CountedResult
    {
        internal PorterBlobIndexStatus(string account, Uri container, bool supported, string reason, string? skuName, string? accountKind,
            TimeSpan probeTime, IReadOnlyList<PrefixTagReport> prefixes)
        {
            Account = account;
            Container = container;
            Supported = supported;
            Reason = reason;
            SkuName = skuName;
            AccountKind = accountKind;
            ProbeTime = probeTime;
            Prefixes = prefixes;
        }

        public string Account { get; }

        public Uri Container { get; }

        /// <summary>A tagged blob was written and found by a tag query.</summary>
        public bool Supported { get; }

        public string Reason { get; }

        public string? SkuName { get; }

        public string? AccountKind { get; }

        public TimeSpan ProbeTime { get; }

        public IReadOnlyList<PrefixTagReport> Prefixes { get; }

        public int UntaggedBlobs => Prefixes.Sum(p => p.MissingTags);

        /// <summary>
        /// <c>Supported</c>; <c>Lagging</c> (the probe's tags were written and read back, but the index did not return it
        /// within the timeout: the account indexes, slowly); <c>Unsupported</c> (the account refuses tags or tag queries); or
        /// <c>NotProbed</c> (-WhatIf: only read-only checks ran).
        /// </summary>
        public string State { get; internal set; } = "Unsupported";

        /// <summary>Null, or why the probe blob is still in the container (it could not be deleted); the cmdlet warns.</summary>
        public string? ProbeBlobLeft { get; internal set; }

        public override string ToString() =>
            $"{Account}: Blob Index {(Supported ? "supported" : State == "Lagging" ? "lagging" : State == "NotProbed" ? "not probed (-WhatIf)" : "NOT supported")}";
    }
}
