using System;

namespace PorterStorage.Core.Errors
{
    /// <summary>The error ids the core raises. Keep in step with docs/errors.md.</summary>
    public static class ErrorIds
    {
        public const string HomeNotFound = "HomeNotFound";
        public const string HomePathInvalid = "HomePathInvalid";
        public const string ConfigParseError = "ConfigParseError";
        public const string ConfigFormatUnsupported = "ConfigFormatUnsupported";
        public const string ConfigReadError = "ConfigReadError";
        public const string StorageNotDefined = "StorageNotDefined";
        public const string SchemaParseError = "SchemaParseError";
        public const string SchemaAmbiguous = "SchemaAmbiguous";
        public const string SchemaReadError = "SchemaReadError";
        public const string StoreReadError = "StoreReadError";
        public const string StoreAmbiguousItem = "StoreAmbiguousItem";
        public const string BackupCorrupt = "BackupCorrupt";
        public const string BackupNotFound = "BackupNotFound";
        public const string BackupExists = "BackupExists";
        public const string BackupWriteError = "BackupWriteError";
        public const string BackupUploadFailed = "BackupUploadFailed";
        public const string RunIdInvalid = "RunIdInvalid";
        public const string ReportExists = "ReportExists";
        public const string DestinationInsideHome = "DestinationInsideHome";
        public const string DestinationNotEmpty = "DestinationNotEmpty";
        public const string FileUnreadable = "FileUnreadable";
        public const string FileChangedDuringBackup = "FileChangedDuringBackup";
        public const string UnsafeArchiveEntry = "UnsafeArchiveEntry";
        public const string RestoreFailed = "RestoreFailed";
        public const string BackupRequired = "BackupRequired";
        public const string MigrationInProgress = "MigrationInProgress";

        /// <summary>The container's migration lease could not be renewed; the run stops before its next change.</summary>
        public const string MigrationLockLost = "MigrationLockLost";
        public const string StorageNotLocal = "StorageNotLocal";
        public const string ClaimParseError = "ClaimParseError";
        public const string ClaimBundleMissing = "ClaimBundleMissing";
        public const string InvalidInstallationName = "InvalidInstallationName";
        public const string InvalidOutputName = "InvalidOutputName";

        /// <summary>A name (installation, claim, output, set) that cannot be a file or blob name of the store (see ItemNames).</summary>
        public const string InvalidItemName = "InvalidItemName";

        /// <summary>A change committed by an interrupted run could not be completed; it was rolled back (or set aside) and the run went on.</summary>
        public const string InterruptedChangeRolledBack = "InterruptedChangeRolledBack";

        /// <summary>The process may not read, list or write a path (permissions, ACLs, a read-only file system).</summary>
        public const string AccessDenied = "AccessDenied";

        /// <summary>The disk holding a path is full (ENOSPC, ERROR_DISK_FULL).</summary>
        public const string DiskFull = "DiskFull";

        /// <summary>A file could not be written, created, moved or deleted for another I/O reason.</summary>
        public const string FileWriteFailed = "FileWriteFailed";

        /// <summary>A path that must be a folder (a data folder, the home) is a file.</summary>
        public const string PathNotFolder = "PathNotFolder";

        /// <summary>A path that must be a file (schema.json, the config) is a folder or a special file.</summary>
        public const string PathNotFile = "PathNotFile";

        /// <summary>A folder given as a home holds nothing of Porter's; a backup or migration of it needs -Force.</summary>
        public const string NotAPorterHome = "NotAPorterHome";
        public const string DocumentTooLarge = "DocumentTooLarge";

        /// <summary>A state, not an error: Porter's tag queries had not yet caught up with List when a verification stopped waiting.</summary>
        public const string BlobIndexLagging = "BlobIndexLagging";
        public const string DataFileIsLink = "DataFileIsLink";

        /// <summary>A file's name is not valid UTF-8: .NET cannot name it on Linux, so it can be neither backed up nor migrated; it is left as it is.</summary>
        public const string FileNameNotUtf8 = "FileNameNotUtf8";

        /// <summary>A data folder (claims, credentials…) of a home is a symbolic link; the migration refuses the home before any write.</summary>
        public const string DataFolderIsLink = "DataFolderIsLink";

        /// <summary>
        /// A file or folder the module creates or changes for itself (<c>.porterstorage/</c>, its lock, journal and staging, a log, a
        /// temporary file, a report), or a folder on the way to a file it writes in a home, is a symbolic link: never followed, refused.
        /// </summary>
        public const string UnsafeLink = "UnsafeLink";

        /// <summary>
        /// Another process changed (rewrote, replaced or removed) a document after this run read it and before the run removed or
        /// replaced it: the change for that item was rolled back (or set aside), the other writer's version is kept, and the next
        /// run migrates it.
        /// </summary>
        public const string ItemChangedDuringMigration = "ItemChangedDuringMigration";

        /// <summary>
        /// An archive another user owns (neither this user nor root) is given to a restore: its manifest says what its writer made it
        /// say (the home, the owners), so it is not restored by this process.
        /// </summary>
        public const string BackupNotTrusted = "BackupNotTrusted";

        /// <summary>
        /// Another process wrote a blob or entity after the restore read the store and before the restore replaced, added or removed it:
        /// it was left as that process made it, and the restore stopped. Restoring again saves the store as it is then and goes on.
        /// </summary>
        public const string StoreChangedDuringRestore = "StoreChangedDuringRestore";

        /// <summary>The storage account's firewall or private endpoint refused this network (403 AuthorizationFailure).</summary>
        public const string AzureNetworkRefused = "AzureNetworkRefused";

