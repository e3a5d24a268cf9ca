BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Invoke-PorterStorageMigration' {
    It 'declares its output type, ShouldProcess and ConfirmImpact High' {
        $c = Get-Command Invoke-PorterStorageMigration
        $c.OutputType.Name | Should -Contain 'PorterStorage.PorterMigrationResult'
        $c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).ConfirmImpact | Should -Be 'High'
    }

    It 'Get-PorterHome | Backup-PorterHome | Invoke-PorterStorageMigration migrates the home' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'pipe') -Kind Legacy).FullName
        $r = Get-PorterHome -Path $h | Backup-PorterHome -Destination (Join-Path $TestDrive 'pipe-backup') | Invoke-PorterStorageMigration -Confirm:$false -Detailed
        $r.Succeeded | Should -BeTrue
        $r.Source | Should -Be $h
        $r.Backup.Verified | Should -BeTrue
        $r.Migrated | Should -Be 2
        $r.SchemaAfter.IsCurrent | Should -BeTrue
        $r.LogPath | Should -Exist
        $r.Installations.Installation | Should -Be @('example-exec-outputs', 'mybun')
        $r.CredentialSets.Outcome | Should -Contain 'Converted'
        Test-PorterSchema -Path $h -Quiet | Should -BeTrue
        Test-PorterStorage -Path $h -Quiet | Should -BeTrue
        (Get-PorterHome -Path $h).Layout | Should -Be 'Current'
    }

    It 'takes a home from Get-PorterHome on the pipeline' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'byhome') -Kind Legacy).FullName
        (Get-PorterHome -Path $h | Invoke-PorterStorageMigration -SkipBackupCheck -Confirm:$false).Source | Should -Be $h
    }

    It 'writes no log when the run changes nothing, and tells its lines on the verbose stream' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'nothing-to-do') -Kind Current).FullName
        $before = Get-TreeDigest $h | ConvertTo-Json
        $out = Invoke-PorterStorageMigration -LiteralPath $h -SkipBackupCheck -Confirm:$false -Verbose 4>&1
        $r = $out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        $r.Succeeded | Should -BeTrue
        $r.LogPath | Should -BeNullOrEmpty
        Get-ChildItem -LiteralPath $h -Filter '*-migrate.log' | Should -BeNullOrEmpty
        Get-TreeDigest $h | ConvertTo-Json | Should -Be $before
        ($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message | Should -Contain 'Claims schema is up-to-date'
    }

    It 'refuses to run without a verified backup of this home (BackupRequired)' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'nobackup') -Kind Legacy).FullName
        $other = (New-PorterSampleHome -Path (Join-Path $TestDrive 'other') -Kind Legacy).FullName
        $before = Get-TreeDigest $h
        { Invoke-PorterStorageMigration -Path $h -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupRequired,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        $foreign = Backup-PorterHome -Path $other -Destination (Join-Path $TestDrive 'other-backup')
        { Invoke-PorterStorageMigration -Path $h -Backup $foreign -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupRequired,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        $mine = Backup-PorterHome -Path $h -Destination (Join-Path $TestDrive 'mine-backup')
        [IO.File]::AppendAllText($mine.Path, 'tampered')
        { Invoke-PorterStorageMigration -Path $h -Backup $mine -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupRequired,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        (Get-TreeDigest $h).Keys | Should -Be $before.Keys
    }

    It 'changes nothing with -WhatIf or $WhatIfPreference: no folder, no log, no lock' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'whatif') -Kind Legacy).FullName
        $before = Get-TreeDigest $h
        Invoke-PorterStorageMigration -Path $h -WhatIf | Should -BeNullOrEmpty
        $WhatIfPreference = $true
        try { Invoke-PorterStorageMigration -Path $h -SkipBackupCheck | Should -BeNullOrEmpty }
        finally { $WhatIfPreference = $false }
        $after = Get-TreeDigest $h
        $after.Keys | Should -Be $before.Keys
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] }
        Get-ChildItem -LiteralPath $h -Force | ForEach-Object Name | Should -Not -Contain '.porterstorage'
        Get-ChildItem -LiteralPath $h -Filter '*-migrate.log' | Should -BeNullOrEmpty
    }

    It 'is a no-op when run again' {
        $h = (New-PorterLegacyHome -Path (Join-Path $TestDrive 'rerun') -Installations 12 -Seed 3).FullName
        (Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false).Succeeded | Should -BeTrue
        $before = Get-TreeDigest $h
        $again = Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false
        $again.Succeeded | Should -BeTrue
        $again.SchemaWritten | Should -BeFalse
        $again.Migrated | Should -Be 0
        $after = Get-TreeDigest $h
        ($after.Keys | Where-Object { $_ -notlike '*-migrate.log' }) | Should -Be ($before.Keys | Where-Object { $_ -notlike '*-migrate.log' })
        foreach ($k in $before.Keys) { if ($k -notlike '*-migrate.log') { $after[$k] | Should -Be $before[$k] } }
    }

    It 'leaves the source byte-identical with -Destination' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'source') -Kind Legacy).FullName
        $before = Get-TreeDigest $h
        $dest = Join-Path $TestDrive 'migrated-copy'
        $r = Get-PorterHome -Path $h | Backup-PorterHome -Destination (Join-Path $TestDrive 'src-backup') | Invoke-PorterStorageMigration -Destination $dest -Confirm:$false
        $r.Succeeded | Should -BeTrue
        $r.Destination | Should -Be $dest
        $after = Get-TreeDigest $h
        $after.Keys | Should -Be $before.Keys
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] }
        Test-PorterStorage -Path $dest -Quiet | Should -BeTrue
        Join-Path $dest 'config.toml' | Should -Exist
        { Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Destination $dest -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationNotEmpty,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
    }

    It 'names each bad item, migrates the rest and withholds schema.json' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'bad') -Kind Legacy).FullName
        Set-Content -LiteralPath (Join-Path $h 'claims/broken.json') -Value '{"installation":"broken"}' -NoNewline
        $err = $null
        $r = Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ClaimBundleMissing,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        $err[0].TargetObject | Should -Be (Join-Path $h 'claims/broken.json')
        $r.Succeeded | Should -BeFalse
        $r.Migrated | Should -Be 2
        Join-Path $h 'schema.json' | Should -Not -Exist
        Join-Path $h 'claims/broken.json' | Should -Exist
        # The default result is compact: the counts, and a record only for the item that did not end well.
        $r.Detailed | Should -BeFalse
        $r.Failed | Should -Be 1
        $r.Installations.Installation | Should -Be @('broken')
        $r.Installations.Outcome | Should -Be @('Failed')
    }

    It 'keeps the default result compact however many installations (a job stream holds 1 MiB), detail with -Detailed' {
        . (Join-Path $PSScriptRoot '../LegacyHomeGenerator.ps1')
        $sizes = foreach ($n in 20, 400) {
            $h = Join-Path $TestDrive "compact-$n"
            New-PorterLegacyHome -Path $h -Installations $n -Seed 3 | Out-Null
            $r = Invoke-PorterStorageMigration -LiteralPath $h -SkipBackupCheck -Confirm:$false
            $r.Succeeded | Should -BeTrue
            $r.Migrated | Should -Be $n
            $r.Installations | Should -BeNullOrEmpty
            $r.SetsMigrated | Should -BeGreaterThan 0
            ([Management.Automation.PSSerializer]::Serialize($r, 3)).Length
        }
        # what a job stream or ConvertTo-Json carries does not grow with the home
        $sizes[1] | Should -BeLessThan ($sizes[0] * 1.2)
        $sizes[1] | Should -BeLessThan 200KB
        $h = Join-Path $TestDrive 'detailed'
        New-PorterLegacyHome -Path $h -Installations 20 -Seed 3 | Out-Null
        $d = Invoke-PorterStorageMigration -LiteralPath $h -SkipBackupCheck -Confirm:$false -Detailed
        $d.Detailed | Should -BeTrue
        $d.Installations.Count | Should -Be 20
        # every installation is still named in the log
        $log = Get-Content -Raw -LiteralPath $d.LogPath
        foreach ($i in $d.Installations) { $log | Should -Match ([regex]::Escape($i.Installation)) }
    }

    It 'asks once per home with a summary of the plan, and under -WhatIf still writes a line per item' {
        . (Join-Path $PSScriptRoot '../LegacyHomeGenerator.ps1')
        $h = Join-Path $TestDrive 'ask-once'
        New-PorterLegacyHome -Path $h -Installations 12 -Seed 5 | Out-Null
        # An interactive pwsh answering from its input: every prompt would read one "Y".
        $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($psi.FileName) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-Command', "Import-Module '$env:PORTERSTORAGE_MODULE'; `$r = Invoke-PorterStorageMigration -LiteralPath '$h' -SkipBackupCheck -Confirm; 'MIGRATED ' + `$r.Migrated") { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $p = [Diagnostics.Process]::Start($psi)
        $p.StandardInput.Write("Y`n" * 40)
        $p.StandardInput.Close()
        $out = $p.StandardOutput.ReadToEnd()
        $p.WaitForExit()
        ([regex]::Matches($out, 'Are you sure you want to perform this action')).Count | Should -Be 1 -Because $out
        $flat = $out -replace '\s+', ' '
        $flat | Should -Match 'Migrate the Porter data: 12 installation\(s\) to migrate, \d+ credential set\(s\) to rewrite or convert'
        $out | Should -Match 'MIGRATED 12'

        $w = Join-Path $TestDrive 'whatif-lines'
        New-PorterLegacyHome -Path $w -Installations 5 -Seed 5 | Out-Null
        $child = Invoke-ChildPwsh "Invoke-PorterStorageMigration -LiteralPath '$w' -SkipBackupCheck -WhatIf"
        ([regex]::Matches($child.Output, "What if: Performing the operation ""Migrate installation")).Count | Should -Be 5
        (Get-PorterHome -LiteralPath $w).Layout | Should -Be 'Legacy'
    }

    It 'refuses a second migration of the same home (MigrationInProgress)' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'locked') -Kind Legacy).FullName
        New-Item -ItemType Directory -Path (Join-Path $h '.porterstorage') | Out-Null
        $lock = Join-Path $h '.porterstorage/lock'
        $child = Start-ChildPwsh -Command "`$f = [IO.File]::Open('$lock', 'OpenOrCreate', 'ReadWrite', 'None'); 'LOCKED'; Start-Sleep 30"
        try {
            Wait-ChildLine $child 'LOCKED' | Should -BeTrue
            { Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'MigrationInProgress,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        }
        finally { $child.Kill(); $child.WaitForExit() }
        (Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false).Succeeded | Should -BeTrue
    }

    It 'gives a named error on a read-only home and leaves it as it was' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'readonly') -Kind Legacy).FullName
        $before = Get-TreeDigest $h
        & chattr +i $h 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'this file system cannot make a folder immutable (chattr +i)'; return }
        try {
            { Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'AccessDenied,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        }
        finally { & chattr -i $h }
        $after = Get-TreeDigest $h
        $after.Keys | Should -Be $before.Keys
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] }
    }

    It 'migrates the claims and the other sets when another user may not list credentials/ or parameters/, and withholds the schema' -TestCases @(
        @{ Denied = 'credentials'; Other = 'parameters/mybun.json' }
        @{ Denied = 'parameters'; Other = 'credentials/mybun.json' }
    ) {
        # chmod 000 denies nothing to root: the run is a child pwsh as uid 1000 (setpriv), on a home that user owns.
        if ($IsWindows -or (& id -u) -ne '0' -or -not (Get-Command setpriv -ErrorAction Ignore)) {
            Set-ItResult -Skipped -Because 'needs root on Linux and setpriv to run as another user'; return
        }
        $asUser = @('setpriv', '--reuid', '1000', '--regid', '1000', '--clear-groups')
        # PowerShell may sit under a folder uid 1000 cannot enter (a root-only tools folder): a linked copy it can read.
        $shell = Join-Path $TestDrive "pwsh-$Denied"
        & cp -al $PSHOME $shell 2>$null
        if ($LASTEXITCODE -ne 0) { & cp -a $PSHOME $shell }
        $module = (Get-Module PorterStorage).Path
        & $asUser[0] $asUser[1..5] test -r $module -a -r (Join-Path $shell 'pwsh.dll')
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'uid 1000 cannot read the staged module or PowerShell'; return }

        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive "unlistable-$Denied") -Kind Legacy).FullName
        $userHome = New-Item -ItemType Directory -Path (Join-Path $TestDrive "user-$Denied")
        & chown -R 1000:1000 $h $userHome.FullName
        $deniedFolder = Join-Path $h $Denied
        $deniedBefore = Get-TreeDigest $deniedFolder
        & chmod 000 $deniedFolder
        try {
            $command = "Import-Module '$module'; " +
                "`$r = Invoke-PorterStorageMigration -LiteralPath '$h' -SkipBackupCheck -Confirm:`$false -ErrorVariable e -ErrorAction SilentlyContinue -WarningAction SilentlyContinue; " +
                "[pscustomobject]@{ Succeeded = `$r.Succeeded; SchemaWritten = `$r.SchemaWritten; Migrated = `$r.Migrated; " +
                "Errors = @(`$e | ForEach-Object { `$_.FullyQualifiedErrorId + '|' + `$_.TargetObject }) } | ConvertTo-Json -Compress"
            $env:HOME, $saved = $userHome.FullName, $env:HOME
            try { $out = & $asUser[0] $asUser[1..5] ([Environment]::ProcessPath) (Join-Path $shell 'pwsh.dll') -NoProfile -NonInteractive -Command $command 2>&1 }
            finally { $env:HOME = $saved }
        }
        finally { & chmod 700 $deniedFolder }
        # Under coverage the instrumented engine's exit handler, as uid 1000, may fail after the answer is printed.
        $json = @($out | ForEach-Object { "$_" } | Where-Object { $_.StartsWith('{') })
        $json.Count | Should -Be 1 -Because ($out -join "`n")
        $r = $json[0] | ConvertFrom-Json
        $r.Errors | Should -Be @("AccessDenied,PorterStorage.Commands.InvokePorterStorageMigrationCommand|$deniedFolder")
        $r.Succeeded | Should -BeFalse
        $r.SchemaWritten | Should -BeFalse
        $r.Migrated | Should -Be 2
        @(Get-ChildItem -File -LiteralPath (Join-Path $h 'claims')).Count | Should -Be 0
        Join-Path $h 'installations/mybun' | Should -Exist
        Get-Content -Raw (Join-Path $h $Other) | Should -Match 'schemaVersion'
        $after = Get-TreeDigest $deniedFolder
        foreach ($k in $deniedBefore.Keys) { $after[$k] | Should -Be $deniedBefore[$k] }
        Join-Path $h 'schema.json' | Should -Not -Exist
    }

    It 'rolls back a change it cannot finish, never migrates twice and is never stuck on it' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'stuck') -Kind Legacy).FullName
        & chattr +i (Join-Path $h 'claims') 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'this file system cannot make a folder immutable (chattr +i)'; return }
        try {
            $r = Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
            $r.Succeeded | Should -BeFalse
            $err.FullyQualifiedErrorId | Should -Contain 'AccessDenied,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
            { Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'AccessDenied,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        }
        finally { & chattr -i (Join-Path $h 'claims') }
        $done = Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false
        $done.Succeeded | Should -BeTrue
        Test-PorterStorage -Path $h -Quiet | Should -BeTrue
        @(Get-ChildItem (Join-Path $h 'claims/mybun')).Count | Should -Be 2
    }

    It 'reports a failing item with its own error id and category, and migrates the rest' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'conflict') -Kind Legacy).FullName
        $creds = Join-Path $h 'credentials'
        New-Item -ItemType Directory -Force -Path $creds | Out-Null
        Set-Content -LiteralPath (Join-Path $creds 'old.json') -Value '{"name":"taken","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","credentials":[]}' -NoNewline
        Set-Content -LiteralPath (Join-Path $creds 'taken.json') -Value '{"schemaVersion":"1.0.0-DRAFT+b6c701f","name":"taken"}' -NoNewline
        $r = Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'CredentialSetNameConflict,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $failed[0].TargetObject | Should -Be (Join-Path $creds 'old.json')
        $r.Migrated | Should -Be 2
        $r.SchemaWritten | Should -BeFalse
        Join-Path $creds 'old.json' | Should -Exist
    }

    It 'never lets a YAML conversion overwrite a credential set of the same name written earlier in the run' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'samename') -Kind Legacy).FullName
        $creds = Join-Path $h 'credentials'
        Get-ChildItem -LiteralPath $creds -Filter '*.yaml' | Should -Not -BeNullOrEmpty
        Set-Content -LiteralPath (Join-Path $creds 'foo.json') -NoNewline -Value '{"name":"azure","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","credentials":[{"name":"FOO_ONLY","source":{"env":"X"}}]}'
        $yaml = Get-ChildItem -LiteralPath $creds -Filter '*.yaml' | ForEach-Object { [IO.File]::ReadAllText($_.FullName) }
        $r = Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -Detailed
        Get-Content -Raw -LiteralPath (Join-Path $creds 'azure.json') | Should -Match 'FOO_ONLY'
        Get-ChildItem -LiteralPath $creds -Filter '*.yaml' | ForEach-Object { [IO.File]::ReadAllText($_.FullName) } | Should -Be $yaml
        $r.CredentialSets.Outcome | Should -Not -Contain 'Converted'
    }

    It 'migrates every home a wildcard or an array names, and refuses several homes for one -Backup' {
        $a = (New-PorterSampleHome -Path (Join-Path $TestDrive 'each-a') -Kind Legacy).FullName
        $b = (New-PorterSampleHome -Path (Join-Path $TestDrive 'each-b') -Kind Legacy).FullName
        $c = (New-PorterSampleHome -Path (Join-Path $TestDrive 'each-c[1]') -Kind Legacy).FullName
        $d = (New-PorterSampleHome -Path (Join-Path $TestDrive 'each-d') -Kind Legacy).FullName
        $backup = Backup-PorterHome -LiteralPath $a -Destination (Join-Path $TestDrive 'each-backup')
        $before = Get-TreeDigest $a
        Invoke-PorterStorageMigration -Path (Join-Path $TestDrive 'each-?') -Backup $backup -Confirm:$false -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'HomePathInvalid,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        $e[0].Exception.Message | Should -Match '3 homes'
        (Get-TreeDigest $a).Keys | Should -Be $before.Keys

        $runs = Invoke-PorterStorageMigration -Path (Join-Path $TestDrive 'each-[ab]') -SkipBackupCheck -Confirm:$false
        $runs.Source | Should -Be @($a, $b)
        $runs.Succeeded | Should -Be @($true, $true)
        $more = Invoke-PorterStorageMigration -LiteralPath $c, $d -SkipBackupCheck -Confirm:$false
        $more.Source | Should -Be @($c, $d)
        (Get-PorterHome -LiteralPath $c).Layout | Should -Be 'Current'
    }

    It 'refuses an empty -Destination and a file as -Destination, before asking anything' {
        $a = (New-PorterSampleHome -Path (Join-Path $TestDrive 'many-a') -Kind Legacy).FullName
        Invoke-PorterStorageMigration -Path $a -SkipBackupCheck -Destination '' -WhatIf -ErrorVariable e2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e2[0].FullyQualifiedErrorId | Should -Be 'HomePathInvalid,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        $file = Join-Path $TestDrive 'a-file'
        Set-Content -LiteralPath $file -Value 'x'
        Invoke-PorterStorageMigration -Path $a -SkipBackupCheck -Destination $file -WhatIf -ErrorVariable e3 -ErrorAction SilentlyContinue 6>$null | Should -BeNullOrEmpty
        $e3[0].FullyQualifiedErrorId | Should -Be 'DestinationNotEmpty,PorterStorage.Commands.InvokePorterStorageMigrationCommand'
        $e3[0].Exception.Message | Should -Match 'is a file'
    }

    It 'keeps a planted secret out of the log, errors, warnings and verbose output' {
        $secret = 'Pl4nted-S3cret-' + [Guid]::NewGuid().ToString('N')
        $h = (New-PorterLegacyHome -Path (Join-Path $TestDrive 'secret') -Installations 12 -Seed 5 -Secret $secret).FullName
        Set-Content -LiteralPath (Join-Path $h 'claims/broken.json') -Value "{`"installation`":`"broken`",`"parameters`":{`"p`":`"$secret`"}, oops" -NoNewline
        Set-Content -LiteralPath (Join-Path $h 'credentials/bad.json') -Value "{`"name`":`"bad`",`"credentials`":[{`"name`":`"a`",`"source`":{`"value`":`"$secret`",`"env`":`"X`"}}]}" -NoNewline
        $all = Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -Verbose -ErrorAction Continue -WarningAction Continue *>&1 | Out-String -Width 500
        $all | Should -Not -BeNullOrEmpty
        $all | Should -Not -Match $secret
        $log = Get-ChildItem -LiteralPath $h -Filter '*-migrate.log' | Get-Content -Raw
        $log | Should -Match 'Error migrating installation broken'
        $log | Should -Not -Match $secret
        if (-not $IsWindows) { [IO.File]::GetUnixFileMode((Get-ChildItem -LiteralPath $h -Filter '*-migrate.log').FullName) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
    }

    It 'converges to the same home after kill -9 at many points' {
        $seed = Join-Path $TestDrive 'crash-seed'
        New-PorterLegacyHome -Path $seed -Installations 150 -Seed 42 | Out-Null
        $reference = Join-Path $TestDrive 'crash-reference'
        Copy-Item -LiteralPath $seed -Destination $reference -Recurse
        (Invoke-PorterStorageMigration -Path $reference -SkipBackupCheck -Confirm:$false).Succeeded | Should -BeTrue
        $expected = Get-MaskedTree $reference

        $module = $env:PORTERSTORAGE_MODULE
        $interrupted = 0
        # Kill points by progress, not by time: the run is killed once that many legacy claims are gone (the second
        # round kills the rerun further on), so every kill lands mid-migration however fast the machine is.
        $points = 1, 8, 30, 70, 110
        for ($k = 0; $k -lt $points.Count; $k++) {
            $victim = Join-Path $TestDrive "crash-$k"
            Copy-Item -LiteralPath $seed -Destination $victim -Recurse
            $claims = Join-Path $victim 'claims'
            foreach ($round in 1..2) {
                $target = $points[$k] + ($round - 1) * 15
                $child = Start-ChildPwsh -Command "Import-Module '$module'; Invoke-PorterStorageMigration -Path '$victim' -SkipBackupCheck -Confirm:`$false | Out-Null"
                $deadline = [DateTime]::UtcNow.AddSeconds(120)
                while (-not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) {
                    if (150 - @([IO.Directory]::GetFiles($claims, '*.json')).Count -ge $target) { break }
                    Start-Sleep -Milliseconds 2
                }
                $killedMidRun = -not $child.HasExited
                if ($killedMidRun) { $child.Kill() }
                $child.WaitForExit()
                $killedMidRun | Should -BeTrue -Because "run $k round $round is killed after $target installations, before it ends"
            }
            $legacyLeft = @(Get-ChildItem -LiteralPath $claims -Filter '*.json' -File).Count
            if ($legacyLeft -gt 0 -and $legacyLeft -lt 150) { $interrupted++ }
            $final = Invoke-PorterStorageMigration -Path $victim -SkipBackupCheck -Confirm:$false
            $final.Succeeded | Should -BeTrue -Because "run $k"
            Test-PorterStorage -Path $victim -Quiet | Should -BeTrue
            $actual = Get-MaskedTree $victim
            ($actual | Measure-Object).Count | Should -Be ($expected | Measure-Object).Count -Because "run $k"
            Compare-Object $expected $actual | Should -BeNullOrEmpty -Because "run $k converges to the uninterrupted result"
        }
        $interrupted | Should -Be $points.Count -Because 'every kill lands in the middle of a migration'
    }
}
