using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using global::Azure;
using global::Azure.Core;
using global::Azure.Core.Pipeline;
using global::Azure.Identity;
using global::Azure.Storage;

namespace PorterStorage.Core.Azure
{
    /// <summary>Builds <see cref="PorterAzureStorage"/> objects the ways Porter's Azure plugin connects (format A§1.5), and more.</summary>
    public static class AzureStorageFactory
    {
        /// <summary>The variable the plugin reads when the config names none.</summary>
        public const string DefaultConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

        private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        /// <summary>
        /// A connection string: <c>AccountName</c>/<c>AccountKey</c> with <c>DefaultEndpointsProtocol</c>/<c>EndpointSuffix</c>
        /// or an explicit <c>BlobEndpoint</c> (Azurite, a custom domain), <c>SharedAccessSignature</c>, or <c>UseDevelopmentStorage=true</c>.
        /// The account is <c>AccountName</c>, else the one Azure's own host name (<c>acct.blob.&lt;suffix&gt;</c>) or an emulator's path
        /// names; a custom domain without <c>AccountName</c> is refused rather than guessed. Raises <c>AzureConnectionInvalid</c>
        /// naming the source, never the string.
        /// </summary>
        public static PorterAzureContainer FromConnectionString(string connectionString, string container, string source)
        {
            var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string segment in connectionString.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = segment.IndexOf('=');
                if (eq <= 0)
                {
                    throw Invalid(source, "a part of it is not key=value");
                }
                parts[segment.Substring(0, eq).Trim()] = segment.Substring(eq + 1).Trim();
            }
            if (parts.TryGetValue("UseDevelopmentStorage", out string? dev) && dev.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                parts["AccountName"] = "devstoreaccount1";
                parts["AccountKey"] = DevelopmentKey;
                parts["BlobEndpoint"] = "http://127.0.0.1:10000/devstoreaccount1";
                parts["TableEndpoint"] = "http://127.0.0.1:10002/devstoreaccount1";
            }
            Uri? tableEndpoint = null;
            if (parts.TryGetValue("TableEndpoint", out string? tableText) && !Uri.TryCreate(tableText, UriKind.Absolute, out tableEndpoint))
            {
                throw Invalid(source, "TableEndpoint is not a URL");
            }
            string? account = parts.TryGetValue("AccountName", out string? named) && named.Length > 0 ? named : null;
            Uri endpoint;
            if (parts.TryGetValue("BlobEndpoint", out string? blob))
            {
                if (!Uri.TryCreate(blob, UriKind.Absolute, out endpoint!))
                {
                    throw Invalid(source, "BlobEndpoint is not a URL");
                }
                account = AccountFor(account, endpoint, why => Invalid(source, why + "; name the account it serves with AccountName=…"));
            }
            else
            {
                if (string.IsNullOrEmpty(account) && tableEndpoint != null)
                {
                    account = AzureCloud.AccountOf(tableEndpoint, "table");
                }
                if (string.IsNullOrEmpty(account))
                {
                    throw Invalid(source, "it names neither AccountName nor BlobEndpoint");
                }
                string protocol = parts.TryGetValue("DefaultEndpointsProtocol", out string? p) ? p : "https";
                string suffix = parts.TryGetValue("EndpointSuffix", out string? s) ? s : AzureCloud.Public.StorageSuffix;
                endpoint = new Uri($"{protocol}://{account}.blob.{suffix}");
            }
            if (parts.TryGetValue("AccountKey", out string? key) && !string.IsNullOrEmpty(account))
            {
                StorageSharedKeyCredential credential;
                try
                {
                    credential = new StorageSharedKeyCredential(account, key);
                    Convert.FromBase64String(key);
                }
                catch (FormatException)
                {
                    throw Invalid(source, "AccountKey is not base64");
                }
                return new PorterAzureContainer(account!, endpoint, container, AzureAuthentication.ConnectionString, source, sharedKey: credential,
                    tableEndpoint: tableEndpoint, accountKey: key);
            }
            if (parts.TryGetValue("SharedAccessSignature", out string? sas))
            {
                return new PorterAzureContainer(account!, endpoint, container, AzureAuthentication.SasToken, source, sas: sas,
                    tableEndpoint: tableEndpoint);
            }
            throw Invalid(source, "it holds neither AccountKey nor SharedAccessSignature");
        }

