# What real storage accounts answer where Azurite answers like an open, flat, general-purpose v2 account: a hierarchical
# namespace, a firewall, a clock off the service's, blobs a lifecycle rule archived, asynchronous copies that fail, a copy
# source the service cannot read, tag queries answering empty pages. Each condition is set in the fault proxy (or, for the
# Archive tier, in Azurite itself); each cmdlet it applies to gets its named id, nothing is written where the work is refused
# up front, and the same command finishes once the condition ends.
BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')

    # Requests that change a store, by the proxy's names for them.
    $script:Writes = 'PutBlob', 'PutBlockList', 'PutBlock', 'CopyBlob', 'CopyBlobFromUrl', 'SetBlobTags', 'DeleteBlob', 'LeaseBlob', 'CreateContainer',
        'SetBlobMetadata', 'SetBlobProperties', 'SetBlobTier', 'TableBatch', 'InsertEntity', 'UpdateEntity', 'MergeEntity', 'DeleteEntity', 'CreateTable', 'DeleteTable'

    # How many writes reached the proxy since its last reset.
    function Get-WriteCount {
        param([Parameter(Mandatory)] $Proxy)
        $ops = (Get-FaultProxyStats $Proxy).operations
        $n = 0
        foreach ($p in $ops.PSObject.Properties) { if ($script:Writes -contains $p.Name) { $n += $p.Value } }
        $n
    }

    # Runs $Command, which must fail with $Id; returns the error record.
    function Assert-Refused {
        param([Parameter(Mandatory)] [scriptblock] $Command, [Parameter(Mandatory)] [string] $Id, [string] $Message = '*')
        $caught = $null
        try { & $Command | Out-Null } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because "the command must stop with $Id"
        $caught.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $caught.Exception.Message | Should -BeLike $Message
        $caught
    }

    function Get-FirstBlob {
        param([Parameter(Mandatory)] $Storage, [Parameter(Mandatory)] [string] $Prefix)
        ((Get-ContainerDigest -Storage $Storage | Where-Object { $_ -like "$Prefix*" } | Select-Object -First 1) -split ' ')[0]
    }
}

