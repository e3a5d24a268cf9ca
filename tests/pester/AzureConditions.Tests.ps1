# Real Azure conditions through the fault proxy: latency, throttling, resets, index lag, least-privilege SAS, unreachable
# endpoints. Small stores (tens of blobs) and seeded faults, so each run sees the same faults and the file stays quick.
BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')

    # A service SAS on one container (sr=c), signed with the account key as Azure signs it (version 2021-08-06).
    function New-ContainerSas {
        param([Parameter(Mandatory)] [string] $Container, [Parameter(Mandatory)] [string] $Permissions, [string] $Account = 'devstoreaccount1')
        $sv = '2021-08-06'
        $st = [DateTime]::UtcNow.AddMinutes(-5).ToString('yyyy-MM-ddTHH:mm:ssZ')
        $se = [DateTime]::UtcNow.AddHours(2).ToString('yyyy-MM-ddTHH:mm:ssZ')
        $toSign = @($Permissions, $st, $se, "/blob/$Account/$Container", '', '', 'https,http', $sv, 'c', '', '', '', '', '', '', '') -join "`n"
        $hmac = [Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($script:AzuriteAccounts[$Account]))
        try { $sig = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($toSign))) } finally { $hmac.Dispose() }
        $e = { param($v) [uri]::EscapeDataString($v) }
        "sv=$sv&st=$(& $e $st)&se=$(& $e $se)&sr=c&sp=$Permissions&spr=$(& $e 'https,http')&sig=$(& $e $sig)"
    }

    # The same container through the proxy, authenticated by a container SAS.
    function Get-SasStorage {
        param([Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] [string] $Container, [Parameter(Mandatory)] [string] $Permissions, [string] $Account = 'devstoreaccount1')
        Get-PorterAzureStorage -AccountName $Account -BlobEndpoint "$($Proxy.Endpoint)/$Account" -SasToken (New-ContainerSas -Container $Container -Permissions $Permissions -Account $Account) -Container $Container
    }

    # What a cmdlet reports it sent (requests and retries) against what reached the proxy since its last reset, Azurite's own
    # source checks left out. .NET resends a request on a fresh connection by itself when a pooled one was reset before
    # the request went out, which the SDK never sees: those resends are the only difference allowed.
    function Assert-RequestCount {
        param([Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] $Result)
        $stats = Get-FaultProxyStats $Proxy
        $internal = 0
        foreach ($p in $stats.operations.PSObject.Properties) { if ($p.Name -like 'Internal:*') { $internal += $p.Value } }
        $seen = $stats.total - $internal
        $sent = $Result.Requests + $Result.RetriedRequests
        $Result.Requests | Should -BeGreaterThan 0
        $sent | Should -BeLessOrEqual $seen
        $sent | Should -BeGreaterOrEqual ($seen - [int]$stats.faults.resetRequest)
    }

    # How many requests the paused proxy holds, once it holds at least -AtLeast of them or 20 s have passed.
    function Wait-FaultProxyHeld {
        param([Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] [int] $AtLeast)
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (($held = (Get-FaultProxyStats $Proxy).held) -lt $AtLeast -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $held
    }

    # Real Azure at its ordinary worst: latency within a region, a little throttling and some resets, an index that lags.
    # A stall holds a request 1.5 s, well within the client's timeout (a latency spike, not a dead connection).
    $script:RealAzure = @{ latencyMs = 20; jitterMs = 5; throttleRate = 0.02; retryAfterSeconds = 0; resetRequestRate = 0.005; resetResponseRate = 0.005
        stallRate = 0.005; stallMs = 1500; indexLagMs = 5000 }
}