        /// <summary>
        /// The storage an Az.Storage context describes (New-AzStorageContext's output, read by its properties so that the module
        /// needs no Az): its connection string when it carries a credential (an account key or a SAS), else its SAS token, else
        /// the signed-in identity (DefaultAzureCredential, as Az's -UseConnectedAccount). Raises <c>AzureCredentialNotFound</c>
        /// when the context names no account or endpoint.
        /// </summary>
        public static PorterAzureContainer FromAzContext(string? accountName, string? blobEndpoint, string? connectionString, string? sasToken, string container)
        {
            bool carriesCredential = connectionString != null
                && (connectionString.IndexOf("AccountKey=", StringComparison.OrdinalIgnoreCase) >= 0
                    || connectionString.IndexOf("SharedAccessSignature=", StringComparison.OrdinalIgnoreCase) >= 0);
            if (carriesCredential)
            {
                return FromConnectionString(connectionString!, container, "an Az.Storage context (-Context)");
            }
            Uri? endpoint = Uri.TryCreate(blobEndpoint, UriKind.Absolute, out Uri? parsed) ? parsed : null;
            if (string.IsNullOrEmpty(accountName) && endpoint == null)
            {
                throw new PorterStorageException(ErrorIds.AzureCredentialNotFound, PorterErrorKind.InvalidArgument, "-Context",
                    "The Az.Storage context names no storage account (StorageAccountName) or blob endpoint (BlobEndPoint).");
            }
            if (endpoint != null)
            {
                accountName = AccountFor(string.IsNullOrEmpty(accountName) ? null : accountName, endpoint,
                    why => new PorterStorageException(ErrorIds.AccountRequired, PorterErrorKind.InvalidArgument, "-Context",
                        $"The Az.Storage context: {why}; give a context with StorageAccountName."));
            }
            if (!string.IsNullOrEmpty(sasToken))
            {
                return FromSas(string.IsNullOrEmpty(accountName) ? null : accountName, endpoint, sasToken!, container);
            }
            return FromTokenCredential(string.IsNullOrEmpty(accountName) ? null : accountName, endpoint, false, null, container);
        }

        /// <summary>
        /// An account name or blob endpoint with a SAS token. The account's endpoint is in <paramref name="cloud"/> (default the
        /// public cloud); a blob endpoint on a custom domain needs the account name (<c>AccountRequired</c> otherwise).
        /// </summary>
        public static PorterAzureContainer FromSas(string? accountName, Uri? blobEndpoint, string sasToken, string container, Uri? tableEndpoint = null,
            AzureCloud? cloud = null)
        {
            (string account, Uri endpoint) = Account(accountName, blobEndpoint, cloud);
            return new PorterAzureContainer(account, endpoint, container, AzureAuthentication.SasToken, "SAS token (-SasToken)", sas: sasToken, tableEndpoint: tableEndpoint);
        }

        /// <summary>
        /// An account name or blob endpoint with a token credential: a managed identity, else DefaultAzureCredential signing in to
        /// the cloud's authority (<see cref="CredentialOptions"/>). Account and endpoint as <see cref="FromSas"/>.
        /// </summary>
        public static PorterAzureContainer FromTokenCredential(string? accountName, Uri? blobEndpoint, bool managedIdentity, string? clientId, string container,
            Uri? tableEndpoint = null, AzureCloud? cloud = null)
        {
            (string account, Uri endpoint) = Account(accountName, blobEndpoint, cloud);
            TokenCredential credential = managedIdentity
                ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
                : new DefaultAzureCredential(CredentialOptions(cloud, endpoint));
            return new PorterAzureContainer(account, endpoint, container,
                managedIdentity ? AzureAuthentication.ManagedIdentity : AzureAuthentication.DefaultCredential,
                managedIdentity ? (string.IsNullOrEmpty(clientId) ? "system-assigned managed identity" : "user-assigned managed identity") : "DefaultAzureCredential",
                token: credential, tableEndpoint: tableEndpoint);
        }

        /// <summary>
        /// The plugin's way (format A§1.5): the <c>[[storage]]</c> entry named <paramref name="storageName"/> (else the one
        /// that applies) must use <c>azure.blob</c>; its <c>env</c> variable (default AZURE_STORAGE_CONNECTION_STRING) holds the
        /// connection string; else <c>account</c> + <c>resource-group</c> (+ <c>subscription-id</c>) look the first key up through
        /// Azure Resource Manager of <paramref name="cloud"/> (the plugin's config names no cloud: by default the one the Azure
        /// CLI's profile gives, <see cref="LookupCloud"/>). Raises <c>StorageNotAzure</c>, <c>StorageNotDefined</c>,
        /// <c>AzureCredentialNotFound</c>, <c>AzureConfigIncomplete</c>.
        /// </summary>
        public static PorterAzureStorage FromConfig(PorterConfig config, string? storageName, string container, Func<string, string?> environment,
            CancellationToken cancel = default, AzureCloud? cloud = null) =>
            FromConfig(config, storageName, container, environment, null, null, cancel, cloud);

