using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Shared plumbing for the module's cmdlets: cancellation tied to Ctrl+C, error records built from the
    /// core's <see cref="PorterStorageException"/>, and home path resolution.
    /// </summary>
    public abstract class PorterCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();

        /// <summary>Cancelled when the user presses Ctrl+C (StopProcessing).</summary>
        protected CancellationToken CancellationToken => _cancellation.Token;

        protected override void StopProcessing() => _cancellation.Cancel();

        public void Dispose()
        {
            _cancellation.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>An error record with the core's stable id, mapped category and the failing item as target.</summary>
        protected static ErrorRecord ToErrorRecord(PorterStorageException ex) =>
            new ErrorRecord(ex, ex.ErrorId, ToCategory(ex.Kind), ex.Target);

        /// <summary>A per-item failure: reported, and the work goes on.</summary>
        protected void WriteCoreError(PorterStorageException ex) => WriteError(ToErrorRecord(ex));

        /// <summary>
        /// True for what ends a command on Ctrl+C: what was in flight ended cancelled (or failed as it was cut off), and where the
        /// work stopped is what matters (<see cref="TellStopped"/>).
        /// </summary>
        protected bool IsStop(Exception ex) =>
            CancellationToken.IsCancellationRequested && (ex is OperationCanceledException || ex is PipelineStoppedException || ex is PorterStorageException);

        /// <summary>
        /// Says, after Ctrl+C, where the work stopped and how to finish it: the pipeline is stopping, so nothing can be written to
        /// it, and the host is told directly (a host without a UI is not).
        /// </summary>
        protected void TellStopped(string message)
        {
            try
            {
                Host.UI.WriteWarningLine(message);
            }
            catch (Exception ignored) when (ignored is PipelineStoppedException || ignored is InvalidOperationException || ignored is NotImplementedException)
            {
            }
        }

        /// <summary>A failed precondition: stops the cmdlet.</summary>
        protected void ThrowCoreError(PorterStorageException ex) => ThrowTerminatingError(ToErrorRecord(ex));

        /// <summary>A backup's -RunId, refused (<c>RunIdInvalid</c>) before anything is written when the copy's metadata cannot hold it.</summary>
        protected void RequireRunId(string? runId)
        {
            try
            {
                if (runId != null)
                {
                    BackupMetadata.CheckRunId(runId);
                }
            }
            catch (PorterStorageException ex)
            {
                ThrowCoreError(ex);
            }
        }

        /// <summary>
        /// The safety net for a file system failure the core let through unnamed: the <see cref="IOErrors"/> error of the path the
        /// exception names (else <paramref name="target"/>), never a raw <see cref="System.IO.IOException"/> or
        /// <see cref="UnauthorizedAccessException"/>. A core error passes as it is.
        /// </summary>
        protected static PorterStorageException ToCoreError(Exception ex, string? target)
        {
            if (ex is PorterStorageException named)
            {
                return named;
            }
            Match quoted = Regex.Match(ex.Message, "'([^']+)'");
            string path = quoted.Success && System.IO.Path.IsPathRooted(quoted.Groups[1].Value) ? quoted.Groups[1].Value : target ?? string.Empty;
            return IOErrors.Map(ex, path, IOOperation.Read);
        }

        /// <summary>
        /// Runs one item's work; a core error (or a file system failure, named by <see cref="ToCoreError"/> with
        /// <paramref name="target"/>) becomes a non-terminating error record and the pipeline goes on.
        /// </summary>
        protected void RunItemOrWriteError(Action action, Action? afterError = null, string? target = null)
        {
            try
            {
                action();
            }
            catch (Exception ex) when (ex is PorterStorageException || IOErrors.IsIOFailure(ex))
            {
                WriteCoreError(ToCoreError(ex, target));
                afterError?.Invoke();
            }
        }

        /// <summary>
        /// Copies a finished backup to <paramref name="target"/> when one was given (-CopyTo); a failure is written as an error
        /// naming the blob and the local backup is still written.
        /// </summary>
        protected void SendCopy(PorterStorage.PorterBackup backup, PorterStorage.PorterAzureStorage? target, bool force)
        {
            if (target == null)
            {
                return;
            }
            try
            {
                BackupUpload.Send(AzureReferences.Container(target, "-CopyTo"), backup, force, CancellationToken);
                WriteVerbose($"Copied '{backup.Path}' to '{backup.CopiedTo}'.");
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
            }
        }

        /// <summary>The session's current file system folder.</summary>
        protected string CurrentFolder => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

        protected static ErrorCategory ToCategory(PorterErrorKind kind)
        {
            switch (kind)
            {
                case PorterErrorKind.ObjectNotFound: return ErrorCategory.ObjectNotFound;
                case PorterErrorKind.InvalidData: return ErrorCategory.InvalidData;
                case PorterErrorKind.InvalidArgument: return ErrorCategory.InvalidArgument;
                case PorterErrorKind.InvalidOperation: return ErrorCategory.InvalidOperation;
                case PorterErrorKind.PermissionDenied: return ErrorCategory.PermissionDenied;
                case PorterErrorKind.ResourceExists: return ErrorCategory.ResourceExists;
                case PorterErrorKind.ResourceBusy: return ErrorCategory.ResourceBusy;
                case PorterErrorKind.ReadError: return ErrorCategory.ReadError;
                case PorterErrorKind.WriteError: return ErrorCategory.WriteError;
                case PorterErrorKind.NotImplemented: return ErrorCategory.NotImplemented;
                case PorterErrorKind.AuthenticationError: return ErrorCategory.AuthenticationError;
                case PorterErrorKind.ConnectionError: return ErrorCategory.ConnectionError;
                case PorterErrorKind.OperationStopped: return ErrorCategory.OperationStopped;
                default: return ErrorCategory.NotSpecified;
            }
        }

        /// <summary>
        /// Resolves the homes named by -Path (wildcards allowed) or -LiteralPath; with neither, Porter's own
        /// choice (PORTER_HOME, else ~/.porter). Relative paths resolve against the current location, as Porter
        /// started from this session would. Unresolvable items are reported and skipped.
        /// </summary>
        protected IEnumerable<ResolvedHome> ResolveHomes(string[]? path, string[]? literalPath)
        {
            string currentDirectory = CurrentFolder;
            if ((path == null || path.Length == 0) && (literalPath == null || literalPath.Length == 0))
            {
                string home;
                string from;
                try
                {
                    home = PorterHomeService.ResolvePath(null, Environment.GetEnvironmentVariable("PORTER_HOME"),
                        PorterHomeService.UserHomeFromEnvironment(), currentDirectory, out from);
                }
                catch (PorterStorageException ex)
                {
                    WriteCoreError(ex);
                    yield break;
                }
                WriteVerbose($"Using the Porter home '{home}' (from {from}).");
                yield return new ResolvedHome(home, from);
                yield break;
            }

            var resolved = new List<string>();
            foreach (string item in path ?? Array.Empty<string>())
            {
                resolved.AddRange(ResolveOne(item, literal: false));
            }
            foreach (string item in literalPath ?? Array.Empty<string>())
            {
                resolved.AddRange(ResolveOne(item, literal: true));
            }
            foreach (string home in resolved)
            {
                string full = PorterHomeService.ResolvePath(home, null, null, currentDirectory, out string from);
                yield return new ResolvedHome(full, from);
            }
        }

        private IEnumerable<string> ResolveOne(string item, bool literal)
        {
            var results = new List<string>();
            try
            {
                if (!literal && WildcardPattern.ContainsWildcardCharacters(item))
                {
                    results.AddRange(GetResolvedProviderPathFromPSPath(item, out ProviderInfo provider));
                    if (provider.Name != "FileSystem")
                    {
                        throw new PSArgumentException($"'{item}' is not a file system path.");
                    }
                    // A home is a folder: files a pattern also matches (a README beside the homes) are not homes.
                    results.RemoveAll(r => !System.IO.Directory.Exists(r));
                    if (results.Count == 0)
                    {
                        throw new ItemNotFoundException($"No folder matches '{item}'.");
                    }
                }
                else
                {
                    results.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(item, out ProviderInfo provider, out _));
                    if (provider.Name != "FileSystem")
                    {
                        throw new PSArgumentException($"'{item}' is not a file system path.");
                    }
                }
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is PSArgumentException || ex is ProviderNotFoundException ||
                                       ex is System.Management.Automation.DriveNotFoundException || ex is NotSupportedException || ex is ArgumentException)
            {
                WriteCoreError(new PorterStorageException(ex is ItemNotFoundException ? ErrorIds.HomeNotFound : ErrorIds.HomePathInvalid,
                    ex is ItemNotFoundException ? PorterErrorKind.ObjectNotFound : PorterErrorKind.InvalidArgument, item,
                    $"The home path '{item}' could not be resolved: {ex.Message}", ex));
                return Array.Empty<string>();
            }
            return results;
        }
    }

    /// <summary>A home that -Path, -LiteralPath or Porter's own default named: its full path, and how it was chosen.</summary>
    public sealed class ResolvedHome
    {
        public ResolvedHome(string path, string resolvedFrom)
        {
            Path = path;
            ResolvedFrom = resolvedFrom;
        }

        /// <summary>The home's full path.</summary>
        public string Path { get; }

        /// <summary>How the path was chosen (the parameter, PORTER_HOME or the user's home), for verbose messages.</summary>
        public string ResolvedFrom { get; }

        public override string ToString() => Path;
    }

    /// <summary>The home-path parameters shared by the cmdlets that read a home.</summary>
    public abstract class PorterHomeCmdlet : PorterCmdlet
    {
        protected const string PathSet = "Path";
        protected const string LiteralPathSet = "LiteralPath";
        protected const string HomeSet = "Home";

        /// <summary>
        /// The Porter home; wildcards allowed, each match acted on. Defaults to PORTER_HOME, else ~/.porter. Strings on the
        /// pipeline bind here, as does an object's Path property; a PorterHome binds literally to -InputObject, a folder by its
        /// PSPath to -LiteralPath.
        /// </summary>
        [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("HomePath")]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>A home from Get-PorterHome, taken literally: a home named <c>c[1]</c> is that folder, never a pattern.</summary>
        [Parameter(ParameterSetName = HomeSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PorterHome? InputObject { get; set; }

        /// <summary>The Porter home, taken literally (no wildcards).</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>
        /// Runs <paramref name="action"/> for each resolved home (path, how it was chosen). A core failure for
        /// one home is written as a non-terminating error and the next home follows.
        /// </summary>
        protected void ForEachHome(Action<string, string> action, Action? afterError = null)
        {
            string[]? literal = InputObject != null ? new[] { InputObject.Path } : LiteralPath;
            foreach (ResolvedHome home in ResolveHomes(Path, literal))
            {
                RunItemOrWriteError(() => action(home.Path, home.ResolvedFrom), afterError, home.Path);
            }
        }
    }

    /// <summary>The archive parameters shared by the cmdlets that read a backup: a path, or a PorterBackup object.</summary>
    public abstract class PorterArchiveCmdlet : PorterCmdlet
    {
        protected const string PathSet = "Path";
        protected const string InputObjectSet = "InputObject";

        protected const string LiteralPathSet = "LiteralPath";

        /// <summary>The archive; wildcards allowed (Test-PorterBackup checks every match, a restore takes exactly one).</summary>
        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>The archive, taken literally; a file from Get-ChildItem binds here by its PSPath.</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string? LiteralPath { get; set; }

        /// <summary>A backup object (from Backup-PorterHome); the archive hash it recorded is checked too.</summary>
        [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
        public PorterStorage.PorterBackup? InputObject { get; set; }

        /// <summary>
        /// The archives named: the object's, the literal path, or every file a pattern matches (none matching is
        /// <c>BackupNotFound</c>, written here).
        /// </summary>
        protected IReadOnlyList<string> ArchivePaths()
        {
            if (InputObject != null)
            {
                return new[] { InputObject.Path };
            }
            if (LiteralPath != null || !WildcardPattern.ContainsWildcardCharacters(Path!))
            {
                return new[] { GetUnresolvedProviderPathFromPSPath(LiteralPath ?? Path!) };
            }
            var matches = new List<string>();
            try
            {
                matches.AddRange(GetResolvedProviderPathFromPSPath(Path!, out _));
            }
            catch (ItemNotFoundException)
            {
                // named below
            }
            matches.RemoveAll(System.IO.Directory.Exists);
            if (matches.Count == 0)
            {
                WriteCoreError(new PorterStorageException(ErrorIds.BackupNotFound, PorterErrorKind.ObjectNotFound, Path, $"No archive matches '{Path}'."));
            }
            return matches;
        }

        /// <summary>The one archive a restore works from: a pattern must name exactly one (else an error, and null).</summary>
        protected string? ArchivePath
        {
            get
            {
                IReadOnlyList<string> all = ArchivePaths();
                if (all.Count > 1)
                {
                    WriteCoreError(new PorterStorageException(ErrorIds.BackupNotFound, PorterErrorKind.InvalidArgument, Path,
                        $"'{Path}' names {all.Count} archives ({string.Join(", ", all.Take(3))}{(all.Count > 3 ? ", ..." : string.Empty)}); a restore takes one."));
                    return null;
                }
                return all.Count == 1 ? all[0] : null;
            }
        }

        /// <summary>The archive hash recorded when the backup was written, when known.</summary>
        protected string? ExpectedSha256 => InputObject?.Sha256;
    }
}
