BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Dependency isolation' {
    It 'imports and works in a session that already loaded older Azure.Core and YamlDotNet' {
        $packages = $env:PORTERSTORAGE_PACKAGES
        $oldAzure = Join-Path $packages 'azure.core/1.38.0/lib/net6.0/Azure.Core.dll'
        $oldYaml = Join-Path $packages 'yamldotnet/13.1.1/lib/net7.0/YamlDotNet.dll'
        $oldAzure | Should -Exist
        $oldYaml | Should -Exist
        $home1 = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'yaml-home') -Force
        Set-Content -LiteralPath (Join-Path $home1 'config.yaml') -Value "default-storage: team`nstorage:`n  - name: team`n    plugin: azure.blob`n    config:`n      env: TEAM`n"

        $script = @"
`$ErrorActionPreference = 'Stop'
[void][Reflection.Assembly]::LoadFrom('$oldAzure')
[void][Reflection.Assembly]::LoadFrom('$oldYaml')
Import-Module '$($env:PORTERSTORAGE_MODULE)'
`$c = Get-PorterConfig -Path '$($home1.FullName)'
'plugin=' + `$c.ResolvedStorage.Plugin
'env=' + `$c.ResolvedStorage.Config['env']
`$engine = `$c.GetType().Assembly
`$alc = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine)
'engineContext=' + `$alc.GetType().FullName
'moduleYaml=' + (`$alc.Assemblies | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }).GetName().Version
'defaultYaml=' + ([Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }).GetName().Version
'defaultAzure=' + ([Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { `$_.GetName().Name -eq 'Azure.Core' }).GetName().Version
`$b = Get-PorterAzureStorage -ConnectionString '$($env:PORTERSTORAGE_AZURITE_CS1)' -Container isolation | Test-PorterAzureBlobIndex -ErrorAction SilentlyContinue -ErrorVariable azErr
'azureCall=' + `$azErr[0].FullyQualifiedErrorId
'moduleAzure=' + (`$alc.Assemblies | Where-Object { `$_.GetName().Name -eq 'Azure.Core' }).GetName().Version
"@
        $r = Invoke-ChildPwsh -Command $script
        $r.Output | Should -Match 'plugin=azure\.blob'
        $r.Output | Should -Match 'env=TEAM'
        $r.Output | Should -Match 'engineContext=PorterStorage\.Loading\.DependencyLoadContext'
        $r.Output | Should -Match 'moduleYaml=16\.'
        $r.Output | Should -Match 'defaultYaml=13\.'
        $r.Output | Should -Match 'defaultAzure=1\.38\.0'
        # A real call to Azurite through the module's own Azure.Core (the container does not exist: a named error, not a load failure).
        $r.Output | Should -Match 'azureCall=ContainerNotFound,PorterStorage\.Commands\.TestPorterAzureBlobIndexCommand'
        $r.Output | Should -Match 'moduleAzure=1\.62\.'
        $r.ExitCode | Should -Be 0
    }

    It 'loads the core on .NET 8 through the module''s own resolver and parses TOML' {
        $harness = $env:PORTERSTORAGE_HARNESS
        $harness | Should -Exist
        $output = & $harness $env:PORTERSTORAGE_MODULE 2>&1 | Out-String
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output | Should -Match 'runtime: 8\.'
        $output | Should -Match 'ok: TOML config parsed and resolved'
        $output | Should -Match 'ok: System.Text.Json loaded privately from Dependencies'
        $output | Should -Match 'ok: Azure.Core loaded privately from Dependencies'
        $output | Should -Match 'harness: passed'
    }
}