Describe 'Azure cmdlets under real-Azure conditions' {
    It 'backs up, restores, copies, probes, plans, migrates and verifies with 20 ms latency, throttling, resets and a 5 s index lag; nothing lost or doubled' {
        $source = New-SeededContainer -Installations 4 -LegacyInstallations 3 -Secret 'RealAzureSecret'
        $expected = Get-ContainerDigest $source
        $proxy = Start-SuiteFaultProxy $script:RealAzure -Seed 7
        try {
            $via = Get-ProxiedStorage $proxy $source
            $retried = 0

            # container backup: every blob, verified; the request count agrees with what reached the proxy
            Reset-FaultProxy $proxy; Set-FaultProxy $proxy $script:RealAzure | Out-Null
            $backup = Backup-PorterAzureContainer -Storage $via -Destination (Join-Path $TestDrive 'real.zip')
            $backup.Verified | Should -BeTrue
            $backup.FileCount | Should -Be $expected.Count
            Assert-RequestCount $proxy $backup
            $retried += $backup.RetriedRequests

            # restore into a fresh container of the other account: the same blobs and tags
            $restoredName = New-TestContainerName
            $restoreTarget = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container $restoredName
            Reset-FaultProxy $proxy; Set-FaultProxy $proxy $script:RealAzure | Out-Null
            $restore = Restore-PorterAzureContainer -Path $backup.Path -Storage $restoreTarget -Confirm:$false
            $restore.BlobCount | Should -Be $expected.Count
            Assert-RequestCount $proxy $restore
            $retried += $restore.RetriedRequests
            Get-ContainerDigest (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $restoredName) | Should -Be $expected

            # copy between accounts: verified once the lagging index catches up
            $copyTarget = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            Reset-FaultProxy $proxy; Set-FaultProxy $proxy $script:RealAzure | Out-Null
            $copy = Copy-PorterAzureContainer -Source $via -Destination $copyTarget -Confirm:$false
            $copy.Verified | Should -BeTrue
            $copy.Failed | Should -Be 0
            $copy.Copied | Should -Be $expected.Count
            Assert-RequestCount $proxy $copy
            $retried += $copy.RetriedRequests
            Get-ContainerDigest (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $copyTarget.Container) | Should -Be $expected

            # the probe: supported, though the index lags behind the probe blob's tag write
            $probe = Test-PorterAzureBlobIndex -Storage $via -TimeoutSeconds 30
            $probe.Supported | Should -BeTrue
            $probe.Requests | Should -BeGreaterThan 0

            # plan, migrate, verify: every legacy installation migrated once, Porter's queries find every tagged blob
            $plan = Get-PorterMigrationPlan -Storage $via
            $plan.ToChange | Should -BeGreaterThan 0
            $plan.ToFail | Should -Be 0
            Reset-FaultProxy $proxy; Set-FaultProxy $proxy $script:RealAzure | Out-Null
            $run = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
            $run.Succeeded | Should -BeTrue
            $run.Verification.IsValid | Should -BeTrue
            Assert-RequestCount $proxy $run
            $retried += $run.RetriedRequests
            $again = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -Detailed
            $again.Succeeded | Should -BeTrue
            @($again.Installations | Where-Object Outcome -eq 'Migrated').Count | Should -Be 0 -Because 'a rerun migrates nothing twice'
            (Test-PorterStorage -Storage $via).IsValid | Should -BeTrue

            # tag repair on a store whose tags were lost: every blob retagged
            $untagged = New-SeededContainer -Installations 2 -NoTags
            $repair = Get-ProxiedStorage $proxy $untagged | Repair-PorterAzureBlobTag -Confirm:$false
            $repair.Failed | Should -Be 0
            $repair.Repaired | Should -BeGreaterThan 0
            $retried += $repair.RetriedRequests

            $retried | Should -BeGreaterThan 0 -Because 'throttling and resets were answered, and the output says how often a request was sent again'
            (Get-FaultProxyStats $proxy).faults.PSObject.Properties.Name | Should -Not -BeNullOrEmpty
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'retries transient errors while planning and listing instead of failing the plan' {
        $source = New-SeededContainer -Installations 2 -LegacyInstallations 2
        $clean = Get-PorterMigrationPlan -Storage $source
        $proxy = Start-SuiteFaultProxy @{ throttleRate = 0.5; retryAfterSeconds = 0; faultOperations = @('ListBlobs', 'GetBlob') } -Seed 3
        try {
            $plan = Get-PorterMigrationPlan -Storage (Get-ProxiedStorage $proxy $source)
            ($plan.Items | ForEach-Object { "$($_.Action) $($_.Name)" }) | Should -Be ($clean.Items | ForEach-Object { "$($_.Action) $($_.Name)" })
            (Get-FaultProxyStats $proxy).faults.PSObject.Properties.Name | Should -Not -BeNullOrEmpty
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'stops with a named error when throttling never ends, and a rerun finishes what was left' {
        $source = New-SeededContainer -Installations 1
        $expected = Get-ContainerDigest $source
        $destName = New-TestContainerName
        $proxy = Start-SuiteFaultProxy @{ throttleRate = 1; retryAfterSeconds = 0; faultOperations = @('CopyBlobFromUrl') }
        $env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS = '4' # the most one request waits (40 minutes unless told)
        try {
            $dest = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container $destName
            $r = Copy-PorterAzureContainer -Source (Get-ProxiedStorage $proxy $source) -Destination $dest -Confirm:$false -ErrorVariable copyErrors -ErrorAction SilentlyContinue
            $r.Failed | Should -Be $expected.Count
            $r.Verified | Should -BeFalse
            $failed = @($copyErrors | Where-Object FullyQualifiedErrorId -like 'BlobCopyFailed,*')
            $failed.Count | Should -Be $expected.Count -Because 'each blob that could not be copied is named once'
            $failed[0].Exception.Message | Should -Match 'stayed busy \(HTTP (503 ServerBusy|500 OperationTimedOut)\)'
            # Waits of 0.5, 1 and 2 s, each within 20 % either way: two always fit in 4 s, a third may not, a fourth never does.
            $r.RetriedRequests | Should -BeGreaterOrEqual (2 * $expected.Count) -Because 'each blob was tried again after 0.5 and 1 s'
            $r.RetriedRequests | Should -BeLessOrEqual (3 * $expected.Count) -Because 'no blob waits past the 4 s bound'
            $r.BackOffs | Should -Be $r.RetriedRequests -Because 'every retry waited for a busy service'

            Set-FaultProxy $proxy @{ throttleRate = 0 } | Out-Null
            $finish = Copy-PorterAzureContainer -Source (Get-ProxiedStorage $proxy $source) -Destination $dest -Confirm:$false
            $finish.Verified | Should -BeTrue
            $finish.Copied | Should -Be $expected.Count
        }
        finally {
            Stop-FaultProxy $proxy
            Remove-Item Env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS
        }
        Get-ContainerDigest (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $destName) | Should -Be $expected
    }

    It 'names each installation it could not write when every write is throttled, withholds the schema, and a rerun finishes' {
        $victim = New-SeededContainer -Installations 1 -LegacyInstallations 1
        $twin = New-SeededContainer -Installations 1 -LegacyInstallations 1
        # Every write of an index entry is answered 503, retries included; the journal and the other documents get through.
        $proxy = Start-SuiteFaultProxy @{ failRules = @(@{ operation = 'PutBlob'; pathContains = '/installations/'; status = 503; code = 'ServerBusy' }) }
        $env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS = '4'
        try {
            $via = Get-ProxiedStorage $proxy $victim
            $r = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorVariable runErrors -ErrorAction SilentlyContinue
            $r | Should -Not -BeNullOrEmpty
            $r.Succeeded | Should -BeFalse
            # 0.5 and 1 s (within 20 % either way) always fit in the 4 s bound; a third wait may not.
            $r.RetriedRequests | Should -BeGreaterOrEqual 2
            $r.BackOffs | Should -BeGreaterOrEqual 2
            @($runErrors | Where-Object FullyQualifiedErrorId -like 'MigrationWriteError,*').Count | Should -Be 1 -Because ($runErrors.FullyQualifiedErrorId -join ', ')
            ($runErrors | ForEach-Object { $_.Exception.Message }) -join ' ' | Should -Match 'stayed busy \(HTTP 503 ServerBusy\)'
            $r.SchemaWritten | Should -BeFalse -Because 'the schema is withheld while anything failed'

            Set-FaultProxy $proxy @{ failRules = @() } | Out-Null
            $finish = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
            $finish.Succeeded | Should -BeTrue
            $finish.Verification.IsValid | Should -BeTrue
        }
        finally {
            Stop-FaultProxy $proxy
            Remove-Item Env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS
        }
        $null = Invoke-PorterStorageMigration -Storage $twin -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
        Get-ContainerDigest $victim -MaskIds | Should -Be (Get-ContainerDigest $twin -MaskIds) -Because 'the failed run left nothing a rerun does not put right'
    }

    It 'migrates each legacy installation in the requests the work needs: one read of each legacy claim, no HEADs, no re-read of what it wrote, one journal blob per batch' {
        $n = 12
        $store = New-SeededContainer -Installations 1 -LegacyInstallations $n
        $proxy = Start-SuiteFaultProxy @{}
        try {
            $via = Get-ProxiedStorage $proxy $store
            $r = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
            $r.Succeeded | Should -BeTrue
            $stats = Get-FaultProxyStats $proxy
            $by = $stats.byType
            # Per legacy installation its claim is read once: the run's planning, which lists the store again under the lock, takes
            # what the session's plan read when the listing shows the blob unchanged. The tag repair trusts the tags this run wrote
            # and never reads a legacy claim, which has no installation tag to derive.
            [int]$by.'GetBlob claims' | Should -BeLessOrEqual ($n + 4) -Because ($by | ConvertTo-Json -Compress)
            [int]$by.'GetBlob results' | Should -BeLessOrEqual 2 -Because 'the results this run wrote are not read back for their tags'
            [int]$stats.operations.GetBlobProperties | Should -BeLessOrEqual 1 -Because 'a read is one GET; only the lock blob is looked up'
            [int]$by.'DeleteBlob claims' | Should -Be $n
            [int]$by.'PutBlob installations' | Should -Be $n
            Assert-RequestCount $proxy $r
            # The installations are committed together: one journal blob for all twelve (written, then removed), not one each.
            [int]$by.'PutBlob .porterstorage' | Should -BeLessOrEqual 2 -Because 'one journal blob for the batch (and the lock blob at most)'
            [int]$by.'DeleteBlob .porterstorage' | Should -BeLessOrEqual 1
            # The minimum: one read and one delete per legacy claim, one write per document Porter needs; the rest is per run
            # (listings, the schema, the lock, the journal blob, Porter's tag queries in the verification), whatever n is.
            $writes = 0; foreach ($t in 'claims', 'results', 'outputs', 'installations') { $writes += [int]$by."PutBlob $t" }
            $minimum = 2 * $n + $writes
            $r.Requests | Should -BeLessOrEqual ($minimum + 50) -Because "$($r.Requests) requests for $n installations, minimum $minimum"
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'reads the legacy documents of a plan ahead: several reads are in flight while the first answer is held' {
        $store = New-SeededContainer -Installations 0 -LegacyInstallations 12
        # The proxy holds the first legacy document's answer (the schema blob is read first) and every request after it: a plan
        # that reads one document at a time has one request held; one that reads ahead has the next ones in flight too.
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = 'GetBlob'; count = 2 } }
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:PORTERSTORAGE_MODULE).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Get-PorterMigrationPlan').AddParameter('Storage', (Get-ProxiedStorage $proxy $store))
            $async = $ps.BeginInvoke()
            Wait-FaultProxyPaused $proxy | Should -BeTrue
            Wait-FaultProxyHeld $proxy -AtLeast 8 | Should -BeGreaterOrEqual 8
            Resume-FaultProxy $proxy
            $plan = $ps.EndInvoke($async)
            @($plan.Items | Where-Object Kind -eq 'Installation').Count | Should -Be 12
            (Get-FaultProxyStats $proxy).byType.'GetBlob claims' | Should -Be 12 -Because 'each legacy claim is read once, ahead or not'
        }
        finally {
            Resume-FaultProxy $proxy
            $ps.Dispose()
            Stop-FaultProxy $proxy
        }
    }

    It 'stops a container backup with a named error when reads keep failing, leaves no archive, and a rerun backs up' {
        $source = New-SeededContainer -Installations 1
        $proxy = Start-SuiteFaultProxy @{ throttleRate = 1; retryAfterSeconds = 0; throttleStatuses = @(500); faultOperations = @('GetBlob') }
        $archive = Join-Path $TestDrive 'throttled.zip'
        $env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS = '4'
        try {
            { Backup-PorterAzureContainer -Storage (Get-ProxiedStorage $proxy $source) -Destination $archive -ErrorAction Stop } |
                Should -Throw -ErrorId 'AzureThrottled,PorterStorage.Commands.BackupPorterAzureContainerCommand' -ExpectedMessage '*stayed busy (HTTP 500 OperationTimedOut)*'
            Test-Path $archive | Should -BeFalse
            Set-FaultProxy $proxy @{ throttleRate = 0 } | Out-Null
            (Backup-PorterAzureContainer -Storage (Get-ProxiedStorage $proxy $source) -Destination $archive).Verified | Should -BeTrue
        }
        finally {
            Stop-FaultProxy $proxy
            Remove-Item Env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS
        }
    }

    It 'stops a restore with a named error when writes keep failing, and a rerun with -Force restores every blob' {
        $source = New-SeededContainer -Installations 1
        $expected = Get-ContainerDigest $source
        $backup = Backup-PorterAzureContainer -Storage $source -Destination (Join-Path $TestDrive 'restore-src.zip')
        $name = New-TestContainerName
        $proxy = Start-SuiteFaultProxy @{ failRules = @(@{ operation = 'PutBlob'; pathContains = '/claims/'; status = 500; code = 'OperationTimedOut' }) }
        $env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS = '4'
        try {
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container $name
            { Restore-PorterAzureContainer -Path $backup.Path -Storage $target -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'AzureThrottled,PorterStorage.Commands.RestorePorterAzureContainerCommand' -ExpectedMessage '*stayed busy (HTTP 500 OperationTimedOut)*'
            Set-FaultProxy $proxy @{ failRules = @() } | Out-Null
            $again = Restore-PorterAzureContainer -Path $backup.Path -Storage $target -Force -Confirm:$false
            $again.BlobCount | Should -Be $expected.Count
        }
        finally {
            Stop-FaultProxy $proxy
            Remove-Item Env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS
        }
        Get-ContainerDigest (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $name) | Should -Be $expected
    }

    It 'restores several blobs at once: uploads are in flight while the first answer is held, and every blob lands once' {
        $source = New-SeededContainer -Installations 6
        $expected = Get-ContainerDigest $source
        $backup = Backup-PorterAzureContainer -Storage $source -Destination (Join-Path $TestDrive 'restore-ahead.zip')
        $name = New-TestContainerName
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = 'PutBlob'; count = 1 } }
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:PORTERSTORAGE_MODULE).Invoke()
            $ps.Commands.Clear()
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container $name
            $null = $ps.AddCommand('Restore-PorterAzureContainer').AddParameter('Path', $backup.Path).AddParameter('Storage', $target).AddParameter('Confirm', $false)
            $async = $ps.BeginInvoke()
            Wait-FaultProxyPaused $proxy | Should -BeTrue
            Wait-FaultProxyHeld $proxy -AtLeast 8 | Should -BeGreaterOrEqual 8
            Resume-FaultProxy $proxy
            $result = $ps.EndInvoke($async) | Select-Object -Last 1
            $result.BlobCount | Should -Be $expected.Count
            (Get-FaultProxyStats $proxy).operations.PutBlob | Should -Be $expected.Count -Because 'each blob is one Put Blob, sent once'
        }
        finally {
            Resume-FaultProxy $proxy
            $ps.Dispose()
            Stop-FaultProxy $proxy
        }
        Get-ContainerDigest (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $name) | Should -Be $expected
    }

    It 'refuses to restore or migrate tags into an account without Blob Index, naming BlobIndexUnsupported' {
        $legacy = New-SeededContainer -Installations 1 -LegacyInstallations 1
        $backup = Backup-PorterAzureContainer -Storage $legacy -Destination (Join-Path $TestDrive 'noindex.zip')
        $proxy = Start-SuiteFaultProxy @{ noBlobIndexAccounts = @('destaccount', 'devstoreaccount1') }
        try {
            $target = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            { Restore-PorterAzureContainer -Path $backup.Path -Storage $target -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'BlobIndexUnsupported,PorterStorage.Commands.RestorePorterAzureContainerCommand'
            $r = Invoke-PorterStorageMigration -Storage (Get-ProxiedStorage $proxy $legacy) -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorVariable runErrors -ErrorAction SilentlyContinue
            $r.Succeeded | Should -BeFalse
            ($runErrors | ForEach-Object { $_.Exception.Message }) -join ' ' | Should -Match 'Blob Index'
        }
        finally { Stop-FaultProxy $proxy }
        $null = Invoke-PorterStorageMigration -Storage $legacy -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
        (Test-PorterStorage -Storage $legacy).IsValid | Should -BeTrue -Because 'what the refused run left, a run on an indexed account finishes'
    }

    It 'names BlobIndexUnsupported for each tagged blob when the destination account has no Blob Index' {
        $source = New-SeededContainer -Installations 1
        $proxy = Start-SuiteFaultProxy @{ noBlobIndexAccounts = @('destaccount') }
        try {
            $dest = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $r = Copy-PorterAzureContainer -Source (Get-ProxiedStorage $proxy $source) -Destination $dest -Confirm:$false -ErrorVariable copyErrors -ErrorAction SilentlyContinue
            $r.Verified | Should -BeFalse
            $r.Failed | Should -BeGreaterThan 0
            @($copyErrors | Where-Object { $_.Exception.Message -match 'Blob Index' }).Count | Should -BeGreaterThan 0
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'cancels a throttling back-off at once on Ctrl+C (StopProcessing)' {
        $source = New-SeededContainer -Installations 1
        # Every listing is answered 503 with Retry-After 30 s: the backup waits in the SDK's back-off when Stop comes.
        $proxy = Start-SuiteFaultProxy @{ throttleRate = 1; throttleStatuses = @(503); retryAfterSeconds = 30; faultOperations = @('ListBlobs') }
        $ps = [powershell]::Create()
        try {
            # The module is imported first, on its own: a batch of statements runs on the thread pool, and a statement the
            # batch starts after Stop would meet a disposed runspace and end the test process.
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:PORTERSTORAGE_MODULE).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Backup-PorterAzureContainer').AddParameter('Storage', (Get-ProxiedStorage $proxy $source)).
                AddParameter('Destination', (Join-Path $TestDrive 'stopped.zip'))
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Get-FaultProxyStats $proxy).faults.throttle503 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            (Get-FaultProxyStats $proxy).faults.throttle503 | Should -BeGreaterThan 0 -Because 'the listing was throttled'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'a back-off of 30 s is cancelled, not waited out'
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Test-Path (Join-Path $TestDrive 'stopped.zip') | Should -BeFalse -Because 'no partial archive is left'
        }
        finally {
            $ps.Dispose()
            Stop-FaultProxy $proxy
        }
    }
}

