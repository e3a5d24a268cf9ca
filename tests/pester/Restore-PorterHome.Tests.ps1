BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Restore-PorterHome' {
    BeforeAll {
        $legacy = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy') -Kind Legacy).FullName
        $backup = Backup-PorterHome -Path $legacy -Destination (Join-Path $TestDrive 'out')
    }

    It 'declares its output type and ConfirmImpact High' {
        $c = Get-Command Restore-PorterHome
        $c.OutputType.Name | Should -Contain 'PorterStorage.PorterRestoreResult'
        $c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).ConfirmImpact | Should -Be 'High'
    }

    It 'backup -> test -> restore gives an identical tree (paths, bytes, modes)' {
        $dest = Join-Path $TestDrive 'restored'
        $r = $backup | Restore-PorterHome -Destination $dest -Confirm:$false
        $r.Destination | Should -Be $dest
        $r.FileCount | Should -Be $backup.FileCount
        $expected = Get-TreeDigest $legacy
        $actual = Get-TreeDigest $dest
        $actual.Keys | Should -Be $expected.Keys
        foreach ($k in $expected.Keys) { $actual[$k] | Should -Be $expected[$k] -Because $k }
        (Get-Item (Join-Path $dest 'claims/mybun.json')).LastWriteTimeUtc | Should -Be (Get-Item (Join-Path $legacy 'claims/mybun.json')).LastWriteTimeUtc
    }

    It 'restores by path from the pipeline' {
        $dest = Join-Path $TestDrive 'by-path'
        ($backup.Path | Restore-PorterHome -Destination $dest -Confirm:$false).FileCount | Should -Be $backup.FileCount
    }

    It 'writes nothing with -WhatIf or $WhatIfPreference' {
        $dest = Join-Path $TestDrive 'whatif'
        $backup | Restore-PorterHome -Destination $dest -WhatIf | Should -BeNullOrEmpty
        $WhatIfPreference = $true
        try { $backup | Restore-PorterHome -Destination $dest | Should -BeNullOrEmpty }
        finally { $WhatIfPreference = $false }
        $dest | Should -Not -Exist
        Get-ChildItem $TestDrive -Filter 'whatif*' | Should -BeNullOrEmpty
    }

    It 'refuses a corrupt archive (BackupCorrupt) and writes nothing' {
        $copy = Join-Path $TestDrive 'flipped.zip'
        Copy-Item $backup.Path $copy
        Set-ArchiveByteFlip -Path $copy -EntryName 'home/claims/mybun.json'
        $dest = Join-Path $TestDrive 'from-corrupt'
        { Restore-PorterHome -Path $copy -Destination $dest -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupCorrupt,PorterStorage.Commands.RestorePorterHomeCommand'
        $dest | Should -Not -Exist
    }

    It 'refuses a non-empty destination, and with -Force moves it aside instead of deleting it' {
        $dest = (New-PorterSampleHome -Path (Join-Path $TestDrive 'occupied') -Kind Current).FullName
        $before = Get-TreeDigest $dest
        { $backup | Restore-PorterHome -Destination $dest -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationNotEmpty,PorterStorage.Commands.RestorePorterHomeCommand'
        (Get-TreeDigest $dest).Keys | Should -Be $before.Keys
        $r = $backup | Restore-PorterHome -Destination $dest -Force -Confirm:$false
        $r.MovedAside | Should -Match '\.before-restore-\d{14}$'
        (Get-TreeDigest $r.MovedAside).Keys | Should -Be $before.Keys
        (Get-TreeDigest $dest).Keys | Should -Be (Get-TreeDigest $legacy).Keys
    }

    It 'restores into the recorded home by default' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'gone') -Kind Legacy).FullName
        $b = Backup-PorterHome -Path $h -Destination (Join-Path $TestDrive 'gone-out')
        Remove-Item $h -Recurse -Force
        ($b | Restore-PorterHome -Confirm:$false).Destination | Should -Be $h
        Join-Path $h 'claims/mybun.json' | Should -Exist
    }

    It 'refuses entries that would escape the destination (UnsafeArchiveEntry)' {
        $evil = Join-Path $TestDrive 'evil.zip'
        $zip = [IO.Compression.ZipFile]::Open($evil, 'Create')
        try {
            $w = [IO.StreamWriter]::new($zip.CreateEntry('home/../escaped').Open()); $w.Write('x'); $w.Dispose()
            $manifest = '{"format":"porterstorage-backup/1","kind":"home","created":"2026-01-01T00:00:00.0000000Z","source":"/tmp/x","dataOnly":false,"tool":"t",' +
                '"entries":[{"path":"../escaped","type":"file","size":1,"sha256":"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881","mode":"0600","mtime":"2026-01-01T00:00:00.0000000Z"}],"skipped":[]}'
            $w = [IO.StreamWriter]::new($zip.CreateEntry('manifest.json').Open()); $w.Write($manifest); $w.Dispose()
        }
        finally { $zip.Dispose() }
        $dest = Join-Path $TestDrive 'evil-dest'
        { Restore-PorterHome -Path $evil -Destination $dest -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnsafeArchiveEntry,PorterStorage.Commands.RestorePorterHomeCommand'
        $dest | Should -Not -Exist
        Join-Path $TestDrive 'escaped' | Should -Not -Exist
    }

    It 'restores a home of uid 1000, backed up and restored by root, owned by uid 1000 throughout' -Skip:(-not $IsLinux -or (id -u) -ne 0) {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'owned') -Kind Legacy).FullName
        New-Item -ItemType SymbolicLink -Path (Join-Path $h 'claims/link.json') -Target '/etc/hostname' | Out-Null
        chown -R -h 1000:1000 $h
        $b = Backup-PorterHome -Path $h -Destination (Join-Path $TestDrive 'owned-out')
        $b.Verified | Should -BeTrue
        $dest = Join-Path $TestDrive 'owned-restored'
        $b | Restore-PorterHome -Destination $dest -Confirm:$false -WarningVariable w | Out-Null
        $w | Should -BeNullOrEmpty
        $owners = @(find $dest -printf '%U:%G\n' | Sort-Object -Unique)
        $owners | Should -Be @('1000:1000')
        (stat -c %u /etc/hostname) | Should -Be '0'
    }

    It 'restores a link of the home as a link, never following it (.porterstorage/lock -> /etc/...)' -Skip:($IsWindows) {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'withlink') -Kind Legacy).FullName
        New-Item -ItemType Directory -Path (Join-Path $h '.porterstorage') -Force | Out-Null
        $target = Join-Path $TestDrive 'elsewhere-file'
        Set-Content -LiteralPath $target -Value 'not the home''s'
        New-Item -ItemType SymbolicLink -Path (Join-Path $h '.porterstorage/lock') -Target $target | Out-Null
        $b = Backup-PorterHome -Path $h -Destination (Join-Path $TestDrive 'withlink-out')
        (Get-ArchiveManifest $b.Path).entries | Where-Object path -eq '.porterstorage/lock' | ForEach-Object { $_.type; $_.target } | Should -Be @('symlink', $target)
        $dest = Join-Path $TestDrive 'withlink-restored'
        $b | Restore-PorterHome -Destination $dest -Confirm:$false | Out-Null
        $restored = Get-Item -LiteralPath (Join-Path $dest '.porterstorage/lock') -Force
        $restored.LinkTarget | Should -Be $target
        Get-Content -LiteralPath $target | Should -Be 'not the home''s'
    }
}