Describe 'An account with a hierarchical namespace (ADLS Gen2)' {
    It 'says the account cannot hold tags before writing anything, backs it up and copies it out without tags, and works once the account has Blob Index' {
        $s = New-SeededContainer -Legacy -Installations 2
        $proxy = Start-SuiteFaultProxy @{ hnsAccounts = @('devstoreaccount1') }
        try {
            $via = Get-ProxiedStorage $proxy $s
            $probe = Test-PorterAzureBlobIndex -Storage $via -TimeoutSeconds 10
            $probe.Supported | Should -BeFalse
            $probe.Reason | Should -BeLike '*hierarchical namespace*'
            Get-WriteCount $proxy | Should -Be 0 -Because 'no probe blob is written into an account that refuses every tag'

            Assert-Refused { Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorAction Stop } `
                -Id 'BlobIndexUnsupported' -Message '*hierarchical namespace*Nothing was written*' | Out-Null
            Assert-Refused { Repair-PorterAzureBlobTag -Storage $via -Confirm:$false -ErrorAction Stop } -Id 'BlobIndexUnsupported' -Message '*hierarchical namespace*' | Out-Null
            $tagged = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $other = New-SeededContainer -Connection $script:DestinationConnection -Installations 1
            Assert-Refused { Copy-PorterAzureContainer -Source $other -Destination $via -Force -Confirm:$false -ErrorAction Stop } -Id 'BlobIndexUnsupported' -Message '*hierarchical namespace*' | Out-Null
            Get-WriteCount $proxy | Should -Be 0 -Because 'a copy of tagged blobs into the account is refused before its first write'

            # Its data can be saved and copied to an account with Blob Index (the way Porter's own instructions give).
            $backup = Backup-PorterAzureContainer -Storage $via -Destination (Join-Path $TestDrive 'hns.zip')
            $backup.Verified | Should -BeTrue
            $copy = Copy-PorterAzureContainer -Source $via -Destination $tagged -Confirm:$false -WarningAction SilentlyContinue
            $copy.Failed | Should -Be 0
            $copy.Copied | Should -BeGreaterThan 0

            Set-FaultProxy $proxy @{ hnsAccounts = @() } | Out-Null
            $run = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
            $run.Failed | Should -Be 0
            $run.Migrated | Should -BeGreaterThan 0
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'Refusals of the whole account' {
    It 'names a firewall (AzureNetworkRefused) and a clock off the service''s (AzureClockSkew) for <Name>, and the command finishes once it ends' -TestCases @(
        @{ Name = 'Backup-PorterAzureContainer'; Run = { param($via) Backup-PorterAzureContainer -Storage $via -Destination (Join-Path $TestDrive ('fw-' + [Guid]::NewGuid().ToString('N') + '.zip')) -ErrorAction Stop } }
        @{ Name = 'Test-PorterAzureBlobIndex'; Run = { param($via) Test-PorterAzureBlobIndex -Storage $via -TimeoutSeconds 10 -ErrorAction Stop } }
        @{ Name = 'Invoke-PorterStorageMigration'; Run = { param($via) Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Copy-PorterAzureContainer'; Run = { param($via) Copy-PorterAzureContainer -Source $via -Destination (Get-PorterAzureStorage -ConnectionString $script:ProxiedDestination -Container (New-TestContainerName)) -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Test-PorterStorage'; Run = { param($via) Test-PorterStorage -Storage $via -ErrorAction Stop } }
        @{ Name = 'Get-PorterMigrationPlan'; Run = { param($via) Get-PorterMigrationPlan -Storage $via -ErrorAction Stop } }
        @{ Name = 'Repair-PorterAzureBlobTag'; Run = { param($via) Repair-PorterAzureBlobTag -Storage $via -Confirm:$false -ErrorAction Stop } }
        @{ Name = 'Restore-PorterAzureContainer'; Run = { param($via) Restore-PorterAzureContainer -LiteralPath $script:SavedArchive -Storage (Get-PorterAzureStorage -ConnectionString $script:ProxiedSource -Container (New-TestContainerName)) -Confirm:$false -ErrorAction Stop } }
    ) {
        param($Name, $Run)
        $s = New-SeededContainer -Legacy -Installations 1
        $script:SavedArchive = (Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive ('saved-' + [Guid]::NewGuid().ToString('N') + '.zip'))).Path
        foreach ($condition in @(
                @{ Settings = @{ firewallAccounts = @('devstoreaccount1') }; Off = @{ firewallAccounts = @() }; Id = 'AzureNetworkRefused'; Message = '*firewall or private endpoint*Hybrid Runbook Worker*' }
                @{ Settings = @{ clockSkewMinutes = 40 }; Off = @{ clockSkewMinutes = 0 }; Id = 'AzureClockSkew'; Message = '*more than 15 minutes off*' })) {
            $proxy = Start-SuiteFaultProxy $condition.Settings
            try {
                $via = Get-ProxiedStorage $proxy $s
                $script:ProxiedDestination = $proxy.ConnectionStrings['destaccount']
                $script:ProxiedSource = $proxy.ConnectionStrings['devstoreaccount1']
                Assert-Refused { & $Run $via } -Id $condition.Id -Message $condition.Message | Out-Null
                Get-WriteCount $proxy | Should -Be 0
                Set-FaultProxy $proxy $condition.Off | Out-Null
                { & $Run $via | Out-Null } | Should -Not -Throw
            }
            finally { Stop-FaultProxy $proxy }
        }
    }
}

Describe 'Refusals of the whole account, for the table and for a home backup sent to a container' {
    BeforeAll { . (Join-Path $PSScriptRoot '../SampleTable.ps1') }

    It 'names a firewall and a clock off the service''s for the table''s backup, check and move, and for Backup-PorterHome -CopyTo' {
        $table = 't' + [Guid]::NewGuid().ToString('N').Substring(0, 20)
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 1
        $home1 = (New-PorterSampleHome -Path (Join-Path $TestDrive 'copyto-home') -Kind Legacy).FullName
        foreach ($condition in @(
                @{ Settings = @{ firewallAccounts = @('devstoreaccount1') }; Off = @{ firewallAccounts = @() }; Id = 'AzureNetworkRefused' }
                @{ Settings = @{ clockSkewMinutes = -30 }; Off = @{ clockSkewMinutes = 0 }; Id = 'AzureClockSkew' })) {
            $proxy = Start-SuiteFaultProxy $condition.Settings -Table
            try {
                $viaTable = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Table $table
                $viaContainer = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Container (New-TestContainerName)
                $saved = Join-Path $TestDrive ('table-' + [Guid]::NewGuid().ToString('N'))
                Assert-Refused { Backup-PorterAzureContainer -Storage $viaTable -Destination $saved -ErrorAction Stop } -Id $condition.Id | Out-Null
                @(Get-ChildItem -LiteralPath $saved -File -ErrorAction SilentlyContinue).Count | Should -Be 0
                Assert-Refused { Test-PorterStorage -Storage $viaTable -ErrorAction Stop } -Id $condition.Id | Out-Null
                Assert-Refused { Copy-PorterAzureContainer -Source $viaTable -Destination $viaContainer -Confirm:$false -ErrorAction Stop } -Id $condition.Id | Out-Null
                Get-WriteCount $proxy | Should -Be 0 -Because ((Get-FaultProxyStats $proxy).operations | ConvertTo-Json -Compress)
                # The upload of a home backup sends its writes first (a write-only SAS may not list): refused, they write nothing.
                $null = Backup-PorterHome -Path $home1 -Destination (Join-Path $TestDrive ('copyto-' + [Guid]::NewGuid().ToString('N'))) -CopyTo $viaContainer -ErrorVariable sent -ErrorAction SilentlyContinue
                @($sent).Count | Should -BeGreaterThan 0
                $sent[0].FullyQualifiedErrorId | Should -BeLike "$($condition.Id),*"

                Set-FaultProxy $proxy $condition.Off | Out-Null
                (Backup-PorterAzureContainer -Storage $viaTable -Destination $saved).Verified | Should -BeTrue
                (Copy-PorterAzureContainer -Source $viaTable -Destination $viaContainer -Confirm:$false -WarningAction SilentlyContinue).Failed | Should -Be 0
            }
            finally { Stop-FaultProxy $proxy }
        }
    }
}

Describe 'Blobs a lifecycle rule moved to the Archive tier' {
    It 'names every archived blob before anything is written, for the backup, the copy and the migration; all finish once they are rehydrated' {
        $s = New-SeededContainer -Legacy -Installations 2
        $archived = @(Get-ContainerDigest -Storage $s | Where-Object { $_ -like 'claims/*' } | ForEach-Object { ($_ -split ' ')[0] } | Select-Object -First 2)
        $archived.Count | Should -Be 2
        foreach ($blob in $archived) { Invoke-OtherBlobWriter -ConnectionString $script:SourceConnection -Container $s.Container -Blob $blob -Action SetTier -Tier Archive }
        $proxy = Start-SuiteFaultProxy @{}
        try {
            $via = Get-ProxiedStorage $proxy $s
            $destination = Join-Path $TestDrive 'archived-backups'
            $e = Assert-Refused { Backup-PorterAzureContainer -Storage $via -Destination $destination -ErrorAction Stop } -Id 'BlobArchived' -Message '*2 blob(s)*Archive tier*Rehydrate*'
            foreach ($blob in $archived) { $e.Exception.Message | Should -BeLike "*'$blob'*" }
            @(Get-ChildItem -LiteralPath $destination -File -ErrorAction SilentlyContinue).Count | Should -Be 0
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            Assert-Refused { Copy-PorterAzureContainer -Source $via -Destination $target -Confirm:$false -ErrorAction Stop } -Id 'BlobArchived' -Message "*'$($archived[0])'*" | Out-Null
            Assert-Refused { Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorAction Stop } -Id 'BlobArchived' -Message '*Nothing was written*' | Out-Null
            Get-WriteCount $proxy | Should -Be 0 -Because 'each run was refused before its first write'

            foreach ($blob in $archived) { Invoke-OtherBlobWriter -ConnectionString $script:SourceConnection -Container $s.Container -Blob $blob -Action SetTier -Tier Hot }
            (Backup-PorterAzureContainer -Storage $via -Destination $destination).Verified | Should -BeTrue
            (Copy-PorterAzureContainer -Source $via -Destination $target -Confirm:$false -WarningAction SilentlyContinue).Failed | Should -Be 0
            (Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false).Failed | Should -Be 0
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'A container under a retention policy' {
    It 'restores into it: BlobImmutable naming the policy, never a raw 409, and -Force cannot override it' {
        $s = New-SeededContainer -Installations 1
        $saved = (Backup-PorterAzureContainer -Storage $s -Destination (Join-Path $TestDrive 'worm.zip')).Path
        $proxy = Start-SuiteFaultProxy @{ failRules = @(@{ operation = 'PutBlob'; status = 409; code = 'BlobImmutableDueToPolicy' }) }
        try {
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Container (New-TestContainerName)
            foreach ($force in $false, $true) {
                Assert-Refused { Restore-PorterAzureContainer -LiteralPath $saved -Storage $target -Force:$force -Confirm:$false -ErrorAction Stop } -Id 'BlobImmutable' -Message '*retention*' | Out-Null
            }
            Set-FaultProxy $proxy @{ failRules = @() } | Out-Null
            (Restore-PorterAzureContainer -LiteralPath $saved -Storage $target -Force -Confirm:$false).Restored | Should -BeGreaterThan 0
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'Copies that tell the truth' {
    AfterEach { $env:PORTERSTORAGE_SYNC_COPY_LIMIT_BYTES = $null }

    It 'counts a blob whose asynchronous copy ended failed as failed, with the service''s description, and a rerun copies it again' {
        $env:PORTERSTORAGE_SYNC_COPY_LIMIT_BYTES = '0'
        $s = New-SeededContainer -Installations 1
        $blob = Get-FirstBlob -Storage $s -Prefix 'claims/'
        $proxy = Start-SuiteFaultProxy @{ copyFailures = @(@{ pathContains = $blob; description = '500 InternalError "Copy failed while reading the source."' }) }
        try {
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $r = Copy-PorterAzureContainer -Source (Get-ProxiedStorage $proxy $s) -Destination $target -Confirm:$false -ErrorVariable copyErrors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $r.Failed | Should -Be 1
            $failed = @($copyErrors | Where-Object { $_.FullyQualifiedErrorId -like 'BlobCopyFailed,*' })
            $failed.Count | Should -Be 1
            $failed[0].Exception.Message | Should -BeLike "*'$blob'*ended 'failed'*Copy failed while reading the source*"
            Set-FaultProxy $proxy @{ copyFailures = @() } | Out-Null
            $again = Copy-PorterAzureContainer -Source (Get-ProxiedStorage $proxy $s) -Destination $target -Confirm:$false -WarningAction SilentlyContinue
            $again.Failed | Should -Be 0
            $again.Copied | Should -Be 1 -Because 'the blob the failed copy left is copied again, not skipped as equal'
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'names what keeps the service from reading the copy''s source (CannotVerifyCopySource): not the SAS letters' {
        $s = New-SeededContainer -Installations 1
        $later = [DateTimeOffset]::UtcNow.AddHours(3).ToUnixTimeMilliseconds()
        $proxy = Start-SuiteFaultProxy @{ copySourceNow = $later }
        try {
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $null = Copy-PorterAzureContainer -Source (Get-ProxiedStorage $proxy $s) -Destination $target -Confirm:$false -ErrorVariable copyErrors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            @($copyErrors).Count | Should -BeGreaterThan 0
            $copyErrors[0].FullyQualifiedErrorId | Should -BeLike 'BlobCopyFailed,*'
            $copyErrors[0].Exception.Message | Should -BeLike '*CannotVerifyCopySource*valid until*network rules*clocks*'
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'Tag queries answering empty pages with a continuation' {
    It 'follows empty pages to the end: the migration verifies, the copy verifies and Test-PorterStorage finds every item by its tags' {
        $s = New-SeededContainer -Legacy -Installations 2
        $proxy = Start-SuiteFaultProxy @{ emptyFindPages = 2 }
        try {
            $via = Get-ProxiedStorage $proxy $s
            $run = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
            $run.Failed | Should -Be 0
            $run.Verification.IsValid | Should -BeTrue
            $check = Test-PorterStorage -Storage $via
            @($check.Findings | Where-Object Code -eq 'NotFoundByTags').Count | Should -Be 0
            $check.IsValid | Should -BeTrue
            (Get-FaultProxyStats $proxy).operations.FindBlobsByTags | Should -BeGreaterThan 2 -Because 'the empty pages were answered and followed'
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'A Blob Index far behind the writes' {
    It 'with -IndexTimeoutSeconds 0 and an index that is current asks every type''s query once and finds every item' {
        $s = New-SeededContainer -Installations 3
        $proxy = Start-SuiteFaultProxy @{}
        try {
            $check = Test-PorterStorage -Storage (Get-ProxiedStorage $proxy $s) -IndexTimeoutSeconds 0
            @($check.Findings | Where-Object Code -eq 'NotFoundByTags').Count | Should -Be 0
            $check.IsValid | Should -BeTrue
            # claims, results, outputs and installations at least: one query each, none asked twice
            (Get-FaultProxyStats $proxy).operations.FindBlobsByTags | Should -BeGreaterOrEqual 4
            (Get-FaultProxyStats $proxy).operations.FindBlobsByTags | Should -BeLessOrEqual 6
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'with -IndexTimeoutSeconds 0 asks each tag query once, keeps every miss in the verification and sums them up in one warning per code' {
        $s = New-SeededContainer -Installations 1 -LegacyInstallations 4 -NoSchema
        # Every blob tagged through the proxy stays hidden from its tag queries for the whole test.
        $proxy = Start-SuiteFaultProxy @{ indexLagMs = 600000 }
        try {
            $via = Get-ProxiedStorage $proxy $s
            $run = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -IndexTimeoutSeconds 0 -Confirm:$false -WarningVariable said -WarningAction SilentlyContinue
            $run.Failed | Should -Be 0
            $run.Migrated | Should -Be 4
            $misses = @($run.Verification.Findings | Where-Object Code -eq 'NotFoundByTags')
            $misses.Count | Should -BeGreaterThan 5
            $told = @($said | Where-Object { "$_" -like '*NotFoundByTags*' })
            $told.Count | Should -Be 1
            "$($told[0])" | Should -Match "NotFoundByTags: $($misses.Count) items, the first: "
            $queries = (Get-FaultProxyStats $proxy).operations.FindBlobsByTags
            $queries | Should -BeLessOrEqual 6 -Because 'one query per type of Porter''s, each asked once'

            $check = Test-PorterStorage -Storage $via -IndexTimeoutSeconds 0
            @($check.Findings | Where-Object Code -eq 'NotFoundByTags').Count | Should -Be $misses.Count
            (Get-FaultProxyStats $proxy).operations.FindBlobsByTags | Should -Be (2 * $queries)
        }
        finally { Stop-FaultProxy $proxy }
    }
}