        /// <summary>As above, with the credential and transport for Azure Resource Manager given (tests use fakes).</summary>
        internal static PorterAzureStorage FromConfig(PorterConfig config, string? storageName, string container, Func<string, string?> environment,
            TokenCredential? armCredential, HttpPipelineTransport? armTransport, CancellationToken cancel, AzureCloud? cloud = null)
        {
            string where = config.FilePath ?? config.HomePath;
            string plugin;
            IReadOnlyDictionary<string, object?> table;
            string label;
            if (!string.IsNullOrEmpty(storageName))
            {
                PorterPluginEntry entry = config.Storage.FirstOrDefault(s => s.Name == storageName)
                    ?? throw new PorterStorageException(ErrorIds.StorageNotDefined, PorterErrorKind.ObjectNotFound, where,
                        $"The config '{where}' has no [[storage]] entry named \"{storageName}\".");
                plugin = entry.Plugin;
                table = entry.Values;
                label = $"[[storage]] \"{entry.Name}\" in {where}";
            }
            else
            {
                plugin = config.ResolvedStorage.Plugin;
                table = config.ResolvedStorage.Values;
                label = config.ResolvedStorage.Name != null ? $"[[storage]] \"{config.ResolvedStorage.Name}\" in {where}" : $"default-storage-plugin in {where}";
            }
            bool isTable = plugin == PorterResolvedStorage.AzureTablePlugin;
            if (plugin != PorterResolvedStorage.AzureBlobPlugin && !isTable)
            {
                throw new PorterStorageException(ErrorIds.StorageNotAzure, PorterErrorKind.InvalidArgument, where,
                    $"The storage that applies ({label}) uses the '{plugin}' plugin, not azure.blob or azure.table.");
            }
            // Both plugins connect alike (the same credentials code); the table plugin's store is always the table 'porter'.
            string? entryName = !string.IsNullOrEmpty(storageName) ? storageName : config.ResolvedStorage.Name;
            PorterAzureStorage Kinded(PorterAzureStorage connected) =>
                (isTable ? connected.WithTable(PorterAzureStorage.DefaultTable) : connected).FromConfigOf(config.HomePath, config.FilePath, entryName);

            string variable = Text(table, "env") is string v && v.Length > 0 ? v : DefaultConnectionStringVariable;
            string? connectionString = environment(variable);
            if (!string.IsNullOrEmpty(connectionString))
            {
                return Kinded(FromConnectionString(connectionString!, container, $"env {variable} ({label})"));
            }

            string? account = Text(table, "account"), group = Text(table, "resource-group");
            if (!string.IsNullOrEmpty(account) || !string.IsNullOrEmpty(group))
            {
                if (string.IsNullOrEmpty(account) || string.IsNullOrEmpty(group))
                {
                    throw new PorterStorageException(ErrorIds.AzureConfigIncomplete, PorterErrorKind.InvalidArgument, where,
                        $"{label} sets only one of 'account' and 'resource-group'; the Azure plugin needs both.");
                }
                string? subscription = Text(table, "subscription-id");
                var profile = AzureCliProfile.Read(environment);
                AzureCloud armCloud = cloud ?? LookupCloud(profile, subscription, where, label);
                if (string.IsNullOrEmpty(subscription))
                {
                    subscription = profile.DefaultSubscription(armCloud.Name)
                        ?? throw new PorterStorageException(ErrorIds.AzureConfigIncomplete, PorterErrorKind.InvalidArgument, where,
                            $"{label} sets no 'subscription-id' and ~/.azure/azureProfile.json names no default {armCloud.Name} subscription.");
                }
                string key = ArmAccountKeys.FirstKey(armCloud, subscription!, group!, account!, armCredential ?? new AzureCliCredential(), armTransport, cancel);
                return Kinded(new PorterAzureContainer(account!, armCloud.BlobEndpoint(account!), container, AzureAuthentication.AccountKeyLookup,
                    $"account key of '{account}' from Azure Resource Manager in {armCloud.Name} ({label})", sharedKey: new StorageSharedKeyCredential(account, key), accountKey: key));
            }

            throw new PorterStorageException(ErrorIds.AzureCredentialNotFound, PorterErrorKind.AuthenticationError, variable,
                $"The environment variable {variable} is not set, and {label} names no account and resource group. Set {variable} to the storage account's connection string.");
        }

