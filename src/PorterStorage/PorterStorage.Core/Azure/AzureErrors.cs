using System;
using global::Azure;
using global::Azure.Identity;
using PorterStorage.Core.Errors;

namespace PorterStorage.Core.Azure
{
    /// <summary>Turns SDK failures into named errors. Messages carry the status and service error code only — never a URL with a SAS or a key.</summary>
    public static class AzureErrors
    {
        public static PorterStorageException Translate(Exception ex, string target, string operation)
        {
            switch (ex)
            {
                case PorterStorageException p:
                    return p;
                case AuthenticationFailedException:
                    return new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target,
                        $"{operation} on '{target}' failed: no token could be obtained ({ex.GetType().Name}).", ex);
                case RequestFailedException r:
                    string code = r.ErrorCode ?? string.Empty;
                    string detail = $"{operation} on '{target}' failed: HTTP {r.Status}{(code.Length > 0 ? " " + code : string.Empty)}";
                    if (r.Status == 0)
                    {
                        return new PorterStorageException(ErrorIds.AzureConnectionFailed, PorterErrorKind.ConnectionError, target,
                            $"{operation} on '{target}' failed: the storage endpoint could not be reached.", ex);
                    }
                    if (r.Status == 401 || r.Status == 403)
                    {
                        return new PorterStorageException(ErrorIds.AzureAuthFailed, PorterErrorKind.AuthenticationError, target,
                            detail + " (wrong key, expired or too narrow SAS, or missing role).", ex);
                    }
                    if (code == "ContainerNotFound")
                    {
                        return new PorterStorageException(ErrorIds.ContainerNotFound, PorterErrorKind.ObjectNotFound, target,
                            $"The container '{target}' does not exist.", ex);
                    }
                    if (code.IndexOf("Tag", StringComparison.OrdinalIgnoreCase) >= 0 || code == "FeatureNotSupportedForAccount" || code == "FeatureNotSupported")
                    {
                        return new PorterStorageException(ErrorIds.BlobIndexUnsupported, PorterErrorKind.NotImplemented, target,
                            detail + ": the account does not support Blob Index tags.", ex);
                    }
                    return new PorterStorageException(ErrorIds.AzureRequestFailed, PorterErrorKind.ConnectionError, target, detail + ".", ex);
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

        public static bool IsAzureFailure(Exception ex) =>
            ex is RequestFailedException || ex is AuthenticationFailedException
            || ex is System.Net.Http.HttpRequestException || ex is AggregateException;
    }
}
