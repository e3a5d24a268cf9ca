BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    . (Join-Path $PSScriptRoot '../SampleTable.ps1')
    # The third account: its table and its container are both 'porter', as the two plugins hard-code them.
    $script:TableConnection = $env:PORTERSTORAGE_AZURITE_CS3
    if (-not $script:TableConnection) { throw 'Azurite is not running: run the tests through build.ps1 Test.' }
    function New-TableName { 't' + [Guid]::NewGuid().ToString('N').Substring(0, 20) }
    function New-TableHome([string] $Name, [string] $Plugin = 'azure.table') {
        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name) -Force
        Set-Content (Join-Path $h 'config.toml') "default-storage = `"team`"`n[[storage]]`nname = `"team`"`nplugin = `"$Plugin`"`n[storage.config]`nenv = `"TEAM_PORTER_STORAGE`"`n"
        $h.FullName
    }
    # What the azure.blob plugin would hold for each item: its blob name, its tags and the SHA-256 of its document.
    function Get-ExpectedBlobDigest($Items) {
        $groupTag = @{ claims = 'installation'; results = 'claim-id'; outputs = 'result-id' }
        $Items | ForEach-Object {
            $tags = if ($_.Type -eq 'schema') { '' } else {
                $t = [ordered]@{ type = $_.Type }
                if ($groupTag[$_.Type]) { $t[$groupTag[$_.Type]] = $_.Group }
                ($t.GetEnumerator() | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ','
            }
            $name = if ($_.Type -eq 'schema') { 'schema' } else { "$($_.Type)/$($_.Name)" }
            "$name [$tags] $([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([byte[]]$_.Bytes)).ToLowerInvariant())"
        } | Sort-Object
    }
}

