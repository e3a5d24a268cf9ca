BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    . (Join-Path $PSScriptRoot '../SampleTable.ps1')
    function New-TableName { 't' + [Guid]::NewGuid().ToString('N').Substring(0, 20) }
    function Get-PreRestoreArchive([string] $Folder) { @(Get-ChildItem -LiteralPath $Folder -Filter '*.pre-restore-*.tar.gz') }
    # Takes (15 s) or breaks a lease on a blob over the Blob service's REST API, signed with Shared Key.
    function Invoke-TestBlobLease([string] $ConnectionString, [string] $Container, [string] $Blob, [string] $Action) {
        $cs = ConvertFrom-PorterConnectionString $ConnectionString
        $account = $cs['AccountName']
        $uri = [Uri]::new($cs['BlobEndpoint'].TrimEnd('/') + "/$Container/$Blob" + '?comp=lease')
        $headers = [ordered]@{ 'x-ms-date' = [DateTime]::UtcNow.ToString('R'); 'x-ms-lease-action' = $Action; 'x-ms-version' = '2021-04-10' }
        if ($Action -eq 'acquire') { $headers['x-ms-lease-duration'] = '15' } else { $headers['x-ms-lease-break-period'] = '0' }
        $canonicalHeaders = ($headers.Keys | Sort-Object | ForEach-Object { "${_}:$($headers[$_])" }) -join "`n"
        $toSign = "PUT`n`n`n`n`n`n`n`n`n`n`n`n$canonicalHeaders`n/$account$($uri.AbsolutePath)`ncomp:lease"
        $hmac = [Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($cs['AccountKey']))
        $headers['Authorization'] = "SharedKey ${account}:$([Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($toSign))))"
        $null = Invoke-WebRequest -Method Put -Uri $uri -Headers $headers
    }
    function Assert-PreRestoreArchive($Result, [string] $Kind) {
        $Result.PreRestoreBackup | Should -Not -BeNullOrEmpty
        $Result.PreRestoreBackup | Should -Exist
        Split-Path $Result.PreRestoreBackup | Should -Be (Split-Path $Result.ArchivePath)
        Split-Path $Result.PreRestoreBackup -Leaf | Should -Match '\.pre-restore-\d{14}\.tar\.gz$'
        if (-not $IsWindows) { [Convert]::ToString([int][IO.File]::GetUnixFileMode($Result.PreRestoreBackup), 8) | Should -Be '600' }
        $check = Test-PorterBackup -Path $Result.PreRestoreBackup
        $check.IsValid | Should -BeTrue
        $check.Kind | Should -Be $Kind
    }
}

