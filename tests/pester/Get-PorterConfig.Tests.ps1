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
        (Get-Command Get-PorterConfig).OutputType.Name | Should -Contain 'PorterStorage.Core.Config.PorterConfig'
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
        (Get-FormatData -TypeName PorterStorage.Core.Config.PorterConfig).FormatViewDefinition[0].Control |
            Should -BeOfType System.Management.Automation.TableControl
    }
}
