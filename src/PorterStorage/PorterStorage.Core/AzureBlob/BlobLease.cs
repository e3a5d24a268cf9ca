using System;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Specialized;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// A container's migration lock: a 15-second lease on <c>.porterstorage/lock</c> (created when missing), renewed by
    /// <see cref="StoreLock"/> while the run lives. The release is bounded, and an unreleased lease expires by itself.
    /// </summary>
    internal sealed class BlobLease : IStoreLease
    {
        public static readonly TimeSpan Length = TimeSpan.FromSeconds(15);

        private const string LockBlob = ".porterstorage/lock";

        private readonly BlobLeaseClient _lease;

        private BlobLease(BlobLeaseClient lease, string name)
        {
            _lease = lease;
            Name = name;
        }

        /// <summary>Takes the lease of the container at <paramref name="location"/>; <c>MigrationInProgress</c> while another run holds it.</summary>
        public static BlobLease Acquire(BlobContainerClient container, string location, CancellationToken cancel)
        {
            try
            {
                ContainerChecks.EnsureExists(container, location, cancel);
                BlobClient blob = container.GetBlobClient(LockBlob);
                if (!blob.Exists(cancel).Value)
                {
                    try
                    {
                        blob.Upload(BinaryData.FromString("PorterStorage migration lock"), overwrite: false, cancel);
                    }
                    catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
                    {
                        // Another run created it first; the lease decides.
                    }
                }
                BlobLeaseClient lease = blob.GetBlobLeaseClient();
                lease.Acquire(Length, cancellationToken: cancel);
                return new BlobLease(lease, location + "/" + LockBlob);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                throw new PorterStorageException(ErrorIds.MigrationInProgress, PorterErrorKind.ResourceBusy, location,
                    $"Another migration of '{location}' holds the lease on '{LockBlob}' (a killed run's lease expires within 15 s).", ex);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, location, "Taking the migration lock");
            }
        }

        public string Name { get; }

        public TimeSpan? Duration => Length;

        public bool Renew(CancellationToken cancellationToken)
        {
            try
            {
                _lease.Renew(cancellationToken: cancellationToken);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 409 || ex.Status == 412)
            {
                return false; // expired and taken, or broken: no longer ours
            }
        }

        public void Dispose()
        {
            try
            {
                // Bounded: a stalled endpoint never holds the end of a run; an unreleased lease expires within 15 s.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                _lease.Release(cancellationToken: timeout.Token);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex) || ex is OperationCanceledException)
            {
            }
        }
    }
}
