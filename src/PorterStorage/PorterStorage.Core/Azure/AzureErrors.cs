using System;
using global::Azure;
using global::Azure.Identity;

namespace PorterStorage.Core.Azure
{
    /// <summary>Turns SDK failures into named errors. Messages carry the status and service error code only — never a URL with a SAS or a key.</summary>
    public static class AzureErrors
    {
        /// <summary>A failed step of a committed change: <c>MigrationWriteError</c>, with the service's reason.</summary>
        internal static PorterStorageException StepFailed(Exception ex, string location, string operation)
        {
            PorterStorageException named = Translate(ex, location, operation);
            return new PorterStorageException(ErrorIds.MigrationWriteError, named.Kind, location, named.Message, ex);
        }

        public static PorterStorageException Translate(Exception ex, string target, string operation)
        {
            switch (ex)
            {
                case PorterStorageException p:
                    return p;
                case AuthenticationFailedException:
                    return new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target,
                        $"{operation} on '{target}' failed: no token could be obtained ({ex.GetType().Name}).", ex);
                case AzureRetriesExhaustedException gaveUp:
                    return AzureBackoffErrors.Exhausted(gaveUp, target, operation);
                case RequestFailedException r:
                    string code = r.ErrorCode ?? string.Empty;
                    string detail = $"{operation} on '{target}' failed: HTTP {r.Status}{(code.Length > 0 ? " " + code : string.Empty)}";
                    if (r.Status == 0)
                    {
                        return new PorterStorageException(ErrorIds.AzureConnectionFailed, PorterErrorKind.ConnectionError, target,
                            $"{operation} on '{target}' failed: the storage endpoint could not be reached.", ex);
                    }
                    // Azure answers a wrong key or signature with AuthenticationFailed; the storage emulator says AuthorizationFailure, with
                    // the words of an authentication failure: only an AuthorizationFailure that is not one is the network's refusal.
                    bool signatureRefused = code == "AuthenticationFailed"
                        || (code == "AuthorizationFailure" && r.Message.IndexOf("failed to authenticate", StringComparison.OrdinalIgnoreCase) >= 0);
                    if (r.Status == 403 && code == "AuthorizationFailure" && !signatureRefused)
                    {
                        return new PorterStorageException(ErrorIds.AzureNetworkRefused, PorterErrorKind.PermissionDenied, target,
                            detail + ": the storage account's firewall or private endpoint refused this network. Run from a network the account allows " +
                            "(in Azure Automation, a Hybrid Runbook Worker inside it), or add this network to the account's network rules.", ex);
                    }
                    if (r.Status == 403 && signatureRefused)
                    {
                        DateTimeOffset? service = ServiceDate(r);
                        if (service.HasValue && Math.Abs((DateTimeOffset.UtcNow - service.Value).TotalMinutes) > 15)
                        {
                            return new PorterStorageException(ErrorIds.AzureClockSkew, PorterErrorKind.AuthenticationError, target,
                                detail + $": this machine's clock ({DateTimeOffset.UtcNow:u}) is more than 15 minutes off the service's ({service.Value:u}), " +
                                "so the service refuses every signature made here. Set the clock right (NTP) and run again.", ex);
                        }
                        return new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target,
                            detail + " (the account key or the SAS signature is wrong, or the SAS has expired; this machine's clock agrees with the service's).", ex);
                    }
                    if (r.Status == 409 && code == "BlobArchived")
                    {
                        return new PorterStorageException(ErrorIds.BlobArchived, PorterErrorKind.InvalidOperation, target,
                            detail + ": the blob is in the Archive tier (a lifecycle rule may have moved it). Rehydrate it to Hot or Cool " +
                            "(Set Blob Tier, or a copy to the Hot tier), wait until it is readable, and run again.", ex);
                    }
                    if (r.Status == 409 && code.StartsWith("BlobImmutableDueTo", StringComparison.Ordinal))
                    {
                        string policy = code.EndsWith("LegalHold", StringComparison.Ordinal) ? "a legal hold" : "a time-based retention (immutability) policy";
                        return new PorterStorageException(ErrorIds.BlobImmutable, PorterErrorKind.PermissionDenied, target,
                            detail + $": the blob is protected by {policy}, so it cannot be replaced or removed, with -Force or without. " +
                            "Write to a container without the policy, or to a new blob name.", ex);
                    }
                    if (r.Status == 403 && code == "AuthorizationPermissionMismatch" && SignedIn(r))
                    {
                        string role = RoleFor(operation);
                        return new PorterStorageException(ErrorIds.AzureRoleMissing, PorterErrorKind.PermissionDenied, target,
                            detail + $": the signed-in identity has no data role that allows this step. Assign it '{role}' on the account or the " +
                            "container (Azure's Owner or Contributor roles manage the account but do not grant its data; a role assignment takes " +
                            "up to 10 minutes to apply), and run again.", ex);
                    }
                    if (AccountCheck.IsTagRefusal(r)
                        || (r.Status == 400 && code == "InvalidQueryParameterValue" && operation.IndexOf("tag", StringComparison.OrdinalIgnoreCase) >= 0))
                    {
                        return new PorterStorageException(ErrorIds.BlobIndexUnsupported, PorterErrorKind.NotImplemented, target,
                            detail + ": the account does not take Blob Index tags (an account with a hierarchical namespace, ADLS Gen2, has none), " +
                            "so Porter's azure.blob plugin cannot list its data there. Copy the container to a general-purpose v2 account without a hierarchical namespace.", ex);
                    }
                    if (r.Status == 403 && (code == "AuthorizationPermissionMismatch" || code == "CannotVerifyCopySource" || code == "AuthorizationResourceTypeMismatch"))
                    {
                        // The copy's source is read by the service with the source's SAS: that SAS needs read and tags.
                        bool source = code == "CannotVerifyCopySource";
                        string? letters = source ? "rt" : SasPermissionsFor(operation);
                        string whose = source
                            ? "the service could not read the copy's source: its SAS expired (a copy that outlives the SAS), the clocks disagree, the source account's network rules refuse the destination's service, or the SAS lacks read and tags"
                            : "the SAS or role does not allow this step";
                        return new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target,
                            detail + (letters == null
                                ? $" ({whose})."
                                : $" ({whose}: it needs the SAS permission{(letters.Length > 1 ? "s" : string.Empty)} '{letters}'{(code == "AuthorizationResourceTypeMismatch" ? " on an account SAS, or a role; a container SAS cannot do it" : string.Empty)}; see docs/azure.md)."), ex);
                    }
                    if (r.Status == 401 || r.Status == 403)
                    {
                        return new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target,
                            detail + " (wrong key, expired or too narrow SAS, or missing role).", ex);
                    }
                    if (code == "TableNotFound" || (r.Status == 404 && code == "ResourceNotFound" && operation.StartsWith("Reading the table", StringComparison.Ordinal)))
                    {
                        return new PorterStorageException(ErrorIds.TableNotFound, PorterErrorKind.ObjectNotFound, target,
                            $"The table '{target}' does not exist.", ex);
                    }
                    if (code == "ContainerNotFound")
                    {
                        return new PorterStorageException(ErrorIds.ContainerNotFound, PorterErrorKind.ObjectNotFound, target,
                            $"The container '{target}' does not exist.", ex);
                    }
                    if (code == "TagsTooLarge" || code == "InvalidTag" || code == "DuplicateTagNames" || code == "InvalidTagValue")
                    {
                        return new PorterStorageException(ErrorIds.AzureRequestFailed, PorterErrorKind.InvalidArgument, target,
                            detail + ": the service refused the blob's index tags (a key or value too long, repeated, or of characters tags cannot hold).", ex);
                    }
                    if (code.IndexOf("Tag", StringComparison.OrdinalIgnoreCase) >= 0 || code == "FeatureNotSupportedForAccount" || code == "FeatureNotSupported")
                    {
                        return new PorterStorageException(ErrorIds.BlobIndexUnsupported, PorterErrorKind.NotImplemented, target,
                            detail + ": the account does not support Blob Index tags.", ex);
                    }
                    return new PorterStorageException(ErrorIds.AzureRequestFailed, PorterErrorKind.ConnectionError, target, detail + ".", ex);
                case OperationCanceledException timedOut when AzureBackoffErrors.IsNetworkTimeout(timedOut):
                    return AzureBackoffErrors.TimedOut(timedOut, target, operation);
                case OperationCanceledException cancelled:
                    // Cancellation is never turned into a storage error; the original, with its stack, is the inner exception.
                    throw new OperationCanceledException(cancelled.Message, cancelled, cancelled.CancellationToken);
                case AggregateException a when a.InnerException != null:
                    return Translate(a.InnerException, target, operation);
                case System.Net.Http.HttpRequestException:
                case System.IO.IOException:
                    return new PorterStorageException(ErrorIds.AzureConnectionFailed, PorterErrorKind.ConnectionError, target,
                        $"{operation} on '{target}' failed: the storage endpoint could not be reached.", ex);
                default:
                    return new PorterStorageException(ErrorIds.AzureRequestFailed, PorterErrorKind.NotSpecified, target,
                        $"{operation} on '{target}' failed ({ex.GetType().Name}).", ex);
            }
        }

        /// <summary>
        /// The SAS permission letters a step of this module needs, by the operation text it names its requests with (r read,
        /// l list, w write, c create, d delete, t tags, f find by tags). Null for a step this table does not know.
        /// </summary>
        internal static string? SasPermissionsFor(string operation)
        {
            foreach ((string prefix, string letters) in SasPermissions)
            {
                if (operation.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return letters;
                }
            }
            return null;
        }

        private static readonly (string Prefix, string Letters)[] SasPermissions =
        {
            ("Reading the blobs and their tags", "rlt"),
            ("Reading the blob", "r"),
            ("Reading the account's information", "r"),
            ("Listing", "l"),
            ("Preparing the container", "l"),
            ("Listing the source", "l"),
            ("Listing the destination", "l"),
            ("Taking the migration lock", "rwc"),
            ("Committing", "wc"),
            ("Applying", "rwcdt"),
            ("Writing the schema blob", "wc"),
            ("Writing and finding a tagged probe blob", "rwcdtf"),
            ("Restoring the blob", "wct"),
            ("Copying the blob", "rwct"),
            ("Copying the backup to a blob", "rcw"),
            ("Setting the tags", "t"),
            ("Deleting the probe blob", "d"),
            ("Creating the container", "c"),
            ("Querying by tags", "f"),
            ("Reading the table", "r"),
            ("Writing the entities", "au"),
            ("Creating the table", "c"),
            ("Writing the moved blob", "wct"),
            ("Removing the entities", "d"),
            ("Writing ", "wct"),
            ("Moving ", "rwcdt"),
            ("Deleting ", "d"),
        };

        /// <summary>
        /// The Azure RBAC data role that allows a step, by the operation text it names its requests with. The module lists blobs with
        /// their index tags and writes them with tags, which only Storage Blob Data Owner may (Contributor and Reader have no tag
        /// rights): every blob step but a removal (Contributor) and a plain read of one blob (Reader) names Owner. A table's step names
        /// Storage Table Data Contributor when it writes or removes, Reader otherwise.
        /// </summary>
        internal static string RoleFor(string operation)
        {
            string letters = SasPermissionsFor(operation) ?? string.Empty;
            bool table = operation.IndexOf("table", StringComparison.OrdinalIgnoreCase) >= 0 || operation.IndexOf("entities", StringComparison.OrdinalIgnoreCase) >= 0;
            if (table)
            {
                return letters.IndexOfAny(new[] { 'w', 'c', 'd', 'a', 'u' }) >= 0 ? "Storage Table Data Contributor" : "Storage Table Data Reader";
            }
            if (letters == "d")
            {
                return "Storage Blob Data Contributor";
            }
            return letters == "r" ? "Storage Blob Data Reader" : "Storage Blob Data Owner";
        }

        /// <summary>The answers to requests sent with a token (a signed-in identity), as the request counter saw them go out.</summary>
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Response, object> TokenAnswers =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Response, object>();

        /// <summary>Notes that <paramref name="answer"/> answers a request sent with a bearer token.</summary>
        internal static void NoteTokenAnswer(Response answer) => TokenAnswers.GetValue(answer, _ => Marker);

        private static readonly object Marker = new object();

        private static bool SignedIn(RequestFailedException r)
        {
            Response? response = r.GetRawResponse();
            return response != null && TokenAnswers.TryGetValue(response, out _);
        }

        /// <summary>The service's clock, from the answer's Date header, when it has one.</summary>
        private static DateTimeOffset? ServiceDate(RequestFailedException r)
        {
            Response? response = r.GetRawResponse();
            if (response != null && response.Headers.TryGetValue("Date", out string? date)
                && DateTimeOffset.TryParse(date, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
            {
                return at;
            }
            return null;
        }

        public static bool IsAzureFailure(Exception ex) =>
            ex is RequestFailedException || ex is AuthenticationFailedException
            || ex is System.Net.Http.HttpRequestException || ex is AggregateException;
    }
}
