using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>The folder and file parameters of the backup catalogue's cmdlets, and the archive files they name.</summary>
    public abstract class PorterBackupFolderCmdlet : PorterCmdlet
    {
        protected const string PathSet = "Path";
        protected const string LiteralPathSet = "LiteralPath";

        /// <summary>Folders holding backups, or archive files; wildcards allowed. Default: the current folder.</summary>
        [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Folders or archive files, taken literally; a folder or file from Get-ChildItem binds here by its PSPath.</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>Look in the folders below too.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>
        /// The archive files the paths name: the files themselves, or the archives in the folders (below too with -Recurse, never
        /// through a link); a link or special file named like a backup is passed over with a warning and never opened.
        /// </summary>
        protected List<string> ArchiveFiles(bool defaultToCurrentFolder)
        {
            var named = new List<string>();
            if (defaultToCurrentFolder && (Path == null || Path.Length == 0) && (LiteralPath == null || LiteralPath.Length == 0))
            {
                named.Add(CurrentFolder);
            }
            foreach (string p in Path ?? Array.Empty<string>())
            {
                try
                {
                    named.AddRange(WildcardPattern.ContainsWildcardCharacters(p) ? GetResolvedProviderPathFromPSPath(p, out _) : new[] { GetUnresolvedProviderPathFromPSPath(p) });
                }
                catch (ItemNotFoundException ex)
                {
                    WriteCoreError(new PorterStorageException(ErrorIds.BackupNotFound, PorterErrorKind.ObjectNotFound, p, ex.Message));
                }
            }
            named.AddRange((LiteralPath ?? Array.Empty<string>()).Select(GetUnresolvedProviderPathFromPSPath));
            // Walked as find -P does: regular files only, no linked folder entered below what was named, each file once.
            return BackupCatalog.Locate(named.Select(System.IO.Path.GetFullPath), Recurse,
                (file, why) => WriteWarning($"'{file}' is passed over: {why}."),
                item => WriteCoreError(new PorterStorageException(ErrorIds.BackupNotFound, PorterErrorKind.ObjectNotFound, item, $"'{item}' is neither a folder nor a file.")),
                CancellationToken);
        }

        /// <summary>The backups among <paramref name="files"/>, each checked in full; files that are no backup named in verbose output.</summary>
        protected List<PorterBackup> ReadBackups(IEnumerable<string> files) =>
            BackupCatalog.Read(files, (file, why) => WriteVerbose($"'{file}' is not a PorterStorage backup: {why}"), CancellationToken);
    }

    /// <summary>
    /// Get-PorterBackup: the PorterStorage backups in a folder (or the archives named), each read and checked in full:
    /// what it backs up, its kind, when, its size, and whether it verifies now. The objects pipe into Test-PorterBackup,
    /// Restore-PorterHome, Invoke-PorterStorageMigration -Backup and Remove-PorterBackup.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PorterBackup", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PorterBackup))]
    public sealed class GetPorterBackupCommand : PorterBackupFolderCmdlet
    {
        private const string StorageSet = "Storage";

        /// <summary>
        /// A blob container holding backups (as -CopyTo writes them): listed from each blob's metadata without downloading it; with
        /// -Verify or -Destination each is downloaded and checked in full.
        /// </summary>
        [Parameter(ParameterSetName = StorageSet, Mandatory = true, ValueFromPipeline = true)]
        [AzContextTransformation]
        [ValidateNotNull]
        public PorterStorage.PorterAzureStorage? Storage { get; set; }

        /// <summary>With -Storage: a folder to keep the downloaded backups in (their Path); without it they are checked in a private temporary folder and removed, and Path is the blob's URI.</summary>
        [Parameter(ParameterSetName = StorageSet)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        /// <summary>With -Storage: download every backup listed and check it in full now, instead of listing it from its metadata.</summary>
        [Parameter(ParameterSetName = StorageSet)]
        public SwitchParameter Verify { get; set; }

        /// <summary>With -Storage: only the blobs of these names (wildcards allowed), so that -Verify or -Destination downloads only them.</summary>
        [Parameter(ParameterSetName = StorageSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            List<PorterBackup> found;
            if (Storage != null)
            {
                string folder = Destination != null ? GetUnresolvedProviderPathFromPSPath(Destination)
                    : System.IO.Path.Combine(System.IO.Path.GetTempPath(), "porterstorage-backups-" + Guid.NewGuid().ToString("N"));
                List<WildcardPattern>? names = Name?.Select(n => new WildcardPattern(n, WildcardOptions.CultureInvariant)).ToList();
                try
                {
                    found = BackupUpload.List(AzureReferences.Container(Storage!, "Get-PorterBackup -Storage"), folder, Destination != null, Verify,
                        names == null ? null : new Func<string, bool>(blob => names.Any(n => n.IsMatch(blob))),
                        (file, why) => WriteVerbose($"'{System.IO.Path.GetFileName(file)}' is not a PorterStorage backup: {why}"), CancellationToken);
                }
                catch (PorterStorageException ex)
                {
                    WriteCoreError(ex);
                    return;
                }
                finally
                {
                    if (Destination == null && Directory.Exists(folder))
                    {
                        Directory.Delete(folder, true);
                    }
                }
            }
            else
            {
                found = ReadBackups(ArchiveFiles(defaultToCurrentFolder: true));
            }
            foreach (PorterBackup backup in found)
            {
                if (!backup.Verified && !backup.MetadataOnly)
                {
                    WriteWarning($"The backup '{backup.Path}' of '{backup.Source}' does not verify now; Test-PorterBackup names what is wrong.");
                }
                WriteObject(backup);
            }
        }
    }
}
