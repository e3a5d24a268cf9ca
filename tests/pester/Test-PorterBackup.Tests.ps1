BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Test-PorterBackup' {
    BeforeAll {
        $legacy = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy') -Kind Legacy).FullName
        $backup = Backup-PorterHome -Path $legacy -Destination (Join-Path $TestDrive 'out')
    }

    It 'declares both output types' {
        $types = (Get-Command Test-PorterBackup).OutputType.Name
        $types | Should -Contain 'PorterStorage.PorterBackupVerification'
        $types | Should -Contain 'System.Boolean'
    }

    It 'checks an archive by path, by object and from a string on the pipeline' {
        (Test-PorterBackup -Path $backup.Path).IsValid | Should -BeTrue
        (Test-PorterBackup -InputObject $backup).IsValid | Should -BeTrue
        ($backup.Path | Test-PorterBackup).IsValid | Should -BeTrue
        (Get-Item $backup.Path | Test-PorterBackup).IsValid | Should -BeTrue
    }

    It 'returns a bool with -Quiet' {
        Test-PorterBackup -Path $backup.Path -Quiet | Should -BeExactly $true
    }

    It 'catches one flipped byte and names the entry' {
        $copy = Join-Path $TestDrive 'flipped.zip'
        Copy-Item $backup.Path $copy
        Set-ArchiveByteFlip -Path $copy -EntryName 'home/claims/mybun.json'
        $v = Test-PorterBackup -Path $copy
        $v.IsValid | Should -BeFalse
        $v.Mismatched.Path | Should -Contain 'claims/mybun.json'
        Test-PorterBackup -Path $copy -Quiet | Should -BeExactly $false
    }

    It 'catches a changed archive against the hash recorded in the backup object' {
        $copy = Join-Path $TestDrive 'appended.zip'
        Copy-Item $backup.Path $copy
        $changed = $backup.PSObject.Copy()
        [IO.File]::AppendAllText($backup.Path, 'x')
        try {
            $v = Test-PorterBackup -InputObject $backup
            $v.IsValid | Should -BeFalse
            $v.Problem | Should -Match 'SHA-256'
        }
        finally { Copy-Item $copy $backup.Path -Force }
    }

    It 'reports a missing archive (BackupNotFound)' {
        { Test-PorterBackup -Path (Join-Path $TestDrive 'nope.zip') -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupNotFound,PorterStorage.Commands.TestPorterBackupCommand'
        Test-PorterBackup -Path (Join-Path $TestDrive 'nope.zip') -Quiet -ErrorAction SilentlyContinue | Should -BeExactly $false
    }

    It 'reports a file that is not an archive' {
        $junk = Join-Path $TestDrive 'junk.zip'
        Set-Content $junk 'not a zip'
        $v = Test-PorterBackup -Path $junk
        $v.IsValid | Should -BeFalse
        $v.Problem | Should -Not -BeNullOrEmpty
    }

    Context 'hostile archives: Test-PorterBackup refuses what Restore-PorterHome refuses, with the same id' {
        BeforeAll {
            function New-HostileArchive([string] $Name, [string[]] $Paths, [switch] $Symlink) {
                Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
                $file = Join-Path $TestDrive "$Name.zip"
                $zip = [IO.Compression.ZipFile]::Open($file, 'Create')
                try {
                    $entries = foreach ($p in $Paths) {
                        $z = $zip.CreateEntry("home/$p")
                        if ($Symlink) { $z.ExternalAttributes = 0xA1FF -shl 16 }
                        $s = $z.Open(); $s.WriteByte(120); $s.Dispose()
                        [ordered]@{ path = $p; type = 'file'; size = 1; sha256 = '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881'; mtime = '2026-01-01T00:00:00.0000000Z' }
                    }
                    $manifest = [ordered]@{ format = 'porterstorage-backup/1'; kind = 'home'; created = '2026-01-01T00:00:00.0000000Z'; source = (Join-Path $TestDrive 'h'); dataOnly = $false; tool = 'test'; entries = @($entries); skipped = @() }
                    $m = [IO.StreamWriter]::new($zip.CreateEntry('manifest.json').Open())
                    $m.Write(($manifest | ConvertTo-Json -Depth 5)); $m.Dispose()
                }
                finally { $zip.Dispose() }
                $file
            }
        }

        It '<Name> is refused by both with <Id>' -ForEach @(
            @{ Name = 'dotdot'; Paths = @('../x'); Id = 'UnsafeArchiveEntry' }
            @{ Name = 'climb'; Paths = @('a/../../b'); Id = 'UnsafeArchiveEntry' }
            @{ Name = 'duplicate'; Paths = @('a', 'a'); Id = 'UnsafeArchiveEntry' }
            @{ Name = 'symlink'; Paths = @('l'); Symlink = $true; Id = 'UnsafeArchiveEntry' }
        ) {
            $file = New-HostileArchive -Name $Name -Paths $Paths -Symlink:([bool]$Symlink)
            $v = Test-PorterBackup -Path $file
            $v.IsValid | Should -BeFalse
            $v.ErrorId | Should -Be $Id
            $v.Reason | Should -Not -BeNullOrEmpty
            Test-PorterBackup -Path $file -Quiet | Should -BeExactly $false
            $dest = Join-Path $TestDrive "restored-$Name"
            { Restore-PorterHome -Path $file -Destination $dest -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId "$Id,PorterStorage.Commands.RestorePorterHomeCommand"
            Test-Path $dest | Should -BeFalse
        }
    }

    It 'checks every archive a wildcard matches, takes -LiteralPath literally, and a restore takes exactly one' {
        $folder = Join-Path $TestDrive 'many-archives'
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'wild-home') -Kind Current).FullName
        $one = Backup-PorterHome -LiteralPath $h -Destination (Join-Path $folder 'a[1].tar.gz')
        $two = Backup-PorterHome -LiteralPath $h -Destination (Join-Path $folder 'b.tar.gz')
        $checked = Test-PorterBackup -Path (Join-Path $folder '*.tar.gz')
        $checked.Count | Should -Be 2
        $checked.IsValid | Should -Be @($true, $true)
        (Test-PorterBackup -LiteralPath $one.Path).IsValid | Should -BeTrue
        (Get-ChildItem -LiteralPath $folder -Filter '*.tar.gz' | Test-PorterBackup).Count | Should -Be 2
        { Test-PorterBackup -Path (Join-Path $folder '*.zip') -ErrorAction Stop } | Should -Throw -ErrorId 'BackupNotFound,PorterStorage.Commands.TestPorterBackupCommand'
        { Restore-PorterHome -Path (Join-Path $folder '*.tar.gz') -Destination (Join-Path $TestDrive 'wild-restored') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupNotFound,PorterStorage.Commands.RestorePorterHomeCommand'
        Join-Path $TestDrive 'wild-restored' | Should -Not -Exist
    }

}