Describe 'The azure.table plugin''s store' {
    AfterEach { Remove-Item Env:TEAM_PORTER_STORAGE -ErrorAction SilentlyContinue }

    It 'is shown as a table store by Get-PorterAzureStorage, Get-PorterHome and Get-PorterConfig, and its schema entity is read' {
        $table = New-TableName
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 2
        $direct = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $table
        $direct.Kind | Should -Be 'Table'
        $direct | Should -BeOfType ([PorterStorage.PorterAzureTable])
        $direct.TableUri | Should -Match "/devstoreaccount1/$table$"
        ($direct | Out-String) + $direct.ToString() | Should -Not -Match 'Eby8vdM02'

        $null = New-PorterTableStore -ConnectionString $script:TableConnection -Table porter -Installations 3
        $h = New-TableHome 'tablehome'
        $env:TEAM_PORTER_STORAGE = $script:TableConnection
        $fromConfig = Get-PorterAzureStorage -Path $h
        $fromConfig.Kind | Should -Be 'Table'
        $fromConfig.Table | Should -Be 'porter'
        $fromConfig.Source | Should -Match 'env TEAM_PORTER_STORAGE'
        (Get-PorterConfig -Path $h).Storage.Plugin | Should -Be 'azure.table'
        $porterHome = Get-PorterHome -Path $h
        $porterHome.StorageIsLocal | Should -BeFalse
        $porterHome.AzureStorage.Kind | Should -Be 'Table'
        $porterHome.Items.Claims | Should -Be 3
        $porterHome.Items.Installations | Should -Be 3
        $porterHome.Items.Credentials | Should -Be 1
        $porterHome.Layout | Should -Be 'Current'
        $schema = Test-PorterSchema -Path $h
        $schema.State | Should -Be 'Current'
        $schema.MigrationRequired | Should -BeFalse
        $schema.SchemaPath | Should -Match '/tablestore/porter/schema/schema$'
        # Nothing to migrate: the table plugin postdates the format; the migration says where to go instead.
        { Invoke-PorterStorageMigration -Path $h -SkipBackupCheck -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'AzureStoreKindMismatch*'
    }

    It 'is checked the way the plugin reads it, and what the plugin cannot read is named' {
        $table = New-TableName
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 3
        $storage = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $table
        $clean = Test-PorterStorage -Storage $storage
        $clean.IsValid | Should -BeTrue
        $clean.Findings | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty

        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey claims -RowKey 01BADDATA0000000000000000 `
            -Json '{"PartitionKey":"claims","RowKey":"01BADDATA0000000000000000","group":"app1","data":"a string where the plugin writes binary"}'
        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey results -RowKey 01NOGROUP0000000000000000 `
            -Json "{`"PartitionKey`":`"results`",`"RowKey`":`"01NOGROUP0000000000000000`",`"data`":`"$([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('{}')))`",`"data@odata.type`":`"Edm.Binary`"}"
        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey notes -RowKey n1 -Group '' -Data ([byte[]](1, 2))
        $check = Test-PorterStorage -Storage $storage
        $check.IsValid | Should -BeFalse
        $codes = $check.Findings | ForEach-Object Code
        $codes | Should -Contain 'TableEntityUndecodable'
        $codes | Should -Contain 'TableEntityUngrouped'
        $codes | Should -Contain 'TableEntityUnknown'
        ($check.Findings | Where-Object Code -eq 'TableEntityUndecodable').Path | Should -Match 'claims/01BADDATA'
        Test-PorterStorage -Storage $storage -Quiet | Should -BeFalse

        { Get-PorterMigrationPlan -Storage $storage -ErrorAction Stop } | Should -Throw -ErrorId 'AzureStoreKindMismatch*'
        { Invoke-PorterStorageMigration -Storage $storage -SkipBackupCheck -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'AzureStoreKindMismatch*'
        $missing = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table (New-TableName)
        { Test-PorterStorage -Storage $missing -ErrorAction Stop } | Should -Throw -ErrorId 'TableNotFound*'
    }

    It 'is backed up (every entity, property and type, 0600), checked, restored into an empty table and, with -Force, over one (made equal to the backup)' {
        $secret = 'TableSecret-' + [Guid]::NewGuid().ToString('N')
        $table = New-TableName
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 4 -Secret $secret
        # A property the plugin never writes, of another type: kept as it is.
        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey notes -RowKey n1 `
            -Json '{"PartitionKey":"notes","RowKey":"n1","count":"42","count@odata.type":"Edm.Int64","when":"2021-04-08T10:00:00.1234567Z","when@odata.type":"Edm.DateTime","ok":true,"ratio":0.5,"far":"-Infinity","far@odata.type":"Edm.Double"}'
        $source = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $table
        $sourceDigest = Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table

        Backup-PorterAzureContainer -Storage $source -Destination (Join-Path $TestDrive 'whatif') -WhatIf
        Test-Path (Join-Path $TestDrive 'whatif') | Should -BeFalse

        $all = Backup-PorterAzureContainer -Storage $source -Destination (Join-Path $TestDrive 'table-backups') -Verbose *>&1
        $backup = $all | Where-Object { $_.GetType().Name -eq 'PorterBackup' }
        $backup.Kind | Should -Be 'Table'
        $backup.FileCount | Should -Be 20
        $backup.Verified | Should -BeTrue
        $backup.Path | Should -Match "porter-table-devstoreaccount1-$table-.*\.tar\.gz$"
        if (-not $IsWindows) { [Convert]::ToString([int][IO.File]::GetUnixFileMode($backup.Path), 8) | Should -Be '600' }
        ($all | Out-String -Width 400) | Should -Not -Match $secret
        $check = Test-PorterBackup -Path $backup.Path
        $check.IsValid | Should -BeTrue
        $check.Kind | Should -Be 'table'
        (Get-PorterBackup -Path (Join-Path $TestDrive 'table-backups')).Kind | Should -Be 'Table'
        # A copy that outlives this machine, in a blob container; never into a table.
        $kept = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $sent = Backup-PorterAzureContainer -Storage $source -Destination (Join-Path $TestDrive 'table-backups-sent') -CopyTo $kept
        $sent.CopiedTo | Should -Match ([regex]::Escape($kept.ContainerUri.ToString()))
        (Get-PorterBackup -Storage $kept -Destination (Join-Path $TestDrive 'table-backups-back')).Kind | Should -Be 'Table'
        { Backup-PorterAzureContainer -Storage $source -Destination (Join-Path $TestDrive 'never') -CopyTo $source -ErrorAction Stop } | Should -Throw -ErrorId 'AzureStoreKindMismatch*'
        Test-Path (Join-Path $TestDrive 'never') | Should -BeFalse

        $targetTable = New-TableName
        $target = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Table $targetTable
        Restore-PorterAzureContainer -Path $backup.Path -Storage $target -WhatIf
        { Test-PorterStorage -Storage $target -ErrorAction Stop } | Should -Throw -ErrorId 'TableNotFound*'
        $restored = Restore-PorterAzureContainer -Path $backup.Path -Storage $target -Confirm:$false
        $restored.EntityCount | Should -Be 20
        $restored.Verified | Should -BeTrue
        Get-PorterTableDigest -ConnectionString $script:DestinationConnection -Table $targetTable | Should -Be $sourceDigest

        { Restore-PorterAzureContainer -Path $backup.Path -Storage $target -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'TableNotEmpty*'
        Set-PorterTableEntity -ConnectionString $script:DestinationConnection -Table $targetTable -PartitionKey credentials -RowKey team -Group '' -Data ([byte[]](1))
        Set-PorterTableEntity -ConnectionString $script:DestinationConnection -Table $targetTable -PartitionKey credentials -RowKey extra -Group '' -Data ([byte[]](2))
        $again = Restore-PorterAzureContainer -Path $backup.Path -Storage $target -Force -Confirm:$false
        $again.Verified | Should -BeTrue
        $again.Replaced | Should -Be 1
        $again.Removed | Should -Be 1
        $again.PreRestoreBackup | Should -Exist
        $after = Get-PorterTableEntity -ConnectionString $script:DestinationConnection -Table $targetTable
        @($after).Count | Should -Be 20
        ($after | Where-Object RowKey -eq 'extra') | Should -BeNullOrEmpty -Because '-Force makes the table equal to the backup'
        [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(($after | Where-Object { $_.PartitionKey -eq 'credentials' -and $_.RowKey -eq 'team' }).data)) | Should -Match $secret

        # A table backup is not restored into a container, nor a container backup into a table.
        $container = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        { Restore-PorterAzureContainer -Path $backup.Path -Storage $container -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'BackupKindMismatch*'
        $containerBackup = New-SeededContainer -Installations 1 | Backup-PorterAzureContainer -Destination (Join-Path $TestDrive 'container-backups')
        { Restore-PorterAzureContainer -Path $containerBackup.Path -Storage $target -Force -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'BackupKindMismatch*'
        # A damaged table backup is refused before anything is written.
        $damaged = Join-Path $TestDrive 'damaged.tar.gz'
        Copy-Item $backup.Path $damaged
        Set-ArchiveByteFlip -Path $damaged -EntryName 'entities/credentials/team'
        { Restore-PorterAzureContainer -Path $damaged -Storage (Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Table (New-TableName)) -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupCorrupt*'
    }

    It 'is copied to a table in another account, verified entity by entity, and a rerun copies nothing' {
        $table = New-TableName
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 3
        $source = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $table
        $destTable = New-TableName
        $dest = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Table $destTable
        Copy-PorterAzureContainer -Source $source -Destination $dest -WhatIf
        { Test-PorterStorage -Storage $dest -ErrorAction Stop } | Should -Throw -ErrorId 'TableNotFound*'
        $copy = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
        $copy.Total | Should -Be 15
        $copy.Copied | Should -Be 15
        $copy.Verified | Should -BeTrue
        Get-PorterTableDigest -ConnectionString $script:DestinationConnection -Table $destTable | Should -Be (Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table)
        $again = Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false
        $again.Copied | Should -Be 0
        $again.Skipped | Should -Be 15
        $again.Verified | Should -BeTrue

        Set-PorterTableEntity -ConnectionString $script:DestinationConnection -Table $destTable -PartitionKey parameters -RowKey team -Group '' -Data ([byte[]](7))
        { Copy-PorterAzureContainer -Source $source -Destination $dest -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'TableNotEmpty*'
        (Copy-PorterAzureContainer -Source $source -Destination $dest -Force -Confirm:$false).Copied | Should -Be 1
        { Copy-PorterAzureContainer -Source $source -Destination $source -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'AzureStoreKindMismatch*'
        # A table where only a container will do is named before any request.
        { Test-PorterAzureBlobIndex -Storage $source -ErrorAction Stop } | Should -Throw -ErrorId 'AzureStoreKindMismatch*'
        { Copy-PorterAzureContainer -Source (Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Container (New-TestContainerName)) -Destination $dest -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'AzureStoreKindMismatch*'
    }

    It 'is moved into a blob container in the azure.blob plugin''s layout: found by Porter''s tag queries, byte-identical, the table untouched' {
        $table = New-TableName
        $items = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 4
        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey notes -RowKey n1 -Group '' -Data ([byte[]](1))
        $tableDigest = Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table
        $source = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $table
        $containerName = New-TestContainerName
        $container = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container $containerName

        Copy-PorterAzureContainer -Source $source -Destination $container -WhatIf
        $all = Copy-PorterAzureContainer -Source $source -Destination $container -Confirm:$false *>&1
        $moved = $all | Where-Object { $_.GetType().Name -eq 'PorterContainerCopyResult' }
        $moved.Total | Should -Be $items.Count
        $moved.Copied | Should -Be $items.Count
        $moved.TagsCopied | Should -Be ($items.Count - 1)
        $moved.Verified | Should -BeTrue
        $moved.LeftOut | Should -Be @('notes/n1')
        $moved.ConfigChange | Should -Match 'plugin "azure.table" to "azure.blob"'
        ($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message | Should -Match 'not Porter items'
        ($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).MessageData.Message | Should -Match '^Porter config: '

        # Byte-identical, with exactly the plugin's names and tags.
        Get-ContainerDigest -Storage $container | Should -Be (Get-ExpectedBlobDigest $items)
        # Porter's own queries: each type, and each grouped type with its group.
        foreach ($type in 'installations', 'claims', 'results', 'outputs', 'credentials', 'parameters') {
            $expected = @($items | Where-Object Type -eq $type | ForEach-Object { "$type/$($_.Name)" } | Sort-Object)
            @(Find-PorterBlobByTag -ConnectionString $script:DestinationConnection -Container $containerName -Tags @{ type = $type } | Sort-Object) | Should -Be $expected
        }
        $groupTag = @{ claims = 'installation'; results = 'claim-id'; outputs = 'result-id' }
        foreach ($item in $items | Where-Object { $groupTag[$_.Type] }) {
            Find-PorterBlobByTag -ConnectionString $script:DestinationConnection -Container $containerName -Tags @{ type = $item.Type; $groupTag[$item.Type] = $item.Group } |
                Should -Contain "$($item.Type)/$($item.Name)"
        }
        (Test-PorterStorage -Storage $container).IsValid | Should -BeTrue
        Get-PorterTableDigest -ConnectionString $script:SourceConnection -Table $table | Should -Be $tableDigest

        # A rerun converges; data in the container that is not the table's is refused without -Force.
        $again = Copy-PorterAzureContainer -Source $source -Destination $container -Confirm:$false 6>$null
        $again.Copied | Should -Be 0
        $again.Skipped | Should -Be $items.Count
        $again.Verified | Should -BeTrue
        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey parameters -RowKey team -Group '' -Data ([Text.Encoding]::UTF8.GetBytes('{"name":"team","changed":true}'))
        { Copy-PorterAzureContainer -Source $source -Destination $container -Confirm:$false -ErrorAction Stop 6>$null } | Should -Throw -ErrorId 'ContainerNotEmpty*'
        $forced = Copy-PorterAzureContainer -Source $source -Destination $container -Force -Confirm:$false 6>$null
        $forced.Copied | Should -Be 1
        $forced.Verified | Should -BeTrue
    }

    It 'stops a move before writing anything when an entity cannot be read as a Porter item' {
        $table = New-TableName
        $null = New-PorterTableStore -ConnectionString $script:SourceConnection -Table $table -Installations 1
        Set-PorterTableEntity -ConnectionString $script:SourceConnection -Table $table -PartitionKey claims -RowKey 01BADDATA0000000000000000 `
            -Json '{"PartitionKey":"claims","RowKey":"01BADDATA0000000000000000","group":"app1","data":"not binary"}'
        $source = Get-PorterAzureStorage -ConnectionString $script:SourceConnection -Table $table
        $container = Get-PorterAzureStorage -ConnectionString $script:DestinationConnection -Container (New-TestContainerName)
        $err = $null
        Copy-PorterAzureContainer -Source $source -Destination $container -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue 6>$null
        $err[0].FullyQualifiedErrorId | Should -Match '^TableEntityUndecodable'
        $err[0].TargetObject | Should -Match 'claims/01BADDATA'
        { Test-PorterStorage -Storage $container -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotFound*'
    }

    It 'moves a home off the table plugin: -UpdateConfig switches its config to azure.blob once verified, keeping the old one' {
        $h = New-TableHome 'movinghome'
        $env:TEAM_PORTER_STORAGE = $script:TableConnection
        $items = New-PorterTableStore -ConnectionString $script:TableConnection -Table porter -Installations 3
        $table = Get-PorterAzureStorage -Path $h
        $container = Get-PorterAzureStorage -ConnectionString $script:TableConnection
        # Without -UpdateConfig the change is only said.
        $said = Copy-PorterAzureContainer -Source $table -Destination $container -Confirm:$false 6>$null
        $said.Verified | Should -BeTrue
        $said.ConfigChange | Should -Match ([regex]::Escape((Join-Path $h 'config.toml')))
        $said.ConfigChange | Should -Match '"team"'
        $said.ConfigUpdated | Should -BeNullOrEmpty
        (Get-Content -Raw (Join-Path $h 'config.toml')) | Should -Match 'azure\.table'
        # Another container than porter cannot be what Porter reads: the config is left alone.
        $elsewhere = Get-PorterAzureStorage -ConnectionString $script:TableConnection -Container (New-TestContainerName)
        $err = $null
        Copy-PorterAzureContainer -Source $table -Destination $elsewhere -UpdateConfig -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue 6>$null | Out-Null
        $err[0].FullyQualifiedErrorId | Should -Match '^ConfigNotUpdated'
        (Get-Content -Raw (Join-Path $h 'config.toml')) | Should -Match 'azure\.table'

        $before = Get-Content -Raw (Join-Path $h 'config.toml')
        $done = Copy-PorterAzureContainer -Source $table -Destination $container -UpdateConfig -Confirm:$false 6>$null
        $done.Verified | Should -BeTrue
        $done.ConfigUpdated | Should -Be (Join-Path $h 'config.toml')
        (Get-Content -Raw (Join-Path $h 'config.toml')) | Should -Be ($before -replace 'azure\.table', 'azure.blob')
        $kept = @(Get-ChildItem $h -Filter 'config.toml.*.azure-table')
        $kept.Count | Should -Be 1
        Get-Content -Raw $kept[0].FullName | Should -Be $before
        if (-not $IsWindows) { [Convert]::ToString([int][IO.File]::GetUnixFileMode($kept[0].FullName), 8) | Should -Be '600' }
        # The home now reads the container, as Porter will.
        (Get-PorterAzureStorage -Path $h).Kind | Should -Be 'Container'
        (Test-PorterSchema -Path $h).State | Should -Be 'Current'
        (Test-PorterStorage -Path $h).IsValid | Should -BeTrue
        (Get-PorterHome -Path $h).Items.Claims | Should -Be 3
        Get-ContainerDigest -Storage $container | Should -Be (Get-ExpectedBlobDigest $items)
    }
}
