using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using global::Azure.Storage.Sas;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>One thing that happened during a copy, handed to the caller on its own thread.</summary>
    public sealed class CopyEvent
    {
        internal CopyEvent(string blob, bool copied, long bytes, PorterStorageException? error)
        {
            Blob = blob;
            Copied = copied;
            Bytes = bytes;
            Error = error;
        }

        public string Blob { get; }

        public bool Copied { get; }

        public long Bytes { get; }

        public PorterStorageException? Error { get; }

        /// <summary>How many blobs this run copies (those equal on both sides are skipped before it starts).</summary>
        public int ToCopy { get; internal set; }
    }

    /// <summary>
    /// Server-side copy of a Porter container to another container or account, keeping tags, metadata and content
    /// headers; resumable (equal blobs are skipped) and verified at the end.
    /// </summary>
    public static class ContainerCopy
    {
        /// <summary>What both accounts of a copy have counted (once, when they are one account object).</summary>
        internal static RequestCount Requests(PorterAzureStorage source, PorterAzureStorage destination) =>
            ReferenceEquals(source.Counter, destination.Counter) ? source.Counter.Snapshot() : source.Counter.Snapshot() + destination.Counter.Snapshot();

        /// <summary>Blobs up to this size use Copy Blob From URL (synchronous); larger ones the asynchronous copy with explicit tags.</summary>
        public const long SyncCopyLimitBytes = 256L * 1024 * 1024;

        /// <summary>How many blobs are copied at once unless the caller says otherwise.</summary>
        public static int DefaultConcurrency => AzureConcurrency.Default;

        /// <summary>
        /// Copies every blob (found by List) except the module's own probe blobs. Events are raised on the calling thread only.
        /// Raises <c>ContainerNotFound</c>, <c>ContainerNotEmpty</c> (different data on the destination without
        /// <paramref name="force"/>), <c>AzureAuthFailed</c>.
        /// </summary>
        public static PorterContainerCopyResult Run(PorterAzureContainer source, PorterAzureContainer destination, int concurrency, bool force,
            Action<CopyEvent> onEvent, CancellationToken cancel) =>
            Run(source, destination, concurrency, force, BlobIndexProbe.DefaultIndexTimeout, onEvent, cancel);

        /// <summary>As above, waiting up to <paramref name="indexTimeout"/> for Porter's tag queries to return every copied tagged blob.</summary>
        public static PorterContainerCopyResult Run(PorterAzureContainer source, PorterAzureContainer destination, int concurrency, bool force,
            TimeSpan indexTimeout, Action<CopyEvent> onEvent, CancellationToken cancel)
        {
            RequestCount before = Requests(source, destination);
            PorterContainerCopyResult result = RunCounted(source, destination, concurrency, force, indexTimeout, onEvent, cancel);
            result.Record(Requests(source, destination).Since(before));
            return result;
        }

        private static PorterContainerCopyResult RunCounted(PorterAzureContainer source, PorterAzureContainer destination, int concurrency, bool force,
            TimeSpan indexTimeout, Action<CopyEvent> onEvent, CancellationToken cancel)
        {
            var clock = Stopwatch.StartNew();
            BlobContainerClient from = source.CreateContainerClient();
            BlobContainerClient to = destination.CreateContainerClient();
            string sourceName = source.ContainerUri.ToString(), destName = destination.ContainerUri.ToString();

            // An account with a hierarchical namespace has no tags to copy (and refuses a listing that asks for them): copying
            // its container into one with Blob Index is how Porter's data gets tags at all.
            AccountFacts sourceAccount = AccountCheck.Read(from, sourceName, cancel);
            // A missing source is ContainerNotFound from this listing itself; no separate existence check is needed.
            List<BlobItem> sourceBlobs = AccountCheck.ListAll(from, sourceName, ref sourceAccount, BlobTraits.Metadata, "Listing the source", cancel)
                .Where(b => !b.Name.StartsWith(BlobIndexProbe.ProbePrefix, StringComparison.Ordinal)).ToList();
            AccountCheck.RefuseArchived(sourceBlobs, sourceName, "The copy");
            AccountFacts destinationAccount = sourceBlobs.Any(b => b.Tags != null && b.Tags.Count > 0)
                ? AccountCheck.RequireBlobIndex(to, destName, "Copying tagged blobs", cancel)
                : AccountCheck.Read(to, destName, cancel);
            bool? holds = ContainerChecks.HoldsBlobs(to, destName, cancel);
            // The copy status tells a blob an earlier asynchronous copy left failed or aborted (its content is not the source's).
            Dictionary<string, BlobItem> existing = holds == true
                ? AccountCheck.ListAll(to, destName, ref destinationAccount, BlobTraits.Metadata | BlobTraits.CopyStatus, "Listing the destination", cancel)
                    .ToDictionary(b => b.Name, StringComparer.Ordinal)
                : new Dictionary<string, BlobItem>(StringComparer.Ordinal);
            // Porter cannot read a blob the copy would leave archived on the destination.
            var inSource = new HashSet<string>(sourceBlobs.Select(b => b.Name), StringComparer.Ordinal);
            AccountCheck.RefuseArchived(existing.Values.Where(d => inSource.Contains(d.Name)), destName, "The copy (to its destination)");
            if (holds == null)
            {
                ContainerChecks.Create(to, destName, cancel);
            }
            BlobTraits destinationListing = destinationAccount.Listing(BlobTraits.Metadata | BlobTraits.CopyStatus);

            var sourceByName = sourceBlobs.ToDictionary(b => b.Name, StringComparer.Ordinal);
            string? foreign = existing.Keys.FirstOrDefault(n => !sourceByName.ContainsKey(n))
                              ?? existing.Values.Where(d => sourceByName.ContainsKey(d.Name) && !LeftByFailedCopy(d) && !SameContent(sourceByName[d.Name], d))
                                  .Select(d => d.Name).FirstOrDefault();
            if (foreign != null && !force)
            {
                throw new PorterStorageException(ErrorIds.ContainerNotEmpty, PorterErrorKind.ResourceExists, destName,
                    $"The destination '{destName}' holds data that differs from the source (e.g. '{foreign}'); use -Force to copy over it.");
            }

            var todo = sourceBlobs.Where(b => !(existing.TryGetValue(b.Name, out BlobItem? d) && SameContent(b, d) && SameTags(b.Tags, d.Tags))).ToList();
            int skipped = sourceBlobs.Count - todo.Count;
            var sas = new CopySourceSas(source);
            // The service copies the source's own tags when the SAS may read them, unless the source account has none to copy.
            bool serviceCopiesTags = GrantsTagRead(sas.Current(cancel)) && !sourceAccount.LacksBlobIndex;
            long syncLimit = SyncCopyLimit();

            async Task<CopyEvent> Copy(BlobItem blob, CancellationToken stop)
            {
                try
                {
                    await CopyOne(from, to, blob, sas, serviceCopiesTags, syncLimit, stop).ConfigureAwait(false);
                    return new CopyEvent(blob.Name, true, blob.Properties.ContentLength ?? 0, null);
                }
                catch (Exception ex) when (AzureErrors.IsAzureFailure(ex) || ex is PorterStorageException)
                {
                    // A storage failure (or a copy the service ended without success) fails this blob only; anything else
                    // is a defect and ends the copy.
                    PorterStorageException named = AzureErrors.Translate(ex, blob.Name, "Copying the blob");
                    string message = ex is RequestFailedException r && r.ErrorCode == "CannotVerifyCopySource"
                        ? $"Copying the blob on '{blob.Name}' failed: HTTP {r.Status} CannotVerifyCopySource: the service could not read the copy's source. {sas.Cause(r.Status)}"
                        : named.Message;
                    return new CopyEvent(blob.Name, false, 0, new PorterStorageException(ErrorIds.BlobCopyFailed, named.Kind, blob.Name, message, ex));
                }
            }

            int copied = 0, failed = 0, tags = 0;
            long bytes = 0;
            foreach (CopyEvent e in BoundedWork.Run<BlobItem, CopyEvent>(todo, concurrency, Copy, cancel))
            {
                if (e.Copied)
                {
                    copied++;
                    bytes += e.Bytes;
                    if (sourceByName[e.Blob].Tags?.Count > 0)
                    {
                        tags++;
                    }
                }
                else
                {
                    failed++;
                }
                e.ToCopy = todo.Count;
                onEvent(e);
            }

            List<string> mismatches = Verify(sourceBlobs, destination, to, destinationListing, indexTimeout, cancel, out IndexCheck? index);
            return new PorterContainerCopyResult(source.ContainerUri, destination.ContainerUri, sourceBlobs.Count, copied, skipped, failed, bytes, tags,
                mismatches, index, clock.Elapsed) { UntaggedSource = sourceAccount.LacksBlobIndex && sourceBlobs.Count > 0 };
        }

        /// <summary>
        /// Copies one blob. A synchronous copy lets the service copy the source's tags when the source SAS may read them
        /// (less work for the service than parsing them from a header, and the tags the source holds at that moment);
        /// otherwise, and for the asynchronous copy (which never copies tags), the listed tags are sent.
        /// </summary>
        private static async Task CopyOne(BlobContainerClient from, BlobContainerClient to, BlobItem blob, CopySourceSas sas, bool serviceCopiesTags,
            long syncLimit, CancellationToken cancel)
        {
            BlobClient target = to.GetBlobClient(blob.Name);
            var tags = blob.Tags != null && blob.Tags.Count > 0 ? new Dictionary<string, string>(blob.Tags) : null;
            bool synchronous = (blob.Properties.ContentLength ?? 0) <= syncLimit;
            // The service reads an asynchronous copy's source for as long as the copy runs: it gets a SAS of its own, valid a day.
            var sourceUri = new Uri(from.GetBlobClient(blob.Name).Uri + "?" + (synchronous ? sas.Current(cancel) : sas.ForLongCopy(cancel)));
            if (synchronous)
            {
                BlobCopyFromUriOptions options = serviceCopiesTags
                    ? new BlobCopyFromUriOptions { CopySourceTagsMode = BlobCopySourceTagsMode.Copy }
                    : new BlobCopyFromUriOptions { Tags = tags };
                await target.SyncCopyFromUriAsync(sourceUri, options, cancel).ConfigureAwait(false);
            }
            else
            {
                CopyFromUriOperation op = await target.StartCopyFromUriAsync(sourceUri,
                    new BlobCopyFromUriOptions { Tags = tags, Metadata = blob.Metadata }, cancel).ConfigureAwait(false);
                await op.WaitForCompletionAsync(cancel).ConfigureAwait(false);
                // The wait ends when the copy stops pending, whether it succeeded, failed or was aborted; only the blob's copy
                // status tells which.
                BlobProperties copied = (await target.GetPropertiesAsync(cancellationToken: cancel).ConfigureAwait(false)).Value;
                if (copied.CopyStatus != CopyStatus.Success)
                {
                    throw new PorterStorageException(ErrorIds.BlobCopyFailed, PorterErrorKind.WriteError, blob.Name,
                        $"The service's copy of '{blob.Name}' ended '{copied.CopyStatus.ToString().ToLowerInvariant()}'" +
                        (string.IsNullOrEmpty(copied.CopyStatusDescription) ? "." : $": {copied.CopyStatusDescription}.") +
                        " The blob is not counted as copied; a rerun copies it again.");
                }
            }
        }

        /// <summary>
        /// Blobs up to this size use Copy Blob From URL (synchronous); larger ones the asynchronous copy. <see cref="SyncCopyLimitBytes"/>
        /// unless the environment variable PORTERSTORAGE_SYNC_COPY_LIMIT_BYTES sets another (tests use it to send small blobs the
        /// asynchronous way).
        /// </summary>
        internal static long SyncCopyLimit() =>
            long.TryParse(Environment.GetEnvironmentVariable("PORTERSTORAGE_SYNC_COPY_LIMIT_BYTES"), out long limit) && limit >= 0 ? limit : SyncCopyLimitBytes;

        /// <summary>Whether a SAS's signed permissions (<c>sp</c>) include reading tags (<c>t</c>).</summary>
        internal static bool GrantsTagRead(string sas) => CopySourceSas.Permissions(sas).IndexOf('t') >= 0;

        /// <summary>
        /// A blob an asynchronous copy into it left failed or aborted: it holds none of its source's content, so a copy replaces it
        /// without -Force (it is no one's data).
        /// </summary>
        internal static bool LeftByFailedCopy(BlobItem blob) =>
            blob.Properties.CopyStatus is CopyStatus status && (status == CopyStatus.Failed || status == CopyStatus.Aborted);

        /// <summary>A blob whose last copy into it has not succeeded (failed, aborted, or still pending): it does not yet hold its source.</summary>
        internal static bool CopyNotDone(BlobItem blob) => blob.Properties.CopyStatus is CopyStatus status && status != CopyStatus.Success;

        /// <summary>
        /// Whether the blob <paramref name="b"/> (on the destination) holds what <paramref name="a"/> holds: the same length and MD5, and
        /// no copy into it that failed, was aborted or is still pending.
        /// </summary>
        internal static bool SameContent(BlobItem a, BlobItem b)
        {
            if (CopyNotDone(b))
            {
                return false;
            }
            if (a.Properties.ContentLength != b.Properties.ContentLength)
            {
                return false;
            }
            byte[]? x = a.Properties.ContentHash, y = b.Properties.ContentHash;
            return x == null || y == null || x.Length == 0 || y.Length == 0 || x.SequenceEqual(y);
        }

        internal static bool SameTags(IDictionary<string, string>? a, IDictionary<string, string>? b)
        {
            int ca = a?.Count ?? 0, cb = b?.Count ?? 0;
            return ca == cb && (ca == 0 || a!.All(kv => b!.TryGetValue(kv.Key, out string? v) && v == kv.Value));
        }

        /// <summary>
        /// List on both sides must agree blob by blob; then Porter's own tag queries must find every tagged item, waited for
        /// up to <paramref name="indexTimeout"/> since the index lags behind List.
        /// </summary>
        private static List<string> Verify(List<BlobItem> sourceBlobs, PorterAzureContainer destination, BlobContainerClient to, BlobTraits listing,
            TimeSpan indexTimeout, CancellationToken cancel, out IndexCheck? index)
        {
            index = null;
            var mismatches = new List<string>();
            Dictionary<string, BlobItem> dest;
            try
            {
                dest = to.GetBlobs(listing, BlobStates.None, null, cancel).ToDictionary(b => b.Name, StringComparer.Ordinal);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, destination.ContainerUri.ToString(), "Listing the destination");
            }
            foreach (BlobItem s in sourceBlobs)
            {
                if (!dest.TryGetValue(s.Name, out BlobItem? d))
                {
                    mismatches.Add($"{s.Name}: missing on the destination");
                }
                else if (!SameContent(s, d))
                {
                    mismatches.Add($"{s.Name}: length or MD5 differs, or the service's copy of it did not succeed");
                }
                else if (!SameTags(s.Tags, d.Tags))
                {
                    mismatches.Add($"{s.Name}: index tags differ");
                }
                else if (!SameTags(s.Metadata, d.Metadata))
                {
                    mismatches.Add($"{s.Name}: metadata differs");
                }
            }
            if (mismatches.Count > 0)
            {
                return mismatches;
            }

            index = BlobIndexProbe.WaitForIndex(destination, dest.Values, indexTimeout, cancel);
            return mismatches;
        }
    }
}