Describe 'Ctrl+C while a request is held' {
    It 'stops <Name> at once while the proxy holds its <Operation> request' -TestCases @(
        @{ Name = 'the probe'; Operation = 'PutBlob'; Command = 'Test-PorterAzureBlobIndex'; Extra = @{ TimeoutSeconds = 30 } }
        @{ Name = 'a migration'; Operation = 'LeaseBlob'; Command = 'Invoke-PorterStorageMigration'; Extra = @{ SkipBackupCheck = $true; Confirm = $false } }
        @{ Name = 'a container backup reading ahead'; Operation = 'GetBlob'; Command = 'Backup-PorterAzureContainer'; Extra = @{} }
    ) {
        param($Name, $Operation, $Command, $Extra)
        $source = New-SeededContainer -Installations 0 -LegacyInstallations 1
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = $Operation; count = 0 } }
        $ps = [powershell]::Create()
        try {
            # The module is imported first, on its own: a batch of statements runs on the thread pool, and a statement the
            # batch starts after Stop would meet a disposed runspace and end the test process.
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:PORTERSTORAGE_MODULE).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand($Command).AddParameter('Storage', (Get-ProxiedStorage $proxy $source))
            foreach ($k in $Extra.Keys) { $null = $ps.AddParameter($k, $Extra[$k]) }
            if ($Command -eq 'Invoke-PorterStorageMigration') { $null = $ps.AddParameter('LogPath', "$TestDrive") }
            $archive = Join-Path $TestDrive 'held.zip'
            if ($Command -eq 'Backup-PorterAzureContainer') { $null = $ps.AddParameter('Destination', $archive) }
            $async = $ps.BeginInvoke()
            Wait-FaultProxyPaused $proxy | Should -BeTrue -Because "the $Operation request is held"
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Test-Path $archive | Should -BeFalse -Because 'a stopped backup leaves no archive'
        }
        finally {
            Resume-FaultProxy $proxy
            $ps.Dispose()
            Stop-FaultProxy $proxy
        }
    }
}

