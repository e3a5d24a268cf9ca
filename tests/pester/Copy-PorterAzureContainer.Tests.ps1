BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
}

Describe 'Copy-PorterAzureContainer' {
    It 'declares its output type and supports ShouldProcess' {
        $c = Get-Command Copy-PorterAzureContainer
        $c.OutputType.Name | Should -Contain 'PorterStorage.PorterContainerCopyResult'
        $c.Parameters.Keys | Should -Contain 'WhatIf'
    }

    It 'copies a plugin store to another account keeping every tag, and verifies with Porter''s queries' {
        $secret = 'SasSecret-' + [Guid]::NewGuid().ToString('N')
        $source = New-SeededContainer -Installations 6 -Legacy -Secret $secret
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $all = Copy-PorterAzureContainer -Source $source -Destination $dest -ConcurrentTaskCount 4 -Confirm:$false -Verbose *>&1
        $result = $all | Where-Object { $_.GetType().Name -eq 'PorterContainerCopyResult' }
        $result.Total | Should -Be 29
        $result.Copied | Should -Be 29
        $result.Failed | Should -Be 0
        $result.TagsCopied | Should -Be 26
        $result.Verified | Should -BeTrue
        $result.Mismatches | Should -BeNullOrEmpty
        $text = $all | Out-String -Width 400
        $text | Should -Not -Match 'sig='
        $text | Should -Not -Match $secret
        ($dest | Test-PorterAzureBlobIndex).Prefixes | Where-Object MissingTags -gt 0 | ForEach-Object Prefix | Should -Be @('claims', 'credentials')

        $again = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
        $again.Copied | Should -Be 0
        $again.Skipped | Should -Be 29
        $again.Verified | Should -BeTrue
    }

    It 'reports progress in blobs, against what this run copies, and ends it' {
        $source = New-SeededContainer -Installations 3
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $env:PORTERSTORAGE_MODULE).Invoke()
            $ps.Commands.Clear()
            $result = $ps.AddCommand('Copy-PorterAzureContainer').AddParameter('Source', $source).AddParameter('Destination', $dest).AddParameter('Confirm', $false).Invoke()
            $total = $result[0].Copied
            $records = @($ps.Streams.Progress)
            $records[0].StatusDescription | Should -Match "^Copying: 1 of $total blobs, \d+ (B|KB|MB)$"
            $records[0].PercentComplete | Should -BeLessThan 100
            $records[-2].StatusDescription | Should -Match "^Copying: $total of $total blobs, \d+ (B|KB|MB)$"
            $records[-2].PercentComplete | Should -Be 100
            $records[-1].RecordType | Should -Be 'Completed'
            # A rerun copies nothing: no count of blobs to copy, and still a closed bar.
            $ps.Commands.Clear()
            $ps.Streams.Progress.Clear()
            $null = $ps.AddCommand('Copy-PorterAzureContainer').AddParameter('Source', $source).AddParameter('Destination', $dest).AddParameter('Confirm', $false).Invoke()
            @($ps.Streams.Progress | Where-Object RecordType -ne 'Completed') | Should -BeNullOrEmpty
            @($ps.Streams.Progress)[-1].RecordType | Should -Be 'Completed'
        }
        finally { $ps.Dispose() }
    }

    It 'refuses a destination holding different data unless -Force (ContainerNotEmpty)' {
        $source = New-SeededContainer -Installations 1
        $other = New-SeededContainer -Connection $script:DestinationConnection -Installations 2
        { Copy-PorterAzureContainer -Source $source -Destination $other -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContainerNotEmpty,PorterStorage.Commands.CopyPorterAzureContainerCommand'
        $forced = Copy-PorterAzureContainer -Source $source -Destination $other -Force -Confirm:$false
        $forced.Verified | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        $source = New-SeededContainer -Installations 1
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        Copy-PorterAzureContainer -Source $source -Destination $dest -WhatIf | Should -BeNullOrEmpty
        { $dest | Test-PorterAzureBlobIndex -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotFound,PorterStorage.Commands.TestPorterAzureBlobIndexCommand'
    }

    It 'waits for a lagging index: a correct copy verifies once Porter''s queries catch up, and past the timeout says the index lags' {
        $source = New-SeededContainer -Installations 3
        $proxy = Start-SuiteFaultProxy @{ indexLagMs = 3000 }
        try {
            $viaSource = Get-ProxiedStorage $proxy $source
            $dest = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $r = Copy-PorterAzureContainer -Source $viaSource -Destination $dest -Confirm:$false -WarningVariable lagWarnings
            $r.Verified | Should -BeTrue -Because 'the index caught up within the default timeout'
            $r.IndexLagging | Should -BeFalse
            $r.IndexWait.TotalSeconds | Should -BeGreaterThan 0
            $lagWarnings | Should -BeNullOrEmpty
            (Get-FaultProxyStats $proxy).operations.FindBlobsByTags | Should -BeGreaterThan 5 -Because 'Find was polled while the index lagged'

            Set-FaultProxy $proxy @{ indexLagMs = 60000 } | Out-Null
            $dest2 = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $lag = Copy-PorterAzureContainer -Source $viaSource -Destination $dest2 -IndexTimeoutSeconds 1 -Confirm:$false -WarningVariable lagWarnings -ErrorVariable copyErrors
            $lag.Verified | Should -BeFalse
            $lag.IndexLagging | Should -BeTrue
            $lag.Failed | Should -Be 0
            $lag.Mismatches | Should -BeNullOrEmpty -Because 'both sides list equal: the copy itself is complete'
            $lag.NotYetIndexed.Count | Should -Be $lag.TagsCopied
            $copyErrors | Should -BeNullOrEmpty -Because 'a lagging index is not a failed copy'
            ($lagWarnings -join ' ') | Should -Match 'BlobIndexLagging'
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'stops promptly on Ctrl+C (StopProcessing) while a request is in flight, says how far it got, and a rerun finishes the copy' {
        $source = New-SeededContainer -Installations 40
        $destName = New-TestContainerName
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $destName
        # The fault proxy holds the copy after its 50th blob copy: Stop comes while a request waits for its answer.
        $proxy = Start-SuiteFaultProxy @{ pauseAfter = @{ operation = 'CopyBlobFromUrl'; count = 50 } }
        $recorded = New-RecordedPowerShell
        $ps = $recorded.PowerShell
        $hostUi = $recorded.Host
        try {
            $viaSource = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['devstoreaccount1'] -Container $source.Container
            $viaDest = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container $destName
            $null = $ps.AddCommand('Copy-PorterAzureContainer').AddParameter('Source', $viaSource).AddParameter('Destination', $viaDest).
                AddParameter('ConcurrentTaskCount', 1).AddParameter('Confirm', $false)
            $async = $ps.BeginInvoke()
            Wait-FaultProxyPaused $proxy | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Running'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $said = ($hostUi.Recorded.Lines -join ' ') -replace '\s+', ' '
            $said | Should -Match 'WARNING: The copy of .* was stopped after (\d+) blob\(s\) were copied'
            # the 50 answered before the hold, less the last when its answer had not yet been counted as Stop came
            [int][regex]::Match($said, 'stopped after (\d+) blob').Groups[1].Value | Should -BeIn 49, 50
            $said | Should -Match 'Run the same command again'
        }
        finally {
            $ps.Dispose()
            $recorded.Runspace.Dispose()
            Stop-FaultProxy $proxy
        }
        $finish = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
        $finish.Verified | Should -BeTrue
        $finish.Skipped | Should -BeGreaterOrEqual 49
        ($finish.Copied + $finish.Skipped) | Should -Be $finish.Total
    }

    It 'finishes after Azurite is killed mid-copy and restarted, with every tag verified' {
        $location = Join-Path $TestDrive 'azurite-data'
        $own = Start-PorterAzurite -Location $location
        $proxy = $null
        try {
            $source = New-SeededContainer -Connection $own.ConnectionStrings['devstoreaccount1'] -Installations 120
            # Restart gracefully so the seeded source is on disk before the crash.
            Stop-PorterAzurite $own -Graceful -KeepData
            $own = Start-PorterAzurite -Location $location -Port $own.Port
            # The first run goes through the fault proxy, which holds it after its 100th copy of 483.
            $proxy = Start-FaultProxy $own
            $src = $proxy.ConnectionStrings['devstoreaccount1']
            $dst = $proxy.ConnectionStrings['destaccount']
            $destName = New-TestContainerName
            $crash = Invoke-AzuriteCrashDuring $own -Proxy $proxy -PauseAfter @{ operation = 'CopyBlobFromUrl'; count = 100 } -Command "`$s = Get-PorterAzureStorage -ConnectionString '$src' -Container '$($source.Container)'; `$d = Get-PorterAzureStorage -ConnectionString '$dst' -Container '$destName'; Copy-PorterAzureContainer -Source `$s -Destination `$d -ConcurrentTaskCount 2 -Confirm:`$false"
            $own = $crash.Azurite
            $crash.Interrupted | Should -BeTrue -Because 'the proxy holds the first copy until Azurite is dead'
            $source = Get-PorterAzureStorage -ConnectionString $own.ConnectionStrings['devstoreaccount1'] -Container $source.Container
            $dest = Get-PorterAzureStorage -ConnectionString $own.ConnectionStrings['destaccount'] -Container $destName
            $result = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
            $result.Total | Should -Be 483
            $result.Failed | Should -Be 0
            $result.Verified | Should -BeTrue
            ($result.Copied + $result.Skipped) | Should -Be 483
        }
        finally {
            if ($proxy) { Stop-FaultProxy $proxy }
            Stop-PorterAzurite $own
        }
    }
}
