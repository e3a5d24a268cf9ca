BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Backup-PorterHome' {
    BeforeAll {
        $legacy = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy') -Kind Legacy).FullName
        New-Item -ItemType Directory -Path (Join-Path $legacy 'plugins/azure') -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $legacy 'plugins/azure/azure') -Value 'plugin binary'
    }

    It 'declares its output type and supports ShouldProcess' {
        $c = Get-Command Backup-PorterHome
        $c.OutputType.Name | Should -Contain 'PorterStorage.PorterBackup'
        $c.Parameters.Keys | Should -Contain 'WhatIf'
    }

    It 'pipes Get-PorterHome | Backup-PorterHome | Test-PorterBackup' {
        $out = Join-Path $TestDrive 'pipe'
        $v = Get-PorterHome -Path $legacy | Backup-PorterHome -Destination $out | Test-PorterBackup
        $v.IsValid | Should -BeTrue
        $v.Source | Should -Be $legacy
        $v.EntriesChecked | Should -Be 7
    }

    It 'names each home in its backup''s file name, so backups of several homes in one folder tell them apart' {
        $root = Join-Path $TestDrive 'many'
        $names = 'alpha', 'c[1]', '.porter', 'team a'
        $null = New-Item -ItemType Directory -Path $root
        foreach ($n in $names) { Copy-Item -LiteralPath $legacy -Destination (Join-Path $root $n) -Recurse }
        $out = Join-Path $TestDrive 'many-backups'
        $backups = $names | ForEach-Object { Get-PorterHome -LiteralPath (Join-Path $root $_) } | Backup-PorterHome -Destination $out
        $backups.Count | Should -Be 4
        $leaves = $backups | ForEach-Object { ($_.Path | Split-Path -Leaf) -replace '-\d{8}-\d{6}(-\d+)?\.tar\.gz$', '' } | Sort-Object
        $leaves | Should -Be @('porter-home-alpha', 'porter-home-c-1', 'porter-home-porter', 'porter-home-team-a')
        ($backups | ForEach-Object Source | Sort-Object) | Should -Be ($names | ForEach-Object { Join-Path $root $_ } | Sort-Object)
    }

    It 'writes one verified archive, 0600, with the properties the migration needs' {
        $out = Join-Path $TestDrive 'props'
        $b = Backup-PorterHome -Path $legacy -Destination $out
        $b.Path | Should -Match ('porter-home-' + [regex]::Escape((Split-Path $legacy -Leaf)) + '-\d{8}-\d{6}\.tar\.gz$')
        $b.Source | Should -Be $legacy
        $b.Verified | Should -BeTrue
        $b.FileCount | Should -Be 7
        $b.TotalBytes | Should -BeGreaterThan 0
        $b.ArchiveBytes | Should -Be (Get-Item $b.Path).Length
        $b.Sha256 | Should -Be (Get-FileHash $b.Path -Algorithm SHA256).Hash.ToLowerInvariant()
        $b.DataOnly | Should -BeFalse
        $b.Duration | Should -BeOfType [timespan]
        if (-not $IsWindows) { [IO.File]::GetUnixFileMode($b.Path) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        (Get-ChildItem $out).Count | Should -Be 1
    }

    It 'keeps only the data with -DataOnly' {
        $b = Backup-PorterHome -Path $legacy -Destination (Join-Path $TestDrive 'data') -DataOnly
        $b.DataOnly | Should -BeTrue
        $b.FileCount | Should -Be 6
    }

    It 'writes nothing with -WhatIf or $WhatIfPreference' {
        $out = Join-Path $TestDrive 'whatif'
        Backup-PorterHome -Path $legacy -Destination $out -WhatIf | Should -BeNullOrEmpty
        $WhatIfPreference = $true
        try { Backup-PorterHome -Path $legacy -Destination $out | Should -BeNullOrEmpty }
        finally { $WhatIfPreference = $false }
        $out | Should -Not -Exist
    }

    It 'refuses to overwrite unless -Force' {
        $file = Join-Path $TestDrive 'fixed/backup.zip'
        (Backup-PorterHome -Path $legacy -Destination $file).Path | Should -Be $file
        { Backup-PorterHome -Path $legacy -Destination $file -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupExists,PorterStorage.Commands.BackupPorterHomeCommand'
        (Backup-PorterHome -Path $legacy -Destination $file -Force).Verified | Should -BeTrue
    }

    It 'refuses a destination inside the home (DestinationInsideHome)' {
        { Backup-PorterHome -Path $legacy -Destination (Join-Path $legacy 'backups') -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationInsideHome,PorterStorage.Commands.BackupPorterHomeCommand'
        Join-Path $legacy 'backups' | Should -Not -Exist
    }

    It 'reports a missing home (HomeNotFound)' {
        { Backup-PorterHome -Path (Join-Path $TestDrive 'none') -Destination $TestDrive -ErrorAction Stop } |
            Should -Throw -ErrorId 'HomeNotFound,PorterStorage.Commands.BackupPorterHomeCommand'
    }

    It 'records links as links and never follows them out of the home' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'linked') -Kind Current).FullName
        $outside = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'outside') -Force
        Set-Content (Join-Path $outside 'secret.txt') 'outside the home'
        New-Item -ItemType SymbolicLink -Path (Join-Path $h 'escape') -Target $outside.FullName | Out-Null
        $b = Backup-PorterHome -Path $h -Destination (Join-Path $TestDrive 'linked-out')
        (Get-ArchiveEntry -Path $b.Path).Name | Where-Object { $_ -like 'home/escape*' } | Should -BeNullOrEmpty
        # The link is recorded as a link (restored as one, never written through), so the backup verifies.
        $b.Verified | Should -BeTrue
        (Test-PorterBackup -InputObject $b).IsValid | Should -BeTrue
        $restored = Join-Path $TestDrive 'linked-restored'
        $b | Restore-PorterHome -Destination $restored -Confirm:$false | Out-Null
        (Get-Item (Join-Path $restored 'escape')).LinkTarget | Should -Be $outside.FullName
        Get-Content (Join-Path $outside 'secret.txt') | Should -Be 'outside the home'
    }

    It 'warns that a backup failed its check (not that files are missing) when every file was recorded' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'newline') -Kind Current).FullName
        Set-Content -LiteralPath (Join-Path $h "claims/odd`nname.json") '{}'
        $b = Backup-PorterHome -Path $h -Destination (Join-Path $TestDrive 'newline-out') -WarningVariable w -WarningAction SilentlyContinue
        $b.Verified | Should -BeFalse
        $b.Skipped | Should -BeNullOrEmpty
        $w | Should -HaveCount 1
        "$w" | Should -Match 'did not pass its check'
        "$w" | Should -Not -Match 'not recorded'
    }

    It 'never verifies a home whose data folder is a link, and names it (DataFolderIsLink)' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'linkedclaims') -Kind Legacy).FullName
        $real = Join-Path $TestDrive 'real-claims'
        Move-Item (Join-Path $h 'claims') $real
        New-Item -ItemType SymbolicLink -Path (Join-Path $h 'claims') -Target $real | Out-Null
        $b = Backup-PorterHome -Path $h -Destination (Join-Path $TestDrive 'linkedclaims-out') -ErrorVariable e -ErrorAction SilentlyContinue
        $b.Verified | Should -BeFalse
        $b.Skipped.ErrorId | Should -Contain 'DataFolderIsLink'
        $e.FullyQualifiedErrorId | Should -Contain 'DataFolderIsLink,PorterStorage.Commands.BackupPorterHomeCommand'
        $before = Get-ChildItem $real -Recurse -File | Get-FileHash
        { Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DataFolderIsLink,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        (Get-ChildItem $real -Recurse -File | Get-FileHash).Hash | Should -Be $before.Hash
    }

    It 'refuses while a migration holds the home''s lock (MigrationInProgress) and writes nothing' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'migrating') -Kind Legacy).FullName
        New-Item -ItemType Directory -Path (Join-Path $h '.porterstorage') -Force | Out-Null
        $out = Join-Path $TestDrive 'migrating-out'
        $lock = [IO.FileStream]::new((Join-Path $h '.porterstorage/lock'), 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            { Backup-PorterHome -Path $h -Destination $out -ErrorAction Stop } |
                Should -Throw -ErrorId 'MigrationInProgress,PorterStorage.Commands.BackupPorterHomeCommand'
        }
        finally { $lock.Dispose() }
        @(Get-ChildItem -LiteralPath $out -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        (Backup-PorterHome -Path $h -Destination $out).Verified | Should -BeTrue
    }

    It 'refuses a destination reaching into the home through a link or a bind mount (DestinationInsideHome)' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'mounted') -Kind Legacy).FullName
        $link = Join-Path $TestDrive 'into-mounted'
        New-Item -ItemType SymbolicLink -Path $link -Target (Join-Path $h 'claims') | Out-Null
        { Backup-PorterHome -Path $h -Destination $link -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationInsideHome,PorterStorage.Commands.BackupPorterHomeCommand'
        if ($IsLinux -and (id -u) -eq 0) {
            $mnt = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'mnt') -Force
            mount --bind $h $mnt.FullName
            try {
                { Backup-PorterHome -Path $h -Destination (Join-Path $mnt.FullName 'backups') -ErrorAction Stop } |
                    Should -Throw -ErrorId 'DestinationInsideHome,PorterStorage.Commands.BackupPorterHomeCommand'
                Join-Path $h 'backups' | Should -Not -Exist
            }
            finally { umount $mnt.FullName }
        }
    }

    It 'names a file whose name is not UTF-8 (FileNameNotUtf8), never a link' -Skip:(-not $IsLinux) {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'rawname') -Kind Legacy).FullName
        bash -c "printf '{}' > '$h/claims/'`$'\xff'.json"
        $b = Backup-PorterHome -Path $h -Destination (Join-Path $TestDrive 'rawname-out') -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $b.Verified | Should -BeFalse
        $e.FullyQualifiedErrorId | Should -Be 'FileNameNotUtf8,PorterStorage.Commands.BackupPorterHomeCommand'
        $b.Skipped.ErrorId | Should -Be 'FileNameNotUtf8'
        rm -rf $h  # .NET cannot remove a name it cannot spell; TestDrive's clean-up would fail on it
    }
}
