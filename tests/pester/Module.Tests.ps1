BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $moduleDir = $env:PORTERSTORAGE_MODULE
    $manifest = Import-PowerShellDataFile (Join-Path $moduleDir 'PorterStorage.psd1')
}

Describe 'The staged module' {
    It 'is the staged copy under out/' {
        (Get-Module PorterStorage).ModuleBase | Should -Be $moduleDir
    }

    It 'runs on Windows PowerShell 5.1 and PowerShell 7' {
        $manifest.PowerShellVersion | Should -Be '5.1'
        $manifest.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
    }

    It 'exports exactly the cmdlets its manifest lists' {
        $exported = (Get-Command -Module PorterStorage -CommandType Cmdlet).Name | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        $manifest.FunctionsToExport | Should -BeNullOrEmpty
    }

    It 'uses approved verbs and declares an output type on every cmdlet' {
        $approved = (Get-Verb).Verb
        foreach ($c in Get-Command -Module PorterStorage) {
            $approved | Should -Contain $c.Verb
            $c.OutputType | Should -Not -BeNullOrEmpty -Because "$($c.Name) must declare [OutputType]"
        }
    }

    It 'keeps the engine and third-party assemblies in Dependencies' {
        Join-Path $moduleDir 'PorterStorage.dll' | Should -Exist
        Join-Path $moduleDir 'Dependencies/PorterStorage.Core.dll' | Should -Exist
        Join-Path $moduleDir 'Dependencies/Tomlyn.dll' | Should -Exist
        Get-ChildItem $moduleDir -Filter *.dll | ForEach-Object Name | Should -Be @('PorterStorage.dll')
    }

    It 'ships only netstandard2.0 assemblies of its own' {
        $root = (Get-Module PorterStorage).ImplementingAssembly
        $engine = (Get-PorterHome -Path $TestDrive).GetType().Assembly
        foreach ($assembly in $root, $engine) {
            $tfm = $assembly.GetCustomAttributes([Runtime.Versioning.TargetFrameworkAttribute], $false).FrameworkName
            $tfm | Should -Be '.NETStandard,Version=v2.0' -Because $assembly.Location
        }
        $engine.Location | Should -Be (Join-Path $moduleDir 'Dependencies/PorterStorage.Core.dll')
    }

    It 'keeps every third-party type out of the root assembly, so only the engine crosses into the private context' {
        $root = (Get-Module PorterStorage).ImplementingAssembly
        $names = $root.GetReferencedAssemblies().Name | Sort-Object
        $names | Where-Object { $_ -notin 'netstandard', 'System.Management.Automation', 'PorterStorage.Core', 'System.Runtime.Loader' } | Should -BeNullOrEmpty
    }

    It 'ships an about_ help topic' {
        Join-Path $moduleDir 'en-US/about_PorterStorage.help.txt' | Should -Exist
        (Get-Help about_PorterStorage | Out-String) | Should -Match 'Get-PorterHome'
    }
}
