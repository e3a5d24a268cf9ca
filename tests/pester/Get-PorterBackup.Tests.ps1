BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-PorterBackup and Remove-PorterBackup' {
    BeforeEach {
        $script:root = Join-Path $TestDrive ([Guid]::NewGuid().ToString('N').Substring(0, 8))
        $script:a = (New-PorterSampleHome -Path (Join-Path $root 'homes/a') -Kind Legacy).FullName
        $script:b = (New-PorterSampleHome -Path (Join-Path $root 'homes/b') -Kind Current).FullName
        $script:folder = Join-Path $root 'backups'
        $script:a1 = Backup-PorterHome -LiteralPath $a -Destination $folder
        $script:a2 = Backup-PorterHome -LiteralPath $a -Destination $folder
        $script:b1 = Backup-PorterHome -LiteralPath $b -Destination $folder
        # a file that is no backup, in the same folder
        Set-Content -LiteralPath (Join-Path $folder 'notes.zip') -Value 'not an archive'
    }

    It 'declares its output types, and Remove-PorterBackup is High impact' {
        (Get-Command Get-PorterBackup).OutputType.Name | Should -Contain 'PorterStorage.PorterBackup'
        (Get-Command Remove-PorterBackup).OutputType.Name | Should -Contain 'PorterStorage.BackupRemoval'
        (Get-Command Remove-PorterBackup).ImplementingType.GetCustomAttributes([Management.Automation.CmdletAttribute], $false).ConfirmImpact | Should -Be 'High'
    }

    It 'lists every backup of a folder, oldest first, with its home, kind, date, size and whether it verifies now' {
        $list = Get-PorterBackup -Path $folder -Verbose 4>&1
        $notes = $list | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($notes | Out-String) | Should -Match 'notes.zip'' is not a PorterStorage backup'
        $backups = @($list | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
        $backups.Path | Should -Be @($a1.Path, $a2.Path, $b1.Path)
        $backups.Source | Should -Be @($a, $a, $b)
        $backups.Kind | Should -Be @('Home', 'Home', 'Home')
        $backups.Verified | Should -Be @($true, $true, $true)
        $backups[0].Sha256 | Should -Be $a1.Sha256
        $backups[0].ArchiveBytes | Should -Be (Get-Item $a1.Path).Length
        $backups[0].FileCount | Should -Be $a1.FileCount
        # a damaged one is listed as not verified, with a warning
        $entry = 'home/' + ((Get-ArchiveManifest $b1.Path).entries | Where-Object { $_.type -eq 'file' -and $_.size -gt 0 } | Select-Object -First 1).path
        Set-ArchiveByteFlip -Path $b1.Path -EntryName $entry
        $again = Get-PorterBackup -Path $folder -WarningVariable w -WarningAction SilentlyContinue
        ($again | Where-Object Path -eq $b1.Path).Verified | Should -BeFalse
        ($w | Out-String) | Should -Match 'does not verify'
    }

    It 'hands a listed backup to the migration as evidence' {
        $newest = Get-PorterBackup $folder | Where-Object { $_.Source -eq $a -and $_.Verified } | Select-Object -Last 1
        $r = $newest | Invoke-PorterStorageMigration -Confirm:$false
        $r.Succeeded | Should -BeTrue
        $r.Backup.Path | Should -Be $a2.Path
    }

    It 'keeps the newest N of each home with -KeepLast, changes nothing with -WhatIf, and never removes a home''s only verified backup' {
        @(Remove-PorterBackup -Path $folder -KeepLast 1 -WhatIf | Where-Object Remove) | Should -BeNullOrEmpty
        @(Get-PorterBackup $folder).Count | Should -Be 3

        # the newest backup of a is damaged: the older verified one stays although -KeepLast 1 would remove it
        Set-ArchiveByteFlip -Path $a2.Path -EntryName 'home/claims/mybun.json'
        $decisions = Remove-PorterBackup -Path $folder -KeepLast 1 -Confirm:$false -WarningAction SilentlyContinue
        ($decisions | Where-Object { $_.Backup.Path -eq $a1.Path }).Remove | Should -BeFalse
        ($decisions | Where-Object { $_.Backup.Path -eq $a1.Path }).Reason | Should -Match 'only verified backup'
        $a1.Path | Should -Exist
        $a2.Path | Should -Exist
        $b1.Path | Should -Exist

        # once a verified newer backup exists, the old ones go
        $a3 = Backup-PorterHome -LiteralPath $a -Destination $folder
        $decisions = Remove-PorterBackup -Path $folder -KeepLast 1 -Confirm:$false -WarningAction SilentlyContinue
        @($decisions | Where-Object Remove).Backup.Path | Sort-Object | Should -Be (@($a1.Path, $a2.Path) | Sort-Object)
        $a1.Path | Should -Not -Exist
        $a2.Path | Should -Not -Exist
        $a3.Path | Should -Exist
        $b1.Path | Should -Exist
        Join-Path $folder 'notes.zip' | Should -Exist
    }

    It 'removes the backups it is given, but not the only verified one of a home' {
        { Get-PorterBackup $folder | Where-Object Source -eq $b | Remove-PorterBackup -Confirm:$false } | Should -Not -Throw
        $b1.Path | Should -Exist
        $gone = Get-PorterBackup $folder | Where-Object Path -eq $a1.Path | Remove-PorterBackup -Confirm:$false
        $gone.Remove | Should -BeTrue
        $a1.Path | Should -Not -Exist
        $a2.Path | Should -Exist
    }

    It 'lists and prunes each archive once through loop -> ., latest -> folder, a hard link, a link and a FIFO, and never hangs' -Skip:($IsWindows) {
        $arranged = Join-Path $root 'arranged'
        New-Item -ItemType Directory -Path (Join-Path $arranged 'h1') | Out-Null
        $only = Join-Path $arranged 'only.tar.gz'
        $other = Join-Path $arranged 'h1/other.tar.gz'
        Copy-Item -LiteralPath $a1.Path -Destination $only
        Copy-Item -LiteralPath $b1.Path -Destination $other
        ln $only (Join-Path $arranged 'z-hard.tar.gz')
        New-Item -ItemType SymbolicLink -Path (Join-Path $arranged 'link.tar.gz') -Target $only | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $arranged 'loop') -Target '.' | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $arranged 'latest') -Target 'h1' | Out-Null
        mkfifo (Join-Path $arranged 'pipe.tar.gz')

        $job = Start-ThreadJob { param($p) Import-Module PorterStorage; Get-PorterBackup -Path $p -Recurse -WarningVariable w -WarningAction SilentlyContinue; $w } -ArgumentList $arranged
        $out = $job | Wait-Job -Timeout 60 | Receive-Job
        $job.State | Should -Be 'Completed'
        $listed = @($out | Where-Object { $_ -isnot [Management.Automation.WarningRecord] })
        $listed.Path | Should -Be @($only, $other)
        ($out | Where-Object { $_ -is [Management.Automation.WarningRecord] } | Out-String) | Should -Match 'link.tar.gz'' is passed over'
        ($out | Where-Object { $_ -is [Management.Automation.WarningRecord] } | Out-String) | Should -Match 'pipe.tar.gz'' is passed over'

        $decisions = Remove-PorterBackup -Path $arranged -Recurse -KeepLast 1 -Confirm:$false -WarningAction SilentlyContinue
        @($decisions | Where-Object Remove) | Should -BeNullOrEmpty
        $only | Should -Exist
        $other | Should -Exist
        Join-Path $arranged 'z-hard.tar.gz' | Should -Exist

        $t = Start-ThreadJob { param($p) Import-Module PorterStorage; Test-PorterBackup -LiteralPath $p -ErrorAction SilentlyContinue -ErrorVariable e; $e } -ArgumentList (Join-Path $arranged 'pipe.tar.gz')
        $errors = $t | Wait-Job -Timeout 60 | Receive-Job
        $t.State | Should -Be 'Completed'
        ($errors | Out-String) | Should -Match 'not a regular file'
    }
}
