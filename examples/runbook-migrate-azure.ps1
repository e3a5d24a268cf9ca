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
    Parameters left out are read from Automation variables of the same name with the prefix PorterStorage
    (PorterStorageSourceAccountName, PorterStorageTargetAccountName, PorterStorageClientId,
    PorterStorageBackupContainer, PorterStorageContainer, PorterStorageEnvironment) when the runbook runs in Azure Automation.
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
    # Per-blob failures are errors of their own, not the end of the copy: every blob is attempted.
    $copy = Copy-PorterAzureContainer -Source $source -Destination $storage -Confirm:$false -ErrorAction Continue
    Write-Output $copy
    if (-not $copy.Verified) { throw "The copy to $($storage.ContainerUri) did not verify ($($copy.Failed) blob(s) failed); run the runbook again to finish it." }
}

$backupArguments = @{ Storage = $storage; Destination = $WorkFolder }
if ($BackupContainer) { $backupArguments.CopyTo = Get-Storage @account -Name $BackupContainer }
$backup = Backup-PorterAzureContainer @backupArguments -ErrorAction Continue
Write-Output $backup
if (-not $backup.Verified) { throw "The backup of $($storage.ContainerUri) did not verify; nothing was migrated." }
if ($BackupContainer -and -not $backup.CopiedTo) { throw "The backup could not be copied to the container '$BackupContainer'; nothing was migrated." }

# One bad installation is an error of its own: the rest are migrated and the result is written before the job fails.
$result = Invoke-PorterStorageMigration -Storage $storage -Backup $backup -LogPath $WorkFolder -Confirm:$false -ErrorAction Continue -ErrorVariable itemErrors
Write-Output $result
foreach ($e in $itemErrors) { $failures.Add("$($e.FullyQualifiedErrorId -replace ',.*$', ''): $($e.TargetObject)") }
$verification = Test-PorterStorage -Storage $storage -ErrorAction Continue
Write-Output $verification
if (-not $result -or -not $result.Succeeded) { $failures.Insert(0, "The migration of $($storage.ContainerUri) did not complete: $($result.Summary)") }
if (-not $verification.IsValid) { $failures.Add("Test-PorterStorage found $($verification.ErrorCount) error(s) in $($storage.ContainerUri).") }
if ($failures.Count -gt 0) { throw ($failures -join [Environment]::NewLine) }
