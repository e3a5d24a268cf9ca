using System.Linq;
using System.Threading;
using global::Azure;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// Whether a container exists, found by listing it, never by reading its properties: a container SAS (<c>sr=c</c>) may
    /// list, read and write blobs but not read, create or lease the container itself.
    /// </summary>
    internal static class ContainerChecks
    {
        /// <summary>Null when the container does not exist; else whether it holds any blob (one listing page of one blob).</summary>
        public static bool? HoldsBlobs(BlobContainerClient container, CancellationToken cancel)
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
        }

        /// <summary>Creates the container when a listing finds it missing (an account key or account SAS can; a container SAS cannot).</summary>
        public static void EnsureExists(BlobContainerClient container, CancellationToken cancel)
        {
            if (HoldsBlobs(container, cancel) == null)
            {
                container.CreateIfNotExists(cancellationToken: cancel);
            }
        }
    }
}
