using System;

namespace PorterStorage.Core.Errors
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
    /// (a path, a blob name) and never carry document contents or secret values.
    /// </summary>
    public class PorterStorageException : Exception
    {
        public PorterStorageException(string errorId, PorterErrorKind kind, string? target, string message, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
        }

        /// <summary>Stable identifier, one per failure mode (see docs/errors.md).</summary>
        public string ErrorId { get; }

        public PorterErrorKind Kind { get; }

        /// <summary>The failing item: a path, a blob name or a setting name.</summary>
        public string? Target { get; }
    }

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
        public const string DocumentTooLarge = "DocumentTooLarge";
        public const string DataFileIsLink = "DataFileIsLink";
        public const string CredentialSetParseError = "CredentialSetParseError";
        public const string CredentialSetNameConflict = "CredentialSetNameConflict";
        public const string ParameterSetParseError = "ParameterSetParseError";
        public const string MigrationWriteError = "MigrationWriteError";
        public const string MigrationDeclined = "MigrationDeclined";
        public const string StorageNotAzure = "StorageNotAzure";
        public const string AzureCredentialNotFound = "AzureCredentialNotFound";
        public const string AzureConfigIncomplete = "AzureConfigIncomplete";
        public const string AzureConnectionInvalid = "AzureConnectionInvalid";
        public const string AzureAuthFailed = "AzureAuthFailed";
        public const string AzureConnectionFailed = "AzureConnectionFailed";
        public const string AzureRequestFailed = "AzureRequestFailed";
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
