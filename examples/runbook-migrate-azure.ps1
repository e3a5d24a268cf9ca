<#
.SYNOPSIS
    Azure Automation runbook: migrates Porter's Azure plugin container to the format of Porter v0.28-v0.38.
.DESCRIPTION
    Probes Blob Index on the account that holds the container; when the account lacks it, copies the container,
    with its tags, to a target account that has it and migrates the copy; otherwise backs the container up and
    migrates it in place. The backup is written to the sandbox's temporary folder, verified there, and (with
    -BackupContainer) copied to a blob container so that it outlives the job; the result names where.
    No prompt, no dependence on progress records: every step's result is written as an object. One bad item never
    stops the rest: every installation is attempted, the result is written, and the job fails at the end when
    anything failed or did not verify.
    A job Automation stops (the 3-hour fair-share limit) is started again as it was: with -BackupContainer, the runbook
    finds the verified backup an earlier job made for this container and run (blob metadata: source and run id; listed
    without downloading), fetches only that one, skips the copy and the backup that job finished, and resumes the
    migration, which never migrates an item twice. An item changed since that backup is refused (BackupRequired); the
    runbook then makes a new backup and migrates again.
    Parameters left out are read from Automation variables of the same name with the prefix PorterStorage
    (PorterStorageSourceAccountName, PorterStorageTargetAccountName, PorterStorageClientId,
    PorterStorageBackupContainer, PorterStorageContainer, PorterStorageEnvironment, PorterStorageRunId) when the runbook
    runs in Azure Automation.
    -Environment (AzureUSGovernment, AzureChinaCloud) places the account names in a sovereign cloud.
    Authentication is the Automation account's managed identity (Storage Blob Data Owner on both accounts);
    -SourceConnectionString and -TargetConnectionString replace it where no identity exists (tests, Hybrid Workers).
    Import the PorterStorage module zip into the Automation account first (see about_PorterStorage_Runbooks).
