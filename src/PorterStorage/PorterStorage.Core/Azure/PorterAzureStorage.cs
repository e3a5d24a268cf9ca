using System;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;

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
            StorageSharedKeyCredential? sharedKey = null, string? sas = null, TokenCredential? token = null)
        {
            AccountName = accountName;
            BlobEndpoint = new Uri(blobEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
            Container = container;
            Authentication = authentication;
            Source = source;
            _sharedKey = sharedKey;
            _sas = sas?.TrimStart('?');
            _token = token;
        }

        public string AccountName { get; }

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
            new PorterAzureStorage(AccountName, BlobEndpoint, container, Authentication, Source, _sharedKey, _sas, _token);

        public override string ToString() => $"{ContainerUri} ({Authentication})";

        internal static BlobClientOptions ClientOptions()
        {
            var options = new BlobClientOptions();
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

        internal StorageSharedKeyCredential? SharedKey => _sharedKey;

        internal string? Sas => _sas;
    }
}