        /// <summary>The service refused the request's signature and this machine's clock is more than 15 minutes off the service's.</summary>
        public const string AzureClockSkew = "AzureClockSkew";

        /// <summary>A signed-in identity (token) lacks the data role a step needs (403 AuthorizationPermissionMismatch); the role is named.</summary>
        public const string AzureRoleMissing = "AzureRoleMissing";

        /// <summary>A blob is in the Archive tier (409 BlobArchived): it must be rehydrated before it can be read or copied.</summary>
        public const string BlobArchived = "BlobArchived";

        /// <summary>A blob or container is under a time-based retention policy or a legal hold (409 BlobImmutableDueTo…).</summary>
        public const string BlobImmutable = "BlobImmutable";
        public const string CredentialSetParseError = "CredentialSetParseError";
        public const string CredentialSetNameConflict = "CredentialSetNameConflict";
        public const string YamlUnsupported = "YamlUnsupported";
        public const string YamlValueLost = "YamlValueLost";
        public const string ParameterSetParseError = "ParameterSetParseError";
        public const string MigrationWriteError = "MigrationWriteError";
        public const string MigrationDeclined = "MigrationDeclined";
        public const string PlanOutdated = "PlanOutdated";
        public const string StorageNotAzure = "StorageNotAzure";
        public const string TableNameInvalid = "TableNameInvalid";
        public const string AzureStoreKindMismatch = "AzureStoreKindMismatch";
        public const string TableNotFound = "TableNotFound";
        public const string TableNotEmpty = "TableNotEmpty";
        public const string TableEntityTooLarge = "TableEntityTooLarge";
        public const string TableEntityUndecodable = "TableEntityUndecodable";
        public const string TableEntityNotMovable = "TableEntityNotMovable";
        public const string TableWriteIncomplete = "TableWriteIncomplete";
        public const string TableVerificationFailed = "TableVerificationFailed";
        public const string ConfigNotUpdated = "ConfigNotUpdated";
        public const string AzureCredentialNotFound = "AzureCredentialNotFound";
        public const string AzureConfigIncomplete = "AzureConfigIncomplete";
        public const string AzureConnectionInvalid = "AzureConnectionInvalid";

        /// <summary>A storage given by endpoint whose account cannot be known: a custom domain without the account's name, or a name the endpoint contradicts.</summary>
        public const string AccountRequired = "AccountRequired";

        /// <summary>A managed identity or signed-in account given an http endpoint: a token is only sent over HTTPS.</summary>
        public const string HttpsRequired = "HttpsRequired";
        public const string ContainerNameInvalid = "ContainerNameInvalid";
        public const string AzureAuthFailed = "AzureAuthFailed";
        public const string AzureConnectionFailed = "AzureConnectionFailed";
        public const string AzureRequestFailed = "AzureRequestFailed";

        /// <summary>The service stayed busy (503, 500 OperationTimedOut, 429) past the wait allowed per request, with the work backed off.</summary>
        public const string AzureThrottled = "AzureThrottled";

        /// <summary>A request's attempts kept outliving the network timeout until its retries ran out.</summary>
        public const string AzureRequestTimedOut = "AzureRequestTimedOut";
        public const string ContainerNotFound = "ContainerNotFound";
        public const string ContainerNotEmpty = "ContainerNotEmpty";
        public const string BlobIndexUnsupported = "BlobIndexUnsupported";
        public const string BlobCopyFailed = "BlobCopyFailed";
        public const string BlobVerificationFailed = "BlobVerificationFailed";
        public const string BackupKindMismatch = "BackupKindMismatch";

        /// <summary>A legacy document holds a number outside float64's range (1e400), which Go's reader refuses.</summary>
        public const string NumberOutOfRange = "NumberOutOfRange";

        /// <summary>A legacy document nests deeper than Go's 10,000 levels.</summary>
        public const string JsonNestingTooDeep = "JsonNestingTooDeep";

        /// <summary>A replacement document did not re-read, strictly, to the content meant to be written; the original is kept.</summary>
        public const string WrittenDocumentInvalid = "WrittenDocumentInvalid";
    }
}

namespace PorterStorage
{
    /// <summary>The kind of failure, mapped one to one onto PowerShell's ErrorCategory by the cmdlet layer.</summary>
    public enum PorterErrorKind
    {
        NotSpecified,
        ObjectNotFound,
        InvalidData,
        InvalidArgument,
        InvalidOperation,
        PermissionDenied,
        ResourceExists,
        ResourceBusy,
        ReadError,
        WriteError,
        NotImplemented,
        AuthenticationError,
        ConnectionError,
        OperationStopped,
    }

    /// <summary>
    /// A failure with a stable error id and the item it concerns. Messages name the item
    /// (a path, a blob name) and never carry document contents or secret values: whatever looks like a secret
    /// (<see cref="Core.Security.Redaction.RedactText"/>) is masked in the message and the target.
    /// </summary>
    public class PorterStorageException : Exception
    {
        public PorterStorageException(string errorId, PorterErrorKind kind, string? target, string message, Exception? inner = null)
            : base(Core.Security.Redaction.RedactText(message), inner)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target == null ? null : Core.Security.Redaction.RedactText(target);
        }

        /// <summary>Stable identifier, one per failure mode (see docs/errors.md).</summary>
        public string ErrorId { get; }

        public PorterErrorKind Kind { get; }

        /// <summary>The failing item: a path, a blob name or a setting name.</summary>
        public string? Target { get; }
    }
}