#>
param(
    [string] $SourceAccountName,
    [string] $TargetAccountName,
    [string] $ClientId,
    # The Azure cloud of the account names: AzureCloud (default), AzureUSGovernment or AzureChinaCloud.
    [string] $Environment,
    [string] $SourceConnectionString,
    [string] $TargetConnectionString,
    [string] $Container,
    # A container, in the account that is migrated, to copy the verified backup to (created when missing).
    [string] $BackupContainer,
    # A name for this migration (a change ticket, say), recorded with the backup's copy: a job started again reuses only a
    # backup of its own run. Without one, the run is named after the source and target containers, so a job started again
    # with the same parameters finds its backup.
    [string] $RunId,
    [string] $WorkFolder = [IO.Path]::GetTempPath()
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module PorterStorage

# A parameter left out: the Automation variable PorterStorage<Name>, when this runs in Azure Automation.
function Get-Setting([string] $Name, [string] $Value) {
    if ($Value) { return $Value }
    if (Get-Command Get-AutomationVariable -ErrorAction SilentlyContinue) {
        try { return [string](Get-AutomationVariable -Name "PorterStorage$Name") } catch { return $null }
    }
    $null
}
$SourceAccountName = Get-Setting SourceAccountName $SourceAccountName
$TargetAccountName = Get-Setting TargetAccountName $TargetAccountName
$ClientId = Get-Setting ClientId $ClientId
$Environment = Get-Setting Environment $Environment
$BackupContainer = Get-Setting BackupContainer $BackupContainer
$Container = Get-Setting Container $Container
$RunId = Get-Setting RunId $RunId
# Refused before any work (Backup-PorterAzureContainer -RunId would refuse it only after the copy).
if ($RunId -and $RunId -notmatch '^[A-Za-z0-9._-]{1,64}$') { throw "The run id '$RunId' is not 1 to 64 letters, digits, dots, hyphens or underscores." }
if (-not $Container) { $Container = 'porter' }
if (-not ($SourceAccountName -or $SourceConnectionString)) {
    throw 'Nothing to migrate: give -SourceAccountName (the storage account of the Porter container; or set the Automation variable PorterStorageSourceAccountName), or -SourceConnectionString.'
}

function Get-Storage([string] $AccountName, [string] $ConnectionString, [string] $Name = $Container) {
    if ($ConnectionString) { return Get-PorterAzureStorage -ConnectionString $ConnectionString -Container $Name }
    $identity = @{ AccountName = $AccountName; UseManagedIdentity = $true; Container = $Name }
    if ($ClientId) { $identity.ClientId = $ClientId }
    if ($Environment) { $identity.Environment = $Environment }
    Get-PorterAzureStorage @identity
}

$failures = [Collections.Generic.List[string]]::new()
$source = Get-Storage $SourceAccountName $SourceConnectionString
$index = Test-PorterAzureBlobIndex -Storage $source
Write-Output $index

$storage = $source
$account = @($SourceAccountName, $SourceConnectionString)
if (-not $index.Supported) {
    if (-not ($TargetAccountName -or $TargetConnectionString)) { throw "The account of $($source.ContainerUri) has no Blob Index ($($index.Reason)) and no target account was given." }
    $storage = Get-Storage $TargetAccountName $TargetConnectionString
    $account = @($TargetAccountName, $TargetConnectionString)
}

if (-not $RunId) {
    # Named after what the job was given, not the path it took: a job started again while the index lags takes the same name.
    $target = if ($TargetAccountName -or $TargetConnectionString) { (Get-Storage $TargetAccountName $TargetConnectionString).ContainerUri } else { '' }
    $named = [Text.Encoding]::UTF8.GetBytes("$($source.ContainerUri)|$target")
    $RunId = 'auto-' + [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash($named)).Replace('-', '').Substring(0, 16).ToLowerInvariant()
}

# A job started again: the verified backup an earlier job of this run made of this container, while its migration is unfinished.
# That job made it only after its copy (if any) had verified, so the copy is done too.
$kept = if ($BackupContainer) { Get-Storage @account -Name $BackupContainer }
$backup = $null
$reused = $false
$status = if ($kept) { Test-PorterSchema -Storage $storage -ErrorAction SilentlyContinue }
if ($status -and $status.MigrationRequired) {
    $previous = Get-PorterBackup -Storage $kept -ErrorAction SilentlyContinue |
        Where-Object { $_.Source -eq $storage.ContainerUri.ToString() -and $_.RunId -eq $RunId } |
        Sort-Object Created | Select-Object -Last 1
    if ($previous) {
        # Only that archive is fetched, into a folder of its own, and checked in full; it must be the archive the metadata named.
        $fetched = Join-Path $WorkFolder ('porterstorage-reused-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
        $name = [WildcardPattern]::Escape([Uri]::UnescapeDataString($previous.CopiedTo.Segments[-1]))
        $backup = Get-PorterBackup -Storage $kept -Name $name -Destination $fetched -ErrorAction Continue |
            Where-Object { $_.Verified -and $_.Sha256 -eq $previous.Sha256 -and $_.Source -eq $previous.Source } | Select-Object -First 1
        if ($backup) {
            $reused = $true
            Write-Output "Reusing the verified backup $($previous.CopiedTo) of run $RunId made $($previous.Created.ToString('u')): the earlier job finished the copy and the backup."
            Write-Output $backup
        }
    }
}

if (-not $reused -and -not [object]::ReferenceEquals($storage, $source)) {
    # Per-blob failures are errors of their own, not the end of the copy: every blob is attempted.
    $copy = Copy-PorterAzureContainer -Source $source -Destination $storage -Confirm:$false -ErrorAction Continue
    Write-Output $copy
    if (-not $copy.Verified) { throw "The copy to $($storage.ContainerUri) did not verify ($($copy.Failed) blob(s) failed); run the runbook again to finish it." }
}

# A new backup of the container, recorded with this run's id, checked and copied to -BackupContainer.
function New-RunBackup {
    $arguments = @{ Storage = $storage; Destination = $WorkFolder; RunId = $RunId }
    if ($kept) { $arguments.CopyTo = $kept }
    Backup-PorterAzureContainer @arguments -ErrorAction Continue
}
function Assert-RunBackup($made) {
    if (-not $made.Verified) { throw "The backup of $($storage.ContainerUri) did not verify; nothing was migrated." }
    if ($kept -and -not $made.CopiedTo) { throw "The backup could not be copied to the container '$BackupContainer'; nothing was migrated." }
}
if (-not $backup) {
    $backup = New-RunBackup
    Write-Output $backup
    Assert-RunBackup $backup
}

# One bad installation is an error of its own: the rest are migrated and the result is written before the job fails.
$result = Invoke-PorterStorageMigration -Storage $storage -Backup $backup -LogPath $WorkFolder -Confirm:$false -ErrorAction Continue -ErrorVariable itemErrors
if ($reused -and ($itemErrors | Where-Object { $_.FullyQualifiedErrorId -like 'BackupRequired,*' })) {
    # Items changed since the reused backup was made: they are left as they were; a new backup covers them.
    Write-Output "$(@($itemErrors | Where-Object { $_.FullyQualifiedErrorId -like 'BackupRequired,*' }).Count) item(s) changed since that backup; backing up again."
    Write-Output $result
    $backup = New-RunBackup
    Write-Output $backup
    Assert-RunBackup $backup
    $result = Invoke-PorterStorageMigration -Storage $storage -Backup $backup -LogPath $WorkFolder -Confirm:$false -ErrorAction Continue -ErrorVariable itemErrors
}
Write-Output $result
foreach ($e in $itemErrors) { $failures.Add("$($e.FullyQualifiedErrorId -replace ',.*$', ''): $($e.TargetObject)") }
$verification = Test-PorterStorage -Storage $storage -ErrorAction Continue
Write-Output $verification
if (-not $result -or -not $result.Succeeded) { $failures.Insert(0, "The migration of $($storage.ContainerUri) did not complete: $($result.Summary)") }
if (-not $verification.IsValid) { $failures.Add("Test-PorterStorage found $($verification.ErrorCount) error(s) in $($storage.ContainerUri).") }
if ($failures.Count -gt 0) { throw ($failures -join [Environment]::NewLine) }
