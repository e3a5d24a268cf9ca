using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using PorterStorage.Core.Errors;

namespace PorterStorage.Core.Azure
{
    /// <summary>How a <see cref="PorterAzureStorage"/> authenticates.</summary>
    public enum AzureAuthentication
    {
        /// <summary>Shared Key from a connection string (Porter's own way).</summary>
        ConnectionString,

        /// <summary>Shared Key looked up through Azure Resource Manager (config <c>account</c> + <c>resource-group</c>).</summary>
        AccountKeyLookup,

        /// <summary>A shared access signature.</summary>
        SasToken,

        /// <summary>A managed identity (Azure Automation, VMs).</summary>
        ManagedIdentity,

        /// <summary>Azure.Identity's DefaultAzureCredential chain.</summary>
        DefaultCredential,
    }

    /// <summary>
    /// A blob container holding Porter data, and how to reach it. Secrets (connection string, key, SAS, token) are
    /// kept in private fields: no property, display or <see cref="ToString"/> ever shows them.
    /// </summary>
    public sealed class PorterAzureStorage
    {
        /// <summary>The container the Azure plugin always uses.</summary>
        public const string DefaultContainer = "porter";

        private readonly StorageSharedKeyCredential? _sharedKey;
        private readonly string? _sas;
        private readonly TokenCredential? _token;

        internal PorterAzureStorage(string accountName, Uri blobEndpoint, string container, AzureAuthentication authentication, string source,
            StorageSharedKeyCredential? sharedKey = null, string? sas = null, TokenCredential? token = null, RequestCounter? counter = null)
        {
            string? problem = ContainerNameProblem(container);
            if (problem != null)
            {
                throw new PorterStorageException(ErrorIds.ContainerNameInvalid, PorterErrorKind.InvalidArgument, container,
                    $"'{container}' cannot name a blob container: {problem}. A container name is 3 to 63 lowercase letters, digits and hyphens, starts with a letter or digit, and has no two hyphens in a row and none at the end.");
            }
            Counter = counter ?? new RequestCounter();
            AccountName = accountName;
            BlobEndpoint = new Uri(blobEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
            Container = container;
            Authentication = authentication;
            Source = source;
            _sharedKey = sharedKey;
            _sas = sas?.TrimStart('?');
            _token = token;
        }

        /// <summary>
        /// Why <paramref name="name"/> cannot name a container of Porter's data, or null: Azure's naming rule. Azure's own containers
        /// (<c>$root</c>, <c>$web</c>, <c>$logs</c>) are refused too; tag queries cannot name them, and Porter's plugin never uses them.
        /// </summary>
        public static string? ContainerNameProblem(string? name)
        {
            if (name != null && name.StartsWith("$", StringComparison.Ordinal))
            {
                return "it names one of Azure's own containers, which Porter's tag queries cannot name";
            }
            if (string.IsNullOrEmpty(name))
            {
                return "it is empty";
            }
            if (name!.Length < 3 || name.Length > 63)
            {
                return $"it has {name.Length} characters";
            }
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                bool letterOrDigit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
                if (!letterOrDigit && c != '-')
                {
                    return c >= 'A' && c <= 'Z' ? "it has an uppercase letter" : $"it has the character U+{(int)c:X4}";
                }
                if (c == '-' && (i == 0 || i == name.Length - 1 || name[i - 1] == '-'))
                {
                    return i == 0 ? "it starts with a hyphen" : i == name.Length - 1 ? "it ends with a hyphen" : "it has two hyphens in a row";
                }
            }
            return null;
        }

        public string AccountName { get; }

        /// <summary>The requests made to this account through this object (and its <see cref="WithContainer"/> copies), and the retries.</summary>
        public RequestCounter Counter { get; }

        /// <summary>The blob service endpoint, without any query (no SAS).</summary>
        public Uri BlobEndpoint { get; }

        public string Container { get; }

        public AzureAuthentication Authentication { get; }

        /// <summary>Where the connection came from, e.g. <c>env DEV_AZURE_STORAGE_CONNECTION_STRING ([[storage]] "dev" in …/config.toml)</c>.</summary>
        public string Source { get; }

        /// <summary>The container's URL, without credentials.</summary>
        public Uri ContainerUri => new Uri(BlobEndpoint.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(Container));

        /// <summary>True when a service SAS can be signed for copies (Shared Key).</summary>
        public bool CanSignSas => _sharedKey != null;

        /// <summary>The same account and credentials, another container.</summary>
        public PorterAzureStorage WithContainer(string container) =>
            new PorterAzureStorage(AccountName, BlobEndpoint, container, Authentication, Source, _sharedKey, _sas, _token, Counter);

        public override string ToString() => $"{ContainerUri} ({Authentication})";

        internal BlobClientOptions ClientOptions()
        {
            var options = new BlobClientOptions();
            Counter.AttachTo(options);
            options.Retry.Mode = global::Azure.Core.RetryMode.Exponential;
            options.Retry.MaxRetries = 6;
            options.Retry.Delay = TimeSpan.FromMilliseconds(500);
            options.Retry.MaxDelay = TimeSpan.FromSeconds(8);
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(60);
            options.Diagnostics.IsLoggingContentEnabled = false;
            options.Diagnostics.IsTelemetryEnabled = false;
            return options;
        }

        internal BlobServiceClient CreateServiceClient()
        {
            BlobClientOptions options = ClientOptions();
            if (_sharedKey != null)
            {
                return new BlobServiceClient(BlobEndpoint, _sharedKey, options);
            }
            if (_sas != null)
            {
                return new BlobServiceClient(new Uri(BlobEndpoint + "?" + _sas), options);
            }
            return new BlobServiceClient(BlobEndpoint, _token!, options);
        }

        internal BlobContainerClient CreateContainerClient() => CreateServiceClient().GetBlobContainerClient(Container);

        /// <summary>True when the SAS is a service SAS on the container (<c>sr=c</c>): it reaches the container's blobs only.</summary>
        internal bool IsContainerSas => _sas != null && ("&" + _sas + "&").IndexOf("&sr=c&", StringComparison.Ordinal) >= 0;

        /// <summary>
        /// The blobs of this container whose tags match <paramref name="tagCondition"/>: Porter's own query (account-level Find
        /// Blobs by Tags with <c>@container</c>), or, for a container SAS, which cannot query the account, the same condition
        /// asked of the container.
        /// </summary>
        internal IEnumerable<string> FindByTags(BlobServiceClient service, string tagCondition, CancellationToken cancel) =>
            IsContainerSas
                ? service.GetBlobContainerClient(Container).FindBlobsByTags(tagCondition, cancel).Select(b => b.BlobName)
                : service.FindBlobsByTags(tagCondition + $" AND @container='{Container}'", cancel).Select(b => b.BlobName);

        internal StorageSharedKeyCredential? SharedKey => _sharedKey;

        internal string? Sas => _sas;
    }
}
