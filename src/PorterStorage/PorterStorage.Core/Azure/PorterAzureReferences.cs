using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Core;

namespace PorterStorage
{
    /// <summary>The azure.blob plugin's store: a blob container in an account, and how to reach it.</summary>
    public sealed class PorterAzureContainer : PorterAzureStorage
    {
        internal PorterAzureContainer(string accountName, Uri blobEndpoint, string container, AzureAuthentication authentication, string source,
            StorageSharedKeyCredential? sharedKey = null, string? sas = null, TokenCredential? token = null, RequestCounter? counter = null,
            Uri? tableEndpoint = null, string? accountKey = null)
            : base(accountName, blobEndpoint, container, authentication, source, sharedKey, sas, token, counter, tableEndpoint, null, accountKey)
        {
        }

        public override string Kind => ContainerKind;

        internal BlobServiceClient CreateServiceClient()
        {
            BlobClientOptions options = ClientOptions();
            if (SharedKey != null)
            {
                return new BlobServiceClient(BlobEndpoint, SharedKey, options);
            }
            if (Sas != null)
            {
                return new BlobServiceClient(new Uri(BlobEndpoint + "?" + Sas), options);
            }
            return new BlobServiceClient(BlobEndpoint, Token!, options);
        }

        internal BlobContainerClient CreateContainerClient() => CreateServiceClient().GetBlobContainerClient(Container);

        /// <summary>True when the SAS is a service SAS on the container (<c>sr=c</c>): it reaches the container's blobs only.</summary>
        internal bool IsContainerSas => Sas != null && ("&" + Sas + "&").IndexOf("&sr=c&", StringComparison.Ordinal) >= 0;

        /// <summary>
        /// The blobs of this container whose tags match <paramref name="tagCondition"/>: Porter's own query (account-level Find
        /// Blobs by Tags with <c>@container</c>), or, for a container SAS, which cannot query the account, the same condition
        /// asked of the container.
        /// </summary>
        internal IEnumerable<string> FindByTags(BlobServiceClient service, string tagCondition, CancellationToken cancel) =>
            IsContainerSas
                ? service.GetBlobContainerClient(Container).FindBlobsByTags(tagCondition, cancel).Select(b => b.BlobName)
                : service.FindBlobsByTags(tagCondition + $" AND @container='{Container}'", cancel).Select(b => b.BlobName);
    }

    /// <summary>The azure.table plugin's store: a table in an account, and how to reach it.</summary>
    public sealed class PorterAzureTable : PorterAzureStorage
    {
        internal PorterAzureTable(string accountName, Uri blobEndpoint, string container, AzureAuthentication authentication, string source,
            StorageSharedKeyCredential? sharedKey, string? sas, TokenCredential? token, RequestCounter? counter, Uri? tableEndpoint, string table, string? accountKey)
            : base(accountName, blobEndpoint, container, authentication, source, sharedKey, sas, token, counter, tableEndpoint, table, accountKey)
        {
        }

        public override string Kind => TableKind;

        /// <summary>A client of this table, with the same retries and request counting as the blob clients.</summary>
        internal global::Azure.Data.Tables.TableClient CreateTableClient()
        {
            global::Azure.Data.Tables.TableClientOptions options = Configure(new global::Azure.Data.Tables.TableClientOptions());
            Uri service = TableServiceUri();
            try
            {
                return TableClientFor(service, options);
            }
            catch (UriFormatException)
            {
                // Azure.Data.Tables cuts the table's name out of the endpoint wherever it occurs, so a path-style endpoint
                // (emulators) whose account name contains the table's cannot be addressed.
                throw new PorterStorageException(ErrorIds.AzureConnectionInvalid, PorterErrorKind.InvalidArgument, Source,
                    $"The table endpoint of {Source} names the account '{AccountName}' in its path, and the name contains the table's ('{Table}'); the table client cannot address it. Use a host-style endpoint (https://{AccountName}.table.…).");
            }
        }

        private global::Azure.Data.Tables.TableClient TableClientFor(Uri service, global::Azure.Data.Tables.TableClientOptions options)
        {
            if (SharedKey != null && AccountKey != null)
            {
                return new global::Azure.Data.Tables.TableServiceClient(service, new global::Azure.Data.Tables.TableSharedKeyCredential(AccountName, AccountKey), options).GetTableClient(Table);
            }
            if (Sas != null)
            {
                return new global::Azure.Data.Tables.TableServiceClient(service, new global::Azure.AzureSasCredential(Sas), options).GetTableClient(Table);
            }
            if (Token != null)
            {
                return new global::Azure.Data.Tables.TableServiceClient(service, Token, options).GetTableClient(Table);
            }
            throw new PorterStorageException(ErrorIds.AzureCredentialNotFound, PorterErrorKind.AuthenticationError, Source,
                $"The connection from {Source} carries no credential the table service takes.");
        }
    }
}

namespace PorterStorage.Core.Azure
{
    /// <summary>
    /// Where a script's reference meets a command that works on one kind: PowerShell hands any <see cref="PorterAzureStorage"/> to any
    /// parameter, so the command takes it as its kind here, once, and everything below takes the typed reference.
    /// </summary>
    public static class AzureReferences
    {
        /// <summary><paramref name="given"/> as a container, or <c>AzureStoreKindMismatch</c> naming <paramref name="command"/> before any request.</summary>
        public static PorterAzureContainer Container(PorterAzureStorage given, string command) =>
            given as PorterAzureContainer ?? throw Mismatch(given, PorterAzureStorage.ContainerKind, command);

        /// <summary><paramref name="given"/> as a table, or <c>AzureStoreKindMismatch</c> naming <paramref name="command"/> before any request.</summary>
        public static PorterAzureTable Table(PorterAzureStorage given, string command) =>
            given as PorterAzureTable ?? throw Mismatch(given, PorterAzureStorage.TableKind, command);

        private static PorterStorageException Mismatch(PorterAzureStorage given, string wanted, string command) =>
            new PorterStorageException(ErrorIds.AzureStoreKindMismatch, PorterErrorKind.InvalidArgument, given.StoreUri.ToString(),
                wanted == PorterAzureStorage.ContainerKind
                    ? $"'{given.StoreUri}' is the azure.table plugin's table, not a blob container; {command} works on a container. Back up, restore, check and copy a table (or move it to a container) with Backup-PorterAzureContainer, Restore-PorterAzureContainer, Test-PorterStorage and Copy-PorterAzureContainer."
                    : $"'{given.StoreUri}' is a blob container, not the azure.table plugin's table; {command} needs a table (Get-PorterAzureStorage -Table).");
    }
}
