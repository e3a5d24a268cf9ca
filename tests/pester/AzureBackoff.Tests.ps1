# Backing off instead of giving up: one name range throttled without Retry-After, and requests held past a short network
# timeout, through the fault proxy's throttleRules. Each rule takes a fixed number of requests, so every run meets the same
# faults; PORTERSTORAGE_AZURE_NETWORK_TIMEOUT_SECONDS and PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS shorten the waits for the test.
BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
}

Describe 'Backing off instead of giving up' {
    AfterEach {
        Remove-Item Env:PORTERSTORAGE_AZURE_NETWORK_TIMEOUT_SECONDS, Env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS -ErrorAction SilentlyContinue
    }

    It 'migrates, backs up and copies while one name range answers 503 without Retry-After, each result showing its back-offs' {
        $source = New-SeededContainer -Installations 2 -LegacyInstallations 2
        $twin = New-SeededContainer -Installations 2 -LegacyInstallations 2
        $rules = @{ throttleRules = @(@{ pathContains = '/claims/'; count = 3 }) }
        $proxy = Start-SuiteFaultProxy $rules -Seed 11
        try {
            $via = Get-ProxiedStorage $proxy $source
            $run = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
            $run.Succeeded | Should -BeTrue
            $run.Verification.IsValid | Should -BeTrue
            $run.BackOffs | Should -BeGreaterThan 0 -Because 'the 503s were waited for'
            $run.BackOffs | Should -BeLessOrEqual 3 -Because 'each 503 the rule gave was waited for once (a read ahead still waiting is not counted yet)'
            (Get-FaultProxyStats $proxy).throttleRules[0] | Should -Be 3

            Set-FaultProxy $proxy $rules | Out-Null # the rule counts afresh
            $backup = Backup-PorterAzureContainer -Storage (Get-ProxiedStorage $proxy $source) -Destination (Join-Path $TestDrive 'busy.tar.gz')
            $backup.Verified | Should -BeTrue
            $backup.BackOffs | Should -Be 3

            Set-FaultProxy $proxy $rules | Out-Null
            $destName = New-TestContainerName
            $dest = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container $destName
            $copy = Copy-PorterAzureContainer -Source (Get-ProxiedStorage $proxy $source) -Destination $dest -Confirm:$false
            $copy.Verified | Should -BeTrue
            $copy.BackOffs | Should -Be 3
        }
        finally { Stop-FaultProxy $proxy }
        $null = Invoke-PorterStorageMigration -Storage $twin -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
        Get-ContainerDigest $source -MaskIds | Should -Be (Get-ContainerDigest $twin -MaskIds) -Because 'nothing was lost or doubled'
        Get-ContainerDigest (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $destName) -MaskIds |
            Should -Be (Get-ContainerDigest $source -MaskIds)
    }

    It 'names each installation whose writes stay busy past the wait allowed, and a rerun finishes once the throttling ends on the proxy''s clock' {
        $store = New-SeededContainer -Installations 1 -LegacyInstallations 2
        $env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS = '2'
        # The index writes are busy until the proxy's simulated clock reaches one minute; nothing else moves that clock.
        $proxy = Start-SuiteFaultProxy @{ throttleRules = @(@{ operation = 'PutBlob'; pathContains = '/installations/'; untilMs = 60000 }) } -Seed 13
        try {
            $via = Get-ProxiedStorage $proxy $store
            $r = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false -ErrorVariable runErrors -ErrorAction SilentlyContinue
            $r.Succeeded | Should -BeFalse
            $r.SchemaWritten | Should -BeFalse
            $r.BackOffs | Should -BeGreaterThan 0
            $named = @($runErrors | Where-Object FullyQualifiedErrorId -like 'MigrationWriteError,*')
            $named.Count | Should -BeGreaterThan 0 -Because ($runErrors.FullyQualifiedErrorId -join ', ')
            $named[0].Exception.Message | Should -Match 'stayed busy \(HTTP 503 ServerBusy\) through \d+ attempts'

            Set-FaultProxyClock $proxy 60000 | Should -Be 60000
            $finish = Invoke-PorterStorageMigration -Storage $via -SkipBackupCheck -LogPath $TestDrive -Confirm:$false
            $finish.Succeeded | Should -BeTrue
            $finish.Verification.IsValid | Should -BeTrue
            $finish.BackOffs | Should -Be 0
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'retries a backup''s reads held past the network timeout and finishes; when every read stalls it stops with AzureRequestTimedOut, and a rerun finishes' {
        $source = New-SeededContainer -Installations 1
        $expected = Get-ContainerDigest $source
        $env:PORTERSTORAGE_AZURE_NETWORK_TIMEOUT_SECONDS = '1'
        # The proxy holds a read 30 s and drops it once the client has gone: a held answer, never a late write.
        $proxy = Start-SuiteFaultProxy @{ throttleRules = @(@{ operation = 'GetBlob'; stallMs = 30000; count = 2 }) } -Seed 12
        $archive = Join-Path $TestDrive 'stalled.tar.gz'
        try {
            $backup = Backup-PorterAzureContainer -Storage (Get-ProxiedStorage $proxy $source) -Destination $archive
            $backup.Verified | Should -BeTrue
            $backup.FileCount | Should -Be $expected.Count
            $backup.BackOffs | Should -Be 2
            Remove-Item $archive

            $env:PORTERSTORAGE_AZURE_MAX_WAIT_SECONDS = '4'
            Set-FaultProxy $proxy @{ throttleRules = @(@{ operation = 'GetBlob'; stallMs = 30000 }) } | Out-Null
            $failure = { Backup-PorterAzureContainer -Storage (Get-ProxiedStorage $proxy $source) -Destination $archive -ErrorAction Stop } |
                Should -Throw -ErrorId 'AzureRequestTimedOut,PorterStorage.Commands.BackupPorterAzureContainerCommand' -PassThru
            $failure.Exception.Message | Should -Match 'outlived the network timeout of 1 s'
            $failure.Exception.Message | Should -Not -Match 'configured timeout'
            Test-Path $archive | Should -BeFalse

            Set-FaultProxy $proxy @{ throttleRules = @() } | Out-Null
            (Backup-PorterAzureContainer -Storage (Get-ProxiedStorage $proxy $source) -Destination $archive).Verified | Should -BeTrue
        }
        finally { Stop-FaultProxy $proxy }
    }
}
