using System;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Get-PorterAzureStorage: the blob container (azure.blob) or table (azure.table) holding Porter data and how to reach it —
    /// from the home's Porter config (as the plugin connects), a connection string, a SAS token, or a managed identity. Never
    /// shows a secret.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PorterAzureStorage", DefaultParameterSetName = ConfigSet)]
    [OutputType(typeof(PorterAzureStorage))]
    public sealed class GetPorterAzureStorageCommand : PorterCmdlet
    {
        private const string ConfigSet = "Config";
        private const string LiteralPathSet = "LiteralPath";
        private const string HomeSet = "Home";
        private const string ConnectionStringSet = "ConnectionString";
        private const string SasSet = "SasToken";
        private const string IdentitySet = "Identity";
        private const string ContextSet = "Context";

        /// <summary>
        /// An Az.Storage context (New-AzStorageContext, or a storage account's .Context): its account, endpoint and credential
        /// (account key, SAS, or the signed-in account) are used as they are, with -Container (default 'porter'). Az is not needed.
        /// </summary>
        [Parameter(ParameterSetName = ContextSet, Mandatory = true)]
        [ValidateNotNull]
        public object? Context { get; set; }

        /// <summary>
        /// The Porter home whose config names the storage; wildcards allowed, one storage per matching home. Default:
        /// PORTER_HOME, else ~/.porter.
        /// </summary>
        [Parameter(ParameterSetName = ConfigSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("HomePath")]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>The Porter home, taken literally; a folder from Get-ChildItem binds here by its PSPath.</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>A home from Get-PorterHome, taken literally.</summary>
        [Parameter(ParameterSetName = HomeSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PorterHome? InputObject { get; set; }

        /// <summary>The [[storage]] entry to use instead of the one that applies.</summary>
        [Parameter(ParameterSetName = ConfigSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = HomeSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StorageNameCompleter))]
        public string? StorageName { get; set; }

        /// <summary>A storage connection string (AccountName/AccountKey, BlobEndpoint=… for Azurite, or SharedAccessSignature).</summary>
        [Parameter(ParameterSetName = ConnectionStringSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? ConnectionString { get; set; }

        /// <summary>
        /// The storage account name. Its endpoints are in the cloud -Environment or -EndpointSuffix names (the public cloud by
        /// default); with a -BlobEndpoint on a custom domain it names the account the domain serves.
        /// </summary>
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotNullOrEmpty]
        public string? AccountName { get; set; }

        /// <summary>The blob service endpoint, for emulators or a custom domain (which needs -AccountName too).</summary>
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotNull]
        public Uri? BlobEndpoint { get; set; }

        /// <summary>A SAS token for the account or container (needs read, list, tag and find for the module's work).</summary>
        [Parameter(ParameterSetName = SasSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? SasToken { get; set; }

        /// <summary>Authenticate with a managed identity (Azure Automation); without it, DefaultAzureCredential is used.</summary>
        [Parameter(ParameterSetName = IdentitySet)]
        public SwitchParameter UseManagedIdentity { get; set; }

        /// <summary>Authenticate as the signed-in account (DefaultAzureCredential: Azure CLI, Az PowerShell, environment), as Az's -UseConnectedAccount; the default of this set.</summary>
        [Parameter(ParameterSetName = IdentitySet)]
        public SwitchParameter UseConnectedAccount { get; set; }

        /// <summary>The client ID of a user-assigned managed identity.</summary>
        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotNullOrEmpty]
        public string? ClientId { get; set; }

        /// <summary>The container; Porter's Azure plugin always uses 'porter'.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Container { get; set; } = PorterAzureStorage.DefaultContainer;

        /// <summary>
        /// A table of the account instead of a container: the azure.table plugin's store (the plugin always uses 'porter'). A home's
        /// config says by itself which store it uses.
        /// </summary>
        [Parameter(ParameterSetName = ConnectionStringSet)]
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = IdentitySet)]
        [Parameter(ParameterSetName = ContextSet)]
        [ValidateNotNullOrEmpty]
        public string? Table { get; set; }

        /// <summary>The table service endpoint, for other clouds or emulators (a connection string gives it as TableEndpoint=…).</summary>
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotNull]
        public Uri? TableEndpoint { get; set; }

        /// <summary>
        /// The Azure cloud, named as Az and 'az cloud' name it: the endpoints of -AccountName (and the table's), the authority
        /// DefaultAzureCredential signs in to, and, for a home's config, Azure Resource Manager of the key lookup. A connection
        /// string names its own endpoints (EndpointSuffix).
        /// </summary>
        [Parameter(ParameterSetName = ConfigSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = HomeSet)]
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateSet(AzureCloud.PublicName, AzureCloud.UsGovernmentName, AzureCloud.ChinaName)]
        public string? Environment { get; set; }

        /// <summary>The storage endpoint suffix of -AccountName's endpoints (core.usgovcloudapi.net, or an Azure Stack Hub's), instead of -Environment.</summary>
        [Parameter(ParameterSetName = SasSet)]
        [Parameter(ParameterSetName = IdentitySet)]
        [ValidateNotNullOrEmpty]
        public string? EndpointSuffix { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ConfigSet || ParameterSetName == LiteralPathSet || ParameterSetName == HomeSet)
            {
                // One storage per home: each home's config is read on its own, a failing one named and the next one read.
                string[]? literal = InputObject != null ? new[] { InputObject.Path } : LiteralPath;
                foreach (ResolvedHome home in ResolveHomes(Path, literal))
                {
                    RunItemOrWriteError(() => Write(AzureStorageFactory.FromConfig(PorterHomeService.ReadConfig(home.Path), StorageName, Container,
                        System.Environment.GetEnvironmentVariable, CancellationToken, AzureCloud.FromName(Environment))), null, home.Path);
                }
                return;
            }
            try
            {
                PorterAzureStorage storage = Resolve();
                Write(Table != null ? storage.WithTable(Table) : storage);
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
            }
        }

        private void Write(PorterAzureStorage storage)
        {
            WriteVerbose($"Using the {storage.Kind.ToLowerInvariant()} {storage.StoreUri} ({storage.Authentication}) from {storage.Source}.");
            WriteObject(storage);
        }

        private PorterAzureStorage Resolve()
        {
            switch (ParameterSetName)
            {
                case ConnectionStringSet:
                    return AzureStorageFactory.FromConnectionString(ConnectionString!, Container, "-ConnectionString");
                case SasSet:
                    RequireAccount();
                    return AzureStorageFactory.FromSas(AccountName, BlobEndpoint, SasToken!, Container, TableEndpoint, Cloud());
                case ContextSet:
                    return AzContextTransformationAttribute.FromContext(Context, Container)
                        ?? throw new PorterStorageException(ErrorIds.AzureCredentialNotFound, PorterErrorKind.InvalidArgument, "-Context",
                            "-Context takes an Az.Storage context (New-AzStorageContext): an object with StorageAccountName or BlobEndPoint.");
                case IdentitySet:
                    RequireAccount();
                    if (UseConnectedAccount && UseManagedIdentity)
                    {
                        ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Give -UseManagedIdentity or -UseConnectedAccount, not both."), "IdentityConflict", ErrorCategory.InvalidArgument, null));
                    }
                    return AzureStorageFactory.FromTokenCredential(AccountName, BlobEndpoint, UseManagedIdentity, ClientId, Container, TableEndpoint, Cloud());
                default:
                    throw new InvalidOperationException("The config set is resolved per home.");
            }
        }

        private void RequireAccount()
        {
            if (AccountName == null && BlobEndpoint == null)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Give -AccountName or -BlobEndpoint."), "AccountRequired", ErrorCategory.InvalidArgument, null));
            }
            if (TableEndpoint != null && Table == null)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("-TableEndpoint goes with -Table."), "TableRequired", ErrorCategory.InvalidArgument, null));
            }
            if (Environment != null && EndpointSuffix != null)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Give -Environment or -EndpointSuffix, not both."), "EnvironmentConflict", ErrorCategory.InvalidArgument, null));
            }
        }

        /// <summary>The cloud -Environment or -EndpointSuffix names, or null (the public cloud).</summary>
        private AzureCloud? Cloud() => EndpointSuffix != null ? AzureCloud.FromSuffix(EndpointSuffix) : AzureCloud.FromName(Environment);
    }
}
