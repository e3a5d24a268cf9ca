BeforeAll {
    . (Join-Path $PSScriptRoot 'AzureCommon.ps1')
    $key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
}

Describe 'Get-PorterAzureStorage' {
    AfterEach { Remove-Item Env:TEAM_PORTER_STORAGE -ErrorAction SilentlyContinue }

    It 'declares its output type' {
        (Get-Command Get-PorterAzureStorage).OutputType.Name | Should -Contain 'PorterStorage.PorterAzureStorage'
    }

    It 'reads an Azurite connection string and never shows the key' {
        $s = Get-PorterAzureStorage -ConnectionString $script:SourceConnection
        $s.AccountName | Should -Be 'devstoreaccount1'
        $s.Container | Should -Be 'porter'
        $s.Authentication | Should -Be 'ConnectionString'
        $s.BlobEndpoint.ToString() | Should -Be "$($env:PORTERSTORAGE_AZURITE_ENDPOINT)/devstoreaccount1"
        $shown = ($s | Format-List * | Out-String) + $s.ToString() + ($s | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue)
        $shown | Should -Not -Match ([regex]::Escape($key.Substring(0, 20)))
        $shown | Should -Not -Match 'AccountKey'
    }

    It 'builds the public endpoint from AccountName and EndpointSuffix' {
        $s = Get-PorterAzureStorage -ConnectionString "DefaultEndpointsProtocol=https;AccountName=stporter;AccountKey=$key;EndpointSuffix=core.windows.net" -Container other
        $s.BlobEndpoint.ToString() | Should -Be 'https://stporter.blob.core.windows.net/'
        $s.ContainerUri.ToString() | Should -Be 'https://stporter.blob.core.windows.net/other'
    }

    It 'follows the home''s config and its env variable, as the plugin does' {
        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'azure-home') -Force
        Set-Content (Join-Path $h 'config.toml') "default-storage = `"team`"`n[[storage]]`nname = `"team`"`nplugin = `"azure.blob`"`n[storage.config]`nenv = `"TEAM_PORTER_STORAGE`"`n"
        $env:TEAM_PORTER_STORAGE = $script:SourceConnection
        $s = Get-PorterHome -Path $h.FullName | Get-PorterAzureStorage
        $s.AccountName | Should -Be 'devstoreaccount1'
        $s.Source | Should -Match 'env TEAM_PORTER_STORAGE'
        $s.Source | Should -Match '"team"'
    }

    It 'gives one storage per home for wildcards and arrays, and takes piped homes literally (a home named c[1])' {
        $root = Join-Path $TestDrive 'azure-homes'
        foreach ($n in 'a', 'c[1]') {
            $h = New-Item -ItemType Directory -Path (Join-Path $root $n) -Force
            Set-Content -LiteralPath (Join-Path $h.FullName 'config.toml') "default-storage = `"team`"`n[[storage]]`nname = `"team`"`nplugin = `"azure.blob`"`n[storage.config]`nenv = `"TEAM_PORTER_STORAGE`"`n"
        }
        $env:TEAM_PORTER_STORAGE = $script:SourceConnection
        @(Get-PorterAzureStorage -Path (Join-Path $root '*')).Count | Should -Be 2
        @(Get-PorterAzureStorage -Path (Join-Path $root 'a'), (Join-Path $root 'a')).Count | Should -Be 2
        (Get-PorterHome -LiteralPath (Join-Path $root 'c[1]') | Get-PorterAzureStorage).AccountName | Should -Be 'devstoreaccount1'
        (Get-Item -LiteralPath (Join-Path $root 'c[1]') | Get-PorterAzureStorage).AccountName | Should -Be 'devstoreaccount1'
        @(Get-PorterHome -Path (Join-Path $root '*') | Get-PorterAzureStorage -ErrorAction Stop).Count | Should -Be 2
    }

    It 'takes an Az.Storage context by its properties, as -Context and wherever a storage is expected' {
        # The shape of New-AzStorageContext's output (Az.Storage is not installed here): a key-based context carries its
        # connection string, a SAS-based one its token, a connected-account one neither.
        $null = New-SeededContainer -Installations 1 -Name porter -Force
        $keyed = [pscustomobject]@{
            StorageAccountName = 'devstoreaccount1'
            BlobEndPoint = ([regex]::Match($script:SourceConnection, 'BlobEndpoint=([^;]+)').Groups[1].Value + '/')
            ConnectionString = $script:SourceConnection
            StorageAccount = [pscustomobject]@{ Credentials = [pscustomobject]@{ IsSAS = $false; IsSharedKey = $true } }
        }
        $fromContext = Get-PorterAzureStorage -Context $keyed
        $fromContext.AccountName | Should -Be 'devstoreaccount1'
        $fromContext.Container | Should -Be 'porter'
        ($fromContext | Out-String) | Should -Not -Match 'AccountKey|Eby8vdM02'
        (Get-PorterAzureStorage -Context $keyed -Container other).Container | Should -Be 'other'
        # where a storage is expected, the context stands for Porter's container
        Test-PorterStorage -Storage $keyed -Quiet | Should -BeTrue
        $keyed | Test-PorterStorage -Quiet | Should -BeTrue
        (Test-PorterAzureBlobIndex -Storage $keyed -WhatIf).State | Should -Be 'NotProbed'

        $sasContext = [pscustomobject]@{
            StorageAccountName = 'stporter'; BlobEndPoint = 'https://stporter.blob.core.windows.net/'; ConnectionString = 'BlobEndpoint=https://stporter.blob.core.windows.net/;'
            StorageAccount = [pscustomobject]@{ Credentials = [pscustomobject]@{ IsSAS = $true; SASToken = '?sv=2024-01-01&sp=rl&sig=SECRETSIG' } }
        }
        $sas = Get-PorterAzureStorage -Context $sasContext
        $sas.Authentication | Should -Be 'SasToken'
        ($sas | Format-List * | Out-String) | Should -Not -Match 'SECRETSIG'
        $oauth = Get-PorterAzureStorage -Context ([pscustomobject]@{ StorageAccountName = 'stporter'; BlobEndPoint = 'https://stporter.blob.core.windows.net/'; ConnectionString = 'BlobEndpoint=https://stporter.blob.core.windows.net/;' })
        $oauth.Authentication | Should -Not -Be 'SasToken'
        $oauth.Authentication | Should -Not -Be 'SharedKey'
        { Get-PorterAzureStorage -Context ([pscustomobject]@{ Name = 'x' }) -ErrorAction Stop } |
            Should -Throw -ErrorId 'AzureCredentialNotFound,PorterStorage.Commands.GetPorterAzureStorageCommand'
        (Get-Command Get-PorterAzureStorage).Parameters.Keys | Should -Contain 'UseConnectedAccount'
    }

    It 'names the missing variable (AzureCredentialNotFound)' {
        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'nocred') -Force
        Set-Content (Join-Path $h 'config.toml') "default-storage-plugin = `"azure.blob`"`n"
        $saved = $env:AZURE_STORAGE_CONNECTION_STRING
        Remove-Item Env:AZURE_STORAGE_CONNECTION_STRING -ErrorAction SilentlyContinue
        try {
            { Get-PorterAzureStorage -Path $h.FullName -ErrorAction Stop } |
                Should -Throw -ErrorId 'AzureCredentialNotFound,PorterStorage.Commands.GetPorterAzureStorageCommand'
        }
        finally { if ($saved) { $env:AZURE_STORAGE_CONNECTION_STRING = $saved } }
    }

    It 'refuses a filesystem home (StorageNotAzure) and half an account setting (AzureConfigIncomplete)' {
        $fs = (New-PorterSampleHome -Path (Join-Path $TestDrive 'fs') -Kind Legacy).FullName
        { Get-PorterAzureStorage -Path $fs -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotAzure,PorterStorage.Commands.GetPorterAzureStorageCommand'
        (Get-PorterAzureStorage -Path $fs -StorageName team -ErrorAction SilentlyContinue -ErrorVariable e) | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Be 'AzureCredentialNotFound,PorterStorage.Commands.GetPorterAzureStorageCommand'
        $half = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'half') -Force
        Set-Content (Join-Path $half 'config.toml') "default-storage-plugin = `"azure.blob`"`n"
        Set-Content (Join-Path $half 'config.toml') "default-storage = `"s`"`n[[storage]]`nname = `"s`"`nplugin = `"azure.blob`"`n[storage.config]`nenv = `"UNSET_PORTER_VARIABLE`"`naccount = `"stporter`"`n"
        { Get-PorterAzureStorage -Path $half.FullName -ErrorAction Stop } | Should -Throw -ErrorId 'AzureConfigIncomplete,PorterStorage.Commands.GetPorterAzureStorageCommand'
    }

    It 'rejects a malformed connection string without echoing it (AzureConnectionInvalid)' {
        $bad = 'AccountName=x;AccountKey=not-base64-SECRETPART'
        $err = $null
        Get-PorterAzureStorage -ConnectionString $bad -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'AzureConnectionInvalid,PorterStorage.Commands.GetPorterAzureStorageCommand'
        ($err | Out-String) | Should -Not -Match 'SECRETPART'
    }

    It 'accepts a SAS token or an identity without showing them' {
        $sas = Get-PorterAzureStorage -AccountName stporter -SasToken '?sv=2024-01-01&sig=SECRETSIG'
        $sas.Authentication | Should -Be 'SasToken'
        ($sas | Format-List * | Out-String) | Should -Not -Match 'SECRETSIG'
        $mi = Get-PorterAzureStorage -BlobEndpoint 'https://stporter.blob.core.windows.net' -UseManagedIdentity -ClientId '00000000-0000-0000-0000-000000000001'
        $mi.Authentication | Should -Be 'ManagedIdentity'
        $mi.AccountName | Should -Be 'stporter'
    }

    It 'names a managed identity over an http endpoint (HttpsRequired) before any request, not with the SDK''s words' {
        { Get-PorterAzureStorage -BlobEndpoint 'http://127.0.0.1:10000/stporter' -AccountName stporter -UseManagedIdentity -ErrorAction Stop } |
            Should -Throw -ErrorId 'HttpsRequired,PorterStorage.Commands.GetPorterAzureStorageCommand'
    }

    It 'places -AccountName in the cloud -Environment names, with the table beside it (no request made)' {
        $sasToken = 'sv=2024-01-01&sp=rl&sig=SECRETSIG'
        $gov = Get-PorterAzureStorage -Environment AzureUSGovernment -AccountName stporter -SasToken $sasToken
        $gov.BlobEndpoint.ToString() | Should -Be 'https://stporter.blob.core.usgovcloudapi.net/'
        $gov.ContainerUri.ToString() | Should -Be 'https://stporter.blob.core.usgovcloudapi.net/porter'
        $gov.Cloud | Should -Be 'AzureUSGovernment'
        ($gov | Format-List * | Out-String) | Should -Not -Match 'SECRETSIG'
        $govTable = Get-PorterAzureStorage -Environment AzureUSGovernment -AccountName stporter -SasToken $sasToken -Table porter
        $govTable.TableUri.ToString() | Should -Be 'https://stporter.table.core.usgovcloudapi.net/porter'
        $china = Get-PorterAzureStorage -Environment AzureChinaCloud -AccountName stporter -UseManagedIdentity -Table porter
        $china.BlobEndpoint.ToString() | Should -Be 'https://stporter.blob.core.chinacloudapi.cn/'
        $china.TableUri.ToString() | Should -Be 'https://stporter.table.core.chinacloudapi.cn/porter'
        (Get-PorterAzureStorage -AccountName stporter -SasToken $sasToken).Cloud | Should -Be 'AzureCloud'
        $stack = Get-PorterAzureStorage -EndpointSuffix local.azurestack.external -AccountName stporter -SasToken $sasToken -Table porter
        $stack.TableUri.ToString() | Should -Be 'https://stporter.table.local.azurestack.external/porter'
        (Get-PorterAzureStorage -EndpointSuffix core.usgovcloudapi.net -AccountName stporter -SasToken $sasToken).Cloud | Should -Be 'AzureUSGovernment'
        { Get-PorterAzureStorage -Environment AzureGermanCloud -AccountName stporter -SasToken $sasToken } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,PorterStorage.Commands.GetPorterAzureStorageCommand'
        { Get-PorterAzureStorage -Environment AzureUSGovernment -EndpointSuffix core.windows.net -AccountName stporter -SasToken $sasToken -ErrorAction Stop } |
            Should -Throw -ErrorId 'EnvironmentConflict,PorterStorage.Commands.GetPorterAzureStorageCommand'
        { Get-PorterAzureStorage -ConnectionString "AccountName=stporter;AccountKey=$key" -Environment AzureUSGovernment } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,PorterStorage.Commands.GetPorterAzureStorageCommand'
    }

    It 'asks a custom domain for its account instead of guessing it (AccountRequired), and takes the one given' {
        $sasToken = 'sv=2024-01-01&sp=rl&sig=SECRETSIG'
        $err = $null
        Get-PorterAzureStorage -BlobEndpoint https://porter.contoso.com -SasToken $sasToken -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'AccountRequired,PorterStorage.Commands.GetPorterAzureStorageCommand'
        $err[0].Exception.Message | Should -Match 'porter\.contoso\.com'
        $err[0].Exception.Message | Should -Match '-AccountName'
        ($err | Out-String) | Should -Not -Match 'SECRETSIG'
        { Get-PorterAzureStorage -ConnectionString "BlobEndpoint=https://porter.contoso.com;AccountKey=$key" -ErrorAction Stop } |
            Should -Throw -ErrorId 'AzureConnectionInvalid,PorterStorage.Commands.GetPorterAzureStorageCommand'
        $custom = Get-PorterAzureStorage -BlobEndpoint https://porter.contoso.com -AccountName stporter -SasToken $sasToken
        $custom.AccountName | Should -Be 'stporter'
        $custom.ContainerUri.ToString() | Should -Be 'https://porter.contoso.com/porter'
        $custom.Cloud | Should -BeNullOrEmpty
        { Get-PorterAzureStorage -BlobEndpoint https://porter.contoso.com -AccountName stporter -SasToken $sasToken -Table porter -ErrorAction Stop } |
            Should -Throw -ErrorId 'AzureConnectionInvalid,PorterStorage.Commands.GetPorterAzureStorageCommand'
        (Get-PorterAzureStorage -BlobEndpoint https://porter.contoso.com -AccountName stporter -SasToken $sasToken -Table porter -TableEndpoint https://stporter.table.core.usgovcloudapi.net).TableUri.ToString() |
            Should -Be 'https://stporter.table.core.usgovcloudapi.net/porter'
    }

    It 'takes -Environment for a home: a connection string keeps its own endpoints; an Azure CLI cloud the module does not know is named (AzureConfigIncomplete)' {
        $h = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'cloud-home') -Force
        Set-Content (Join-Path $h 'config.toml') "default-storage = `"team`"`n[[storage]]`nname = `"team`"`nplugin = `"azure.blob`"`n[storage.config]`nenv = `"TEAM_PORTER_STORAGE`"`naccount = `"stporter`"`nresource-group = `"rg`"`nsubscription-id = `"sub-1`"`n"
        $env:TEAM_PORTER_STORAGE = $script:SourceConnection
        (Get-PorterAzureStorage -Path $h.FullName -Environment AzureUSGovernment).AccountName | Should -Be 'devstoreaccount1'
        Remove-Item Env:TEAM_PORTER_STORAGE
        $saved = $env:AZURE_CONFIG_DIR, $env:AZURE_CLOUD_NAME
        try {
            $env:AZURE_CONFIG_DIR = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'azure-cli') -Force).FullName
            $env:AZURE_CLOUD_NAME = 'AzureStackUser'
            $err = $null
            Get-PorterAzureStorage -Path $h.FullName -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be 'AzureConfigIncomplete,PorterStorage.Commands.GetPorterAzureStorageCommand'
            $err[0].Exception.Message | Should -Match 'AzureStackUser'
        }
        finally { $env:AZURE_CONFIG_DIR, $env:AZURE_CLOUD_NAME = $saved }
    }
}
