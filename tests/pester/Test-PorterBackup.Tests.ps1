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
        $types | Should -Contain 'PorterStorage.Core.Backup.PorterBackupVerification'
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
}