        /// <summary>
        /// The cloud of the plugin's ARM key lookup when the caller names none: the cloud azureProfile.json gives the config's
        /// <c>subscription-id</c>, else the Azure CLI's current cloud, else the public cloud (the plugin's only one). A cloud the
        /// module does not know (one registered with <c>az cloud register</c>) is <c>AzureConfigIncomplete</c>, not the public cloud.
        /// </summary>
        internal static AzureCloud LookupCloud(AzureCliProfile profile, string? subscription, string where, string label)
        {
            string? name = (string.IsNullOrEmpty(subscription) ? null : profile.EnvironmentOf(subscription!)) ?? profile.CurrentCloud;
            if (name == null)
            {
                return AzureCloud.Public;
            }
            return AzureCloud.FromName(name)
                ?? throw new PorterStorageException(ErrorIds.AzureConfigIncomplete, PorterErrorKind.InvalidArgument, where,
                    $"{label}: the Azure CLI's profile places the key lookup in the cloud '{name}', and the module looks keys up only in AzureCloud, AzureUSGovernment and AzureChinaCloud. Give -Environment, or a connection string in the variable the entry's 'env' names.");
        }

        private static string? Text(IReadOnlyDictionary<string, object?> table, string key) =>
            table.TryGetValue(key, out object? value) ? ConfigDocument.AsString(value) : null;

        /// <summary>
        /// DefaultAzureCredential's options: the authority of <paramref name="cloud"/>, else of the cloud the blob endpoint is in
        /// (a sovereign account's token comes from its own cloud's sign-in), else the credential's default.
        /// </summary>
        internal static DefaultAzureCredentialOptions CredentialOptions(AzureCloud? cloud, Uri endpoint)
        {
            var options = new DefaultAzureCredentialOptions();
            Uri? authority = (cloud ?? AzureCloud.OfEndpoint(endpoint))?.AuthorityHost;
            if (authority != null)
            {
                options.AuthorityHost = authority;
            }
            return options;
        }

        /// <summary>The account and blob endpoint of <c>-AccountName</c> (in <paramref name="cloud"/>, default public) and <c>-BlobEndpoint</c>.</summary>
        private static (string Account, Uri Endpoint) Account(string? accountName, Uri? blobEndpoint, AzureCloud? cloud)
        {
            string? given = string.IsNullOrEmpty(accountName) ? null : accountName;
            if (blobEndpoint == null && given == null)
            {
                throw new PorterStorageException(ErrorIds.AccountRequired, PorterErrorKind.InvalidArgument, "-AccountName", "Give -AccountName or -BlobEndpoint.");
            }
            if (blobEndpoint == null)
            {
                return (given!, (cloud ?? AzureCloud.Public).BlobEndpoint(given!));
            }
            string account = AccountFor(given, blobEndpoint, why => new PorterStorageException(ErrorIds.AccountRequired, PorterErrorKind.InvalidArgument, "-BlobEndpoint",
                $"-BlobEndpoint: {why}; give the account it serves with -AccountName."));
            return (account, blobEndpoint);
        }

        /// <summary>
        /// The account of a blob endpoint: the one given, which must agree with the account a known cloud's host name (or an
        /// emulator's path) names; without one, the account <c>acct.blob.&lt;any suffix&gt;</c> or the path names. A custom domain names none, and a Shared Key signed for a guessed name
        /// would fail as a misleading authentication error, so it is refused (<paramref name="refuse"/>, given why).
        /// </summary>
        internal static string AccountFor(string? given, Uri endpoint, Func<string, PorterStorageException> refuse)
        {
            string? named = AzureCloud.AccountOf(endpoint, "blob");
            if (given == null)
            {
                return named ?? throw refuse($"the host '{endpoint.Host}' is not Azure's <account>.blob.<suffix> (a custom domain), so it does not say which account it serves");
            }
            // Only a known cloud's host surely names its account: a custom domain may look like one (files.blob.contoso.com).
            bool surely = named != null && (AzureCloud.OfEndpoint(endpoint) != null || endpoint.IsLoopback || System.Net.IPAddress.TryParse(endpoint.Host, out _));
            if (surely && !string.Equals(named, given, StringComparison.OrdinalIgnoreCase))
            {
                throw refuse($"the account name '{given}' is not the account '{named}' the endpoint '{endpoint.Host}' names");
            }
            return given;
        }

        private static PorterStorageException Invalid(string source, string why) =>
            new PorterStorageException(ErrorIds.AzureConnectionInvalid, PorterErrorKind.InvalidArgument, source,
                $"The connection string from {source} is not valid: {why}.");
    }
}
