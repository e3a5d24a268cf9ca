<#
.SYNOPSIS
    Azure Automation runbook: migrates Porter's Azure plugin container to the format of Porter v0.28-v0.38.
.DESCRIPTION
    Probes Blob Index on the account that holds the container; when the account lacks it, copies the container,
    with its tags, to a target account that has it and migrates the copy; otherwise backs the container up to
    the sandbox's temporary folder and migrates it in place. No prompt, no dependence on progress records: every
    step's result is written as an object, and the runbook fails (throws) when a step does not verify.
    Authentication is the Automation account's managed identity (Storage Blob Data Owner on both accounts);
    -SourceConnectionString and -TargetConnectionString replace it where no identity exists (tests, Hybrid Workers).
    Import the PorterStorage module zip into the Automation account first (see about_PorterStorage_Runbooks).
#>
param(
    [string] $SourceAccountName,
    [string] $TargetAccountName,
    [string] $ClientId,
    [string] $SourceConnectionString,
    [string] $TargetConnectionString,
    [string] $Container = 'porter',
    [string] $WorkFolder = [IO.Path]::GetTempPath()
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module PorterStorage

function Get-Storage([string] $AccountName, [string] $ConnectionString) {
    if ($ConnectionString) { return Get-PorterAzureStorage -ConnectionString $ConnectionString -Container $Container }
    $identity = @{ AccountName = $AccountName; UseManagedIdentity = $true; Container = $Container }
    if ($ClientId) { $identity.ClientId = $ClientId }
    Get-PorterAzureStorage @identity
}

$source = Get-Storage $SourceAccountName $SourceConnectionString
$index = Test-PorterAzureBlobIndex -Storage $source
Write-Output $index

$storage = $source
if (-not $index.Supported) {
    if (-not ($TargetAccountName -or $TargetConnectionString)) { throw "The account of $($source.ContainerUri) has no Blob Index ($($index.Reason)) and no target account was given." }
    $storage = Get-Storage $TargetAccountName $TargetConnectionString
    $copy = Copy-PorterAzureContainer -Source $source -Destination $storage -Confirm:$false
    Write-Output $copy
    if (-not $copy.Verified) { throw "The copy to $($storage.ContainerUri) did not verify." }
}

$backup = Backup-PorterAzureContainer -Storage $storage -Destination $WorkFolder
Write-Output $backup
if (-not $backup.Verified) { throw "The backup of $($storage.ContainerUri) did not verify." }

$result = Invoke-PorterStorageMigration -Storage $storage -Backup $backup -LogPath $WorkFolder -Confirm:$false
Write-Output $result
if (-not $result.Succeeded) { throw "The migration of $($storage.ContainerUri) did not complete: $($result.Summary)" }
Write-Output (Test-PorterStorage -Storage $storage)
