# What the home cmdlets do with a path that is no Porter home: a file is PathNotFolder (never "does not exist"), and a
# folder that holds nothing of Porter's is NotAPorterHome for a backup or a migration unless -Force, which write nothing
# there (no archive, no schema.json, no log).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'A file given as a home' {
    BeforeAll {
        $file = Join-Path $TestDrive 'porter-home.txt'
        Set-Content -LiteralPath $file -Value 'not a folder'
        $backups = Join-Path $TestDrive 'backups-of-a-file'
    }

    It 'is PathNotFolder for <Command>' -TestCases @(
        @{ Command = 'Get-PorterConfig'; Extra = @{} }
        @{ Command = 'Test-PorterSchema'; Extra = @{} }
        @{ Command = 'Test-PorterStorage'; Extra = @{} }
        @{ Command = 'Get-PorterMigrationPlan'; Extra = @{} }
        @{ Command = 'Backup-PorterHome'; Extra = @{} }
        @{ Command = 'Backup-PorterHome'; Extra = @{ Force = $true } }
        @{ Command = 'Invoke-PorterStorageMigration'; Extra = @{ SkipBackupCheck = $true; Confirm = $false } }
        @{ Command = 'Invoke-PorterStorageMigration'; Extra = @{ SkipBackupCheck = $true; Confirm = $false; Force = $true } }
    ) {
        param($Command, $Extra)
        $class = (Get-Command $Command).ImplementingType.Name
        if ($Command -eq 'Backup-PorterHome') { $Extra = $Extra + @{ Destination = $backups } }
        $thrown = { & $Command -LiteralPath $file @Extra -ErrorAction Stop } | Should -Throw -ErrorId "PathNotFolder,PorterStorage.Commands.$class" -PassThru
        $thrown.Exception.Message | Should -Match 'is a file, not a folder'
        $thrown.TargetObject | Should -Be $file
        Get-Content -Raw -LiteralPath $file | Should -Be "not a folder$([Environment]::NewLine)"
        $backups | Should -Not -Exist
    }

    It 'is named by Get-PorterHome as a problem, not as a missing home' {
        $h = Get-PorterHome -LiteralPath $file -Verbose 4>&1
        $verbose = @($h | Where-Object { $_ -is [Management.Automation.VerboseRecord] })
        $inspected = $h | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        $inspected.Exists | Should -BeFalse
        $inspected.Problems.Code | Should -Be @('PathNotFolder')
        $verbose.Message | Should -Not -Match 'does not exist'
        $verbose.Message | Should -Match 'is a file, not a folder'
    }
}

Describe 'A folder that holds nothing of Porter''s' {
    BeforeEach {
        $stranger = Join-Path $TestDrive "stranger-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path (Join-Path $stranger 'photos')
        Set-Content -LiteralPath (Join-Path $stranger 'notes.txt') -Value 'mine'
        $empty = Join-Path $TestDrive "empty-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $empty
        $backups = Join-Path $TestDrive "backups-$([guid]::NewGuid().ToString('N'))"
    }

    It 'is not backed up (NotAPorterHome) and nothing is written, empty or not' {
        foreach ($folder in $stranger, $empty) {
            $before = Get-TreeDigest $folder | ConvertTo-Json
            { Backup-PorterHome -LiteralPath $folder -Destination $backups -ErrorAction Stop } |
                Should -Throw -ErrorId 'NotAPorterHome,PorterStorage.Commands.BackupPorterHomeCommand'
            Get-TreeDigest $folder | ConvertTo-Json | Should -Be $before
            @(Get-ChildItem -LiteralPath $folder -Recurse -Force).Count | Should -Be $(if ($folder -eq $empty) { 0 } else { 2 })
            $backups | Should -Not -Exist
        }
    }

    It 'is backed up with -Force' {
        $backup = Backup-PorterHome -LiteralPath $stranger -Destination $backups -Force
        $backup.Verified | Should -BeTrue
        $backup.FileCount | Should -Be 1
    }

    It 'is not migrated (NotAPorterHome): no schema.json, no log, no work folder, even without a backup check' {
        foreach ($folder in $stranger, $empty) {
            $before = @(Get-ChildItem -LiteralPath $folder -Recurse -Force | ForEach-Object FullName)
            $err = $null
            Invoke-PorterStorageMigration -LiteralPath $folder -SkipBackupCheck -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be @('NotAPorterHome,PorterStorage.Commands.InvokePorterStorageMigrationCommand')
            $err[0].TargetObject | Should -Be $folder
            @(Get-ChildItem -LiteralPath $folder -Recurse -Force | ForEach-Object FullName) | Should -Be $before
        }
    }

    It 'is refused in a pipeline of several homes and the Porter home beside it still migrates' {
        $porter = (New-PorterSampleHome -Path (Join-Path $TestDrive "porter-$([guid]::NewGuid().ToString('N'))") -Kind Legacy).FullName
        $err = $null
        $results = @(Invoke-PorterStorageMigration -LiteralPath $empty, $porter -SkipBackupCheck -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue)
        $err.FullyQualifiedErrorId | Should -Be @('NotAPorterHome,PorterStorage.Commands.InvokePorterStorageMigrationCommand')
        $results.Source | Should -Be @($porter)
        Join-Path $porter 'schema.json' | Should -Exist
        Join-Path $empty 'schema.json' | Should -Not -Exist
    }

    It 'is migrated with -Force, as Porter would load it' {
        $result = Invoke-PorterStorageMigration -LiteralPath $empty -SkipBackupCheck -Force -Confirm:$false
        $result.Succeeded | Should -BeTrue
        Join-Path $empty 'schema.json' | Should -Exist
    }

    It 'is a Porter home once it holds <Name>' -TestCases @(
        @{ Name = 'a config file'; Item = 'config.toml'; Folder = $false }
        @{ Name = 'schema.json'; Item = 'schema.json'; Folder = $false }
        @{ Name = 'an empty data folder'; Item = 'installations'; Folder = $true }
        @{ Name = 'Porter''s binary'; Item = 'porter'; Folder = $false }
        @{ Name = 'Porter''s mixins'; Item = 'mixins'; Folder = $true }
    ) {
        param($Name, $Item, $Folder)
        $path = Join-Path $empty $Item
        if ($Folder) { $null = New-Item -ItemType Directory -Path $path }
        else { Set-Content -LiteralPath $path -Value '{}' }
        (Backup-PorterHome -LiteralPath $empty -Destination $backups).Verified | Should -BeTrue
    }
}
