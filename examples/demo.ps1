<#
.SYNOPSIS
    The main job on an embedded sample: builds a legacy Porter home (from Porter's own fixtures) in a
    temporary folder and shows what PorterStorage sees. Never touches ~/.porter.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    # Two Azurite accounts (build.ps1 Demo starts them); without them the Azure part is left out.
    [string] $SourceConnectionString,
    [string] $DestinationConnectionString,
    # A third account for the azure.table flow (its table and its container are both 'porter'); without it that part is left out.
    [string] $TableConnectionString
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModuleRoot 'PorterStorage') -Force
. (Join-Path $PSScriptRoot '../tests/SampleHome.ps1')
. (Join-Path $PSScriptRoot '../tests/SampleContainer.ps1')
. (Join-Path $PSScriptRoot '../tests/SampleTable.ps1')

$work = Join-Path ([IO.Path]::GetTempPath()) ("porterstorage-demo-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    $legacy = (New-PorterSampleHome -Path (Join-Path $work 'legacy-home') -Kind Legacy).FullName
    $current = (New-PorterSampleHome -Path (Join-Path $work 'v038-home') -Kind Current).FullName

    Write-Host "`n== Get-PorterHome: a legacy home (Porter v0.27) and a current one (Porter v0.38)" -ForegroundColor Cyan
    Get-PorterHome -Path $legacy, $current | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

    Write-Host "== What Porter v0.38.7+ would trip on in the legacy home" -ForegroundColor Cyan
    (Get-PorterHome -Path $legacy).Problems | Format-Table Code, Message -Wrap | Out-String -Width 200 | Write-Host

    Write-Host "== Get-PorterConfig: the config file and the storage that applies" -ForegroundColor Cyan
    Get-PorterConfig -Path $legacy | Format-List FilePath, Format, Storage, ResolvedStorage | Out-String -Width 200 | Write-Host

    Write-Host "== Test-PorterSchema: does Porter demand a migration?" -ForegroundColor Cyan
    Get-PorterHome -Path $legacy, $current | Test-PorterSchema | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $status = Test-PorterSchema -Path $legacy
    Write-Host "Legacy home: $($status.Reason)"
    foreach ($s in $status.Subsystems) { Write-Host ("  {0,-12} stored '{1}', expected '{2}'" -f $s.Name, $s.Stored, $s.Expected) }
    Write-Host ("Test-PorterSchema -Quiet: legacy {0}, current {1}" -f (Test-PorterSchema $legacy -Quiet), (Test-PorterSchema $current -Quiet))

    Write-Host "`n== Get-PorterHome | Backup-PorterHome | Test-PorterBackup" -ForegroundColor Cyan
    $backups = Join-Path $work 'backups'
    $backup = Get-PorterHome -Path $legacy | Backup-PorterHome -Destination $backups
    $backup | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $backup | Test-PorterBackup | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

    Write-Host "== Restore-PorterHome into a new folder, then compare with the original" -ForegroundColor Cyan
    $restored = $backup | Restore-PorterHome -Destination (Join-Path $work 'restored-home') -Confirm:$false
    $restored | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $differences = Compare-Object (Get-ChildItem $legacy -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($legacy, $_.FullName) + ' ' + (Get-FileHash $_.FullName).Hash }) `
        (Get-ChildItem $restored.Destination -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($restored.Destination, $_.FullName) + ' ' + (Get-FileHash $_.FullName).Hash })
    Write-Host ("Restored tree identical to the original: {0}" -f (-not $differences))

    Write-Host "`n== Get-PorterMigrationPlan: what the migration would do" -ForegroundColor Cyan
    (Get-PorterMigrationPlan -Path $legacy).Items | Format-Table Kind, Name, Action, Reason -Wrap | Out-String -Width 200 | Write-Host

    Write-Host "== Get-PorterHome | Backup-PorterHome | Invoke-PorterStorageMigration -Confirm:`$false -Detailed"  -ForegroundColor Cyan
    $result = Get-PorterHome -Path $legacy | Backup-PorterHome -Destination $backups | Invoke-PorterStorageMigration -Confirm:$false -Detailed
    $result | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $result.Installations | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    Write-Host "The migration log ($($result.LogPath)):"
    Get-Content -LiteralPath $result.LogPath | ForEach-Object { Write-Host "  $_" }

    Write-Host "`n== After: Test-PorterSchema, Test-PorterStorage, and the new layout" -ForegroundColor Cyan
    Get-PorterHome -Path $legacy | Test-PorterSchema | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    Test-PorterStorage -Path $legacy | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    Get-ChildItem -LiteralPath $legacy -Recurse -File | ForEach-Object { Write-Host ('  ' + [IO.Path]::GetRelativePath($legacy, $_.FullName)) }
    $rerun = Invoke-PorterStorageMigration -Path $legacy -SkipBackupCheck -Confirm:$false
    Write-Host ("Second run: {0} migrated, schema written again: {1}" -f $rerun.Migrated, $rerun.SchemaWritten)

    if ($SourceConnectionString) {
        Write-Host "`n== Azure: a plugin container in Azurite, partly pre-v0.9 (untagged)" -ForegroundColor Cyan
        $archive = New-PorterBlobStoreArchive -Path (Join-Path $work 'sample-container.zip') -Installations 4 -Legacy
        $azureHome = New-Item -ItemType Directory -Path (Join-Path $work 'azure-home')
        Set-Content -LiteralPath (Join-Path $azureHome 'config.toml') -Value "default-storage = `"team`"`n[[storage]]`n  name = `"team`"`n  plugin = `"azure.blob`"`n  [storage.config]`n    env = `"TEAM_PORTER_STORAGE`"`n"
        $env:TEAM_PORTER_STORAGE = $SourceConnectionString
        $source = Get-PorterAzureStorage -Path $azureHome.FullName
        Restore-PorterAzureContainer -Path $archive.FullName -Storage $source -Confirm:$false | Out-Null
        $source | Format-List AccountName, ContainerUri, Authentication, Source | Out-String -Width 200 | Write-Host
        Get-PorterHome -Path $azureHome.FullName | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        Test-PorterSchema -Path $azureHome.FullName | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

        Write-Host "== Backup-PorterAzureContainer | Test-PorterBackup" -ForegroundColor Cyan
        $containerBackup = $source | Backup-PorterAzureContainer -Destination $backups
        $containerBackup | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        $containerBackup | Test-PorterBackup | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

        Write-Host "== Test-PorterAzureBlobIndex: does the account support Blob Index, and what lacks Porter's tags?" -ForegroundColor Cyan
        $index = $source | Test-PorterAzureBlobIndex
        $index | Format-List Account, Supported, Reason, AccountKind, SkuName | Out-String -Width 200 | Write-Host
        $index.Prefixes | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

        Write-Host "== Copy-PorterAzureContainer to a second account, tags kept and verified" -ForegroundColor Cyan
        $destination = Get-PorterAzureStorage -ConnectionString $DestinationConnectionString
        $copy = Copy-PorterAzureContainer -Source $source -Destination $destination -Confirm:$false
        $copy | Format-List Source, Destination, Total, Copied, Skipped, Failed, TagsCopied, Verified | Out-String -Width 200 | Write-Host
        $again = Copy-PorterAzureContainer -Source $source -Destination $destination -Confirm:$false
        Write-Host ("Second copy: {0} copied, {1} skipped (already equal), verified: {2}" -f $again.Copied, $again.Skipped, $again.Verified)

        Write-Host "`n== Invoke-PorterStorageMigration on the copy: back it up, migrate it, verify Porter's tag queries" -ForegroundColor Cyan
        $env:TEAM_PORTER_STORAGE = $DestinationConnectionString
        Write-Host "The home's config now points at the new account: $((Get-PorterAzureStorage -Path $azureHome.FullName).ContainerUri)"
        Get-PorterMigrationPlan -Path $azureHome.FullName | Select-Object -ExpandProperty Items | Format-Table Kind, Name, Action, Reason -Wrap | Out-String -Width 200 | Write-Host
        $destinationBackup = $destination | Backup-PorterAzureContainer -Destination $backups
        $migrated = Invoke-PorterStorageMigration -Path $azureHome.FullName -Backup $destinationBackup -Confirm:$false
        $migrated | Format-List Source, Succeeded, Migrated, Failed, SchemaBefore, SchemaAfter, LogPath | Out-String -Width 200 | Write-Host
        $migrated.Verification | Format-List IsValid, Checked, Findings | Out-String -Width 200 | Write-Host
        ($destination | Test-PorterAzureBlobIndex).Prefixes | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        Test-PorterSchema -Path $azureHome.FullName | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        $rerunAzure = Invoke-PorterStorageMigration -Path $azureHome.FullName -SkipBackupCheck -Confirm:$false
        Write-Host ("Second run on the container: {0} migrated, schema written again: {1}" -f $rerunAzure.Migrated, $rerunAzure.SchemaWritten)
        Remove-Item Env:TEAM_PORTER_STORAGE
    }

    if ($SourceConnectionString -and $TableConnectionString) {
        Write-Host "`n== Azure Table: a home on the azure.table plugin (azure-plugins v0.11), its table seeded as the plugin writes it" -ForegroundColor Cyan
        $null = New-PorterTableStore -ConnectionString $TableConnectionString -Table porter -Installations 3
        $tableHome = New-Item -ItemType Directory -Path (Join-Path $work 'table-home')
        Set-Content -LiteralPath (Join-Path $tableHome 'config.toml') -Value "default-storage = `"team`"`n[[storage]]`n  name = `"team`"`n  plugin = `"azure.table`"`n  [storage.config]`n    env = `"TEAM_PORTER_STORAGE`"`n"
        $env:TEAM_PORTER_STORAGE = $TableConnectionString
        $table = Get-PorterAzureStorage -Path $tableHome.FullName
        $table | Format-List Kind, AccountName, TableUri, Authentication, Source | Out-String -Width 200 | Write-Host
        Get-PorterHome -Path $tableHome.FullName | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        Test-PorterSchema -Path $tableHome.FullName | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        Test-PorterStorage -Path $tableHome.FullName | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

        Write-Host "== Backup-PorterAzureContainer on the table: every entity, property and type | Test-PorterBackup" -ForegroundColor Cyan
        $tableBackup = $table | Backup-PorterAzureContainer -Destination $backups
        $tableBackup | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        $tableBackup | Test-PorterBackup | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

        Write-Host "== Copy-PorterAzureContainer to a table in a second account, entity by entity, verified" -ForegroundColor Cyan
        $otherTable = Get-PorterAzureStorage -ConnectionString $DestinationConnectionString -Table porter
        $tableCopy = Copy-PorterAzureContainer -Source $table -Destination $otherTable -Confirm:$false
        $tableCopy | Format-List Source, Destination, Total, Copied, Skipped, Verified | Out-String -Width 200 | Write-Host

        Write-Host "== Copy-PorterAzureContainer -UpdateConfig: move the table into the account's 'porter' container, off the dropped plugin" -ForegroundColor Cyan
        $container = Get-PorterAzureStorage -ConnectionString $TableConnectionString
        $moved = Copy-PorterAzureContainer -Source $table -Destination $container -UpdateConfig -Confirm:$false
        $moved | Format-List Source, Destination, Total, Copied, TagsCopied, Verified, ConfigChange, ConfigUpdated | Out-String -Width 200 | Write-Host
        Write-Host "The home's config now:"
        Get-Content -LiteralPath (Join-Path $tableHome 'config.toml') | ForEach-Object { Write-Host "  $_" }
        Write-Host ("Porter's own query for type 'claims' finds: {0}" -f ((Find-PorterBlobByTag -ConnectionString $TableConnectionString -Tags @{ type = 'claims' }) -join ', '))
        Write-Host "The home now reads: $((Get-PorterAzureStorage -Path $tableHome.FullName).StoreUri)"
        Test-PorterStorage -Path $tableHome.FullName | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        $movedAgain = Copy-PorterAzureContainer -Source $table -Destination $container -Confirm:$false 6>$null
        Write-Host ("Second move: {0} written, {1} already in place, verified: {2}" -f $movedAgain.Copied, $movedAgain.Skipped, $movedAgain.Verified)
        Remove-Item Env:TEAM_PORTER_STORAGE
    }
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
