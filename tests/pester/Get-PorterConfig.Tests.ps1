BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-PorterConfig' {
    BeforeAll {
        $legacy = (New-PorterSampleHome -Path (Join-Path $TestDrive 'legacy') -Kind Legacy).FullName
        function New-ConfigHome([string] $Name, [string] $File, [string] $Text) {
            $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name) -Force
            Set-Content -LiteralPath (Join-Path $dir $File) -Value $Text -NoNewline
            $dir.FullName
        }
    }

    It 'declares its output type' {
        (Get-Command Get-PorterConfig).OutputType.Name | Should -Contain 'PorterStorage.PorterConfig'
    }

    It 'reads every [[storage]] entry and resolves the one that applies' {
        $c = Get-PorterConfig -Path $legacy
        $c.Format | Should -Be 'Toml'
        $c.Storage.Name | Should -Be @('local', 'team')
        $c.Storage[1].Config['env'] | Should -Be 'TEAM_PORTER_STORAGE'
        $c.ResolvedStorage.Plugin | Should -Be 'filesystem'
        $c.ResolvedStorage.Source | Should -Be 'built-in default'
    }

    It 'follows default-storage to an azure.blob entry' {
        $h = New-ConfigHome 'azure' 'config.toml' "default-storage = `"team`"`n[[storage]]`nname = `"team`"`nplugin = `"azure.blob`"`n[storage.config]`nenv = `"TEAM`"`n"
        $c = Get-PorterConfig $h
        $c.ResolvedStorage.Name | Should -Be 'team'
        $c.ResolvedStorage.IsAzureBlob | Should -BeTrue
    }

    It 'reads YAML and JSON configs' {
        (Get-PorterConfig (New-ConfigHome 'yaml' 'config.yaml' "default-storage-plugin: azure.blob`n")).ResolvedStorage.Plugin | Should -Be 'azure.blob'
        (Get-PorterConfig (New-ConfigHome 'json' 'config.json' '{"default-storage-plugin":"azure.blob"}')).Format | Should -Be 'Json'
    }

    It 'returns defaults for a home without a config file' {
        $c = Get-PorterConfig (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'bare')).FullName
        $c.Exists | Should -BeFalse
        $c.ResolvedStorage.IsFilesystem | Should -BeTrue
    }

    It 'binds the home from Get-PorterHome on the pipeline' {
        (Get-PorterHome -Path $legacy | Get-PorterConfig).FilePath | Should -Be (Join-Path $legacy 'config.toml')
    }

    It 'binds HomePath from Test-PorterSchema output' {
        (Test-PorterSchema -Path $legacy | Get-PorterConfig).HomePath | Should -Be $legacy
    }

    It 'names the file and line of a malformed config (ConfigParseError)' {
        $h = New-ConfigHome 'bad' 'config.toml' "a = 1`nb = = 2`n"
        $err = $null
        Get-PorterConfig $h -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'ConfigParseError,PorterStorage.Commands.GetPorterConfigCommand'
        $err[0].TargetObject | Should -Be (Join-Path $h 'config.toml')
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].Exception.Message | Should -Match 'line 2'
        { Get-PorterConfig $h -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigParseError,PorterStorage.Commands.GetPorterConfigCommand'
    }

    It 'reports default-storage naming no entry (StorageNotDefined)' {
        $h = New-ConfigHome 'undef' 'config.toml' "default-storage = `"nope`"`n"
        { Get-PorterConfig $h -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotDefined,PorterStorage.Commands.GetPorterConfigCommand'
    }

    It 'reports a missing home (HomeNotFound) and goes on with the next one' {
        $err = $null
        $out = Get-PorterConfig -Path (Join-Path $TestDrive 'missing'), $legacy -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Match '^HomeNotFound'
        $out.HomePath | Should -Be $legacy
    }

    It 'has a default table view' {
        (Get-FormatData -TypeName PorterStorage.PorterConfig).FormatViewDefinition[0].Control |
            Should -BeOfType System.Management.Automation.TableControl
    }

    It 'never shows a secret of the config: output, Format-List *, JSON, verbose, errors, Get-PorterHome' {
        $planted = 'PLANTEDSECRET0123456789'
        $text = "default-storage = `"dev`"`n[[storage]]`nname = `"dev`"`nplugin = `"azure.blob`"`n[storage.config]`nenv = `"DEV_CONN`"`n" +
            "connection-string = `"DefaultEndpointsProtocol=https;AccountName=stporter;AccountKey=$planted==;EndpointSuffix=core.windows.net`"`n" +
            "password = `"$planted-pw`"`nsas = `"sv=2020&sig=$planted`"`n"
        $h = New-ConfigHome 'secret' 'config.toml' $text
        $all = & {
            $c = Get-PorterConfig -Path $h -Verbose 4>&1
            $c
            $c | Where-Object { $_.PSObject.TypeNames[0] -eq 'PorterStorage.PorterConfig' } | Format-List * | Out-String
            $c | Where-Object { $_.PSObject.TypeNames[0] -eq 'PorterStorage.PorterConfig' } | ForEach-Object { $_.Storage | Format-List * | Out-String; $_.ResolvedStorage | Format-List * | Out-String }
            $c | Where-Object { $_.PSObject.TypeNames[0] -eq 'PorterStorage.PorterConfig' } | ConvertTo-Json -Depth 8
            $home2 = Get-PorterHome -Path $h -Verbose 4>&1
            $home2 | Out-String
            $home2 | Where-Object { $_.PSObject.TypeNames[0] -eq 'PorterStorage.PorterHome' } | ForEach-Object { $_.Config | ConvertTo-Json -Depth 8; $_.Storage | ConvertTo-Json -Depth 8 }
            Get-PorterAzureStorage -Path $h -ErrorAction SilentlyContinue -ErrorVariable e 2>&1
            $e | Out-String
        } | Out-String
        $all | Should -Not -Match $planted
        $c = Get-PorterConfig -Path $h
        $c.Storage[0].Config['connection-string'] | Should -Be '********'
        $c.Storage[0].Config['password'] | Should -Be '********'
        $c.Storage[0].Config['env'] | Should -Be 'DEV_CONN'
    }

    It 'still connects from the config with the real value' {
        $h = New-ConfigHome 'secret2' 'config.toml' "default-storage = `"dev`"`n[[storage]]`nname = `"dev`"`nplugin = `"azure.blob`"`n[storage.config]`nenv = `"PS_TEST_CONN_$PID`"`n"
        Set-Item "env:PS_TEST_CONN_$PID" 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1'
        try {
            $s = Get-PorterAzureStorage -Path $h
            $s.AccountName | Should -Be 'devstoreaccount1'
            $s.Authentication | Should -Be 'ConnectionString'
        }
        finally { Remove-Item "env:PS_TEST_CONN_$PID" }
    }
}
