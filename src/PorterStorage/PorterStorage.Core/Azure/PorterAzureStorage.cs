using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace PorterStorage
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
    /// A store of Porter data in an Azure storage account, and how to reach it: the azure.blob plugin's container (<see cref="Kind"/>
    /// <c>Container</c>) or the azure.table plugin's table (<c>Table</c>). Secrets (connection string, key, SAS, token) are kept in
    /// private fields: no property, display or <see cref="ToString"/> ever shows them. Each kind is its own type
    /// (<see cref="PorterAzureContainer"/>, <see cref="PorterAzureTable"/>), so code that works on one kind takes that type.
    /// </summary>
    public abstract class PorterAzureStorage
    {
        /// <summary>The container the azure.blob plugin always uses.</summary>
        public const string DefaultContainer = "porter";

        /// <summary>The table the azure.table plugin always uses.</summary>
        public const string DefaultTable = "porter";

        /// <summary>The <see cref="Kind"/> of the azure.blob plugin's store.</summary>
        public const string ContainerKind = "Container";

        /// <summary>The <see cref="Kind"/> of the azure.table plugin's store.</summary>
        public const string TableKind = "Table";

        private readonly StorageSharedKeyCredential? _sharedKey;
        private readonly string? _sas;
        private readonly TokenCredential? _token;
        private readonly string? _accountKey;

        private protected PorterAzureStorage(string accountName, Uri blobEndpoint, string container, AzureAuthentication authentication, string source,
            StorageSharedKeyCredential? sharedKey = null, string? sas = null, TokenCredential? token = null, RequestCounter? counter = null,
            Uri? tableEndpoint = null, string? table = null, string? accountKey = null)
        {
            _accountKey = accountKey;
            if (table != null)
            {
                string? tableProblem = TableNameProblem(table);
                if (tableProblem != null)
                {
                    throw new PorterStorageException(ErrorIds.TableNameInvalid, PorterErrorKind.InvalidArgument, table,
                        $"'{table}' cannot name a table: {tableProblem}. A table name is 3 to 63 letters and digits and starts with a letter.");
                }
            }
            Table = table;
            TableEndpoint = tableEndpoint == null ? null : new Uri(tableEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/'));
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
            foreach (Uri? endpoint in new[] { BlobEndpoint, TableEndpoint })
            {
                if (token != null && endpoint != null && !string.Equals(endpoint.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
                {
                    // The SDK refuses to send a token in clear text at the first request, with its own words; named now.
                    throw new PorterStorageException(ErrorIds.HttpsRequired, PorterErrorKind.InvalidArgument, endpoint.ToString(),
                        $"The endpoint '{endpoint}' is not HTTPS, and a token ({source}) is only ever sent over HTTPS. Give the account's https endpoint, or, for an emulator or a test endpoint over http, a connection string or a SAS token.");
                }
            }
            if (table != null)
            {
                // A table store whose endpoint cannot be known is named now, not at its first request.
                TableServiceUri();
            }
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

        /// <summary>
        /// Why <paramref name="name"/> cannot name a table, or null: Azure's rule (3 to 63 letters and digits, a letter first, not the
        /// reserved <c>tables</c>).
        /// </summary>
        public static string? TableNameProblem(string? name)
        {
            if (string.IsNullOrEmpty(name))
            {
                return "it is empty";
            }
            if (name!.Length < 3 || name.Length > 63)
            {
                return $"it has {name.Length} characters";
            }
            if (string.Equals(name, "tables", StringComparison.OrdinalIgnoreCase))
            {
                return "'tables' is reserved";
            }
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                if (!letter && (i == 0 || c < '0' || c > '9'))
                {
                    return i == 0 && c >= '0' && c <= '9' ? "it starts with a digit" : $"it has the character U+{(int)c:X4}";
                }
            }
            return null;
        }

        /// <summary><c>Container</c> (the azure.blob plugin's container) or <c>Table</c> (the azure.table plugin's table).</summary>
        public abstract string Kind { get; }

        /// <summary>The table, for a table store; null for a container.</summary>
        public string? Table { get; }

        /// <summary>The table service endpoint given by the connection (a connection string's <c>TableEndpoint</c>), or null when derived.</summary>
        public Uri? TableEndpoint { get; }

        /// <summary>The table's URL, without credentials; null for a container.</summary>
        public Uri? TableUri => Table == null ? null : new Uri(TableServiceUri().AbsoluteUri.TrimEnd('/') + "/" + Table);

        /// <summary>The store's URL, without credentials: the table's for a table store, the container's otherwise.</summary>
        public Uri StoreUri => TableUri ?? ContainerUri;

        public string AccountName { get; }

        /// <summary>The Azure cloud the blob endpoint is in (<c>AzureCloud</c>, <c>AzureUSGovernment</c>, <c>AzureChinaCloud</c>), or null for an emulator or a custom domain.</summary>
        public string? Cloud => AzureCloud.OfEndpoint(BlobEndpoint)?.Name;

        /// <summary>The requests made to this account through this object (and its <see cref="WithContainer"/> copies), and the retries.</summary>
        internal RequestCounter Counter { get; }

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

        /// <summary>The same account and credentials, another container (a container store, even when this one is a table).</summary>
        public PorterAzureContainer WithContainer(string container) =>
            (PorterAzureContainer)new PorterAzureContainer(AccountName, BlobEndpoint, container, Authentication, Source, _sharedKey, _sas, _token, Counter, TableEndpoint, _accountKey)
                .FromConfigOf(ConfigHome, ConfigFile, ConfigEntry);

        /// <summary>The same account and credentials, the table <paramref name="table"/> (the azure.table plugin's store).</summary>
        public PorterAzureTable WithTable(string table) =>
            (PorterAzureTable)new PorterAzureTable(AccountName, BlobEndpoint, Container, Authentication, Source, _sharedKey, _sas, _token, Counter, TableEndpoint, table, _accountKey)
                .FromConfigOf(ConfigHome, ConfigFile, ConfigEntry);

        /// <summary>The Porter config file that named this store, or null when it was given directly.</summary>
        public string? ConfigFileName => ConfigFile;

        /// <summary>The home whose Porter config named this store, or null when it was given directly.</summary>
        internal string? ConfigHome { get; private set; }

        /// <summary>That config's file.</summary>
        internal string? ConfigFile { get; private set; }

        /// <summary>The <c>[[storage]]</c> entry that named it, or null for <c>default-storage-plugin</c>.</summary>
        internal string? ConfigEntry { get; private set; }

        internal PorterAzureStorage FromConfigOf(string? home, string? file, string? entry)
        {
            ConfigHome = home;
            ConfigFile = file;
            ConfigEntry = entry;
            return this;
        }

        public override string ToString() => $"{StoreUri} ({Authentication})";

        /// <summary>
        /// The table service endpoint: the one the connection named, else the blob endpoint's twin in any cloud
        /// (<c>https://acct.blob.&lt;suffix&gt;</c> → <c>https://acct.table.&lt;suffix&gt;</c>) when that host is Azure's name for this
        /// account. Raises <c>AzureConnectionInvalid</c> for an emulator or a custom domain given without a table endpoint.
        /// </summary>
        internal Uri TableServiceUri()
        {
            if (TableEndpoint != null)
            {
                return TableEndpoint;
            }
            string host = BlobEndpoint.Host;
            int blob = host.IndexOf(".blob.", StringComparison.OrdinalIgnoreCase);
            if (blob > 0 && string.Equals(AzureCloud.AccountOf(BlobEndpoint, "blob"), AccountName, StringComparison.OrdinalIgnoreCase))
            {
                // The same scheme, port and path as the blob endpoint (Azure Stack Hub serves both on one non-default port).
                return new UriBuilder(BlobEndpoint) { Host = host.Substring(0, blob) + ".table." + host.Substring(blob + 6), Path = BlobEndpoint.AbsolutePath.TrimEnd('/') }.Uri;
            }
            throw new PorterStorageException(ErrorIds.AzureConnectionInvalid, PorterErrorKind.InvalidArgument, Source,
                $"The connection from {Source} names the blob endpoint '{BlobEndpoint}' but no table endpoint; add TableEndpoint=… to the connection string (or give -TableEndpoint).");
        }

        /// <summary>What sends this object's requests instead of HTTP (tests answer as a real account would); null for HTTP.</summary>
        internal global::Azure.Core.Pipeline.HttpPipelineTransport? Transport { get; set; }

        internal BlobClientOptions ClientOptions() => Configure(new BlobClientOptions());

        /// <summary>What every client of this account gets: request counting, the account's retries and concurrency (<see cref="AzureRetry"/>), no content logging or telemetry.</summary>
        private protected T Configure<T>(T options) where T : global::Azure.Core.ClientOptions
        {
            if (Transport != null)
            {
                options.Transport = Transport;
            }
            options.Retry.MaxRetries = 6; // the SDK's own resumption of a download broken off mid-body
            Counter.AttachTo(options);
            options.Diagnostics.IsLoggingContentEnabled = false;
            options.Diagnostics.IsTelemetryEnabled = false;
            return options;
        }

        internal StorageSharedKeyCredential? SharedKey => _sharedKey;

        internal string? Sas => _sas;

        internal TokenCredential? Token => _token;

        internal string? AccountKey => _accountKey;
    }
}
