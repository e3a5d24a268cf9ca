BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    $script:Runbook = Join-Path $PSScriptRoot '../../examples/runbook-migrate-azure.ps1'
}

Describe 'The Azure Automation runbook example' {
    It 'migrates a legacy plugin container without a prompt and writes its results as objects' {
        $s = New-SeededContainer -Installations 2 -LegacyInstallations 3 -NoSchema -Legacy
        $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'runbook') -Force
        # A non-interactive pwsh, as in the sandbox: any prompt would fail the run; a connection string stands in for the identity.
        $r = Invoke-ChildPwsh -Command "`$o = & '$script:Runbook' -SourceConnectionString '$($script:SourceConnection)' -Container '$($s.Container)' -WorkFolder '$($work.FullName)'; `$o | ForEach-Object { 'TYPE ' + `$_.GetType().FullName }; 'SUCCEEDED ' + (`$o | Where-Object { `$_.GetType().Name -eq 'PorterMigrationResult' }).Succeeded"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'TYPE PorterStorage.PorterBlobIndexStatus'
        $r.Output | Should -Match 'TYPE PorterStorage.PorterBackup'
        $r.Output | Should -Match 'TYPE PorterStorage.PorterStorageVerification'
        $r.Output | Should -Match 'SUCCEEDED True'
        $s | Test-PorterStorage -Quiet | Should -BeTrue
        Get-ChildItem $work -Filter '*-migrate.log' | Should -Not -BeNullOrEmpty
        Get-ChildItem $work -Filter 'porter-container-*.tar.gz' | Should -Not -BeNullOrEmpty
    }

    It 'attempts every installation under Stop when one is bad, writes the result, then fails the job naming the item' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 3 -NoSchema -BrokenLegacy
        $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'runbook-bad') -Force
        $r = Invoke-ChildPwsh -Command "`$ErrorActionPreference = 'Stop'; try { & '$script:Runbook' -SourceConnectionString '$($script:SourceConnection)' -Container '$($s.Container)' -WorkFolder '$($work.FullName)' | ForEach-Object { if (`$_.GetType().Name -eq 'PorterMigrationResult') { 'MIGRATED ' + `$_.Migrated; 'FAILED ' + `$_.Failed } } } catch { 'JOBFAILED ' + `$_.Exception.Message; exit 1 }"
        $r.ExitCode | Should -Be 1 -Because $r.Output
        $r.Output | Should -Match 'MIGRATED 3'
        $r.Output | Should -Match 'FAILED 1'
        $r.Output | Should -Match 'JOBFAILED The migration of .* did not complete'
        $r.Output | Should -Match 'ClaimBundleMissing: .*broken'
        # the three good ones are in the current layout, the bad one is left as it was
        $plan = Get-PorterMigrationPlan -Storage $s
        @($plan.Items | Where-Object { $_.Kind -eq 'Installation' -and $_.Action -eq 'Migrate' }) | Should -BeNullOrEmpty
        @($plan.Items | Where-Object Action -eq 'Fail').Name | Should -Contain 'broken'
    }

    It 'copies the verified backup to a blob container so that it outlives the sandbox, and says where' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 2 -NoSchema
        $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'runbook-copy') -Force
        $backups = New-TestContainerName
        $r = Invoke-ChildPwsh -Command "& '$script:Runbook' -SourceConnectionString '$($script:SourceConnection)' -Container '$($s.Container)' -BackupContainer '$backups' -WorkFolder '$($work.FullName)' | ForEach-Object { if (`$_.GetType().Name -eq 'PorterBackup') { 'COPIEDTO ' + `$_.CopiedTo; 'SHA ' + `$_.Sha256 } }"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $uri = [regex]::Match($r.Output, 'COPIEDTO (\S+)').Groups[1].Value
        $uri | Should -Match "/$backups/porter-container-.*\.tar\.gz$"
        $uri | Should -Not -Match 'sig='
        $sha = [regex]::Match($r.Output, 'SHA ([0-9a-f]{64})').Groups[1].Value
        # the blob holds the same bytes as the verified archive
        $copy = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Container $backups
        $local = Join-Path $TestDrive 'fetched'
        $null = Backup-PorterAzureContainer -Storage $copy -Destination (Join-Path $local 'b.zip')
        $entry = Get-ArchiveManifest (Join-Path $local 'b.zip')
        @($entry.entries).Count | Should -Be 1
        $entry.entries[0].path | Should -Be ($uri -split '/')[-1]
        $archive = Get-ChildItem $work -Filter 'porter-container-*.tar.gz'
        (Get-FileHash $archive.FullName -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be $sha
        $entry.entries[0].sha256 | Should -Be $sha
    }

    It 'survives being stopped mid-migration: started again, it reuses its backup, finishes, and migrates nothing twice' {
        $reference = New-SeededContainer -Installations 1 -LegacyInstallations 30 -NoSchema
        (Invoke-PorterStorageMigration -Storage $reference -SkipBackupCheck -LogPath $TestDrive -Confirm:$false).Succeeded | Should -BeTrue
        $expected = Get-ContainerDigest $reference -MaskIds
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 30 -NoSchema
        $backups = New-TestContainerName
        # The fault proxy holds the first job once it has written the Blob Index probe's blob, its backup's copy and 39 blobs of the
        # migration; the test then kills it, as Automation stops a job at its 3-hour limit. Both jobs reach the account through the
        # proxy, so both name the container by the same URL (the backup's source).
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = 'PutBlob'; count = 41 } }
        try {
            $through = $proxy.ConnectionStrings['devstoreaccount1']
            $first = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'runbook-stopped') -Force
            $child = Start-ChildPwsh -Command "& '$script:Runbook' -SourceConnectionString '$through' -Container '$($s.Container)' -BackupContainer '$backups' -WorkFolder '$($first.FullName)' | Out-Null"
            Wait-FaultProxyPaused $proxy -TimeoutSeconds 180 | Should -BeTrue -Because 'the first job reaches its migration'
            $child.HasExited | Should -BeFalse
            $child.Kill($true); $child.WaitForExit()
            Resume-FaultProxy $proxy
            $kept = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Container $backups
            $made = @(Get-PorterBackup -Storage $kept)
            $made.Count | Should -Be 1
            $made[0].RunId | Should -Match '^auto-[0-9a-f]{16}$'
            (Get-PorterMigrationPlan -Storage $s).Installations | Should -BeGreaterThan 0 -Because 'the first job was stopped before it finished'
            # Started again in a new sandbox (an empty temporary folder); the stopped job's lease expires within 15 s.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            do {
                $again = New-Item -ItemType Directory -Path (Join-Path $TestDrive ('runbook-again-' + [Guid]::NewGuid().ToString('N').Substring(0, 6))) -Force
                $r = Invoke-ChildPwsh -Command "& '$script:Runbook' -SourceConnectionString '$through' -Container '$($s.Container)' -BackupContainer '$backups' -WorkFolder '$($again.FullName)' | ForEach-Object { if (`$_ -is [string]) { 'SAID ' + `$_ } elseif (`$_.GetType().Name -eq 'PorterBackup') { 'BACKUP ' + `$_.Sha256 + ' ' + `$_.RunId } elseif (`$_.GetType().Name -eq 'PorterMigrationResult') { 'MIGRATED ' + `$_.Migrated; 'SUCCEEDED ' + `$_.Succeeded } }"
                $held = $r.ExitCode -ne 0 -and $r.Output -match 'MigrationInProgress'
                if ($held) { Start-Sleep -Seconds 2 }
            } while ($held -and [DateTime]::UtcNow -lt $deadline)
        }
        finally { Stop-FaultProxy $proxy }
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'SAID Reusing the verified backup'
        $r.Output | Should -Match ([regex]::Escape("BACKUP $($made[0].Sha256) $($made[0].RunId)"))
        $r.Output | Should -Match 'SUCCEEDED True'
        # one backup, and the container as one uninterrupted migration leaves it
        @(Get-PorterBackup -Storage $kept).Count | Should -Be 1
        Get-ContainerDigest $s -MaskIds | Should -Be $expected
        $s | Test-PorterStorage -Quiet | Should -BeTrue
    }

    It 'takes what it is not given from Automation variables, and says what it needs when there are none' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 1 -NoSchema
        $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'runbook-vars') -Force
        # Get-AutomationVariable as the sandbox provides it (a stub); the account comes from a connection string here, the
        # container from the variable.
        $stub = "function Get-AutomationVariable([string] `$Name) { switch (`$Name) { 'PorterStorageContainer' { '$($s.Container)' } default { throw ""no variable `$Name"" } } }"
        $r = Invoke-ChildPwsh -Command "$stub; & '$script:Runbook' -SourceConnectionString '$($script:SourceConnection)' -WorkFolder '$($work.FullName)' | ForEach-Object { if (`$_.GetType().Name -eq 'PorterMigrationResult') { 'SOURCE ' + `$_.Source; 'SUCCEEDED ' + `$_.Succeeded } }"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match "SOURCE .*/$($s.Container)"
        $r.Output | Should -Match 'SUCCEEDED True'
        $none = Invoke-ChildPwsh -Command "& '$script:Runbook'"
        $none.ExitCode | Should -Not -Be 0
        $none.Output | Should -Match 'Nothing to migrate: give -SourceAccountName'
        $none.Output | Should -Match 'PorterStorageSourceAccountName'
    }

    It 'fails the job, naming the step, when the container is missing' {
        $r = Invoke-ChildPwsh -Command "& '$script:Runbook' -SourceConnectionString '$($script:SourceConnection)' -Container 'nosuchcontainer' -WorkFolder '$TestDrive'"
        $r.ExitCode | Should -Not -Be 0
        $r.Output | Should -Match 'nosuchcontainer'
        $r.Output | Should -Not -Match 'AccountKey'
    }
}