namespace PorterStorage
{
    /// <summary>The result of Copy-PorterAzureContainer.</summary>
    public sealed class PorterContainerCopyResult : CountedResult
    {
        internal PorterContainerCopyResult(Uri source, Uri destination, int total, int copied, int skipped, int failed, long bytes, int tagsCopied,
            IReadOnlyList<string> mismatches, IndexCheck? index, TimeSpan duration)
        {
            bool verified = failed == 0 && mismatches.Count == 0 && index != null && !index.Lagging;
            Source = source;
            Destination = destination;
            Total = total;
            Copied = copied;
            Skipped = skipped;
            Failed = failed;
            Bytes = bytes;
            TagsCopied = tagsCopied;
            Verified = verified;
            Mismatches = mismatches;
            NotYetIndexed = index?.Missing.Select(m => m.Blob).ToList() ?? new List<string>();
            IndexLagging = index?.Lagging ?? false;
            IndexWait = index?.Waited ?? TimeSpan.Zero;
            IndexQueries = index?.Queries ?? 0;
            Duration = duration;
        }

        public Uri Source { get; }

        public Uri Destination { get; }

        public int Total { get; }

        public int Copied { get; }

        /// <summary>Already present and equal (length, MD5, tags) — a resumed copy skips them.</summary>
        public int Skipped { get; }