Describe 'Restore-PorterAzureContainer -Force puts a store back exactly as it was backed up' {
    It 'rolls a migrated container back to the backup''s blobs (names, bytes, tags, metadata), saving what it replaces or removes first' {
        $s = New-SeededContainer -Installations 2 -Legacy -NoSchema -NoTags -LegacyInstallations 3
        $before = Get-ContainerDigest $s -Full
        $installations = (Test-PorterStorage -Storage $s).Installations
        $folder = Join-Path $TestDrive 'rollback'
        $backup = $s | Backup-PorterAzureContainer -Destination $folder
        $r = Invoke-PorterStorageMigration -Storage $s -Backup $backup -LogPath (Join-Path $TestDrive 'logs') -Confirm:$false
        $r.Succeeded | Should -BeTrue
        $migrated = Get-ContainerDigest $s -Full
        Compare-Object $before $migrated | Should -Not -BeNullOrEmpty
        $names = { param($digest) @($digest | ForEach-Object { ($_ -split ' ')[0] }) }
        $removed = @((& $names $migrated) | Where-Object { $_ -cnotin (& $names $before) }).Count
        $migratedAway = @((& $names $before) | Where-Object { $_ -cnotin (& $names $migrated) }).Count
        $removed | Should -BeGreaterThan 0
        $migrated | Where-Object { $_ -like '.porterstorage/lock *' } | Should -Not -BeNullOrEmpty -Because 'the migration leaves its lock blob (unleased)'

        # -WhatIf names the counts and changes nothing: no blob, no pre-restore backup.
        $child = Invoke-ChildPwsh "Restore-PorterAzureContainer -LiteralPath '$($backup.Path)' -Storage (Get-PorterAzureStorage -ConnectionString '$($script:SourceConnection)' -Container '$($s.Container)') -Force -WhatIf"
        ($child.Output -replace '\s+', ' ') | Should -Match "What if: .*write \d+ \(replacing [1-9]\d*\), remove $removed\b"
        Get-ContainerDigest $s -Full | Should -Be $migrated
        Get-PreRestoreArchive $folder | Should -BeNullOrEmpty

        # Without -Force, the refusal of today.
        { $backup | Restore-PorterAzureContainer -Storage $s -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContainerNotEmpty,PorterStorage.Commands.RestorePorterAzureContainerCommand'

        $restored = $backup | Restore-PorterAzureContainer -Storage $s -Force -Confirm:$false
        Get-ContainerDigest $s -Full | Should -Be $before
        $restored.BlobCount | Should -Be $backup.FileCount
        $restored.Removed | Should -Be $removed
        $restored.Replaced | Should -BeGreaterThan 0
        $restored.Restored | Should -BeGreaterOrEqual $restored.Replaced
        Assert-PreRestoreArchive $restored 'container'
        ($restored | Format-Table | Out-String -Width 120) | Should -Match 'Removed'
        (Test-PorterStorage -Storage $s).Installations | Should -Be $installations

        # The pre-restore backup is the container as it was just before: restoring it brings the migrated state back.
        $undo = Restore-PorterAzureContainer -Path $restored.PreRestoreBackup -Storage $s -Force -Confirm:$false
        Get-ContainerDigest $s -Full | Should -Be $migrated
        $undo.Removed | Should -Be $migratedAway -Because 'the legacy blobs the migration replaced are gone again'
        $undo.PreRestoreBackup | Should -Not -BeNullOrEmpty

        # A rerun over a container equal to the backup writes, replaces and removes nothing and saves nothing.
        $null = $backup | Restore-PorterAzureContainer -Storage $s -Force -Confirm:$false
        $again = $backup | Restore-PorterAzureContainer -Storage $s -Force -Confirm:$false
        $again.Restored | Should -Be 0
        $again.Replaced | Should -Be 0
        $again.Removed | Should -Be 0
        $again.PreRestoreBackup | Should -BeNullOrEmpty
        $again.BlobCount | Should -Be $backup.FileCount
        Get-ContainerDigest $s -Full | Should -Be $before
    }

    It 'never overwrites a blob another writer adds while the restore runs (StoreChangedDuringRestore), held at the proxy before its writes' {
        $s = New-SeededContainer -Installations 1 -Legacy -NoSchema -NoTags -LegacyInstallations 4
        $folder = Join-Path $TestDrive 'race'
        $backup = $s | Backup-PorterAzureContainer -Destination $folder
        $null = Invoke-PorterStorageMigration -Storage $s -Backup $backup -LogPath (Join-Path $TestDrive 'logs') -Confirm:$false
        # The restore reads every blob twice (to compare, then into the pre-restore backup) before it writes anything: held after
        # those reads, every write it sends waits at the proxy while the other writer adds the legacy claims the restore will add back.
        $blobs = @(Get-ContainerDigest $s -Full).Count
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = 'GetBlob'; count = 2 * $blobs } }
        try {
            $module = $env:PORTERSTORAGE_MODULE
            $child = Start-ChildPwsh -Command "Import-Module '$module'; `$t = Get-PorterAzureStorage -ConnectionString '$($proxy.ConnectionStrings['devstoreaccount1'])' -Container '$($s.Container)'; try { Restore-PorterAzureContainer -Path '$($backup.Path)' -Storage `$t -Force -Confirm:`$false -ErrorAction Stop | Out-Null; 'IDS:' } catch { 'IDS:' + `$_.FullyQualifiedErrorId.Split(',')[0] }"
            Wait-FaultProxyPaused $proxy | Should -BeTrue
            foreach ($i in 1..4) {
                Invoke-OtherBlobWriter -ConnectionString $script:SourceConnection -Container $s.Container -Blob "claims/legacy$i" -Content "OTHER-WRITER-$i"
            }
            Set-FaultProxy $proxy @{ pauseAfter = $null } | Out-Null
            Resume-FaultProxy $proxy
            $child.WaitForExit(120000) | Should -BeTrue
            $child.StandardOutput.ReadToEnd() | Should -Match 'IDS:.*StoreChangedDuringRestore'
        }
        finally { Stop-FaultProxy $proxy }
        $client = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Container $s.Container
        $fetched = Join-Path $TestDrive 'after-race'
        $after = $client | Backup-PorterAzureContainer -Destination $fetched
        $entries = Get-ArchiveEntry -Path $after.Path
        foreach ($i in 1..4) {
            $entry = @($entries | Where-Object { $_.Name -like "*claims/legacy$i" })
            $entry.Count | Should -Be 1
            [Text.Encoding]::UTF8.GetString($entry[0].Content) | Should -Be "OTHER-WRITER-$i" -Because "the other writer's claims/legacy$i is never overwritten"
        }
    }

    It 'says on Ctrl+C how far the restore got and that a rerun with -Force finishes it, and the rerun does' {
        $s = New-SeededContainer -Installations 20
        $backup = $s | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'stopped')
        $target = New-TestContainerName
        # The proxy holds the restore after its 20th blob write: Stop comes while writes wait for their answers.
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = 'PutBlob'; count = 20 } }
        $recorded = New-RecordedPowerShell
        $ps = $recorded.PowerShell
        try {
            $via = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Container $target
            $null = $ps.AddCommand('Restore-PorterAzureContainer').AddParameter('Path', $backup.Path).AddParameter('Storage', $via).AddParameter('Confirm', $false)
            $said = Stop-RecordedWhileHeld $recorded $proxy
            $said | Should -Match "WARNING: The restore of .* was stopped after (\d+ of $($backup.FileCount)|no) blob\(s\) were written"
            $said | Should -Match 'Run the same command again with -Force'
        }
        finally {
            Stop-FaultProxy $proxy
            $ps.Dispose()
            $recorded.Runspace.Dispose()
        }
        $direct = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Container $target
        # A write the stopped restore had already sent may land after a rerun read the container; that rerun then stops with
        # StoreChangedDuringRestore (it never overwrites what it did not read), and the next one, comparing again, finishes.
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        do {
            $done = Restore-PorterAzureContainer -Path $backup.Path -Storage $direct -Force -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
            if (-not $done) { @($refused | Where-Object { "$($_.FullyQualifiedErrorId)" -notlike 'StoreChangedDuringRestore,*' }) | Should -BeNullOrEmpty }
        } while (-not $done -and [DateTime]::UtcNow -lt $deadline)
        $done.BlobCount | Should -Be $backup.FileCount
        Get-ContainerDigest $direct -Full | Should -Be (Get-ContainerDigest $s -Full)
    }

    It 'refuses a container whose migration lock is leased (MigrationInProgress), before saving or changing anything' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 1 -NoSchema
        $folder = Join-Path $TestDrive 'leased'
        $backup = $s | Backup-PorterAzureContainer -Destination $folder
        $null = Invoke-PorterStorageMigration -Storage $s -Backup $backup -LogPath (Join-Path $TestDrive 'logs') -Confirm:$false
        $migrated = Get-ContainerDigest $s -Full
        # The lease a running migration holds on its lock blob (15 s, as the module takes it).
        Invoke-TestBlobLease -ConnectionString $script:SourceConnection -Container $s.Container -Blob '.porterstorage/lock' -Action acquire
        try {
            { $backup | Restore-PorterAzureContainer -Storage $s -Force -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'MigrationInProgress,PorterStorage.Commands.RestorePorterAzureContainerCommand' -ExpectedMessage '*.porterstorage/lock*'
        }
        finally { Invoke-TestBlobLease -ConnectionString $script:SourceConnection -Container $s.Container -Blob '.porterstorage/lock' -Action break }
        Get-PreRestoreArchive $folder | Should -BeNullOrEmpty
        Get-ContainerDigest $s -Full | Should -Be $migrated
    }

    It 'rolls a changed table back to the backup''s entities, saving what it replaces or removes first' {
        $table = New-TableName
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 3
        $storage = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $table
        $before = Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table
        $folder = Join-Path $TestDrive 'table-rollback'
        $backup = Backup-PorterAzureContainer -Storage $storage -Destination $folder

        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey installations -RowKey added1 -Group '' -Data ([byte[]](1))
        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey notes -RowKey added2 -Group 'g' -Data ([byte[]](2, 3))
        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey credentials -RowKey team -Group '' -Data ([Text.Encoding]::UTF8.GetBytes('{"changed":true}'))
        $null = Invoke-PorterTableRequest -ConnectionString $script:SourceConnection -Method Delete -Resource (Get-EntityResource $table 'installations' 'app1') -Headers @{ 'If-Match' = '*' }
        $changed = Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table
        $changed | Should -Not -Be $before

        $child = Invoke-ChildPwsh "Restore-PorterAzureContainer -LiteralPath '$($backup.Path)' -Storage (Get-PorterAzureStorage -ConnectionString '$($script:SourceConnection)' -Table '$table') -Force -WhatIf"
        ($child.Output -replace '\s+', ' ') | Should -Match 'What if: .*write 2 \(replacing 1\), remove 2\b'
        Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table | Should -Be $changed
        Get-PreRestoreArchive $folder | Should -BeNullOrEmpty
        { Restore-PorterAzureContainer -Path $backup.Path -Storage $storage -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'TableNotEmpty*'

        $restored = Restore-PorterAzureContainer -Path $backup.Path -Storage $storage -Force -Confirm:$false
        Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table | Should -Be $before
        $restored.Verified | Should -BeTrue
        $restored.EntityCount | Should -Be $backup.FileCount
        $restored.Restored | Should -Be 2
        $restored.Replaced | Should -Be 1
        $restored.Removed | Should -Be 2
        Assert-PreRestoreArchive $restored 'table'
        ($restored | Format-Table | Out-String -Width 120) | Should -Match 'Removed'

        # Restoring the pre-restore backup brings the changed table back.
        $undo = Restore-PorterAzureContainer -Path $restored.PreRestoreBackup -Storage $storage -Force -Confirm:$false
        Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table | Should -Be $changed
        $undo.Removed | Should -Be 1
        $undo.Restored | Should -Be 3

        $null = Restore-PorterAzureContainer -Path $backup.Path -Storage $storage -Force -Confirm:$false
        $again = Restore-PorterAzureContainer -Path $backup.Path -Storage $storage -Force -Confirm:$false
        $again.Restored + $again.Removed | Should -Be 0
        $again.PreRestoreBackup | Should -BeNullOrEmpty
        Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table | Should -Be $before
    }
}
