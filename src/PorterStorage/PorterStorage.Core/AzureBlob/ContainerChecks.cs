using System;
using System.Linq;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.AzureBlob
{
    /// <summary>
    /// Whether a container exists, found by listing it, never by reading its properties: a container SAS (<c>sr=c</c>) may
    /// list, read and write blobs but not read, create or lease the container itself.
    /// </summary>
    internal static class ContainerChecks
    {
        /// <summary>
        /// Null when the container does not exist; else whether it holds any blob (one listing page of one blob). A failure is a
        /// named error for <paramref name="target"/> ("Listing the blobs").
        /// </summary>
        public static bool? HoldsBlobs(BlobContainerClient container, string target, CancellationToken cancel)
        {
            try
            {
                Page<BlobItem>? first = container.GetBlobs(BlobTraits.None, BlobStates.None, null, cancel).AsPages(null, 1).FirstOrDefault();
                return first != null && first.Values.Count > 0;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                return null;
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, "Listing the blobs");
            }
        }

        /// <summary>
        /// Creates the container (an account key, account SAS or role can; a container SAS cannot: the error then says so, naming
        /// <paramref name="target"/>).
        /// </summary>
        public static void Create(BlobContainerClient container, string target, CancellationToken cancel)
        {
            try
            {
                container.CreateIfNotExists(cancellationToken: cancel);
            }
            catch (Exception ex) when (AzureErrors.IsAzureFailure(ex))
            {
                throw AzureErrors.Translate(ex, target, "Creating the container");
            }
        }

        /// <summary>Creates the container when a listing finds it missing.</summary>
        public static void EnsureExists(BlobContainerClient container, string target, CancellationToken cancel)
        {
            if (HoldsBlobs(container, target, cancel) == null)
            {
                Create(container, target, cancel);
            }
        }
    }
}
