using System.Management.Automation;

namespace PorterStorage.Commands
{
    /// <summary>
    /// Copy-PorterAzureContainer: server-side copy of the Porter container to another container or account, keeping index
    /// tags, metadata and content headers; a rerun skips what is already copied; verified at the end. Given the azure.table
    /// plugin's table, copies it to another table entity by entity, or moves its items into a container in the azure.blob
    /// plugin's layout and tags (the table untouched) and says how Porter's config changes.
    /// </summary>
    [Cmdlet(VerbsCommon.Copy, "PorterAzureContainer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PorterContainerCopyResult))]
    public sealed class CopyPorterAzureContainerCommand : PorterCmdlet
    {
        /// <summary>The container, or the azure.table plugin's table, to copy from.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AzContextTransformation]
        public PorterAzureStorage? Source { get; set; }

        /// <summary>The container (or, from a table, another table) to copy to; created when missing.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [AzContextTransformation]
        public PorterAzureStorage? Destination { get; set; }

        /// <summary>How many blobs are copied at once (azcopy's default: 32 on up to four cores, 16 per core above).</summary>
        [Parameter]
        [ValidateRange(1, AzureConcurrency.Max)]
        public int ConcurrentTaskCount { get; set; } = ContainerCopy.DefaultConcurrency;

        /// <summary>
        /// How long the verification waits for the account's Blob Index to return every copied tagged blob through Porter's
        /// tag queries (the index lags behind the copy, by minutes after bulk tagging).
        /// </summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int IndexTimeoutSeconds { get; set; } = 60;

        /// <summary>Copy even when the destination holds data that differs from the source.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// After a verified move of a table into a container, change the Porter config that named the table (Get-PorterAzureStorage
        /// -Path) to the azure.blob plugin, keeping the old config beside it. Without it the change is only printed.
        /// </summary>
        [Parameter]
        public SwitchParameter UpdateConfig { get; set; }

        protected override void ProcessRecord()
        {
            if (Source is PorterAzureTable table)
            {
                CopyTable(table);
                return;
            }
            if (UpdateConfig)
            {
                ThrowCoreError(new PorterStorageException(ErrorIds.ConfigNotUpdated, PorterErrorKind.InvalidArgument, Source!.StoreUri.ToString(),
                    "-UpdateConfig applies only to moving the azure.table plugin's table into a container."));
            }
            PorterAzureContainer from, to;
            try
            {
                from = AzureReferences.Container(Source!, "Copy-PorterAzureContainer");
                to = AzureReferences.Container(Destination!, "copying a blob container");
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
                return;
            }
            if (!ShouldProcess(to.ContainerUri.ToString(), $"Copy every blob of '{from.ContainerUri}' with its tags"))
            {
                return;
            }
            var progress = new CmdletProgress(this, 7, $"Copying {from.ContainerUri} to {to.ContainerUri}");
            int done = 0, copied = 0;
            long bytes = 0;
            try
            {
                PorterContainerCopyResult result = ContainerCopy.Run(from, to, ConcurrentTaskCount, Force, System.TimeSpan.FromSeconds(IndexTimeoutSeconds), e =>
                {
                    done++;
                    copied += e.Error == null ? 1 : 0;
                    bytes += e.Bytes;
                    if (Stopping)
                    {
                        return; // Ctrl+C: what ended is counted for the message; nothing more is written
                    }
                    if (e.Error != null)
                    {
                        WriteCoreError(e.Error);
                    }
                    progress.Report(new OperationProgress("Copying", e.Blob, done, e.ToCopy, bytes, "blobs"));
                }, CancellationToken);
                foreach (string mismatch in result.Mismatches)
                {
                    WriteError(ToErrorRecord(new PorterStorageException(ErrorIds.BlobVerificationFailed, PorterErrorKind.InvalidData,
                        mismatch.Split(':')[0], "Verification: " + mismatch)));
                }
                if (result.IndexLagging)
                {
                    WriteWarning($"{ErrorIds.BlobIndexLagging}: the copy is complete and both sides list equal, but after {result.IndexWait.TotalSeconds:0} s " +
                        $"Porter's tag queries did not yet return {result.NotYetIndexed.Count} tagged blob(s) (e.g. '{result.NotYetIndexed[0]}'). " +
                        "The account's Blob Index is behind; run the copy again later (nothing is copied twice) or raise -IndexTimeoutSeconds.");
                }
                if (result.UntaggedSource)
                {
                    WriteWarning($"{ErrorIds.BlobIndexUnsupported}: the source account has a hierarchical namespace and no Blob Index, so the copied blobs " +
                        "carry no index tags and Porter, which lists by them, cannot see them yet. Rebuild them on the destination with " +
                        "Repair-PorterAzureBlobTag (the migration rebuilds them too), then check it with Test-PorterStorage.");
                }
                WriteObject(result);
            }
            catch (System.Exception ex) when (IsStop(ex))
            {
                TellStopped(StoppedCopy(from.ContainerUri, to.ContainerUri, copied, "blob(s) were copied"));
                throw;
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
            }
            finally
            {
                progress.Complete();
            }
        }

        private void CopyTable(PorterAzureTable source)
        {
            PorterAzureTable? intoTable = Destination as PorterAzureTable;
            bool toTable = intoTable != null;
            string what = toTable ? $"Copy every entity of the table '{source.StoreUri}'" : $"Write every Porter item of the table '{source.StoreUri}' as the azure.blob plugin's blobs and tags";
            if (!ShouldProcess(Destination!.StoreUri.ToString(), what))
            {
                return;
            }
            var progress = new CmdletProgress(this, 7, $"Copying {source.StoreUri} to {Destination.StoreUri}");
            int done = 0, copied = 0;
            long bytes = 0;
            void OnEvent(CopyEvent e)
            {
                done++;
                copied += e.Error == null ? 1 : 0;
                bytes += e.Bytes;
                if (Stopping)
                {
                    return; // Ctrl+C: what ended is counted for the message; nothing more is written
                }
                if (e.Error != null)
                {
                    WriteCoreError(e.Error);
                }
                progress.Report(new OperationProgress("Copying", e.Blob, done, e.ToCopy, bytes, toTable ? "entities" : "blobs"));
            }
            try
            {
                PorterContainerCopyResult result = toTable
                    ? TableCopy.ToTable(source, intoTable!, Force, OnEvent, CancellationToken)
                    : TableCopy.ToContainer(source, AzureReferences.Container(Destination, "moving a table"), ConcurrentTaskCount, Force, System.TimeSpan.FromSeconds(IndexTimeoutSeconds), OnEvent, CancellationToken);
                foreach (string mismatch in result.Mismatches)
                {
                    WriteError(ToErrorRecord(new PorterStorageException(toTable ? ErrorIds.TableVerificationFailed : ErrorIds.BlobVerificationFailed, PorterErrorKind.InvalidData,
                        mismatch.Split(':')[0], "Verification: " + mismatch)));
                }
                if (result.LeftOut.Count > 0)
                {
                    WriteWarning($"{result.LeftOut.Count} entit{(result.LeftOut.Count == 1 ? "y is" : "ies are")} not Porter items (e.g. '{result.LeftOut[0]}') and stay in the table only.");
                }
                if (result.IndexLagging)
                {
                    WriteWarning($"{ErrorIds.BlobIndexLagging}: every item is written and reads back equal, but after {result.IndexWait.TotalSeconds:0} s " +
                        $"Porter's tag queries did not yet return {result.NotYetIndexed.Count} blob(s) (e.g. '{result.NotYetIndexed[0]}'). " +
                        "The account's Blob Index is behind; run the move again later (nothing is written twice) or raise -IndexTimeoutSeconds.");
                }
                if (!toTable)
                {
                    WriteInformation(new HostInformationMessage { Message = "Porter config: " + result.ConfigChange }, new[] { "PSHOST" });
                    if (UpdateConfig)
                    {
                        try
                        {
                            ApplyConfig(result, source);
                        }
                        catch (PorterStorageException ex)
                        {
                            WriteCoreError(ex);
                        }
                    }
                }
                WriteObject(result);
            }
            catch (System.Exception ex) when (IsStop(ex))
            {
                TellStopped(StoppedCopy(source.StoreUri, Destination.StoreUri, copied, toTable ? "entities were written" : "items were written as blobs"));
                throw;
            }
            catch (PorterStorageException ex)
            {
                WriteCoreError(ex);
            }
            finally
            {
                progress.Complete();
            }
        }

        private static string StoppedCopy(System.Uri from, System.Uri to, int copied, string done) =>
            $"The copy of '{from}' to '{to}' was stopped after {copied} {done}. Run the same command again to finish it: what was already " +
            "copied is compared and skipped (content and tags), and what the stop left half-written is written again.";

        private void ApplyConfig(PorterContainerCopyResult result, PorterAzureTable source)
        {
            string config = source.ConfigFileName ?? source.Source;
            if (!result.Verified || ShouldProcess(config, "Switch Porter's storage from the azure.table plugin to the azure.blob plugin"))
            {
                string kept = TableCopy.UpdateConfig(result, source, AzureReferences.Container(Destination!, "moving a table"), System.DateTime.Now);
                WriteVerbose($"Changed '{config}' to the azure.blob plugin; its old text is in '{kept}'.");
            }
        }
    }
}
