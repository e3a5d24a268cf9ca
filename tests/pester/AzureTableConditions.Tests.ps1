BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    . (Join-Path $PSScriptRoot '../SampleTable.ps1')
    if (-not $env:PORTERSTORAGE_AZURITE_CS3) { throw 'Azurite is not running: run the tests through build.ps1 Test.' }
    function New-TableName { 't' + [Guid]::NewGuid().ToString('N').Substring(0, 20) }
    # A plugin table of $Installations installations (four entities each, and the two sets and the schema) in the first account.
    function New-SourceTable([int] $Installations) {
        $table = New-TableName
        $items = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations $Installations
        [pscustomobject]@{ Name = $table; Items = $items; Digest = (Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table) }
    }
}

Describe 'A table move''s verification costs a few tag queries, however many groups the store holds' {
    It 'asks Porter''s query of each type and of three groups of each grouped type: 15 queries for 40 installations, where one per group was 126' {
        $source = New-SourceTable 40
        $proxy = Start-SuiteFaultProxy @{}
        try {
            $container = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $moved = Copy-PorterAzureContainer -Source (Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $source.Name) -Destination $container -Confirm:$false 6>$null
            $moved.Verified | Should -BeTrue
            $moved.Copied | Should -Be $source.Items.Count
            # installations, claims, results, outputs, credentials and parameters; and 3 groups of claims, results and outputs.
            $finds = (Get-FaultProxyStats $proxy).operations.FindBlobsByTags
            $finds | Should -Be 15
            $moved.IndexQueries | Should -Be 15
        }
        finally { Stop-FaultProxy $proxy }
    }

    It 'ends the wait at its deadline, inside a round, when the index is behind: the move is complete and named as lagging' {
        $source = New-SourceTable 3
        $proxy = Start-SuiteFaultProxy @{ indexLagMs = 600000 }
        try {
            $container = Get-PorterAzureStorage -ConnectionString $proxy.ConnectionStrings['destaccount'] -Container (New-TestContainerName)
            $moved = Copy-PorterAzureContainer -Source (Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $source.Name) -Destination $container `
                -IndexTimeoutSeconds 0 -Confirm:$false -WarningVariable lagging 6>$null
            $moved.Copied | Should -Be $source.Items.Count
            $moved.Mismatches | Should -BeNullOrEmpty
            $moved.IndexLagging | Should -BeTrue
            $moved.Verified | Should -BeFalse
            # A deadline already passed: the first round asks every query once (one page each, all hidden), no later round starts.
            $moved.IndexQueries | Should -BeGreaterThan 1
            (Get-FaultProxyStats $proxy).operations.FindBlobsByTags | Should -Be $moved.IndexQueries
            $lagging | Should -Not -BeNullOrEmpty
        }
        finally { Stop-FaultProxy $proxy }
    }
}

Describe 'A table service that throttles as Cosmos DB for Table does (429 with x-ms-retry-after-ms) and answers unsorted' {
    BeforeAll {
        $script:Source = New-SourceTable 30
        $script:Proxy = Start-SuiteFaultProxy @{ tableThrottleRate = 0.3; tableRetryAfterMs = 5; tableShuffle = $true } -Table -Seed 5
        $script:Via = $script:Proxy.ConnectionStrings['devstoreaccount1']
        $script:ViaDestination = $script:Proxy.ConnectionStrings['destaccount']
    }
    AfterAll { Stop-FaultProxy $script:Proxy }

    It 'backs the table up, restores it, copies it and moves it with every entity written and verified' {
        $source = Get-PorterAzureStorage -ConnectionString $script:Via -Table $script:Source.Name
        $backup = Backup-PorterAzureContainer -Storage $source -Destination (Join-Path $TestDrive 'throttled')
        $backup.Verified | Should -BeTrue
        $backup.FileCount | Should -Be $script:Source.Items.Count

        $restoreTable = New-TableName
        $restored = Restore-PorterAzureContainer -Path $backup.Path -Storage (Get-PorterAzureStorage -ConnectionString $script:ViaDestination -Table $restoreTable) -Confirm:$false
        $restored.Verified | Should -BeTrue
        Get-PorterTableDigest -ConnectionString $script:DestinationConnection -Table $restoreTable | Should -Be $script:Source.Digest
        # The table holds entities now, whatever order its pages come in: a restore without -Force is refused.
        { Restore-PorterAzureContainer -Path $backup.Path -Storage (Get-PorterAzureStorage -ConnectionString $script:ViaDestination -Table $restoreTable) -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TableNotEmpty*'

        $copyTable = New-TableName
        $copy = Copy-PorterAzureContainer -Source $source -Destination (Get-PorterAzureStorage -ConnectionString $script:ViaDestination -Table $copyTable) -Confirm:$false
        $copy.Verified | Should -BeTrue
        $copy.Copied | Should -Be $script:Source.Items.Count
        Get-PorterTableDigest -ConnectionString $script:DestinationConnection -Table $copyTable | Should -Be $script:Source.Digest

        $container = Get-PorterAzureStorage -ConnectionString $script:ViaDestination -Container (New-TestContainerName)
        $moved = Copy-PorterAzureContainer -Source $source -Destination $container -Confirm:$false 6>$null
        $moved.Verified | Should -BeTrue
        $moved.Copied | Should -Be ($script:Source.Items.Count)

        $stats = Get-FaultProxyStats $script:Proxy
        $stats.faults.throttle429 | Should -BeGreaterThan 10
        $stats.operations.TableBatch | Should -BeGreaterThan 0
        $stats.operations.QueryEntities | Should -BeGreaterThan 0
    }

    It 'writes a transaction throttled longer than the client retries one request, by sending it again after the wait asked for' {
        # More 429s for transactions than all of them in flight can absorb in the client's own retries (13 attempts each).
        Set-FaultProxy $script:Proxy @{ tableThrottleRate = 0; tableThrottleNext = @{ operation = 'TableBatch'; count = 60 } } | Out-Null
        $before = [int](Get-FaultProxyStats $script:Proxy).faults.throttle429
        $copyTable = New-TableName
        $source = Get-PorterAzureStorage -ConnectionString $script:Via -Table $script:Source.Name
        $copy = Copy-PorterAzureContainer -Source $source -Destination (Get-PorterAzureStorage -ConnectionString $script:ViaDestination -Table $copyTable) -Confirm:$false
        $copy.Verified | Should -BeTrue
        $copy.Copied | Should -Be $script:Source.Items.Count
        ([int](Get-FaultProxyStats $script:Proxy).faults.throttle429 - $before) | Should -Be 60
        Get-PorterTableDigest -ConnectionString $script:DestinationConnection -Table $copyTable | Should -Be $script:Source.Digest
    }

    It 'names what a failed transaction left unwritten (TableWriteIncomplete) after writing the others, and a rerun finishes' {
        # Each partition of one entity (the sets, the schema) is one request; these are refused, the transactions are not.
        Set-FaultProxy $script:Proxy @{ tableThrottleNext = $null; failRules = @(@{ operation = 'UpdateEntity'; status = 400; code = 'InvalidInput' }) } | Out-Null
        $copyTable = New-TableName
        $source = Get-PorterAzureStorage -ConnectionString $script:Via -Table $script:Source.Name
        $dest = Get-PorterAzureStorage -ConnectionString $script:ViaDestination -Table $copyTable
        $err = $null
        Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -Match '^TableWriteIncomplete'
        $total = $script:Source.Items.Count
        $err[0].Exception.Message | Should -Match "$($total - 3) of $total entities were written and 3 were not"
        @(Get-PorterTableEntity -ConnectionString $script:DestinationConnection -Table $copyTable).Count | Should -Be ($total - 3)

        Set-FaultProxy $script:Proxy @{ failRules = @() } | Out-Null
        $again = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
        $again.Copied | Should -Be 3
        $again.Verified | Should -BeTrue
        Get-PorterTableDigest -ConnectionString $script:DestinationConnection -Table $copyTable | Should -Be $script:Source.Digest
    }

    It 'restores every entity it can when some writes are refused, names the rest (TableWriteIncomplete), removes nothing, and a rerun with -Force finishes' {
        $backup = Backup-PorterAzureContainer -Storage (Get-PorterAzureStorage -ConnectionString $script:Via -Table $script:Source.Name) -Destination (Join-Path $TestDrive 'refused')
        # Into an empty table every entity is added: the lone entities of their partitions (the sets, the schema) one request each.
        Set-FaultProxy $script:Proxy @{ failRules = @(@{ operation = 'InsertEntity'; status = 400; code = 'InvalidInput' }) } | Out-Null
        $table = New-TableName
        $target = Get-PorterAzureStorage -ConnectionString $script:ViaDestination -Table $table
        $err = $null
        Restore-PorterAzureContainer -Path $backup.Path -Storage $target -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -Match '^TableWriteIncomplete'
        $total = $script:Source.Items.Count
        $err[0].Exception.Message | Should -Match "$($total - 3) of $total entities were written and 3 were not"
        $err[0].Exception.Message | Should -Match 'restore again with -Force'
        @(Get-PorterTableEntity -ConnectionString $script:DestinationConnection -Table $table).Count | Should -Be ($total - 3)

        Set-FaultProxy $script:Proxy @{ failRules = @() } | Out-Null
        $again = Restore-PorterAzureContainer -Path $backup.Path -Storage $target -Force -Confirm:$false
        $again.Verified | Should -BeTrue
        Get-PorterTableDigest -ConnectionString $script:DestinationConnection -Table $table | Should -Be $script:Source.Digest
    }

    It 'sends no transaction over 2 MB: entities near the plugin''s 64 KiB limit go about 24 to a transaction' {
        Set-FaultProxy $script:Proxy @{ failRules = @() } | Out-Null
        $table = New-TableName
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 0
        $rng = [Random]::new(9)
        foreach ($i in 1..40) {
            $data = [byte[]]::new(60000); $rng.NextBytes($data)
            Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey outputs -RowKey ('01RESULT{0:D18}-big' -f $i) -Group "r$i" -Data $data
        }
        $before = (Get-FaultProxyStats $script:Proxy).operations.TableBatch
        $copyTable = New-TableName
        $copy = Copy-PorterAzureContainer -Source (Get-PorterAzureStorage -ConnectionString $script:Via -Table $table) -Destination (Get-PorterAzureStorage -ConnectionString $script:ViaDestination -Table $copyTable) -Confirm:$false
        $copy.Verified | Should -BeTrue
        $stats = Get-FaultProxyStats $script:Proxy
        $stats.maxRequestBytes.TableBatch | Should -BeLessOrEqual 2000000
        ($stats.operations.TableBatch - $before) | Should -BeGreaterOrEqual 2
        Get-PorterTableDigest -ConnectionString $script:DestinationConnection -Table $copyTable | Should -Be (Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table)
    }
}