        public int Failed { get; }

        public long Bytes { get; }

        /// <summary>Blobs copied with index tags.</summary>
        public int TagsCopied { get; }

        /// <summary>Both sides listed equal (length, MD5, metadata, tags) and Porter's tag queries find every item on the destination.</summary>
        public bool Verified { get; }

        public IReadOnlyList<string> Mismatches { get; }

        /// <summary>
        /// Both sides list equal, but Porter's tag queries had not yet returned every tagged blob when the wait for the
        /// index ended (-IndexTimeoutSeconds): the copy is complete and the account's index is behind. Not a failure of
        /// the copy; a rerun (nothing to copy) verifies again.
        /// </summary>
        public bool IndexLagging { get; }

        /// <summary>
        /// True when the source's account has no Blob Index (a hierarchical namespace): the copied blobs carry no index tags, so Porter,
        /// which lists by tags, sees none of them until they are rebuilt (Repair-PorterAzureBlobTag, or the migration).
        /// </summary>
        public bool UntaggedSource { get; internal set; }

        /// <summary>The tagged blobs Porter's queries did not yet return when the wait ended.</summary>
        public IReadOnlyList<string> NotYetIndexed { get; }

        /// <summary>How long the verification waited for the index.</summary>
        public TimeSpan IndexWait { get; }

        /// <summary>How many of Porter's tag queries the verification asked, all rounds of the wait together (a query's further pages not counted).</summary>
        public int IndexQueries { get; }

        public TimeSpan Duration { get; }

        /// <summary>
        /// For a table moved to a container: the change to Porter's config that makes Porter read the container (the entry's
        /// <c>plugin</c> becomes <c>azure.blob</c>), as text to apply by hand; null for a copy.
        /// </summary>
        public string? ConfigChange { get; internal set; }

        /// <summary>The config file changed by -UpdateConfig, and where its old text was kept; null when it was not changed.</summary>
        public string? ConfigUpdated { get; internal set; }

        /// <summary>For a table moved to a container: the entities that are not Porter items (other partitions), left in the table only.</summary>
        public IReadOnlyList<string> LeftOut { get; internal set; } = Array.Empty<string>();

        public override string ToString() => $"{Source} -> {Destination}: {Copied} copied, {Skipped} skipped, {Failed} failed";
    }
}
