BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
}

Describe 'Invoke-PorterStorageMigration on the Azure plugin''s container' {
    It 'migrates a pre-v0.9 store found by List into the plugin''s v0.9+ shape, then a rerun is a no-op' {
        $s = New-SeededContainer -Installations 2 -Legacy -NoSchema -NoTags -LegacyInstallations 3
        $backup = $s | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'pre')
        $r = Invoke-PorterStorageMigration -Storage $s -Backup $backup -LogPath (Join-Path $TestDrive 'logs') -Confirm:$false
        $r.Succeeded | Should -BeTrue
        $r.Migrated | Should -Be 4
        $r.SchemaWritten | Should -BeTrue
        $r.Verification.IsValid | Should -BeTrue
        $r.LogPath | Should -Exist
        $index = $s | Test-PorterAzureBlobIndex
        $index.UntaggedBlobs | Should -Be 0
        ($index.Prefixes | Where-Object Prefix -eq 'installations').Blobs | Should -Be 6
        $digest = Get-ContainerDigest $s
        $digest | Where-Object { $_ -like 'claims/legacy*' -or $_ -like 'claims/oldapp*' } | Should -BeNullOrEmpty
        ($digest | Where-Object { $_ -like 'claims/* *installation=legacy2*' }).Count | Should -Be 2

        $again = Invoke-PorterStorageMigration -Storage $s -SkipBackupCheck -LogPath (Join-Path $TestDrive 'logs') -Confirm:$false
        $again.Succeeded | Should -BeTrue
        $again.Migrated | Should -Be 0
        $again.SchemaWritten | Should -BeFalse
        Get-ContainerDigest $s | Should -Be $digest
    }

    It 'completes a half-tagged v0.9 store so that every item is found by tags' {
        $s = New-SeededContainer -Installations 4 -NoSchema
        # Two of the four installations' blobs overwritten by untagged ones (a restore with -Force would make the container equal to them).
        $untagged = New-SeededContainer -Installations 2 -NoSchema -NoTags
        Copy-PorterAzureContainer -Source $untagged -Destination $s -Force -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        ($s | Test-PorterAzureBlobIndex).Prefixes.Where({ $_.Prefix -eq 'installations' }).Blobs | Should -Be 4
        ($s | Test-PorterAzureBlobIndex).UntaggedBlobs | Should -BeGreaterThan 0
        $r = Invoke-PorterStorageMigration -Storage $s -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
        $r.Succeeded | Should -BeTrue
        $r.Verification.IsValid | Should -BeTrue
        ($s | Test-PorterAzureBlobIndex).UntaggedBlobs | Should -Be 0
    }

    It 'writes the log of a -Storage run without -LogPath to the per-user log folder, never the current folder' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 1
        $state = Join-Path $TestDrive 'xdg-state'
        $work = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'cwd') -Force
        $saved = $env:XDG_STATE_HOME
        $env:XDG_STATE_HOME = $state
        Push-Location $work.FullName
        try {
            $r = Invoke-PorterStorageMigration -Storage $s -SkipBackupCheck -Confirm:$false
            $r.Succeeded | Should -BeTrue
            Split-Path $r.LogPath | Should -Be (Join-Path $state 'porterstorage/logs')
            $r.LogPath | Should -Exist
            @(Get-ChildItem -LiteralPath $work.FullName) | Should -BeNullOrEmpty
            if (-not $IsWindows) { [IO.File]::GetUnixFileMode($r.LogPath) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        }
        finally {
            Pop-Location
            $env:XDG_STATE_HOME = $saved
        }
    }

    It 'demands a verified container backup (BackupRequired) and changes nothing with -WhatIf' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 2 -NoSchema
        $before = Get-ContainerDigest $s
        { Invoke-PorterStorageMigration -Storage $s -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupRequired,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        $homeBackup = Backup-PorterHome -Path (New-PorterSampleHome -Path (Join-Path $TestDrive 'h') -Kind Legacy).FullName -Destination (Join-Path $TestDrive 'hb')
        { Invoke-PorterStorageMigration -Storage $s -Backup $homeBackup -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupRequired,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        Invoke-PorterStorageMigration -Storage $s -SkipBackupCheck -LogPath (Join-Path $TestDrive 'wl') -WhatIf | Should -BeNullOrEmpty
        Get-ContainerDigest $s | Should -Be $before
        Join-Path $TestDrive 'wl' | Should -Not -Exist
    }

    It 'migrates the container a home''s config names, logging in the home' {
        $null = New-SeededContainer -Connection $script:DestinationConnection -Installations 1 -LegacyInstallations 2 -NoSchema -Name porter -Force
        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'azure-home') -Force
        Set-Content (Join-Path $h 'config.toml') "default-storage-plugin = `"azure.blob`"`n"
        $saved = $env:AZURE_STORAGE_CONNECTION_STRING
        $env:AZURE_STORAGE_CONNECTION_STRING = $script:DestinationConnection
        try {
            $r = Invoke-PorterStorageMigration -Path $h.FullName -SkipBackupCheck -Confirm:$false
            $r.Succeeded | Should -BeTrue
            $r.Source | Should -Match '/destaccount/porter$'
            Split-Path $r.LogPath | Should -Be $h.FullName
            (Test-PorterSchema -Path $h.FullName).State | Should -Be 'Current'
        }
        finally { if ($saved) { $env:AZURE_STORAGE_CONNECTION_STRING = $saved } else { Remove-Item Env:AZURE_STORAGE_CONNECTION_STRING } }
    }

    It 'plans and verifies a container with Get-PorterMigrationPlan and Test-PorterStorage, directly or through a home' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 2 -NoSchema
        $plan = $s | Get-PorterMigrationPlan
        ($plan.Items | Where-Object Action -eq 'Migrate').Name | Sort-Object | Should -Be @('legacy1', 'legacy2')
        ($plan.Items | Where-Object Kind -eq 'Schema').Name | Should -Be 'schema'
        $s | Test-PorterStorage -Quiet | Should -BeFalse
        ($s | Test-PorterStorage).Findings.Code | Should -Contain 'LegacyClaim'

        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'plan-home') -Force
        Set-Content (Join-Path $h 'config.toml') "default-storage = `"team`"`n[[storage]]`n  name = `"team`"`n  plugin = `"azure.blob`"`n  [storage.config]`n    env = `"PLAN_TEST_CS`"`n"
        $env:PLAN_TEST_CS = $script:SourceConnection
        try {
            # The home's config selects the container 'porter' of the account its variable names, not the folder.
            $null = New-SeededContainer -Installations 1 -LegacyInstallations 1 -NoSchema -Name porter -Force
            $homePlan = Get-PorterMigrationPlan -Path $h.FullName
            $homePlan.Source | Should -Match '/devstoreaccount1/porter$'
            ($homePlan.Items | Where-Object Action -eq 'Migrate').Name | Should -Contain 'legacy1'
        }
        finally { Remove-Item Env:PLAN_TEST_CS }

        Invoke-PorterStorageMigration -Storage $s -SkipBackupCheck -LogPath $TestDrive -Confirm:$false | Out-Null
        $s | Test-PorterStorage -Quiet | Should -BeTrue
        ($s | Get-PorterMigrationPlan).Items | Where-Object { $_.Action -ne 'Skip' } | Should -BeNullOrEmpty
    }

    It 'leaves the source container untouched with -Destination' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 2 -NoSchema
        $before = Get-ContainerDigest $s
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $r = Invoke-PorterStorageMigration -Storage $s -SkipBackupCheck -Destination $dest -LogPath $TestDrive -Confirm:$false
        $r.Succeeded | Should -BeTrue
        $r.Destination | Should -Be $dest.ContainerUri.ToString()
        Get-ContainerDigest $s | Should -Be $before
        ($dest | Test-PorterAzureBlobIndex).UntaggedBlobs | Should -Be 0
    }

    It 'says on Ctrl+C what was committed and that a rerun finishes, and the rerun does' {
        $reference = New-SeededContainer -Installations 1 -LegacyInstallations 40 -NoSchema
        (Invoke-PorterStorageMigration -Storage $reference -SkipBackupCheck -LogPath $TestDrive -Confirm:$false).Succeeded | Should -BeTrue
        $expected = Get-ContainerDigest $reference -MaskIds
        $victim = New-SeededContainer -Installations 1 -LegacyInstallations 40 -NoSchema
        # The proxy holds the run after its 70th blob write (some batches committed, others not): Stop comes then.
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = 'PutBlob'; count = 70 } }
        $recorded = New-RecordedPowerShell
        $ps = $recorded.PowerShell
        try {
            $via = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Container $victim.Container
            $null = $ps.AddCommand('Invoke-PorterStorageMigration').AddParameter('Storage', $via).AddParameter('SkipBackupCheck').AddParameter('LogPath', "$TestDrive").AddParameter('Confirm', $false)
            $said = Stop-RecordedWhileHeld $recorded $proxy
            $said | Should -Match 'WARNING: The migration of .* was stopped after \d+ installation\(s\) and \d+ credential or parameter set\(s\) were migrated and committed'
            $said | Should -Match 'Run the same command again'
        }
        finally {
            Stop-FaultProxy $proxy
            $ps.Dispose()
            $recorded.Runspace.Dispose()
        }
        $deadline = [DateTime]::UtcNow.AddSeconds(40)
        do {
            # the stopped run released its lease; one it could not release expires within 15 s
            $final = Invoke-PorterStorageMigration -Storage $victim -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorAction SilentlyContinue
            if (-not $final) { Start-Sleep -Seconds 2 }
        } while (-not $final -and [DateTime]::UtcNow -lt $deadline)
        $final.Succeeded | Should -BeTrue
        Get-ContainerDigest $victim -MaskIds | Should -Be $expected
    }

    It 'converges after being killed at several points' {
        $reference = New-SeededContainer -Installations 1 -LegacyInstallations 40 -NoSchema
        (Invoke-PorterStorageMigration -Storage $reference -SkipBackupCheck -LogPath $TestDrive -Confirm:$false).Succeeded | Should -BeTrue
        $expected = Get-ContainerDigest $reference -MaskIds
        $module = $env:PORTERSTORAGE_MODULE
        # The fault proxy holds each run after its Nth blob write, where the test kills it: three known points.
        $proxy = Start-SuiteFaultProxy
        try {
            foreach ($writes in 1, 25, 70) {
                $victim = New-SeededContainer -Installations 1 -LegacyInstallations 40 -NoSchema
                Set-FaultProxy $proxy @{ pauseAfter = @{ operation = 'PutBlob'; count = $writes } } | Out-Null
                $child = Start-ChildPwsh -Command "Import-Module '$module'; `$s = Get-PorterAzureStorage -ConnectionString '$($proxy.ConnectionStrings['devstoreaccount1'])' -Container '$($victim.Container)'; Invoke-PorterStorageMigration -Storage `$s -SkipBackupCheck -LogPath '$TestDrive' -Confirm:`$false | Out-Null"
                Wait-FaultProxyPaused $proxy | Should -BeTrue -Because "the run reaches its blob write $writes"
                $child.HasExited | Should -BeFalse
                $child.Kill(); $child.WaitForExit()
                Resume-FaultProxy $proxy
                $deadline = [DateTime]::UtcNow.AddSeconds(40)
                do {
                    # A killed run's lease expires within 15 s.
                    $final = Invoke-PorterStorageMigration -Storage $victim -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable lockErr
                    if (-not $final) { Start-Sleep -Seconds 2 }
                } while (-not $final -and [DateTime]::UtcNow -lt $deadline)
                $final.Succeeded | Should -BeTrue -Because "run after a kill at blob write $writes"
                Get-ContainerDigest $victim -MaskIds | Should -Be $expected -Because "kill at blob write $writes converges"
            }
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'converges after Azurite is killed mid-migration and restarted' {
        $location = Join-Path $TestDrive 'azurite-migration'
        $own = Start-PorterAzurite -Location $location
        try {
            $cs = $own.ConnectionStrings['devstoreaccount1']
            $reference = New-SeededContainer -Connection $cs -Installations 1 -LegacyInstallations 150 -NoSchema
            $victim = New-SeededContainer -Connection $cs -Installations 1 -LegacyInstallations 150 -NoSchema
            # Restart gracefully so the seeded containers are on disk before the crash.
            Stop-PorterAzurite $own -Graceful -KeepData
            $own = Start-PorterAzurite -Location $location -Port $own.Port
            (Invoke-PorterStorageMigration -Storage $reference -SkipBackupCheck -LogPath $TestDrive -Confirm:$false).Succeeded | Should -BeTrue
            $expected = Get-ContainerDigest $reference -MaskIds

            # The killed run goes through the fault proxy, which holds it after its 60th blob write.
            $proxy = Start-FaultProxy $own
            try {
                $crash = Invoke-AzuriteCrashDuring $own -Proxy $proxy -PauseAfter @{ operation = 'PutBlob'; count = 60 } -Command "`$s = Get-PorterAzureStorage -ConnectionString '$($proxy.ConnectionStrings['devstoreaccount1'])' -Container '$($victim.Container)'; Invoke-PorterStorageMigration -Storage `$s -SkipBackupCheck -LogPath '$TestDrive' -Confirm:`$false"
            }
            finally { Stop-FaultProxy $proxy }
            $own = $crash.Azurite
            $crash.Interrupted | Should -BeTrue -Because 'the proxy holds the migration until Azurite is dead'

            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            do {
                # The killed run's lease, if Azurite kept it, expires within 15 s.
                $final = Invoke-PorterStorageMigration -Storage $victim -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorAction SilentlyContinue
                if (-not $final) { Start-Sleep -Seconds 2 }
            } while (-not $final -and [DateTime]::UtcNow -lt $deadline)
            $final.Succeeded | Should -BeTrue
            $final.Verification.IsValid | Should -BeTrue
            Get-ContainerDigest $victim -MaskIds | Should -Be $expected
        }
        finally { Stop-PorterAzurite $own }
    }
}