Describe 'Least privilege: a container SAS' {
    It 'probes, backs up, restores, copies, migrates and verifies with container-scoped SAS tokens (sr=c) on both sides' {
        $source = New-SeededContainer -Installations 2 -LegacyInstallations 2
        $expected = Get-ContainerDigest $source
        $proxy = Start-SuiteFaultProxy @{ enforceSasPermissions = $true }
        try {
            $sas = Get-SasStorage $proxy $source.Container 'rcwdltf'
            (Test-PorterAzureBlobIndex -Storage $sas -TimeoutSeconds 30).Supported | Should -BeTrue
            $backup = Backup-PorterAzureContainer -Storage (Get-SasStorage $proxy $source.Container 'rlt') -Destination (Join-Path $TestDrive 'sas.zip')
            $backup.Verified | Should -BeTrue

            # containers the owner created (an account key can, a container SAS cannot); the operator's SAS reaches their blobs
            $restoredName = New-TestContainerName
            $null = Restore-PorterAzureContainer -Path $backup.Path -Storage (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $restoredName) -Confirm:$false
            $restoreAgain = Restore-PorterAzureContainer -Path $backup.Path -Storage (Get-SasStorage $proxy $restoredName 'rcwlt' -Account 'destaccount') -Force -Confirm:$false
            $restoreAgain.BlobCount | Should -Be $expected.Count
            Get-ContainerDigest (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $restoredName) | Should -Be $expected

            $copyName = New-TestContainerName
            $null = Restore-PorterAzureContainer -Path $backup.Path -Storage (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $copyName) -Confirm:$false
            $copy = Copy-PorterAzureContainer -Source (Get-SasStorage $proxy $source.Container 'rlt') -Destination (Get-SasStorage $proxy $copyName 'rcwltf' -Account 'destaccount') -Force -Confirm:$false
            $copy.Failed | Should -Be 0
            $copy.Verified | Should -BeTrue
            # A source SAS that may not read tags: the service may not copy them (the proxy refuses as Azure does), so the
            # listed tags are sent with each copy instead.
            $untagged = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $copyWithoutT = Copy-PorterAzureContainer -Source (Get-SasStorage $proxy $source.Container 'rl') -Destination $untagged -Confirm:$false
            $copyWithoutT.Failed | Should -Be 0
            $copyWithoutT.TagsCopied | Should -BeGreaterThan 0
            $copyWithoutT.Verified | Should -BeTrue
            Get-ContainerDigest $untagged | Should -Be $expected

            $run = Invoke-PorterStorageMigration -Storage $sas -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
            $run.Succeeded | Should -BeTrue
            (Test-PorterStorage -Storage $sas).IsValid | Should -BeTrue
            (Get-FaultProxyStats $proxy).operations.PSObject.Properties.Name | Should -Not -Contain 'GetContainerProperties'
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'warns that the probe blob stayed when the SAS may not delete it' {
        $source = New-SeededContainer -Installations 1
        $proxy = Start-SuiteFaultProxy @{ enforceSasPermissions = $true; failRules = @(@{ operation = 'DeleteBlob'; pathContains = '.probe-porterstorage-'; status = 403; code = 'AuthorizationPermissionMismatch' }) }
        try {
            $status = Test-PorterAzureBlobIndex -Storage (Get-SasStorage $proxy $source.Container 'rcwltf') -TimeoutSeconds 30 -WarningVariable probeWarnings
            $status.Supported | Should -BeTrue
            $status.ProbeBlobLeft | Should -Match "\.probe-porterstorage-.*'d'"
            ($probeWarnings -join ' ') | Should -Match 'probe-porterstorage'
            ($probeWarnings -join ' ') | Should -Not -Match 'sig='
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'names the destination and the letter when the copy may not list or create it' {
        $source = New-SeededContainer -Installations 1
        $proxy = Start-SuiteFaultProxy @{ enforceSasPermissions = $true; failRules = @(@{ operation = 'ListBlobs'; pathContains = '/destaccount/'; status = 403; code = 'AuthorizationPermissionMismatch' }) }
        try {
            $name = New-TestContainerName
            { Copy-PorterAzureContainer -Source (Get-SasStorage $proxy $source.Container 'rlt') -Destination (Get-SasStorage $proxy $name 'rcwtf' -Account 'destaccount') -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ExpectedMessage "*destaccount/$name*'l'*"
            Set-FaultProxy $proxy @{ failRules = @() } | Out-Null
            { Copy-PorterAzureContainer -Source (Get-SasStorage $proxy $source.Container 'rlt') -Destination (Get-SasStorage $proxy $name 'rcwdltf' -Account 'destaccount') -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ExpectedMessage "*Creating the container on *destaccount/$name*'c' on an account SAS*"
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'names the missing permission letter: t for tags, f for Find' {
        $source = New-SeededContainer -Installations 1 -NoTags
        $proxy = Start-SuiteFaultProxy @{ enforceSasPermissions = $true }
        try {
            $noTags = Get-SasStorage $proxy $source.Container 'rwl'
            $r = Repair-PorterAzureBlobTag -Storage $noTags -Confirm:$false -ErrorVariable repairErrors -ErrorAction SilentlyContinue
            $repairErrors | Should -Not -BeNullOrEmpty
            $repairErrors[0].FullyQualifiedErrorId | Should -BeLike 'AzureAuthFailed,*'
            $repairErrors[0].Exception.Message | Should -Match "needs the SAS permission 't'"

            $noFind = Get-SasStorage $proxy $source.Container 'rcwdlt'
            { Test-PorterAzureBlobIndex -Storage $noFind -TimeoutSeconds 5 -ErrorAction Stop } | Should -Throw -ExpectedMessage "*SAS permission*'rwcdtf'*"
            $text = ($repairErrors | Out-String) + ($r | Out-String)
            $text | Should -Not -Match 'sig='
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'Errors are ours' {
    It 'names an unresolvable account AzureConnectionFailed within -TimeoutSeconds' {
        $s = Get-PorterAzureStorage -AccountName nosuchaccount -BlobEndpoint 'http://nosuchaccount.blob.invalid/nosuchaccount' -SasToken 'sv=2021-08-06&sr=c&sp=rl&sig=abc' -Container porter
        $clock = [Diagnostics.Stopwatch]::StartNew()
        { Test-PorterAzureBlobIndex -Storage $s -TimeoutSeconds 3 -ErrorAction Stop } | Should -Throw -ErrorId 'AzureConnectionFailed,PorterStorage.Commands.TestPorterAzureBlobIndexCommand'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
    }

    It 'says an endpoint that answers but keeps refusing is throttled, not unreachable' {
        $source = New-SeededContainer -Installations 1
        $proxy = Start-SuiteFaultProxy @{ throttleRate = 1; retryAfterSeconds = 1; faultOperations = @('GetAccountInfo') }
        try {
            { Test-PorterAzureBlobIndex -Storage (Get-ProxiedStorage $proxy $source) -TimeoutSeconds 3 -ErrorAction Stop } |
                Should -Throw -ErrorId 'AzureRequestFailed,PorterStorage.Commands.TestPorterAzureBlobIndexCommand' -ExpectedMessage '*answered but did not succeed*HTTP 50*'
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'refuses an invalid container name before any request, with the naming rule' -TestCases @(
        @{ Name = 'Porter' }, @{ Name = 'po' }, @{ Name = 'por--ter' }, @{ Name = '-porter' }, @{ Name = 'porter-' }, @{ Name = 'por_ter' }, @{ Name = ('p' * 64) }
    ) {
        param($Name)
        { Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Container $Name -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContainerNameInvalid,PorterStorage.Commands.GetPorterAzureStorageCommand' -ExpectedMessage '*3 to 63 lowercase letters*'
    }
}

Describe 'What real accounts answer, named' {
    # Each condition as Azure answers it (status and error code, through the fault proxy's failRules), and the id and advice the
    # operator gets; nothing is written where the step is refused, and the same command finishes once the condition ends.
    It 'names a firewall or private endpoint (AzureNetworkRefused), a blob in the Archive tier (BlobArchived) and an immutable blob (BlobImmutable)' {
        $s = New-SeededContainer -Installations 2
        $cases = @(
            @{ Rule = @{ operation = 'ListBlobs'; status = 403; code = 'AuthorizationFailure' }; Id = 'AzureNetworkRefused'; Message = '*firewall or private endpoint*Hybrid Runbook Worker*' }
            @{ Rule = @{ operation = 'GetBlob'; pathContains = '/installations/'; status = 409; code = 'BlobArchived' }; Id = 'BlobArchived'; Message = '*Archive tier*Rehydrate*' }
        )
        foreach ($case in $cases) {
            $proxy = Start-SuiteFaultProxy @{ failRules = @($case.Rule) }
            try {
                $via = Get-ProxiedStorage $proxy $s
                $destination = Join-Path $TestDrive ('real-' + [Guid]::NewGuid().ToString('N').Substring(0, 6))
                { Backup-PorterAzureContainer -Storage $via -Destination $destination -ErrorAction Stop } |
                    Should -Throw -ErrorId "$($case.Id),PorterStorage.Commands.BackupPorterAzureContainerCommand" -ExpectedMessage $case.Message
                @(Get-ChildItem -LiteralPath $destination -File -ErrorAction SilentlyContinue).Count | Should -Be 0 -Because 'a refused backup leaves no archive'
                Set-FaultProxy $proxy @{ failRules = @() } | Out-Null
                (Backup-PorterAzureContainer -Storage $via -Destination $destination).Verified | Should -BeTrue
            }
            finally { Stop-FaultProxy $proxy }
        }
    }

    It 'sends -CopyTo into a container whose blobs are immutable: BlobImmutable, never BackupExists, with -Force or without' {
        $home1 = (New-PorterSampleHome -Path (Join-Path $TestDrive 'immutable-home') -Kind Legacy).FullName
        $target = New-SeededContainer -Installations 1
        $proxy = Start-SuiteFaultProxy @{ failRules = @(@{ operation = 'PutBlob'; pathContains = '.tar.gz'; status = 409; code = 'BlobImmutableDueToPolicy' }) }
        try {
            $via = Get-ProxiedStorage $proxy $target
            foreach ($force in $false, $true) {
                $null = Backup-PorterHome -Path $home1 -Destination (Join-Path $TestDrive "immutable-$force") -CopyTo $via -Force:$force -ErrorVariable sent -ErrorAction SilentlyContinue
                @($sent).Count | Should -BeGreaterThan 0
                $sent[0].FullyQualifiedErrorId | Should -BeLike 'BlobImmutable,*'
                $sent[0].Exception.Message | Should -BeLike '*retention*'
            }
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'names the tags an account with a hierarchical namespace cannot hold (BlobIndexUnsupported), not a raw 400' {
        $s = New-SeededContainer -Installations 1 -NoTags
        $proxy = Start-SuiteFaultProxy @{ failRules = @(@{ operation = 'SetBlobTags'; status = 400; code = 'InvalidQueryParameterValue' }) }
        try {
            $via = Get-ProxiedStorage $proxy $s
            $null = Repair-PorterAzureBlobTag -Storage $via -Confirm:$false -ErrorVariable tagErrors -ErrorAction SilentlyContinue
            @($tagErrors).Count | Should -BeGreaterThan 0
            $tagErrors[0].FullyQualifiedErrorId | Should -BeLike 'BlobIndexUnsupported,*'
            $tagErrors[0].Exception.Message | Should -BeLike '*hierarchical namespace*'
        }
        finally { Stop-FaultProxy $proxy }
    }
}
