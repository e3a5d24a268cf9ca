BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
}

Describe 'Backup-PorterAzureContainer and Restore-PorterAzureContainer' {
    It 'declare their output types; restore is ConfirmImpact High' {
        (Get-Command Backup-PorterAzureContainer).OutputType.Name | Should -Contain 'PorterStorage.PorterBackup'
        (Get-Command Restore-PorterAzureContainer).OutputType.Name | Should -Contain 'PorterStorage.PorterContainerRestoreResult'
        (Get-Command Restore-PorterAzureContainer).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).ConfirmImpact | Should -Be 'High'
    }

    It 'round-trips a plugin store: content, metadata and tags equal' {
        $source = New-SeededContainer -Installations 4 -Legacy
        $backup = $source | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'bk')
        $backup.Kind | Should -Be 'Container'
        $backup.Verified | Should -BeTrue
        $backup.FileCount | Should -Be 21
        ($backup | Test-PorterBackup).IsValid | Should -BeTrue

        $target = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $restored = $backup | Restore-PorterAzureContainer -Storage $target -Confirm:$false
        $restored.BlobCount | Should -Be 21
        $restored.TaggedBlobs | Should -Be 18

        $again = $target | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'bk2')
        $read = { param($p) (Get-ArchiveManifest -Path $p).entries }
        $a = & $read $backup.Path | Sort-Object path
        $b = & $read $again.Path | Sort-Object path
        $b.path | Should -Be $a.path
        for ($i = 0; $i -lt $a.Count; $i++) {
            $b[$i].sha256 | Should -Be $a[$i].sha256
            ($b[$i].tags | ConvertTo-Json -Compress) | Should -Be ($a[$i].tags | ConvertTo-Json -Compress) -Because $a[$i].path
            ($b[$i].metadata | ConvertTo-Json -Compress) | Should -Be ($a[$i].metadata | ConvertTo-Json -Compress)
            $b[$i].headers.ContentType | Should -Be $a[$i].headers.ContentType
        }
    }

    It 'refuses a non-empty container without -Force (ContainerNotEmpty) and writes nothing with -WhatIf' {
        $source = New-SeededContainer -Installations 1
        $backup = $source | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'ne')
        { $backup | Restore-PorterAzureContainer -Storage $source -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContainerNotEmpty,PorterStorage.Commands.RestorePorterAzureContainerCommand'
        ($backup | Restore-PorterAzureContainer -Storage $source -Force -Confirm:$false).BlobCount | Should -Be 7
        $fresh = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $backup | Restore-PorterAzureContainer -Storage $fresh -WhatIf | Should -BeNullOrEmpty
        { $fresh | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'x') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContainerNotFound,PorterStorage.Commands.BackupPorterAzureContainerCommand'
        $source | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'wi') -WhatIf | Should -BeNullOrEmpty
        Join-Path $TestDrive 'wi' | Should -Not -Exist
    }

    It 'names a wrong key (AzureAuthFailed) without showing it' {
        $wrong = $script:SourceConnection -replace 'AccountKey=[^;]+', 'AccountKey=d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk='
        $s = Get-PorterAzureStorage -ConnectionString $wrong
        $err = $null
        $s | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'auth') -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'AzureAuthFailed,PorterStorage.Commands.BackupPorterAzureContainerCommand'
        ($err | Out-String) | Should -Not -Match 'd3JvbmctA2V5'
    }

    It 'refuses a home backup for a container and a container backup for a home (BackupKindMismatch)' {
        $source = New-SeededContainer -Installations 1
        $cb = $source | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'kind')
        { $cb | Restore-PorterHome -Destination (Join-Path $TestDrive 'kind-home') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupKindMismatch,PorterStorage.Commands.RestorePorterHomeCommand'
        $hb = Backup-PorterHome -Path (New-PorterSampleHome -Path (Join-Path $TestDrive 'h') -Kind Legacy).FullName -Destination (Join-Path $TestDrive 'hb')
        { $hb | Restore-PorterAzureContainer -Storage $source -Force -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupKindMismatch,PorterStorage.Commands.RestorePorterAzureContainerCommand'
    }

    It 'copies a verified backup to a container with -CopyTo, never an unverified one, and never into the container it backs up' {
        $s = New-SeededContainer -Installations 2
        $target = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $b = Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive 'copyto') -CopyTo $target
        $b.Verified | Should -BeTrue
        $b.CopiedTo.ToString() | Should -Be ($target.ContainerUri.ToString() + '/' + (Split-Path $b.Path -Leaf))
        { Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive 'copyto' (Split-Path $b.Path -Leaf)) -Force -CopyTo $target -ErrorAction Stop } | Should -Not -Throw
        { Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive 'copyto-again' (Split-Path $b.Path -Leaf)) -CopyTo $target -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupExists,PorterStorage.Commands.BackupPorterAzureContainerCommand'
        { Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive 'self') -CopyTo $s -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupUploadFailed,PorterStorage.Commands.BackupPorterAzureContainerCommand'
        @(Get-ChildItem -LiteralPath (Join-Path $TestDrive 'self') -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty

        # A home backup that does not verify (a data folder that is a link is not recorded) is not copied over the good one.
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'copyto-home') -Kind Current).FullName
        $good = Backup-PorterHome -LiteralPath $h -Destination (Join-Path $TestDrive 'nightly.tar.gz') -CopyTo $target
        $good.Verified | Should -BeTrue
        $before = (Backup-PorterAzureContainer -Storage $target -Destination (Join-Path $TestDrive 'remote-before.zip')).FileCount
        $elsewhere = Join-Path $TestDrive 'claims-elsewhere'
        Move-Item -LiteralPath (Join-Path $h 'claims') -Destination $elsewhere
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $h 'claims') -Target $elsewhere
        $bad = Backup-PorterHome -LiteralPath $h -Destination (Join-Path $TestDrive 'nightly.tar.gz') -Force -CopyTo $target -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $bad.Verified | Should -BeFalse
        $bad.CopiedTo | Should -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Contain 'BackupUploadFailed,PorterStorage.Commands.BackupPorterHomeCommand'
        $remote = Get-ArchiveManifest (Backup-PorterAzureContainer -Storage $target -Destination (Join-Path $TestDrive 'remote-after.zip')).Path
        ($remote.entries | Where-Object path -eq 'nightly.tar.gz').sha256 | Should -Be $good.Sha256
    }


    It 'lists the backups kept in a container from their blobs'' metadata, downloading nothing; -Verify downloads and checks each' {
        $target = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'meta-home é') -Kind Current).FullName
        $one = Backup-PorterHome -LiteralPath $h -Destination (Join-Path $TestDrive 'meta') -CopyTo $target -RunId 'chg-1234'
        $one.RunId | Should -Be 'chg-1234'
        $s = New-SeededContainer -Installations 1
        $two = Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive 'meta') -CopyTo $target
        $proxy = Start-SuiteFaultProxy
        try {
            $listed = Get-PorterBackup -Storage (Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container $target.Container)
            $ops = (Get-FaultProxyStats $proxy).operations
            $ops.PSObject.Properties.Name | Should -Not -Contain 'GetBlob' -Because 'nothing is downloaded to list'
            [int]$ops.ListBlobs | Should -Be 1
        }
        finally { Stop-FaultProxy $proxy }
        $listed.Count | Should -Be 2
        $homeCopy = $listed | Where-Object Kind -eq 'Home'
        $homeCopy.MetadataOnly | Should -BeTrue
        foreach ($p in 'Source', 'Created', 'FileCount', 'TotalBytes', 'ArchiveBytes', 'Sha256', 'DataOnly', 'RunId') { $homeCopy.$p | Should -Be $one.$p -Because $p }
        # nothing was checked: the metadata is what the copy claims
        $homeCopy.Verified | Should -BeFalse
        # listed through the proxy: the same blob under the proxy's address
        ([Uri]$homeCopy.Path).AbsolutePath | Should -Be $one.CopiedTo.AbsolutePath
        ($listed | Where-Object Kind -eq 'Container').Source | Should -Be $two.Source
        ($listed | Where-Object Kind -eq 'Container').RunId | Should -BeNullOrEmpty
        # -Name picks blobs; -Verify downloads and checks them now
        $checked = @(Get-PorterBackup -Storage $target -Name 'porter-home-*' -Verify)
        $checked.Count | Should -Be 1
        $checked[0].MetadataOnly | Should -BeFalse
        $checked[0].Verified | Should -BeTrue
        $checked[0].RunId | Should -Be 'chg-1234'
        # Metadata that vouches for bytes the blob no longer holds (of the same length): the listing repeats the claim, -Verify finds
        # the blob is no backup; one of another length contradicts the listing itself and is downloaded and checked at once.
        $name = [Uri]::UnescapeDataString($one.CopiedTo.Segments[-1])
        $invariant = [Globalization.CultureInfo]::InvariantCulture
        $metadata = @{ sha256 = $one.Sha256; kind = 'home'; source = [Uri]::EscapeDataString($one.Source); created = $one.Created.ToString('yyyy-MM-ddTHH:mm:ss.fffffffZ', $invariant)
            files = "$($one.FileCount)"; bytes = "$($one.TotalBytes)"; dataonly = 'false'; runid = 'chg-1234'; size = "$($one.ArchiveBytes)" }
        Invoke-OtherBlobWriter -ConnectionString $script:DestinationConnection -Container $target.Container -Blob $name -Bytes ([byte[]]::new($one.ArchiveBytes)) -Metadata $metadata
        $claimed = Get-PorterBackup -Storage $target -Name $name
        $claimed.MetadataOnly | Should -BeTrue
        $claimed.Sha256 | Should -Be $one.Sha256
        foreach ($how in @{ Verify = $true }, @{}) {
            if (-not $how.Count) {
                Invoke-OtherBlobWriter -ConnectionString $script:DestinationConnection -Container $target.Container -Blob $name -Content 'not an archive' -Metadata $metadata
            }
            $said = Get-PorterBackup -Storage $target -Name $name @how -Verbose 4>&1
            @($said | Where-Object { $_ -is [PorterStorage.PorterBackup] }) | Should -BeNullOrEmpty
            ($said | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message | Should -Match "'$([regex]::Escape($name))' is not a PorterStorage backup"
        }
        # A copy without that metadata (an older module's) is downloaded and checked, as -Verify does.
        Invoke-OtherBlobWriter -ConnectionString $script:DestinationConnection -Container $target.Container -Blob $name -Bytes ([IO.File]::ReadAllBytes($one.Path)) -Metadata @{ sha256 = $one.Sha256; kind = 'home' }
        $old = Get-PorterBackup -Storage $target -Name $name
        $old.MetadataOnly | Should -BeFalse
        $old.Verified | Should -BeTrue
        $old.Source | Should -Be $one.Source
    }

    It 'refuses a -RunId the blob metadata cannot hold, before writing anything' {
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'runid-home') -Kind Current).FullName
        $destination = Join-Path $TestDrive 'runid-backups'
        { Backup-PorterHome -LiteralPath $h -Destination $destination -RunId 'change 1234!' -ErrorAction Stop } | Should -Throw -ErrorId 'RunIdInvalid,PorterStorage.Commands.BackupPorterHomeCommand'
        $s = New-SeededContainer -Installations 1
        { Backup-PorterAzureContainer -Storage $s -Destination $destination -RunId ('x' * 65) -ErrorAction Stop } | Should -Throw -ErrorId 'RunIdInvalid,PorterStorage.Commands.BackupPorterAzureContainerCommand'
        $destination | Should -Not -Exist
    }

    It 'lists the backups kept in a container (Get-PorterBackup -Storage), and fetches them to restore' {
        $target = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $h = (New-PorterSampleHome -Path (Join-Path $TestDrive 'kept-home') -Kind Current).FullName
        $one = Backup-PorterHome -LiteralPath $h -Destination (Join-Path $TestDrive 'kept') -CopyTo $target
        $s = New-SeededContainer -Installations 1
        $two = Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive 'kept') -CopyTo $target
        $listed = Get-PorterBackup -Storage $target -Verify
        $listed.Count | Should -Be 2
        ($listed | Sort-Object Kind).Kind | Should -Be @('Container', 'Home')
        $listed.Verified | Should -Be @($true, $true)
        ($listed | Where-Object Kind -eq 'Home').Sha256 | Should -Be $one.Sha256
        ($listed | Where-Object Kind -eq 'Home').Path | Should -Be $one.CopiedTo.ToString()
        ($listed | Where-Object Kind -eq 'Home').CopiedTo | Should -Be $one.CopiedTo
        $fetched = $target | Get-PorterBackup -Destination (Join-Path $TestDrive 'fetched')
        $fetchedHome = $fetched | Where-Object Kind -eq 'Home'
        $fetchedHome.Path | Should -Exist
        # fetched again into the same folder (a run that stopped partway is run again): the files there are those very backups
        $again = $target | Get-PorterBackup -Destination (Join-Path $TestDrive 'fetched')
        ($again | ForEach-Object Sha256) | Should -Be ($fetched | ForEach-Object Sha256)
        # a file there that is not the blob's backup is never taken for it
        $other = ($fetched | Where-Object Kind -eq 'Container').Path
        Copy-Item -LiteralPath $fetchedHome.Path -Destination $other -Force
        { $target | Get-PorterBackup -Destination (Join-Path $TestDrive 'fetched') -ErrorAction Stop } | Should -Throw -ErrorId 'BackupExists,PorterStorage.Commands.GetPorterBackupCommand'
        Remove-Item -LiteralPath $other
        if (-not $IsWindows) { [IO.File]::GetUnixFileMode($fetchedHome.Path) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        $null = $fetchedHome | Restore-PorterHome -Destination (Join-Path $TestDrive 'from-container') -Confirm:$false
        (Get-TreeDigest (Join-Path $TestDrive 'from-container')).Keys | Should -Be (Get-TreeDigest $h).Keys
    }

    It 'stops with FileChangedDuringBackup, writing no archive, when a blob is rewritten between the listing and its read' {
        $s = New-SeededContainer -Installations 3
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = 'ListBlobs'; count = 1 } }
        try {
            $module = $env:PORTERSTORAGE_MODULE
            $destination = Join-Path $TestDrive 'torn'
            $child = Start-ChildPwsh -Command "Import-Module '$module'; `$t = Get-PorterAzureStorage -ConnectionString '$($proxy.ConnectionStrings['devstoreaccount1'])' -Container '$($s.Container)'; try { Backup-PorterAzureContainer -Storage `$t -Destination '$destination' -ErrorAction Stop | Out-Null; 'IDS:' } catch { 'IDS:' + `$_.FullyQualifiedErrorId.Split(',')[0] }"
            Wait-FaultProxyPaused $proxy | Should -BeTrue
            Invoke-OtherBlobWriter -ConnectionString $script:SourceConnection -Container $s.Container -Blob 'installations/app1' -Content 'rewritten after the listing'
            Set-FaultProxy $proxy @{ pauseAfter = $null } | Out-Null
            Resume-FaultProxy $proxy
            $child.WaitForExit(120000) | Should -BeTrue
            $child.StandardOutput.ReadToEnd() | Should -Match 'IDS:FileChangedDuringBackup'
            @(Get-ChildItem -LiteralPath $destination -File -ErrorAction SilentlyContinue).Count | Should -Be 0
        }
        finally { Stop-FaultProxy $proxy }
    }
}
